/**
 * `--large`'s read recorder: which keys and partitions a command reads (from its input as the
 * document client marshals it, or plain), and a recorder on a real SDK client counting the reads
 * outside a materialized set, naming them, only while armed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  itemKind,
  MaterializedSet,
  queriedPartition,
  ReadRecorder,
  readsOf,
} from '../../../bench/large/read-recorder.js';

describe('readsOf', () => {
  it('names the partition a Query reads, by placeholder or by name, marshalled or plain', () => {
    expect(
      queriedPartition({
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': { S: 'W#kiwi' }, ':prefix': { S: '2024#' } },
      }),
    ).toBe('W#kiwi');
    expect(
      queriedPartition({
        KeyConditionExpression: 'sk > :from AND pk = :p',
        ExpressionAttributeValues: { ':from': '2020', ':p': 'L#ALL' },
      }),
    ).toBe('L#ALL');
    expect(readsOf('QueryCommand', { KeyConditionExpression: '#sk = :x' })).toEqual([
      { kind: 'table', command: 'Query without a pk condition' },
    ]);
  });

  it('names the keys of single, batched and transactional reads; a Scan reads the table; writes read nothing', () => {
    expect(readsOf('GetItemCommand', { Key: { pk: { S: 'R#a' }, sk: { S: 'S' } } })).toEqual([
      { kind: 'key', pk: 'R#a', sk: 'S' },
    ]);
    expect(
      readsOf('BatchGetItemCommand', {
        RequestItems: {
          releases: {
            Keys: [
              { pk: { S: 'R#a' }, sk: { S: 'X' } },
              { pk: 'R#b', sk: 'META' },
            ],
          },
        },
      }),
    ).toEqual([
      { kind: 'key', pk: 'R#a', sk: 'X' },
      { kind: 'key', pk: 'R#b', sk: 'META' },
    ]);
    expect(
      readsOf('TransactGetItemsCommand', { TransactItems: [{ Get: { Key: { pk: 'E#m', sk: 'E' } } }] }),
    ).toEqual([{ kind: 'key', pk: 'E#m', sk: 'E' }]);
    expect(readsOf('ScanCommand', {})).toEqual([{ kind: 'table', command: 'Scan' }]);
    expect(readsOf('PutItemCommand', { Item: { pk: { S: 'R#a' }, sk: { S: 'S' } } })).toEqual([]);
  });
});

describe('ReadRecorder', () => {
  const clients: DynamoDBClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });

  /** A client whose requests go nowhere: the recorder sees each command before it is sent. */
  function unreachable(recorder: ReadRecorder): DynamoDBDocumentClient {
    const client = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    clients.push(client);
    recorder.attach(client);
    return DynamoDBDocumentClient.from(client);
  }

  it('counts reads outside the set while armed, names the first ones, and ignores the rest', async () => {
    const set = new MaterializedSet();
    set.addPartition('L#ALL');
    set.addKey('R#a', 'S');
    const recorder = new ReadRecorder(set);
    const doc = unreachable(recorder);
    // Each send fails (nothing listens); the recorder saw it before.
    const settle = (sent: Promise<unknown>) => sent.catch(() => undefined);

    // Before arming (the materialization's own reads): nothing recorded.
    await settle(doc.send(new GetCommand({ TableName: 't', Key: { pk: 'R#zzz', sk: 'S' } })));
    expect(recorder.figures.requests).toBe(0);

    recorder.arm();
    // The partition key by placeholder, then by name.
    const query = (pk: string, byName: boolean) =>
      settle(
        doc.send(
          new QueryCommand({
            TableName: 't',
            KeyConditionExpression: byName ? 'pk = :pk' : '#pk = :pk',
            ...(byName ? {} : { ExpressionAttributeNames: { '#pk': 'pk' } }),
            ExpressionAttributeValues: { ':pk': pk },
          }),
        ),
      );
    await query('L#ALL', false);
    await settle(
      doc.send(
        new BatchGetCommand({
          RequestItems: {
            t: {
              Keys: [
                { pk: 'R#a', sk: 'S' },
                { pk: 'L#ALL', sk: 'x' },
                { pk: 'R#b', sk: 'S' },
              ],
            },
          },
        }),
      ),
    );
    recorder.kind = 'q';
    await query('W#absent', true);
    recorder.disarm();
    await settle(doc.send(new GetCommand({ TableName: 't', Key: { pk: 'R#c', sk: 'S' } })));

    expect(recorder.figures).toEqual({
      requests: 3,
      keysRead: 3,
      partitionsQueried: 2,
      outside: 2,
      outsideExamples: ['unknown: BatchGetItemCommand key R#b / S', 'q: QueryCommand partition W#absent'],
      outsideByKind: { unknown: 1, q: 1 },
      // No response came back: no units to add.
      unitsByKind: {},
    });
    // A read of a partition outside is not a release's: no top-up of release items mends it.
    expect(recorder.releasesReadOutside()).toBeUndefined();
    recorder.reset();
    expect(recorder.figures.outside).toBe(0);
  });

  it('names the releases whose own items were read outside, for a top-up', async () => {
    const set = new MaterializedSet();
    set.addKey('R#a', 'S');
    const recorder = new ReadRecorder(set);
    recorder.record('BatchGetItemCommand', {
      RequestItems: {
        t: {
          Keys: [
            { pk: { S: 'R#a' }, sk: { S: 'S' } },
            { pk: { S: 'R#b' }, sk: { S: 'META' } },
          ],
        },
      },
    });
    recorder.record('GetItemCommand', { Key: { pk: { S: 'R#c' }, sk: { S: 'F' } } });
    expect(recorder.releasesReadOutside()).toEqual(new Set(['b', 'c']));
    expect(recorder.figures.outside).toBe(2);
  });

  it('adds the read units each response reports to the query kind, shared among the kinds of item read', async () => {
    const recorder = new ReadRecorder(new MaterializedSet());
    const client = new DynamoDBClient({
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    clients.push(client);
    recorder.attach(client);
    // DynamoDB's answer, scripted after the recorder has seen the request: units as a Query
    // reports them (one figure) and as a BatchGetItem does (one per table).
    const consumed = [{ TableName: 't', CapacityUnits: 3 }, [{ TableName: 't', CapacityUnits: 2 }]];
    client.middlewareStack.add(
      () => async () => ({ response: {}, output: { $metadata: {}, ConsumedCapacity: consumed.shift() } }),
      { step: 'finalizeRequest', name: 'scriptedAnswer' },
    );
    const doc = DynamoDBDocumentClient.from(client);
    recorder.arm();
    recorder.kind = 'q-phrase';
    await doc.send(
      new QueryCommand({
        TableName: 't',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'W#kiwi' },
      }),
    );
    await doc.send(
      new BatchGetCommand({
        RequestItems: {
          t: {
            Keys: [
              { pk: 'R#a', sk: 'S' },
              { pk: 'R#b', sk: 'S' },
              { pk: 'R#b', sk: 'X' },
              { pk: 'R#c', sk: 'S' },
            ],
          },
        },
      }),
    );
    expect(recorder.figures.unitsByKind).toEqual({
      'q-phrase': {
        posting: { requests: 1, units: 3 },
        'search entry': { requests: 0.75, units: 1.5 },
        'folded copy': { requests: 0.25, units: 0.5 },
      },
    });
  });

  it('names the kind of item a read reaches', () => {
    expect(itemKind({ kind: 'partition', pk: 'W#kiwi' })).toBe('posting');
    expect(itemKind({ kind: 'key', pk: 'R#a', sk: 'META' })).toBe('release');
    expect(itemKind({ kind: 'partition', pk: 'L#M#jo' })).toBe('list');
    expect(itemKind({ kind: 'partition', pk: 'EM#minister#jo' })).toBe('facet aggregate');
    expect(itemKind({ kind: 'key', pk: 'E#minister', sk: 'jo' })).toBe('entity');
    expect(itemKind({ kind: 'key', pk: 'SEARCH', sk: 'STOP' })).toBe('stop list');
    expect(itemKind({ kind: 'table', command: 'Scan' })).toBe('whole table');
  });
});
