/**
 * S3 with object versions for tests. s3rver keeps one copy per key, so anything that depends on
 * versioning (a delete marker, deleting an old version, a delete that brings an older version
 * back) cannot be tested against it. moto's server (Python; `python3 -m moto.server`) implements
 * S3 versioning; a test file starts its own on 127.0.0.1 and a free port, gets a client and a
 * versioned bucket, and stops it by pid in teardown.
 *
 * If the test process dies without teardown, moto stops by itself: it is started through a small
 * wrapper that exits as soon as its parent process is gone.
 *
 * Where moto is not installed the tests that need it are skipped with the reason, except when
 * RELEASES_REQUIRE_MOTO=1 (CI sets it): then they run and fail with that reason, so a missing
 * moto cannot silently drop them. The Python used is MOTO_PYTHON, or `python3`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { freePort } from '../../scripts/local/free-port.js';
import { isAlive } from '../../scripts/local/processes.js';
import { Sequencer } from '../../scripts/local/s3-events.js';
import { bindLocalName, recordAwsCalls } from './aws-calls.js';
import {
  deleteMarkerCreatedRecord,
  objectCreatedRecord,
  s3Event,
  versionDeletedRecord,
} from './s3-version-events.js';

export const MOTO_REGION = 'us-east-1';
export const MOTO_CREDENTIALS = { accessKeyId: 'moto', secretAccessKey: 'moto' } as const;

export type MotoAvailability =
  | { available: true; python: string; version: string }
  | { available: false; reason: string };

let availability: MotoAvailability | undefined;

/** Whether moto's server can be started here (checked once per process). */
export function motoAvailability(): MotoAvailability {
  if (availability) return availability;
  const python = process.env.MOTO_PYTHON || 'python3';
  const probe = spawnSync(
    python,
    [
      '-c',
      'import sys, importlib.metadata, moto.server; print(sys.executable); print(importlib.metadata.version("moto"))',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (probe.error || probe.status !== 0) {
    const detail = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').pop() ?? '');
    availability = {
      available: false,
      reason: `moto's server is not importable with ${python} (${detail}); install it with pip install 'moto[server]==5.2.1' or point MOTO_PYTHON at a Python that has it`,
    };
  } else {
    const [executable = python, version = 'unknown'] = probe.stdout.trim().split('\n');
    availability = { available: true, python: executable, version };
  }
  return availability;
}

/**
 * Why moto tests must be skipped on this machine, or undefined when they should run. When CI
 * requires moto (RELEASES_REQUIRE_MOTO=1) this is always undefined, and startMotoS3 fails instead.
 */
export function motoSkipReason(): string | undefined {
  const found = motoAvailability();
  if (found.available || process.env.RELEASES_REQUIRE_MOTO === '1') return undefined;
  return found.reason;
}

export function motoS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: MOTO_REGION,
    credentials: MOTO_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface MotoS3 {
  endpoint: string;
  pid: number;
  s3: S3Client;
  /** A bucket with versioning enabled, made at start. */
  bucket: string;
  /** Put/delete helpers on `bucket` that return the event real S3 would send. */
  versioned: VersionedBucket;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and destroys the client. */
  stop(): Promise<void>;
}

export interface StartMotoS3Options {
  /** @default 'releases-versioned' */
  bucket?: string;
  /** @default 60000 */
  startTimeoutMs?: number;
}

// Runs moto's own entry point, plus a thread that ends the process once its parent (the test
// worker) is gone, so a crashed run leaves nothing listening.
const WRAPPER = `
import os, sys, threading, time
parent = os.getppid()
def watch():
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)
threading.Thread(target=watch, daemon=True).start()
from moto.server import main
main(["-H", "127.0.0.1", "-p", sys.argv[1]])
`;

function stopProcess(child: ChildProcess, pid: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !isAlive(pid)) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return Promise.resolve();
  }
  const timer = setTimeout(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5_000);
  return gone.finally(() => clearTimeout(timer));
}

async function launch(python: string, timeoutMs: number): Promise<{ child: ChildProcess; endpoint: string }> {
  const port = await freePort();
  const child = spawn(python, ['-c', WRAPPER, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`moto server exited during start-up on port ${port}:\n${output.trim()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return { child, endpoint };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      if (child.pid) await stopProcess(child, child.pid);
      throw new Error(`moto server did not answer on ${endpoint} within ${timeoutMs} ms:\n${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Starts moto's server for this test file and makes a versioned bucket on it. */
export async function startMotoS3(options: StartMotoS3Options = {}): Promise<MotoS3> {
  const found = motoAvailability();
  if (!found.available) throw new Error(found.reason);
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let started: { child: ChildProcess; endpoint: string };
  try {
    started = await launch(found.python, timeoutMs);
  } catch {
    // Most likely the free port was taken between choosing and binding it; one more go.
    started = await launch(found.python, timeoutMs);
  }
  const { child, endpoint } = started;
  const pid = child.pid as number;
  // A run that ends without teardown (uncaught error, process.exit) still stops the server.
  const onExit = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);

  // The functions' calls through it are recorded, and its bucket stands for the stack's.
  const s3 = recordAwsCalls(motoS3Client(endpoint));
  const bucket = options.bucket ?? 'releases-versioned';
  bindLocalName('releaseBucket', bucket);
  try {
    await createVersionedBucket(s3, bucket);
  } catch (error) {
    process.removeListener('exit', onExit);
    s3.destroy();
    await stopProcess(child, pid);
    throw error;
  }
  return {
    endpoint,
    pid,
    s3,
    bucket,
    versioned: new VersionedBucket(s3, bucket),
    async stop() {
      process.removeListener('exit', onExit);
      s3.destroy();
      await stopProcess(child, pid);
    },
  };
}

export async function createVersionedBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
}

export interface VersionedChange {
  /** The version created (PUT), the delete marker created, or the version deleted. */
  versionId: string;
  /** The notification real S3 sends for this change (one record). */
  event: S3Event;
}

/**
 * Changes objects in a versioned bucket and returns, with each, the S3 event notification real S3
 * would send for it, so a test can hand exactly that to the ingest handler. Sequencers come from
 * one Sequencer per bucket, so they increase in the order the changes were made.
 */
export class VersionedBucket {
  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
    private readonly sequencer: Sequencer = new Sequencer(),
    private readonly region: string = MOTO_REGION,
  ) {}

  /** PUT: a new current version; `ObjectCreated:Put`. */
  async put(key: string, body: string | Uint8Array, contentType = 'text/markdown'): Promise<VersionedChange> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const output = await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType }),
    );
    const versionId = required(output.VersionId, 'PutObject returned no VersionId: is versioning on?');
    const record = objectCreatedRecord({
      bucket: this.bucket,
      key,
      versionId,
      size: bytes.length,
      eTag: output.ETag ?? '',
      sequencer: this.sequencer,
      region: this.region,
    });
    return { versionId, event: s3Event(record) };
  }

  /** DELETE without a version id: adds a delete marker; `ObjectRemoved:DeleteMarkerCreated`. */
  async delete(key: string): Promise<VersionedChange> {
    const output = await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    const versionId = required(output.VersionId, 'DeleteObject created no delete marker: is versioning on?');
    const record = deleteMarkerCreatedRecord({
      bucket: this.bucket,
      key,
      versionId,
      sequencer: this.sequencer,
      region: this.region,
    });
    return { versionId, event: s3Event(record) };
  }

  /** DELETE of one version (object or delete marker), permanently; `ObjectRemoved:Delete`. */
  async deleteVersion(key: string, versionId: string): Promise<VersionedChange> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }));
    const record = versionDeletedRecord({
      bucket: this.bucket,
      key,
      versionId,
      sequencer: this.sequencer,
      region: this.region,
    });
    return { versionId, event: s3Event(record) };
  }
}

function required(value: string | undefined, message: string): string {
  if (!value) throw new Error(message);
  return value;
}
