/**
 * Starts one DynamoDB Local and one s3rver for the whole test run, on free loopback ports, and
 * stops both (by process id) when the run ends. Each test file makes its own table and bucket.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../scripts/local/dynamodb-local.js';
import { freePort } from '../../scripts/local/free-port.js';
import { startS3Server } from '../../scripts/local/s3-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    s3Endpoint: string;
  }
}

const PID_FILE = resolve('.test-out/dynamodb-local.pid');

/** A DynamoDB Local left by a crashed earlier run would hold memory; stop it by its recorded pid. */
function stopLeftover(): void {
  try {
    const pid = Number(readFileSync(PID_FILE, 'utf8'));
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // nothing left over
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  stopLeftover();
  const s3Dir = mkdtempSync(join(tmpdir(), 'releases-test-s3-'));
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  mkdirSync('.test-out', { recursive: true });
  writeFileSync(PID_FILE, String(dynamo.pid));
  const s3 = await startS3Server({ port: await freePort(), directory: s3Dir, buckets: [] });
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('s3Endpoint', s3.endpoint);
  return async () => {
    await s3.stop();
    await dynamo.stop();
    rmSync(PID_FILE, { force: true });
    rmSync(s3Dir, { recursive: true, force: true });
  };
}
