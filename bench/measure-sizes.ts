/**
 * The sizes one after the other, each extending the previous one, as an archive grows: at each
 * size its stop list, the releases loaded, the ingest sample measured, the word index put, then
 * the queries measured on the table as it stands.
 */
import type { Release } from '#release/release.js';
import { SearchBulkBuilder } from '#search/bulk-index.js';
import type { StopList } from '#search/keys.js';
import { DocumentFrequency, stopListItems } from '#search/stop-list.js';
import { type CorpusFile, generateCorpus } from '../scripts/corpus/generate.js';
import { EntityTally, type ParsedFile, take, WordTally } from './corpus-items.js';
import { batchPut, scanUnitsFor, tableSize } from './dynamo.js';
import type { BenchEnvironment } from './environment.js';
import { measureEventPath } from './event-path.js';
import { measureIngest } from './ingest.js';
import { bulkLoad, countListed, rewriteListBits } from './load-corpus.js';
import { type IndexLoad, loadIndex } from './load-index.js';
import type { Options } from './options.js';
import type { Progress } from './progress.js';
import { measureQueries } from './queries.js';
import type { SizeResult } from './report/results.js';
import { round } from './stats.js';

/** Every size's figures, and the first files loaded, which the projector's cold starts replay. */
export async function measureSizes(
  env: BenchEnvironment,
  opts: Options,
  progress: Progress,
): Promise<{ results: SizeResult[]; replayable: CorpusFile[] }> {
  const log = (line: string) => progress.note(line);
  const corpus = generateCorpus({ seed: opts.seed, count: opts.sizes.at(-1) ?? 0, endDate: opts.endDate })[
    Symbol.iterator
  ]();
  const tally = new EntityTally();
  const words = new WordTally();
  // Every release so far, and their word and pair frequencies: each size derives its own stop
  // list from them, as a bulk load (or `reindex --derive-stop-list`) of that many releases would.
  const frequency = new DocumentFrequency();
  const all: Release[] = [];
  /** The first files loaded, which the projector's cold starts replay. */
  const replayable: CorpusFile[] = [];
  let stop: StopList | undefined;
  const results: SizeResult[] = [];
  let loaded = 0;
  for (const size of opts.sizes) {
    const sample = Math.min(opts.sample, size - loaded);
    const bulk = size - loaded - sample;
    // The stop list of this size, written before its releases: the projector and the bulk loader
    // give list items stop-word bits under it.
    const files = take(corpus, size - loaded);
    if (replayable.length === 0) replayable.push(...files.slice(0, 2 * (opts.coldRuns + 1)));
    for (const file of files) frequency.add(file.release);
    const previous = stop;
    stop = frequency.stopList();
    await batchPut(env.doc, env.tableName, stopListItems(stop), 1);
    if (previous && previous.version !== stop.version) await rewriteListBits(env, all, stop, opts, progress);
    const source: Iterator<ParsedFile> = files[Symbol.iterator]();
    const sizeStop = stop;
    const collect = (parsed: readonly ParsedFile[]) => {
      for (const file of parsed) {
        all.push(file.release);
        words.add(file.release);
      }
    };
    if (bulk > 0) await bulkLoad(env, source, bulk, tally, opts, progress, collect, sizeStop);
    const sampled = take(source, sample);
    collect(sampled);
    const ingest = await measureIngest(env, sampled, {
      concurrency: opts.concurrency,
      chunk: opts.chunk,
      releasesBefore: loaded + bulk,
      progress,
      stop: sizeStop,
    });
    for (const file of sampled) tally.add(file.release);
    loaded = size;
    const releasesListed = await countListed(env);
    if (releasesListed !== size) log(`warning: ${releasesListed} releases listed, expected ${size}`);
    // The whole index under this size's stop list, as one bulk load of every release so far.
    const indexLoad: IndexLoad = { builder: new SearchBulkBuilder(sizeStop), releases: 0, perRelease: {} };
    const index = await loadIndex(env, indexLoad, all, opts, progress);
    const table = await tableSize(env.dynamo, env.tableName);
    const measured = opts.skip.has('queries')
      ? { kinds: [], adversarial: [], facets: [] }
      : await measureQueries(env, tally, words, sizeStop.words, {
          scanUnits: scanUnitsFor(table.bytes),
          reps: opts.reps,
          textReps: opts.textReps,
          overheadReps: opts.overheadReps,
          pages: opts.pages,
          progress,
        });
    const { kinds: queries, adversarial, facets } = measured;
    // After the queries, which see the size's corpus alone: new files through the whole event path.
    const eventPath = opts.skip.has('event-path')
      ? undefined
      : await measureEventPath(
          env,
          { size, corpusCount: opts.sizes.at(-1) ?? size, stop: sizeStop, frequency: words.frequency },
          opts,
          progress,
        );
    const busiest = {
      minister: round((tally.ranked('minister')[0]?.count ?? 0) / size, 3),
      portfolio: round((tally.ranked('portfolio')[0]?.count ?? 0) / size, 3),
    };
    results.push({
      size,
      releasesListed,
      table,
      bulkLoaded: bulk,
      ingest,
      queries,
      adversarial,
      facets,
      busiest,
      index,
      ...(eventPath ? { eventPath } : {}),
    });
    log(
      `size ${size}: ingest ${ingest.eventPath.releasesPerSecond}/s vs raw ${ingest.rawWrite.releasesPerSecond}/s (${ingest.ratio}x); table ${(table.bytes / 1024 ** 2).toFixed(0)} MB`,
    );
  }
  return { results, replayable };
}
