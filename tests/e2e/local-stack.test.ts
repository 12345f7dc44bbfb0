/**
 * End to end through `npm start`'s entry point: a real child process with DynamoDB Local and
 * s3rver on free ports and a temporary data directory; uploads with real S3 clients (the AWS SDK,
 * and the AWS CLI where installed); reads over HTTP as any API client would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, portInUse } from '#local/free-port.js';
import { localS3Client } from '#local/s3-server.js';
import {
  eventually,
  isAlive,
  type StackPorts,
  type StackProcess,
  spawnStack,
} from './support/local-stack-process.js';

const run = promisify(execFile);

const SEED_ID = 'prime-minister-heads-united-states-nato';
const DIFFICULT_KEY = 'Te Pāti Māori + 100% ready.md';
const DIFFICULT_ID = 'te-pati-maori-100-ready';
const UP = /local stack is up/;

function releaseFile(title: string, date: string): string {
  return `---\ntitle: "${title}"\ndate: ${date}\nministers:\n  - Hon Test Minister\n---\n\nBody of ${title}.\n`;
}

async function hasAwsCli(): Promise<boolean> {
  try {
    await run('aws', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** State and parent of a process, from /proc. */
function processStatus(pid: number): string {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return status
      .split('\n')
      .filter((line) => /^(State|PPid):/.test(line))
      .join(', ');
  } catch {
    return `no /proc entry for ${pid}`;
  }
}

describe('npm start: the local stack end to end', () => {
  let ports: StackPorts;
  let dataDir: string;
  let stack: StackProcess | undefined;
  let s3: S3Client;
  let api: string;
  const timings: Record<string, number> = {};

  async function getJson(path: string): Promise<{ status: number; body: unknown; headers: Headers }> {
    const response = await fetch(`${api}${path}`);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  async function statusOf(path: string): Promise<number> {
    return (await fetch(`${api}${path}`)).status;
  }

  async function start(viaNpm = false): Promise<StackProcess> {
    const began = performance.now();
    const started = spawnStack({ ports, dataDir, viaNpm, env: { RELEASES_RECONCILE_SECONDS: '2' } });
    await started.waitForOutput(UP, 90_000);
    timings[timings.firstStartMs === undefined ? 'firstStartMs' : 'restartMs'] = Math.round(
      performance.now() - began,
    );
    return started;
  }

  /** A signal to the launched process, then: the stack's Node.js and Java gone, all three ports free. */
  async function stopAndCheck(
    target: StackProcess,
    expectedExit: number | null = 0,
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<void> {
    const javaPid = target.javaPid();
    const nodePid = target.nodePid();
    expect(isAlive(javaPid)).toBe(true);
    target.child.kill(signal);
    const code = await target.exited;
    if (expectedExit !== null) expect(code).toBe(expectedExit);
    await eventually('stack process gone', async () => (isAlive(nodePid) ? undefined : true), 15_000);
    await eventually('Java process gone', async () => (isAlive(javaPid) ? undefined : true), 10_000).catch(
      (error: unknown) => {
        // What the process is doing, and who its parent is now: the difference between a hang and a zombie.
        throw new Error(`${String(error)}; ${processStatus(javaPid)}\n${target.output().slice(-2_000)}`);
      },
    );
    for (const port of [ports.api, ports.s3, ports.dynamodb]) expect(await portInUse(port)).toBe(false);
  }

  beforeAll(async () => {
    ports = { api: await freePort(), s3: await freePort(), dynamodb: await freePort() };
    dataDir = mkdtempSync(join(tmpdir(), 'releases-e2e-'));
    api = `http://127.0.0.1:${ports.api}`;
    s3 = localS3Client(`http://127.0.0.1:${ports.s3}`);
    stack = await start();
  });

  afterAll(async () => {
    s3?.destroy();
    // Only after a failure is anything left: stop what this test started, by pid.
    if (stack && stack.child.exitCode === null && stack.child.signalCode === null) {
      const pids = (() => {
        try {
          return [stack.nodePid(), stack.javaPid()];
        } catch {
          return [];
        }
      })();
      stack.child.kill('SIGKILL');
      await stack.exited;
      for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
    // Figures for the report: how long start-up and ingestion take on this machine.
    console.info(`local stack e2e timings (ms): ${JSON.stringify(timings)}`);
  });

  it('prints each endpoint, the credentials and sample commands', () => {
    const output = stack?.output() ?? '';
    expect(output).toContain(api);
    expect(output).toContain(`http://127.0.0.1:${ports.s3}`);
    expect(output).toContain(`http://127.0.0.1:${ports.dynamodb}`);
    expect(output).toContain('S3RVER');
    expect(output).toMatch(/curl -s http:\/\/127\.0\.0\.1:\d+\/releases/);
    expect(output).toContain('s3 cp release.md s3://releases/');
  });

  it('serves the seed release, uploaded through S3 and ingested on first start', async () => {
    const began = performance.now();
    const release = await eventually(
      'seed release served',
      async () => {
        const { status, body } = await getJson(`/releases/${SEED_ID}`);
        return status === 200 ? (body as { id: string; title: string; source: { key: string } }) : undefined;
      },
      15_000,
    );
    timings.seedQueryableAfterUpMs = Math.round(performance.now() - began);
    expect(release.id).toBe(SEED_ID);
    expect(release.title).toBe('Prime Minister heads to United States for NATO');
    // Lists follow through the projector, a few seconds behind the release itself.
    const listed = await eventually(
      'seed release listed',
      async () => {
        const list = await getJson('/releases');
        const ids = (list.body as { items?: Array<{ id: string }> }).items?.map((i) => i.id) ?? [];
        return list.status === 200 && ids.includes(SEED_ID) ? ids : undefined;
      },
      15_000,
    );
    expect(listed).toContain(SEED_ID);
  });

  it('ingests an SDK upload with a difficult key within seconds', async () => {
    const began = performance.now();
    await s3.send(
      new PutObjectCommand({
        Bucket: 'releases',
        Key: DIFFICULT_KEY,
        Body: releaseFile('Te Pāti Māori ready', '2025-03-04'),
      }),
    );
    const release = await eventually(
      'difficult key ingested',
      async () => {
        const { status, body } = await getJson(`/releases/${DIFFICULT_ID}`);
        return status === 200 ? (body as { title: string; source: { key: string } }) : undefined;
      },
      5_000,
      50,
    );
    timings.sdkUploadToQueryableMs = Math.round(performance.now() - began);
    expect(release.title).toBe('Te Pāti Māori ready');
    expect(release.source.key).toBe(DIFFICULT_KEY);
  });

  it('ingests an upload made with the AWS CLI', async (context) => {
    if (!(await hasAwsCli())) context.skip();
    const file = join(dataDir, 'cli release.md');
    writeFileSync(file, releaseFile('Uploaded with the CLI', '2025-05-06'));
    const began = performance.now();
    await run(
      'aws',
      [
        '--endpoint-url',
        `http://127.0.0.1:${ports.s3}`,
        's3',
        'cp',
        file,
        's3://releases/cli/cli release.md',
      ],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'S3RVER',
          AWS_SECRET_ACCESS_KEY: 'S3RVER',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
      },
    );
    await eventually(
      'CLI upload ingested',
      async () => ((await statusOf('/releases/cli-release')) === 200 ? true : undefined),
      5_000,
      50,
    );
    timings.cliUploadToQueryableMs = Math.round(performance.now() - began);
  });

  it('removes a deleted release: 404 as problem+json', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: 'releases', Key: DIFFICULT_KEY }));
    await eventually(
      'deleted release gone',
      async () => ((await statusOf(`/releases/${DIFFICULT_ID}`)) === 404 ? true : undefined),
      5_000,
      50,
    );
    const response = await fetch(`${api}/releases/${DIFFICULT_ID}`);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 404 });
  });

  it('answers unknown routes with a problem+json 404 and CORS headers', async () => {
    const response = await fetch(`${api}/no/such/route`, { headers: { origin: 'https://example.org' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('catches a multi-object delete (which s3rver does not announce) with the periodic reconcile', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'releases',
        Key: 'bulk/bulk one.md',
        Body: releaseFile('Bulk one', '2025-01-01'),
      }),
    );
    await eventually(
      'bulk one ingested',
      async () => ((await statusOf('/releases/bulk-one')) === 200 ? true : undefined),
      5_000,
      50,
    );
    await s3.send(
      new DeleteObjectsCommand({ Bucket: 'releases', Delete: { Objects: [{ Key: 'bulk/bulk one.md' }] } }),
    );
    const began = performance.now();
    await eventually(
      'bulk one removed by reconcile',
      async () => ((await statusOf('/releases/bulk-one')) === 404 ? true : undefined),
      // Every 2 s, or ten times the shorter of the last two runs: a loaded machine stretches it.
      60_000,
      200,
    );
    timings.multiDeleteReconciledMs = Math.round(performance.now() - began);
  }, 90_000);

  it('refuses a second start on a taken port with a clear message and a non-zero exit', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'releases-e2e-second-'));
    try {
      const second = spawnStack({ ports, dataDir: otherDir });
      const code = await second.exited;
      expect(code).not.toBe(0);
      expect(second.output()).toContain(`port ${ports.api} is taken (another npm start?)`);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('refuses a second start on the same data directory, even on free ports', async () => {
    const otherPorts = { api: await freePort(), s3: await freePort(), dynamodb: await freePort() };
    const second = spawnStack({ ports: otherPorts, dataDir });
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toContain('is used by another local stack');
  });

  it('stops everything on SIGTERM and keeps the data for the next start', async () => {
    if (!stack) throw new Error('stack not started');
    await stopAndCheck(stack);

    // This time through `npm start` itself, stopped by a SIGKILL to npm alone: nothing passes a
    // signal on, and the stack must notice that its launcher is gone.
    stack = await start(true);
    expect(stack.output()).not.toMatch(/uploaded \d+ seed/);
    // Kept in DynamoDB Local's files: served at once, no re-ingestion needed.
    expect(await statusOf(`/releases/${SEED_ID}`)).toBe(200);
    expect(await statusOf('/releases/cli-release')).toBe((await hasAwsCli()) ? 200 : 404);
    expect(await statusOf(`/releases/${DIFFICULT_ID}`)).toBe(404);

    // npm itself dies of the signal; what matters is that nothing is left behind.
    await stopAndCheck(stack, null, 'SIGKILL');
  });
});
