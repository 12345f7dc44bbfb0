/**
 * Derives full Unicode case folding (CaseFolding.txt, statuses C and F) from what the JavaScript
 * runtime knows, and writes it as the compact table functions/search/case-fold-table.ts holds:
 * `npx tsx scripts/unicode/write-case-fold-table.ts` rewrites that file (run it when Node.js, and
 * so the Unicode version, changes; tests/unit/search/case-fold.test.ts fails until then).
 *
 * The derivation: a character's full folding is `toLowerCase(toUpperCase(toLowerCase(c)))` (so
 * `ß` -> `SS` -> `ss`, `ᾳ` -> `ΑΙ` -> `αι`, `ς` -> `Σ` -> `σ`, the Kelvin sign -> `k`), except:
 * - Cherokee, which CaseFolding.txt folds to its uppercase letters (they were encoded first);
 * - a one-character result that simple case folding does not put in the same class as `c` (the
 *   runtime's `/…/iu` matching is simple case folding, statuses C and S): then `c` does not fold.
 *   This is what keeps `ı` (dotless i; only the Turkic status T folds to it) apart from `i`.
 * Cross-checked when written against Python's `str.casefold` (Unicode 14.0): no difference on
 * any character assigned in 14.0.
 *
 * The table keeps only what plain `toLowerCase` gets wrong: for each character that
 * `toLowerCase` leaves as it is, its folding where that is another string.
 */
const CHEROKEE = /^\p{Script=Cherokee}$/u;

/** The full case folding of one code point, as the runtime's Unicode data gives it. */
export function derivedFolding(codePoint: number): string {
  const c = String.fromCodePoint(codePoint);
  if (CHEROKEE.test(c)) return c.toUpperCase();
  const folded = c.toLowerCase().toUpperCase().toLowerCase();
  if (folded === c) return c;
  if ([...folded].length === 1 && !new RegExp(`^\\u{${codePoint.toString(16)}}$`, 'iu').test(folded))
    return c;
  return folded;
}

function isSurrogate(codePoint: number): boolean {
  return codePoint >= 0xd800 && codePoint <= 0xdfff;
}

/** Code point -> folding, for every character `toLowerCase` keeps but case folding changes. */
export function deriveCaseFoldTable(): Map<number, string> {
  const out = new Map<number, string>();
  for (let cp = 0; cp <= 0x10ffff; cp += 1) {
    if (isSurrogate(cp)) continue;
    const c = String.fromCodePoint(cp);
    if (c.toLowerCase() !== c) continue;
    const folded = derivedFolding(cp);
    if (folded !== c) out.set(cp, folded);
  }
  return out;
}

const hex = (cp: number) => cp.toString(16);
const codePoints = (text: string) => [...text].map((ch) => ch.codePointAt(0) as number);

/**
 * The table as text: `cp:fold` entries (hexadecimal code points, a fold's code points split by
 * `.`) separated by `,`; a run of code points that fold one-to-one to a run as long is `first-last:fold`.
 */
export function encodeCaseFoldTable(table: ReadonlyMap<number, string>): string {
  const entries = [...table].sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  for (let i = 0; i < entries.length; ) {
    const [cp, folded] = entries[i] as [number, string];
    const target = codePoints(folded);
    let j = i + 1;
    if (target.length === 1) {
      const delta = (target[0] as number) - cp;
      for (;;) {
        const next = entries[j];
        if (!next || next[0] !== cp + (j - i)) break;
        const nextTarget = codePoints(next[1]);
        if (nextTarget.length !== 1 || (nextTarget[0] as number) - next[0] !== delta) break;
        j += 1;
      }
    }
    const last = cp + (j - i - 1);
    out.push(`${hex(cp)}${last > cp ? `-${hex(last)}` : ''}:${target.map(hex).join('.')}`);
    i = j;
  }
  return out.join(',');
}

/** The source file functions/search/case-fold-table.ts for the table. */
export function caseFoldTableSource(table: ReadonlyMap<number, string>): string {
  const encoded = encodeCaseFoldTable(table);
  const lines: string[] = [];
  for (let at = 0; at < encoded.length; ) {
    let end = Math.min(encoded.length, at + 96);
    if (end < encoded.length) end = encoded.lastIndexOf(',', end) + 1;
    lines.push(`  '${encoded.slice(at, end)}',`);
    at = end;
  }
  return [
    '/**',
    ' * Full Unicode case folding (CaseFolding.txt, statuses C and F) where it differs from',
    " * `toLowerCase`, from the runtime's Unicode data (Unicode " +
      `${process.versions.unicode}): written by`,
    ' * scripts/unicode/write-case-fold-table.ts; do not edit. Format: `encodeCaseFoldTable` in',
    ' * scripts/unicode/case-folding.ts.',
    ' */',
    'export const CASE_FOLD_TABLE = [',
    ...lines,
    "].join('');",
    '',
  ].join('\n');
}
