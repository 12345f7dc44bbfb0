/**
 * Pass 1 of `--large` (materialize.ts): the stop list, the entity and word figures, and what the
 * measured queries can read of the word index. The corpus is split in two: this thread counts the
 * first half while a worker thread (survey-worker.ts) counts the second, and the worker's counts
 * are merged after this thread's, in corpus order, so the result is exactly a count of the whole
 * corpus in order (a test holds it to one).
 */
import { Worker } from 'node:worker_threads';
import type { Release } from '#release/release.js';
import type { StopList } from '#search/keys.js';
import { DocumentFrequency, type DocumentFrequencyCounts } from '#search/stop-list.js';
import { generateCorpus } from '../../scripts/corpus/generate.js';
import { EntityTally, parseFile, type WordCounts, WordTally } from '../corpus-items.js';
import type { Options } from '../options.js';
import type { Progress } from '../progress.js';
import { queryVariants, textQueries } from '../queries.js';
import { vocabularyTerms, type WantedIndex, wantedIndex } from './wanted.js';

export interface Surveyed {
  stop: StopList;
  tally: EntityTally;
  words: WordTally;
  wanted: WantedIndex;
}

/** What the entity tally reads of a release (the worker sends these, to be tallied in order). */
export type TallyInput = Pick<Release, 'id' | 'date' | 'ministers' | 'portfolios'>;

/** A part of the corpus to count: `count` files from `first`, of a corpus of `size`. */
export interface SurveyPart {
  seed: number;
  endDate: string;
  first: number;
  count: number;
  size: number;
}

/** What a worker sends back: its counts, and its releases' tally inputs in corpus order. */
export interface PartCounts {
  frequency: DocumentFrequencyCounts;
  words: WordCounts;
  tally: TallyInput[];
}

/** Releases counted between progress ticks (and returns to the event loop). */
export const TICK = 1000;

/** Counts a part of the corpus; `onTick` every TICK releases (it may yield to the event loop). */
export async function countPart(
  part: SurveyPart,
  onRelease: (release: Release) => void,
  onTick: () => Promise<void>,
): Promise<{ frequency: DocumentFrequency; words: WordTally }> {
  const frequency = new DocumentFrequency();
  const words = new WordTally();
  const files = generateCorpus({
    seed: part.seed,
    count: part.count,
    endDate: part.endDate,
    first: part.first,
    corpusCount: part.size,
  });
  for (const file of files) {
    const { release } = parseFile(file);
    frequency.add(release);
    words.add(release);
    onRelease(release);
    if (words.releases % TICK === 0) await onTick();
  }
  return { frequency, words };
}

/** The second half in a worker thread (TypeScript through tsx's loader, registered in it first). */
function countInWorker(part: SurveyPart, onTick: () => void): Promise<PartCounts> {
  const url = new URL('./survey-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: part });
  return new Promise((resolve, reject) => {
    worker.on('message', (message: { tick: true } | { counts: PartCounts }) => {
      if ('tick' in message) onTick();
      else resolve(message.counts);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`survey worker exited with ${code} before its counts`)));
  });
}

export async function survey(opts: Options, size: number, progress: Progress): Promise<Surveyed> {
  progress.phase(`large: survey of ${size.toLocaleString('en-US')} releases (stop list, figures)`, size);
  const tally = new EntityTally();
  const half = Math.floor(size / 2);
  const part = { seed: opts.seed, endDate: opts.endDate, size };
  const second = countInWorker({ ...part, first: half, count: size - half }, () => progress.tick(TICK));
  // A worker that fails while this thread counts is reported when awaited below, not as unhandled.
  second.catch(() => undefined);
  const first = await countPart(
    { ...part, first: 0, count: half },
    (release) => tally.add(release),
    // Back to the event loop now and then: the progress line, the worker's ticks and Ctrl-C run on it.
    async () => {
      progress.tick(TICK);
      await new Promise((resolve) => setImmediate(resolve));
    },
  );
  const rest = await second;
  const { frequency, words } = first;
  frequency.merge(rest.frequency);
  words.merge(rest.words);
  for (const release of rest.tally) tally.add(release);
  const stop = frequency.stopList();
  const variants = queryVariants(tally, words, stop.words);
  const text = textQueries(variants, words);
  const queries = [
    ...Object.values(variants).flatMap((sets) => sets.flatMap((set) => (set.q ? [set.q] : []))),
    ...text.adversarial,
  ];
  const wanted = wantedIndex(
    queries,
    text.facetWord ? [text.facetWord] : [],
    stop,
    vocabularyTerms(frequency.wordCounts().keys(), stop),
  );
  progress.done();
  return { stop, tally, words, wanted };
}
