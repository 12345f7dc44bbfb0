/**
 * A seeded, deterministic generator of realistic release files (YAML front matter + Markdown
 * body, like seeds/): about 150 ministers (with `Hon` / `Rt Hon`, some Māori names with macrons),
 * 200 portfolios, dates from 1990 to the end date, 1-3 ministers and portfolios each, bodies of
 * 1-20 KB, varied date forms, `extra` fields, a url on most. Body words come from a themed list
 * and a Zipf-ranked vocabulary of 50,000 made-up words, and each body names one or two rare places
 * from a pool a third the size of the corpus, so rare, middling and common words all exist. Used
 * by the query tests and the benchmark. The same seed, count and end date always give the same files.
 *
 * This module is the command line and what other code imports; the generator's parts are
 * corpus-files.ts (the files), cast.ts and cast-lists.ts (ministers and portfolios),
 * front-matter.ts, body-text.ts, word-lists.ts, zipf-vocabulary.ts, rare-names.ts and random.ts.
 *
 *   npx tsx scripts/corpus/generate.ts --seed 1 --count 5000 --out .local/corpus
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCorpus } from './corpus-files.js';

export { type CorpusFile, type CorpusOptions, corpusFileAt, generateCorpus } from './corpus-files.js';
export { makeRandom } from './random.js';
export { rareName } from './rare-names.js';
export { ZIPF_VOCABULARY_SIZE, zipfVocabulary } from './zipf-vocabulary.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      count: { type: 'string', default: '1000' },
      end: { type: 'string' },
      out: { type: 'string', default: '.local/corpus' },
    },
  });
  const out = resolve(values.out);
  let written = 0;
  for (const file of generateCorpus({
    seed: Number(values.seed),
    count: Number(values.count),
    ...(values.end ? { endDate: values.end } : {}),
  })) {
    const path = join(out, file.key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
    written += 1;
  }
  process.stdout.write(`${written} release files in ${out}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
