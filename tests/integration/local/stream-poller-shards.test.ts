/**
 * The local stack's stream poller when a shard ends (or splits in two) and when an iterator
 * expires, as DynamoDB Streams does (a shard closes about every four hours; an iterator lasts 15
 * minutes). DynamoDB
 * Local does neither on demand, so the poller reads here from a scripted Streams client: shards
 * and records as the service returns them. The table (and its stream's ARN) are DynamoDB Local's.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
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

interface ScriptedShard {
  id: string;
  parent?: string;
  records: StreamRecord[];
  /** Closed: once its records are read, the next iterator is null. */
  closed: boolean;
  /** Listed by DescribeStream from this call on (1 = the first). */
  listedFrom: number;
}

let sequence = 0;
function record(pk: string): StreamRecord {
  sequence += 1;
  return {
    eventID: `e${sequence}`,
    eventName: 'INSERT',
    dynamodb: {
      Keys: { pk: { S: pk }, sk: { S: 'META' } },
      NewImage: { pk: { S: pk }, sk: { S: 'META' } },
      SequenceNumber: String(sequence).padStart(21, '0'),
      ApproximateCreationDateTime: new Date(),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** A Streams client over scripted shards: iterators are `shard|position`. */
class ScriptedStreams extends DynamoDBStreamsClient {
  describes = 0;
  /** Shard of each GetRecords, in order. */
  readonly reads: string[] = [];
  /** GetRecords calls (1-based) that fail as an expired iterator does. */
  readonly expireAt = new Set<number>();

  constructor(private readonly shards: ScriptedShard[]) {
    super({ region: 'local' });
  }

  private shard(id: string | undefined): ScriptedShard {
    const shard = this.shards.find((s) => s.id === id);
    if (!shard) throw new Error(`no shard ${id}`);
    return shard;
  }

  override send = (async (command: unknown) => {
    if (command instanceof DescribeStreamCommand) {
      this.describes += 1;
      const listed = this.shards.filter((s) => s.listedFrom <= this.describes);
      return {
        StreamDescription: { Shards: listed.map((s) => ({ ShardId: s.id, ParentShardId: s.parent })) },
      };
    }
    if (command instanceof GetShardIteratorCommand) {
      const { ShardId, ShardIteratorType, SequenceNumber } = command.input;
      const shard = this.shard(ShardId);
      const position =
        ShardIteratorType === 'AFTER_SEQUENCE_NUMBER'
          ? shard.records.findIndex((r) => r.dynamodb?.SequenceNumber === SequenceNumber) + 1
          : ShardIteratorType === 'LATEST'
            ? shard.records.length
            : 0;
      return { ShardIterator: `${shard.id}|${position}` };
    }
    if (command instanceof GetRecordsCommand) {
      const [id, at] = String(command.input.ShardIterator).split('|');
      const shard = this.shard(id);
      this.reads.push(shard.id);
      if (this.expireAt.has(this.reads.length))
        throw new ExpiredIteratorException({ message: 'Iterator expired', $metadata: {} });
      const position = Number(at);
      const records = shard.records.slice(position, position + (command.input.Limit ?? 1000));
      const next = position + records.length;
      const ended = shard.closed && next >= shard.records.length;
      return { Records: records, NextShardIterator: ended ? undefined : `${shard.id}|${next}` };
    }
    throw new Error('not scripted');
  }) as DynamoDBStreamsClient['send'];
}

async function pollerOver(streams: ScriptedStreams, delivered: string[][]): Promise<StreamPoller> {
  return startStreamPoller({
    dynamo: services.dynamo,
    tableName: services.tableName,
    streams,
    batchSize: 2,
    // One lane: records in shard order (more lanes keep order per key only, as Lambda does).
    parallelizationFactor: 1,
    batchingWindowMs: 0,
    idleMs: 10,
    handler: async (event: DynamoDBStreamEvent) => {
      delivered.push(event.Records.map((r) => String(r.dynamodb?.Keys?.pk?.S)));
      return { batchItemFailures: [] };
    },
  });
}

it.each([
  ['listed beside its parent from the start', 1],
  ['listed only once its parent has ended', 2],
])('drains a shard to its end before its child (%s), and settles after both', async (_, childListedFrom) => {
  const streams = new ScriptedStreams([
    // The child comes first in the listing: the poller must still wait for its parent.
    {
      id: 'child',
      parent: 'parent',
      records: ['c1', 'c2', 'c3'].map(record),
      closed: false,
      listedFrom: childListedFrom,
    },
    { id: 'parent', records: ['p1', 'p2', 'p3'].map(record), closed: true, listedFrom: 1 },
  ]);
  const delivered: string[][] = [];
  poller = await pollerOver(streams, delivered);
  await poller.settled();
  // Batches of two, none across the shards' boundary, the parent's first.
  expect(delivered).toEqual([['p1', 'p2'], ['p3'], ['c1', 'c2'], ['c3']]);
  expect(streams.reads.lastIndexOf('parent')).toBeLessThan(streams.reads.indexOf('child'));
  // Listed at start and when the parent ended (then at most once more), not on every pass.
  expect(streams.describes).toBeLessThanOrEqual(3);
});

it('reopens an expired iterator after the last record delivered: nothing lost, nothing twice', async () => {
  const streams = new ScriptedStreams([
    { id: 'only', records: ['a', 'b', 'c', 'd', 'e'].map(record), closed: false, listedFrom: 1 },
  ]);
  // The second read fails as an iterator held past 15 minutes does.
  streams.expireAt.add(2);
  const delivered: string[][] = [];
  poller = await pollerOver(streams, delivered);
  await poller.settled();
  expect(delivered.flat()).toEqual(['a', 'b', 'c', 'd', 'e']);
});

it('drains a parent before both children of a split, and a closed child before its own child', async () => {
  const streams = new ScriptedStreams([
    { id: 'left', parent: 'root', records: ['l1', 'l2', 'l3'].map(record), closed: true, listedFrom: 1 },
    // Listed only once the root has ended, as a split's second child can be.
    { id: 'right', parent: 'root', records: ['r1', 'r2'].map(record), closed: false, listedFrom: 2 },
    { id: 'next', parent: 'left', records: ['n1', 'n2'].map(record), closed: false, listedFrom: 1 },
    { id: 'root', records: ['p1', 'p2', 'p3'].map(record), closed: true, listedFrom: 1 },
  ]);
  const delivered: string[][] = [];
  poller = await pollerOver(streams, delivered);
  await poller.settled();
  const flat = delivered.flat();
  const shardOf = (key: string) => key[0];
  // Every record once, no batch across two shards, and each shard's records in order.
  expect([...flat].sort()).toEqual(['l1', 'l2', 'l3', 'n1', 'n2', 'p1', 'p2', 'p3', 'r1', 'r2']);
  for (const batch of delivered) expect(new Set(batch.map(shardOf)).size, JSON.stringify(delivered)).toBe(1);
  for (const shard of ['p', 'l', 'r', 'n']) {
    const own = flat.filter((key) => shardOf(key) === shard);
    expect(own).toEqual([...own].sort());
  }
  const last = (shard: string) => Math.max(...flat.flatMap((key, i) => (shardOf(key) === shard ? [i] : [])));
  const first = (shard: string) => flat.findIndex((key) => shardOf(key) === shard);
  expect(last('p')).toBeLessThan(first('l'));
  expect(last('p')).toBeLessThan(first('r'));
  expect(last('l')).toBeLessThan(first('n'));
});
