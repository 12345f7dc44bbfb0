/**
 * The benchmark's purge of DynamoDB Local's stream records (bench/stream-records.ts), on a
 * DynamoDB Local of its own with its database in a file: the purge deletes every record of every
 * stream, old and current, while DynamoDB Local runs, and DynamoDB Local goes on serving the
 * tables and their streams afterwards (a record written after the purge is delivered).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeStreamRecords, sharedDatabaseFile } from '../../../bench/stream-records.js';
import {
  type DynamoDbLocal,
  LOCAL_AWS_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '../../../scripts/local/dynamodb-local.js';
import { freePort } from '../../../scripts/local/free-port.js';
import { ensureTable, setTableStream } from '../../../scripts/local/provision.js';

describe('purging DynamoDB Local stream records', () => {
  let dir: string;
  let ddb: DynamoDbLocal;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'releases-stream-records-'));
    ddb = await startDynamoDbLocal({ port: await freePort(), dataDir: dir });
  });
  afterAll(async () => {
    await ddb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes every stream record while DynamoDB Local runs, which goes on serving the stream', async () => {
    const dynamo = localDynamoDbClient(ddb.endpoint);
    const streams = new DynamoDBStreamsClient({
      endpoint: ddb.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_AWS_CREDENTIALS,
    });
    const put = (table: string, pk: string) =>
      dynamo.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, sk: { S: 'x' } } }));
    // An old stream (turned off again) and a current one, both with records.
    await ensureTable(dynamo, 'old', { stream: false });
    await setTableStream(dynamo, 'old', true);
    for (let i = 0; i < 30; i += 1) await put('old', `o${i}`);
    await setTableStream(dynamo, 'old', false);
    await ensureTable(dynamo, 'current', { stream: false });
    await setTableStream(dynamo, 'current', true);
    const arn = (await dynamo.send(new DescribeTableCommand({ TableName: 'current' }))).Table
      ?.LatestStreamArn;
    for (let i = 0; i < 20; i += 1) await put('current', `c${i}`);

    expect(purgeStreamRecords(sharedDatabaseFile(dir))).toBe(50);
    expect(purgeStreamRecords(sharedDatabaseFile(dir))).toBe(0);

    // The table and its stream still work: a record written now is delivered, and only it.
    await put('current', 'after');
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    const shard = StreamDescription?.Shards?.at(-1)?.ShardId as string;
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await streams.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records?.map((record) => record.dynamodb?.Keys?.pk?.S)).toEqual(['after']);
    const item = await dynamo.send(
      new GetItemCommand({ TableName: 'current', Key: { pk: { S: 'c3' }, sk: { S: 'x' } } }),
    );
    expect(item.Item?.pk?.S).toBe('c3');
    dynamo.destroy();
    streams.destroy();
  });

  it('names the file it cannot find', () => {
    expect(() => purgeStreamRecords(join(dir, 'missing.db'))).toThrow(/missing\.db/);
  });
});
