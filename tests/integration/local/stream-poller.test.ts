/**
 * The local stack's stream poller lists the stream's shards when it starts, when a shard ends and
 * every `shardRefreshMs`, not on every pass: an idle poller polls its open shards without a
 * DescribeStream each time. Against DynamoDB Local's stream.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type StreamPoller, startStreamPoller } from '../../../scripts/local/stream-poller.js';
import { freshServices, type TestServices } from '../../support/services.js';

let services: TestServices;
let poller: StreamPoller | undefined;
beforeEach(async () => {
  services = await freshServices({ stream: true });
});
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('polls open shards without listing them again on every pass, and still delivers what is written', async () => {
  const sent = new Map<string, number>();
  const seen: string[] = [];
  poller = await startStreamPoller({
    dynamo: services.dynamo,
    tableName: services.tableName,
    idleMs: 50,
    // Longer than the test: no listing is due to the clock, however slow the machine.
    shardRefreshMs: 600_000,
    batchingWindowMs: 0,
    handler: async (event: DynamoDBStreamEvent) => {
      for (const record of event.Records) seen.push(String(record.dynamodb?.Keys?.pk?.S));
      return { batchItemFailures: [] };
    },
    onStreamsRequest: (command) => sent.set(command, (sent.get(command) ?? 0) + 1),
  });
  await services.doc.send(new PutCommand({ TableName: services.tableName, Item: { pk: 'R#a', sk: 'META' } }));
  await poller.settled();
  expect(seen).toEqual(['R#a']);

  sent.clear();
  // Idle passes (50 ms apart) read the shards; none lists them. Counted in passes, not in time.
  const deadline = Date.now() + 60_000;
  while ((sent.get('GetRecordsCommand') ?? 0) <= 20 && Date.now() < deadline) await sleep(50);
  expect(sent.get('GetRecordsCommand') ?? 0).toBeGreaterThan(20);
  expect(sent.get('DescribeStreamCommand') ?? 0).toBe(0);

  await services.doc.send(new PutCommand({ TableName: services.tableName, Item: { pk: 'R#b', sk: 'META' } }));
  await poller.settled();
  expect(seen).toEqual(['R#a', 'R#b']);
});
