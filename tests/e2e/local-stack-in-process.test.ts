/**
 * `startLocalStack` in-process, as the benchmark uses it: free ports, no seeds, no periodic
 * reconcile; a bad file reaches GET /problems through the local API Gateway, and an explicit
 * reconcile is available.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#local/free-port.js';
import { localS3Client } from '#local/s3-server.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';
import { bindLocalName, recordAwsCalls } from '../support/aws-calls.js';
import { isAlive } from './support/local-stack-process.js';

describe('startLocalStack (in-process)', () => {
  let stack: LocalStack;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'releases-in-process-'));
    stack = await startLocalStack({
      apiPort: 0,
      s3Port: await freePort(),
      dynamoPort: await freePort(),
      dataDir,
      seedsDir: false,
      reconcileIntervalMs: 0,
      // The functions' AWS calls, for the IAM check.
      onClient: recordAwsCalls,
    });
    bindLocalName('table', stack.tableName);
    bindLocalName('releaseBucket', stack.bucket);
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts empty without seeds and answers over HTTP', async () => {
    expect(stack.seeded).toBe(0);
    const response = await fetch(`${stack.apiUrl}/releases`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ items: [], nextCursor: null });
  });

  it('records a bad upload as a problem, listed by GET /problems', async () => {
    const s3 = localS3Client(stack.s3Endpoint);
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: stack.bucket,
          Key: 'broken/no date.md',
          Body: '---\ntitle: No date\n---\nx\n',
        }),
      );
      await stack.bridge.idle();
      const response = await fetch(`${stack.apiUrl}/problems`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { items: Array<{ key: string; reason: string }> };
      expect(body.items.map((p) => p.key)).toContain('broken/no date.md');
      expect(body.items.find((p) => p.key === 'broken/no date.md')?.reason).toMatch(/date/);
      expect(stack.bridge.stats.deadLettered).toBe(0);
    } finally {
      s3.destroy();
    }
  });

  it('runs a reconcile on demand and stops DynamoDB Local on stop()', async () => {
    await stack.reconcile();
    const pid = stack.dynamoPid;
    await stack.stop();
    expect(isAlive(pid)).toBe(false);
  });
});
