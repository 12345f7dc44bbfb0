/**
 * `npm run bench`: ingest throughput, query cost and latency, bundle sizes and
 * cold starts on DynamoDB Local, each against a baseline measured in the same run, at 5,000 and
 * 50,000 releases (`--sizes`). Writes bench/results.json and bench/RESULTS.md and prints the
 * Markdown. `--large` measures the queries at 500,000 releases on a table materialized for them
 * and adds them to the results.json in --out. Method: docs/benchmark.md.
 *
 *   npm run bench -- --sizes 5000,50000 [--concurrency 8] [--sample 5000]
 *   npm run bench -- --large [--large-size 500000]
 */
import './quiet-logs.js';

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundles, measureColdStarts } from './cold-start.js';
import { startBenchEnvironment } from './environment.js';
import { measureLarge } from './large/measure-large.js';
import { MaterializedSet, ReadRecorder } from './large/read-recorder.js';
import { codeVersion, machine } from './machine-and-commit.js';
import { measureSizes } from './measure-sizes.js';
import { checkMemory, databasePlace } from './memory-check.js';
import { options } from './options.js';
import { WORK_DIR } from './paths.js';
import { createProgress } from './progress.js';
import type { Results } from './report/results.js';
import { computeTargets } from './report/targets.js';
import { addEventPath, addLarge, rerenderReport, writeReport } from './report/write-report.js';
import { calibrateScan } from './scan-calibration.js';

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
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '');
  const what =
    opts.large !== undefined ? `${opts.large} releases, materialized` : `sizes ${opts.sizes.join(', ')}`;
  process.stderr.write(`releases bench: ${what} on ${info.cpu} (${info.cores} cores), Node ${info.node}\n`);
  checkMemory(opts);
  // A materialized size is added to an existing report: refuse before an hour of materializing.
  if (opts.large !== undefined && !existsSync(join(opts.out, 'results.json')))
    throw new Error(`--large adds to the results.json in --out: ${opts.out} has none (run the sizes first)`);
  const place = databasePlace(opts);
  // `--large`: every DynamoDB client of the run reports its reads to the recorder.
  const materialized = new MaterializedSet();
  const recorder = new ReadRecorder(materialized);
  const env = await startBenchEnvironment(log, {
    dataDir: place.dir,
    temporaryDataDir: place.temporary,
    ...(opts.large !== undefined ? { onDynamoClient: (client) => recorder.attach(client) } : {}),
  });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the services\n`);
    void env.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  /** What names this run beside the figures it adds to an existing report. */
  const thisRun = () => ({
    command,
    generatedAt: new Date().toISOString(),
    durationSeconds: Math.round((performance.now() - started) / 1000),
    ...(code ? { code } : {}),
    loadAverageAtStart: info.loadAverageAtStart,
  });
  try {
    if (opts.large !== undefined) {
      // The queries' figures are written as soon as they are measured, then again with the event path.
      const large = await measureLarge(env, opts.large, materialized, recorder, opts, progress, (queried) =>
        addLarge({ ...queried, ...thisRun() }, opts.out, false),
      );
      addLarge({ ...large, ...thisRun() }, opts.out);
      process.stderr.write(`${opts.large} releases (materialized) added to ${opts.out}/results.json\n`);
      return;
    }
    progress.phase('bundle functions (deployed esbuild options)', 1);
    const { bundles, built, runner } = await buildBundles(WORK_DIR);
    progress.tick();
    progress.done();
    // An added event path measures only the sizes, none of the Scan's figures or cold starts.
    if (opts.addEventPath) {
      const { results } = await measureSizes(env, opts, progress);
      const sizes = addEventPath(results, thisRun(), opts.out);
      process.stderr.write(`event path figures at ${sizes.join(', ')} added to ${opts.out}/results.json\n`);
      return;
    }
    const scanCalibration = await calibrateScan(env, opts, progress);
    const { results, replayable } = await measureSizes(env, opts, progress);

    const coldStarts = opts.skip.has('cold-starts')
      ? []
      : await measureColdStarts(env, built, runner, {
          runs: opts.coldRuns,
          workDir: WORK_DIR,
          progress,
          loaded: replayable,
        });

    const computed = computeTargets(results, coldStarts);
    const output: Results = {
      generatedAt: new Date().toISOString(),
      command,
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
        overheadRequests: opts.overheadReps,
        costPagesPerVariant: opts.pages,
        coldStartRuns: opts.coldRuns,
        eventFiles: opts.eventFiles,
        eventSingles: opts.eventSingles,
        ...(opts.indexWindowSeconds !== undefined ? { indexWindowSeconds: opts.indexWindowSeconds } : {}),
        ...(opts.skip.size > 0 ? { skipped: [...opts.skip] } : {}),
        dynamodbLocal: env.database,
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
