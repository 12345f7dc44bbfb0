/**
 * `npm run bench`: ingest throughput, query cost and latency, bundle sizes and
 * cold starts on DynamoDB Local, each against a baseline measured in the same run, at 5,000 and
 * 50,000 releases (`--sizes`, `--large` adds 500,000). Writes bench/results.json and
 * bench/RESULTS.md and prints the Markdown. Method: docs/benchmark.md.
 *
 *   npm run bench -- --sizes 5000,50000 [--large] [--concurrency 8] [--sample 5000]
 */
import './quiet-logs.js';

import type { Release } from '#release/release.js';
import type { StopList } from '#search/keys.js';
import { DocumentFrequency, SearchBulkBuilder, stopListItems } from '#search/sync-plan.js';
import { type CorpusFile, generateCorpus } from '../scripts/corpus/generate.js';
import { buildBundles, measureColdStarts } from './cold-start.js';
import { EntityTally, type ParsedFile, take, WordTally } from './corpus-items.js';
import { batchPut, scanUnitsFor, tableSize } from './dynamo.js';
import { startBenchEnvironment } from './environment.js';
import { measureIngest } from './ingest.js';
import { bulkLoad, countListed, rewriteListBits } from './load-corpus.js';
import { type IndexLoad, loadIndex } from './load-index.js';
import { codeVersion, machine } from './machine-and-commit.js';
import { checkMemory } from './memory-check.js';
import { options } from './options.js';
import { WORK_DIR } from './paths.js';
import { createProgress } from './progress.js';
import { measureQueries } from './queries.js';
import type { Results, SizeResult } from './report/results.js';
import { computeTargets } from './report/targets.js';
import { rerenderReport, writeReport } from './report/write-report.js';
import { calibrateScan } from './scan-calibration.js';
import { round } from './stats.js';

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
