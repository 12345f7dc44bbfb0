/** What a word is: format characters, NFKC, full case folding, marks by script, segmentation of unspaced scripts. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendFoldedWords, detachedCopy, foldedCopyOf, foldText, wordsOf } from '#search/fold.js';
import { WINDOW } from '#search/segment.js';

/** `wordsOf` folding the whole text at once: the reference for its stretch-at-a-time fast path. */
function wholeWords(text: string): string[] {
  const out: string[] = [];
  appendFoldedWords(text, out);
  return out;
}

describe('format characters', () => {
  it('are removed before words are split: a soft hyphen or zero-width character joins, never splits', () => {
    expect(wordsOf('inter\u00ADnational')).toEqual(['international']);
    for (const format of ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD'])
      expect(wordsOf(`Inter${format}national co-operation`), JSON.stringify(format)).toEqual([
        'international',
        'co',
        'operation',
      ]);
    expect(wordsOf('\uFEFFBudget 2025')).toEqual(['budget', '2025']);
  });
});

describe('NFKC and case folding', () => {
  it('folds compatibility forms and case as full case folding does', () => {
    expect(wordsOf('Straße STRASSE strasse ẞ')).toEqual(['strasse', 'strasse', 'strasse', 'ss']);
    expect(wordsOf('ﬁnance ﬂow ＡＢＣ１２３ ①')).toEqual(['finance', 'flow', 'abc123', '1']);
    expect(wordsOf('ΟΔΟΣ οδος οδοσ')).toEqual(['οδοσ', 'οδοσ', 'οδοσ']);
    expect(wordsOf('\u212Aelvin KELVIN')).toEqual(['kelvin', 'kelvin']);
    expect(wordsOf('İSTANBUL İstanbul')).toEqual(['istanbul', 'istanbul']);
    // Dotless ı is a letter of its own (only Turkic folding, not used, maps I to it).
    expect(wordsOf('ılık')).toEqual(['ılık']);
    // Cherokee folds to its uppercase letters, as CaseFolding.txt does.
    expect(wordsOf('ᏣᎳᎩ ꮳꮃꭹ')).toEqual(['ᏣᎳᎩ', 'ᏣᎳᎩ']);
  });

  it('turns half-width katakana and full-width letters into their plain forms', () => {
    expect(wordsOf('ﾃﾞｰﾀ')).toEqual(wordsOf('データ'));
    expect(wordsOf('ｃｏｖｉｄ－１９')).toEqual(['covid', '19']);
  });
});

describe('accents and marks', () => {
  it('removes accents and macrons of Latin, Greek and Cyrillic letters, as before', () => {
    expect(wordsOf('NATO’s **Prime**\u00a0Minister, whānau\u2009ŌTAUTAHI—2024!')).toEqual([
      'nato',
      's',
      'prime',
      'minister',
      'whanau',
      'otautahi',
      '2024',
    ]);
    expect(wordsOf('École e\u0301cole Việt Ελλάδα ΐ Ёлка йод')).toEqual([
      'ecole',
      'ecole',
      'viet',
      'ελλαδα',
      'ι',
      'елка',
      'иод',
    ]);
  });

  it('keeps the marks that are letters of their script', () => {
    expect(wordsOf('हिन्दी भाषा')).toEqual(['हिन्दी', 'भाषा']);
    expect(wordsOf('हिन्दी')).not.toEqual(wordsOf('हनद'));
    expect(wordsOf('தமிழ்')).toEqual(['தமிழ்']);
    expect(wordsOf('ภาษาไทย')).toEqual(['ภาษา', 'ไทย']);
    // The voicing mark of kana stays (NFD takes it apart, NFC puts it back).
    expect(wordsOf('がぎぐ')).not.toEqual(wordsOf('かきく'));
  });

  it('drops a mark on no letter', () => {
    expect(wordsOf('\u0301 \u0301abc 1\u0303')).toEqual(['abc', '1']);
  });
});

describe('scripts written without spaces', () => {
  it('splits Chinese, Japanese, Thai, Lao, Khmer and Myanmar runs into words', () => {
    expect(wordsOf('中国政府宣布新的经济政策。')).toEqual(['中国', '政府', '宣布', '新的', '经济', '政策']);
    expect(wordsOf('中国')).toEqual(['中国']);
    expect(wordsOf('カタカナのテスト')).toEqual(['カタカナ', 'の', 'テスト']);
    expect(wordsOf('ภาษาไทยง่ายนิดเดียว')).toEqual(['ภาษา', 'ไทย', 'ง่าย', 'นิด', 'เดียว']);
    for (const text of ['ສະບາຍດີທຸກຄົນ', 'ភាសាខ្មែរគឺជាភាសា', 'မြန်မာဘာသာစကား'])
      expect(wordsOf(text).length, text).toBeGreaterThan(1);
  });

  it('keeps letters of other scripts next to such a run as words of their own', () => {
    expect(wordsOf('iPhone手机 2024年')).toEqual(['iphone', '手机', '2024', '年']);
    expect(wordsOf('한국 中国')).toEqual(['한국', '中国']);
  });

  it('splits a run the same wherever it stands, and a long run in bounded windows', () => {
    const sentence = '中国政府宣布新的经济政策';
    const alone = wordsOf(sentence);
    expect(wordsOf(`Intro. ${sentence}, and more`)).toEqual(['intro', ...alone, 'and', 'more']);
    expect(wordsOf(`${sentence}。${sentence}`)).toEqual([...alone, ...alone]);
    // A run longer than a window: words cut by a window's end are found whole in the next one.
    const long = sentence.repeat(Math.ceil((WINDOW * 5) / sentence.length));
    const words = wordsOf(long);
    expect(words.join('')).toBe(long);
    expect(new Set(words)).toEqual(new Set(alone));
  });

  it('splits each run as it would be split alone, whatever runs stand around it', () => {
    const runs = [
      '中国政府宣布',
      '新的经济政策',
      '东京都に住んでいます',
      'カタカナのテスト',
      'ภาษาไทยง่ายนิดเดียว',
      'ສະບາຍດີ',
      'ភាសាខ្មែរ',
      '中',
      '政策'.repeat(300),
    ];
    const between = [' ', '。', '，', ' abc ', '\n', 'x'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...runs), fc.constantFrom(...between)), {
          minLength: 1,
          maxLength: 30,
        }),
        (parts) => {
          const text = parts.map(([run, gap]) => `${run}${gap}`).join('');
          const alone = parts.flatMap(([run, gap]) => [...wordsOf(run), ...wordsOf(gap)]);
          expect(wordsOf(text)).toEqual(alone);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('folds a 5 MiB body of Chinese, or of Thai, in bounded time', () => {
    for (const unit of ['中国政府宣布新的经济政策，旨在促进可持续发展。', 'ภาษาไทยง่ายนิดเดียว']) {
      const text = unit.repeat(Math.ceil((5 * 1024 * 1024) / Buffer.byteLength(unit)));
      const started = performance.now();
      const words = wordsOf(text);
      const millis = performance.now() - started;
      expect(words.length).toBeGreaterThan(200_000);
      // About 2 s on Node.js 20 here, 1 s on Node.js 24; generous for a shared machine.
      expect(millis).toBeLessThan(20_000);
    }
  }, 60_000);
});

describe('the fast path', () => {
  it('gives what folding the whole text gives, for any mix of ASCII, other characters and spaces', () => {
    const pieces = [
      'a',
      'Zq',
      '19',
      ' ',
      '\n',
      '\t',
      '-',
      "'",
      'ā',
      'Ō',
      '\u0301',
      '\u00AD',
      '\u200B',
      'ß',
      '中国',
      '政府',
      'ไทย',
      'ﬁ',
      '\u00a0',
      '“',
      'Σ',
      '𠀀',
      'е',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        expect(wordsOf(text)).toEqual(wholeWords(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('folds plain ASCII by case alone', () => {
    expect(wordsOf('The PM’s plan: 3.5% growth')).toEqual(['the', 'pm', 's', 'plan', '3', '5', 'growth']);
    expect(foldText('Hello World')).toBe('hello world');
  });
});

describe('the folded copy', () => {
  it('cuts an over-long folded body at a word, says so, and keeps the whole body for the index', () => {
    const copy = foldedCopyOf('T', 'abcdefghi '.repeat(40_000));
    expect(copy.cut).toBe(true);
    expect(copy.body.endsWith('abcdefghi')).toBe(true);
    expect(copy.whole.split(' ')).toHaveLength(40_000);
    const short = foldedCopyOf('T', 'short body');
    expect(short.cut).toBe(false);
    expect(short.whole).toBe(short.body);
  });
});

describe('detachedCopy', () => {
  it('is the same string for any text, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(detachedCopy(text)).toBe(text);
      }),
    );
    expect(detachedCopy('a\ud800b')).toBe('a\ud800b');
  });
});
