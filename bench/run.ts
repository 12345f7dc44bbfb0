/**
 * `npm run bench`: ingest throughput, query cost and latency, bundle sizes and
 * cold starts on DynamoDB Local, each against a baseline measured in the same run, at 5,000 and
 * 50,000 releases (`--sizes`, `--large` adds 500,000). Writes bench/results.json and
 * bench/RESULTS.md and prints the Markdown. Method: docs/benchmark.md.
 *
 *   npm run bench -- --sizes 5000,50000 [--large] [--concurrency 8] [--sample 5000]
 */
import './quiet-logs.js';

import { buildBundles, measureColdStarts } from './cold-start.js';
import { startBenchEnvironment } from './environment.js';
import { codeVersion, machine } from './machine-and-commit.js';
import { measureSizes } from './measure-sizes.js';
import { checkMemory, databasePlace } from './memory-check.js';
import { options } from './options.js';
import { WORK_DIR } from './paths.js';
import { createProgress } from './progress.js';
import type { Results } from './report/results.js';
import { computeTargets } from './report/targets.js';
import { addEventPath, rerenderReport, writeReport } from './report/write-report.js';
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
  process.stderr.write(
    `releases bench: sizes ${opts.sizes.join(', ')} on ${info.cpu} (${info.cores} cores), Node ${info.node}\n`,
  );
  checkMemory(opts);
  const place = databasePlace(opts);
  const env = await startBenchEnvironment(log, { dataDir: place.dir, temporaryDataDir: place.temporary });
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
    // An added event path measures only the sizes, none of the Scan's figures or cold starts.
    if (opts.addEventPath) {
      const { results } = await measureSizes(env, opts, progress);
      const sizes = addEventPath(
        results,
        {
          command,
          generatedAt: new Date().toISOString(),
          durationSeconds: Math.round((performance.now() - started) / 1000),
          ...(code ? { code } : {}),
          loadAverageAtStart: info.loadAverageAtStart,
        },
        opts.out,
      );
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
