/**
 * `npm run bench`: ingest throughput, query cost and latency, bundle sizes and
 * cold starts on DynamoDB Local, each against a baseline measured in the same run, at 5,000 and
 * 50,000 releases (`--sizes`, `--large` adds 500,000). Writes bench/results.json and
 * bench/RESULTS.md and prints the Markdown. Method: docs/benchmark.md.
 *
 *   npm run bench -- --sizes 5000,50000 [--large] [--concurrency 8] [--sample 5000]
 */
import './quiet-logs.js';

import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Release } from '#release/release.js';
import type { StopList } from '#search/keys.js';
import { DocumentFrequency, SearchBulkBuilder, stopListItems } from '#search/sync-plan.js';
import { type CorpusFile, generateCorpus } from '../scripts/corpus/generate.js';
import { buildBundles, measureColdStarts } from './cold-start.js';
import {
  EntityTally,
  type IndexFigures,
  indexItemKind,
  itemsForFiles,
  listItems,
  type ParsedFile,
  take,
  WordTally,
} from './corpus-items.js';
import { batchPut, type Item, itemSize, scanUnitsFor, tableSize } from './dynamo.js';
import { type BenchEnvironment, startBenchEnvironment } from './environment.js';
import { measureIngest } from './ingest.js';
import { codeVersion, machine } from './machine-and-commit.js';
import { checkMemory } from './memory-check.js';
import { type Options, options } from './options.js';
import { WORK_DIR } from './paths.js';
import { createProgress, type Progress } from './progress.js';
import { measureQueries } from './queries.js';
import type { Results, SizeResult } from './report/results.js';
import { computeTargets } from './report/targets.js';
import { rerenderReport, writeReport } from './report/write-report.js';
import { calibrateScan } from './scan-calibration.js';
import { round } from './stats.js';

/** The bulk part of a size: raw BatchWriteItem into the main table, parsing the next batch meanwhile. */
async function bulkLoad(
  env: BenchEnvironment,
  corpus: Iterator<CorpusFile | ParsedFile>,
  count: number,
  tally: EntityTally,
  opts: Options,
  progress: Progress,
  onFiles: (files: readonly ParsedFile[]) => void,
  stop: StopList,
): Promise<void> {
  progress.phase(`bulk load ${count.toLocaleString('en-US')} releases (raw path)`, count);
  const time = new Date().toISOString();
  const batch = 500;
  let inFlight: Promise<unknown> = Promise.resolve();
  for (let done = 0; done < count; done += batch) {
    const files = take(corpus, Math.min(batch, count - done));
    for (const file of files) tally.add(file.release);
    onFiles(files);
    const items = itemsForFiles(files, time, true, stop).filter((item) => !String(item.pk).startsWith('E#'));
    await inFlight;
    inFlight = batchPut(env.doc, env.tableName, items, opts.concurrency).then(() =>
      progress.tick(files.length),
    );
  }
  await inFlight;
  // Entity items as ingest would have left them after every release so far.
  await batchPut(env.doc, env.tableName, tally.items(), opts.concurrency);
  progress.done();
}

/**
 * The list items of the releases of earlier sizes again, with stop-word bits under a stop list
 * derived anew (as `reindex --reproject` writes them after `--derive-stop-list`).
 */
async function rewriteListBits(
  env: BenchEnvironment,
  releases: readonly Release[],
  stop: StopList,
  opts: Options,
  progress: Progress,
): Promise<void> {
  progress.phase(
    `list item bits of ${releases.length.toLocaleString('en-US')} releases, new stop list`,
    releases.length,
  );
  for (let i = 0; i < releases.length; i += 500) {
    const step = releases.slice(i, i + 500);
    await batchPut(
      env.doc,
      env.tableName,
      step.flatMap((release) => listItems(release, stop)),
      opts.concurrency,
    );
    progress.tick(step.length);
  }
  progress.done();
}

/** The word index at one size: a builder given every release loaded so far. */
interface IndexLoad {
  builder: SearchBulkBuilder;
  releases: number;
  /** Search entries and folded copies written at earlier sizes, by kind (items, write units, bytes). */
  perRelease: IndexFigures['byKind'];
}

function addFigures(byKind: IndexFigures['byKind'], items: readonly Item[]): void {
  for (const item of items) {
    const size = itemSize(item);
    const kind = indexItemKind(item);
    const figures = byKind[kind] ?? { items: 0, writeUnits: 0, bytes: 0 };
    figures.items += 1;
    figures.writeUnits += Math.ceil(size / 1024);
    figures.bytes += size;
    byKind[kind] = figures;
  }
}

/** Releases added to the index builder, and ten times as many shared items put, per step. */
const INDEX_STEP = 2000;

/**
 * The word index of every release loaded so far, as one bulk load of them writes it, under the
 * stop list derived at this size: aggregated items by BatchWriteItem (a put replaces an item; one
 * string-set ADD per posting item ran for over an hour at 45,000 added releases). Items of an
 * earlier size's index that no put replaces stay, as a re-derivation leaves them until every
 * release is synced again: a walk reads them and skips their entries. Write units: what a
 * BatchWriteItem put of each item costs (1 KB each, rounded up per item), over the releases.
 */
async function loadIndex(
  env: BenchEnvironment,
  load: IndexLoad,
  added: readonly Release[],
  opts: Options,
  progress: Progress,
): Promise<IndexFigures> {
  const started = performance.now();
  progress.phase(
    `word index of ${(load.releases + added.length).toLocaleString('en-US')} releases (bulk items)`,
    1,
  );
  // In steps, so that memory holds one step's folded copies and one step's shared items at a time.
  for (let i = 0; i < added.length; i += INDEX_STEP) {
    for (const release of added.slice(i, i + INDEX_STEP)) load.builder.add(release);
    const perRelease = load.builder.takeReleaseItems();
    addFigures(load.perRelease, perRelease);
    await batchPut(env.doc, env.tableName, perRelease, opts.concurrency);
  }
  load.releases += added.length;
  const byKind: IndexFigures['byKind'] = structuredClone(load.perRelease);
  const shared = [load.builder.vocabularyItems(), load.builder.postingItems()];
  let step: Record<string, unknown>[] = [];
  const flush = async () => {
    addFigures(byKind, step);
    await batchPut(env.doc, env.tableName, step, opts.concurrency);
    step = [];
  };
  for (const items of shared) {
    for (const item of items) {
      step.push(item);
      if (step.length === INDEX_STEP * 10) await flush();
    }
  }
  await flush();
  progress.tick();
  progress.done();
  const per = (value: number) => round(value / Math.max(1, load.releases), 1);
  let items = 0;
  let writeUnits = 0;
  let bytes = 0;
  for (const figures of Object.values(byKind)) {
    items += figures.items;
    writeUnits += figures.writeUnits;
    bytes += figures.bytes;
    figures.writeUnits = per(figures.writeUnits);
    figures.bytes = per(figures.bytes);
    figures.items = per(figures.items);
  }
  return {
    releases: load.releases,
    items,
    writeUnitsPerRelease: per(writeUnits),
    bytesPerRelease: per(bytes),
    byKind,
    stopWords: load.builder.stop.words.size,
    commonPairs: load.builder.stop.commonPairs?.size ?? 0,
    bucketYears: load.builder.stop.span,
    seconds: round((performance.now() - started) / 1000, 1),
  };
}

async function countListed(env: BenchEnvironment): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await env.doc.send(
      new QueryCommand({
        TableName: env.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': 'L#ALL' },
        Select: 'COUNT',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

async function main(): Promise<void> {
  const opts = options();
  if (opts.render) {
    rerenderReport(opts.out);
    return;
  }
  const started = performance.now();
  const progress = createProgress();
  const log = (line: string) => progress.note(line);
  const info = machine();
  const code = codeVersion();
  process.stderr.write(
    `releases bench: sizes ${opts.sizes.join(', ')} on ${info.cpu} (${info.cores} cores), Node ${info.node}\n`,
  );
  checkMemory(opts);
  const env = await startBenchEnvironment(log, { dataDir: opts.dbDir });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the services\n`);
    void env.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    progress.phase('bundle functions (deployed esbuild options)', 1);
    const { bundles, built, runner } = await buildBundles(WORK_DIR);
    progress.tick();
    progress.done();
    const scanCalibration = await calibrateScan(env, opts, progress);

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
      if (previous && previous.version !== stop.version)
        await rewriteListBits(env, all, stop, opts, progress);
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
      const queries = await measureQueries(env, tally, words, sizeStop.words, {
        scanUnits: scanUnitsFor(table.bytes),
        reps: opts.reps,
        textReps: opts.textReps,
        pages: opts.pages,
        progress,
      });
      const busiest = {
        minister: round((tally.ranked('minister')[0]?.count ?? 0) / size, 3),
        portfolio: round((tally.ranked('portfolio')[0]?.count ?? 0) / size, 3),
      };
      results.push({ size, releasesListed, table, bulkLoaded: bulk, ingest, queries, busiest, index });
      log(
        `size ${size}: ingest ${ingest.eventPath.releasesPerSecond}/s vs raw ${ingest.rawWrite.releasesPerSecond}/s (${ingest.ratio}x); table ${(table.bytes / 1024 ** 2).toFixed(0)} MB`,
      );
    }

    const coldStarts = await measureColdStarts(env, built, runner, {
      runs: opts.coldRuns,
      workDir: WORK_DIR,
      progress,
      loaded: replayable,
    });

    const computed = computeTargets(results, coldStarts);
    const output: Results = {
      generatedAt: new Date().toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
      durationSeconds: Math.round((performance.now() - started) / 1000),
      machine: info,
      ...(code ? { code } : {}),
      corpus: { generator: 'scripts/corpus/generate.ts', seed: opts.seed, endDate: opts.endDate },
      settings: {
        concurrency: opts.concurrency,
        ingestSample: opts.sample,
        ingestChunk: opts.chunk,
        latencyRequests: opts.reps,
        textLatencyRequests: opts.textReps,
        costPagesPerVariant: opts.pages,
        coldStartRuns: opts.coldRuns,
        dynamodbLocal: opts.dbDir === undefined ? 'in memory, shared database' : 'on disk, shared database',
      },
      sizes: opts.sizes,
      scanCalibration,
      results,
      bundles,
      coldStarts,
      targets: computed.targets,
      targetsWorstAt: computed.worstAt,
    };
    writeReport(output, opts.out);
  } finally {
    progress.done();
    await env.stop();
  }
}

await main();
