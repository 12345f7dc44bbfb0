/**
 * Full Unicode case folding (CaseFolding.txt, statuses C and F; not the Turkic T): what makes
 * `Straße`, `STRASSE` and `strasse` one word, and `Σ`, `ς`, `σ` one letter. `toLowerCase` does most
 * of it; the table (case-fold-table.ts, derived from the runtime's Unicode data by
 * scripts/unicode/case-folding.ts) holds the characters it leaves that fold further: `ß` -> `ss`,
 * `ς` -> `σ`, the Greek iota subscripts, ligatures, and Cherokee, which folds to its uppercase.
 */
import { CASE_FOLD_TABLE } from './case-fold-table.js';

function decode(encoded: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of encoded.split(',')) {
    const [range = '', target = ''] = entry.split(':');
    const [first = '', last = first] = range.split('-');
    const from = Number.parseInt(first, 16);
    const to = Number.parseInt(last, 16);
    const folded = target.split('.').map((h) => Number.parseInt(h, 16));
    for (let cp = from; cp <= to; cp += 1) {
      // A range folds one-to-one, each code point by the same offset.
      const codes = to > from ? [(folded[0] as number) + (cp - from)] : folded;
      out.set(String.fromCodePoint(cp), String.fromCodePoint(...codes));
    }
  }
  return out;
}

const FOLDS = decode(CASE_FOLD_TABLE);
const FOLDS_FURTHER = new RegExp(
  `[${[...FOLDS.keys()].map((ch) => `\\u{${(ch.codePointAt(0) as number).toString(16)}}`).join('')}]`,
  'gu',
);

/** The full case folding of `text`. */
export function caseFold(text: string): string {
  return text.toLowerCase().replace(FOLDS_FURTHER, (ch) => FOLDS.get(ch) ?? ch);
}

/** The table as decoded: each character that `toLowerCase` keeps but folding changes, and its folding. */
export function caseFoldTable(): ReadonlyMap<string, string> {
  return FOLDS;
}
