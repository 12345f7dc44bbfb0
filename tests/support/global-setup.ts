/**
 * Starts one DynamoDB Local and one s3rver for the whole test run, on free loopback ports, and
 * stops both (by process id) when the run ends. Each test file makes its own table and bucket.
 * At the end it prints what the IAM check checked (tests/support/iam-check.ts).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../scripts/local/dynamodb-local.js';
import { freePort } from '../../scripts/local/free-port.js';
import { isAlive as alive } from '../../scripts/local/processes.js';
import { startS3Server } from '../../scripts/local/s3-server.js';
import { iamCheckSummary } from './iam-summary.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    s3Endpoint: string;
    /** Where each test file's IAM check leaves what it checked (tests/support/iam-check.ts). */
    awsCallsDir: string;
  }
}

const PID_DIR = resolve('.test-out');
/** One file per test run, named after the run's own pid, holding its DynamoDB Local's pid. */
const PID_FILE = join(PID_DIR, `dynamodb-local.${process.pid}.pid`);
/** The run's IAM check results, one file per test file that recorded AWS calls. */
const CALLS_DIR = join(PID_DIR, `aws-calls.${process.pid}`);

/**
 * A DynamoDB Local left by a crashed earlier run outlives it; stop those by their recorded pid,
 * but only where the run that started them is gone (runs may overlap on a developer machine).
 */
function stopLeftovers(): void {
  for (const name of readdirSync(PID_DIR)) {
    const checker = /^aws-calls\.(\d+)$/.exec(name)?.[1];
    if (checker && !alive(Number(checker))) rmSync(join(PID_DIR, name), { recursive: true, force: true });
    const owner = /^dynamodb-local\.(\d+)\.pid$/.exec(name)?.[1];
    if (!owner || alive(Number(owner))) continue;
    try {
      const pid = Number(readFileSync(join(PID_DIR, name), 'utf8'));
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(join(PID_DIR, name), { force: true });
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  mkdirSync(PID_DIR, { recursive: true });
  stopLeftovers();
  const s3Dir = mkdtempSync(join(tmpdir(), 'releases-test-s3-'));
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  writeFileSync(PID_FILE, String(dynamo.pid));
  const s3 = await startS3Server({ port: await freePort(), directory: s3Dir, buckets: [] });
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('awsCallsDir', CALLS_DIR);
  return async () => {
    await s3.stop();
    await dynamo.stop();
    rmSync(PID_FILE, { force: true });
    rmSync(s3Dir, { recursive: true, force: true });
    for (const line of iamCheckSummary(CALLS_DIR)) console.log(line);
    rmSync(CALLS_DIR, { recursive: true, force: true });
  };
}
