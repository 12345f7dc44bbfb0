/** Full case folding: known cases from CaseFolding.txt, and the committed table against the runtime's Unicode data. */
import { describe, expect, it } from 'vitest';
import { caseFold } from '#search/case-fold.js';
import { CASE_FOLD_TABLE } from '#search/case-fold-table.js';
import {
  caseFoldTableSource,
  deriveCaseFoldTable,
  derivedFolding,
  encodeCaseFoldTable,
} from '../../../scripts/unicode/case-folding.js';

describe('caseFold', () => {
  it('folds as CaseFolding.txt (statuses C and F) says', () => {
    const cases: Array<[string, string]> = [
      ['ß', 'ss'],
      ['ẞ', 'ss'],
      ['Straße', 'strasse'],
      ['ﬁ', 'fi'],
      ['ﬃ', 'ffi'],
      ['Σ', 'σ'],
      ['ς', 'σ'],
      ['σ', 'σ'],
      ['ΟΔΟΣ', 'οδοσ'],
      ['İ', 'i\u0307'],
      ['\u212A', 'k'],
      ['\u2126', 'ω'],
      ['µ', 'μ'],
      ['ſ', 's'],
      ['ŉ', 'ʼn'],
      ['ǰ', 'j\u030C'],
      ['ΐ', 'ι\u0308\u0301'],
      ['ᾳ', 'αι'],
      ['ᾼ', 'αι'],
      ['ᾈ', 'ἀι'],
      ['ͅ', 'ι'],
      ['ϐ', 'β'],
      ['և', 'եւ'],
      ['ﬓ', 'մն'],
      ['ᲀ', 'в'],
      ['Ǆ', 'ǆ'],
      ['ǅ', 'ǆ'],
      ['Ꮳ', 'Ꮳ'],
      ['ꮳ', 'Ꮳ'],
      ['ᏸ', 'Ᏸ'],
      ['ı', 'ı'],
      ['I', 'i'],
      ['Ⴀ', 'ⴀ'],
      ['Ა', 'ა'],
      ['𐐀', '𐐨'],
      ['中国', '中国'],
    ];
    for (const [text, folded] of cases) expect(caseFold(text), text).toBe(folded);
  });

  it('holds the table the running Node.js derives from its Unicode data (regenerate it if not)', () => {
    const derived = deriveCaseFoldTable();
    expect(encodeCaseFoldTable(derived)).toBe(CASE_FOLD_TABLE);
    expect(caseFoldTableSource(derived)).toContain(`(Unicode ${process.versions.unicode})`);
  });

  it('folds every code point as the derivation does', () => {
    const wrong: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp += 1) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if (caseFold(c) !== derivedFolding(cp)) wrong.push(cp.toString(16));
    }
    expect(wrong).toEqual([]);
  });
});
