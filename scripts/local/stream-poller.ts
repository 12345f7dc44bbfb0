/**
 * Reads the table's stream for a function as Lambda's DynamoDB event source mapping does: each
 * shard in order (a child shard only after its parent is drained), records filtered by the
 * mapping's filter patterns, batches gathered for the batching window, and delivered under
 * Lambda's rules (stream-delivery.ts: parallelization, payload limit, timeout, bisect on error,
 * retries from the earliest failed record, maximum record age, on-failure destination).
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import {
  LAMBDA_PAYLOAD_BYTES,
  PROJECTOR_BATCH_SIZE,
  PROJECTOR_BATCHING_WINDOW_SECONDS,
  PROJECTOR_MAX_RECORD_AGE_SECONDS,
  PROJECTOR_PARALLELIZATION_FACTOR,
  PROJECTOR_RETRY_ATTEMPTS,
} from '#platform/event-delivery.js';
import { matchesAnyFilter } from '#platform/event-filter.js';
import {
  type DeadLetter,
  type Delivery,
  type DeliveryRules,
  type DeliveryStats,
  deliverRecords,
  type StreamHandler,
} from './stream-delivery.js';

export type ProjectorHandler = StreamHandler;

export interface StreamPollerOptions {
  dynamo: DynamoDBClient;
  tableName: string;
  handler: StreamHandler;
  /** The mapping's filter patterns (a record passing any is delivered). @default all records */
  filters?: readonly object[];
  /** @default PROJECTOR_BATCH_SIZE */
  batchSize?: number;
  /** @default PROJECTOR_RETRY_ATTEMPTS */
  retries?: number;
  /** @default 200 */
  backoffMs?: number;
  /** Pause between polls of a shard that had nothing new. @default 100 */
  idleMs?: number;
  /** How long a batch gathers records after its first (Lambda's batching window). @default PROJECTOR_BATCHING_WINDOW_SECONDS */
  batchingWindowMs?: number;
  /** The function's timeout. @default 120000 */
  timeoutMs?: number;
  /** @default PROJECTOR_PARALLELIZATION_FACTOR */
  parallelizationFactor?: number;
  /** How long the poller goes without listing the stream's shards while they stay open. @default SHARD_REFRESH_MS */
  shardRefreshMs?: number;
  /** @default PROJECTOR_MAX_RECORD_AGE_SECONDS */
  maxRecordAgeSeconds?: number;
  /** @default true */
  bisectOnError?: boolean;
  /** Where to start in the shards open at start-up (later shards start at their beginning). @default 'TRIM_HORIZON' */
  startAt?: 'TRIM_HORIZON' | 'LATEST';
  log?: (line: string) => void;
  /** Told the name of each DynamoDB Streams command the poller sends (for tests). */
  onStreamsRequest?: (command: string) => void;
  /**
   * The DynamoDB Streams client to read with. @default one for `dynamo`'s endpoint. Tests pass
   * one that ends shards and expires iterators, which DynamoDB Local does not do on demand.
   */
  streams?: DynamoDBStreamsClient;
}

export interface StreamPoller {
  /** Resolves once every record written before the call has been projected (or dead-lettered). */
  settled(): Promise<void>;
  readonly stats: DeliveryStats;
  readonly deadLetters: readonly DeadLetter[];
  stop(): Promise<void>;
}

interface ShardState {
  id: string;
  parent?: string;
  iterator?: string;
  /** The shard has no more records (closed and drained). */
  done: boolean;
  /** Last sequence number handed to the projector (or dead-lettered). */
  checkpoint?: string;
  /** Start after the newest record (shards open at start-up with `startAt: 'LATEST'`). */
  latest?: boolean;
}

type Attribute = Record<string, unknown>;

/**
 * The streams client deserialises an empty map attribute (`{"M":{}}`) as `{}`; Lambda delivers
 * the wire form, so restore it (recursively, inside maps and lists).
 */
function wireForm(value: Attribute): Attribute {
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.M && typeof value.M === 'object') {
    return {
      M: Object.fromEntries(
        Object.entries(value.M as Record<string, Attribute>).map(([k, v]) => [k, wireForm(v)]),
      ),
    };
  }
  if (Array.isArray(value.L)) return { L: (value.L as Attribute[]).map(wireForm) };
  return value;
}

function wireImage(image: Record<string, Attribute> | undefined): Record<string, Attribute> | undefined {
  return image ? Object.fromEntries(Object.entries(image).map(([k, v]) => [k, wireForm(v)])) : undefined;
}

function toLambdaRecord(record: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const data = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(data as DynamoDBRecord['dynamodb']),
      NewImage: wireImage(data.NewImage as Record<string, Attribute> | undefined) as never,
      OldImage: wireImage(data.OldImage as Record<string, Attribute> | undefined) as never,
      ApproximateCreationDateTime: data.ApproximateCreationDateTime
        ? data.ApproximateCreationDateTime.getTime() / 1000
        : Date.now() / 1000,
    },
  };
}

/** How long the poller goes without listing the stream's shards while they stay open. */
const SHARD_REFRESH_MS = 10_000;

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const log = options.log ?? (() => {});
  const batchSize = options.batchSize ?? PROJECTOR_BATCH_SIZE;
  const rules: DeliveryRules = {
    batchSize,
    payloadBytes: LAMBDA_PAYLOAD_BYTES,
    retries: options.retries ?? PROJECTOR_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: options.maxRecordAgeSeconds ?? PROJECTOR_MAX_RECORD_AGE_SECONDS,
    parallelizationFactor: options.parallelizationFactor ?? PROJECTOR_PARALLELIZATION_FACTOR,
    bisectOnError: options.bisectOnError ?? true,
    timeoutMs: options.timeoutMs ?? 120_000,
    backoffMs: options.backoffMs ?? 200,
  };
  const idleMs = options.idleMs ?? 100;
  const shardRefreshMs = options.shardRefreshMs ?? SHARD_REFRESH_MS;
  const batchingWindowMs = options.batchingWindowMs ?? PROJECTOR_BATCHING_WINDOW_SECONDS * 1000;
  const region = (await options.dynamo.config.region()) ?? 'local';
  const endpoint = await options.dynamo.config.endpoint?.();
  const streams =
    options.streams ??
    new DynamoDBStreamsClient({
      region,
      endpoint: endpoint
        ? `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}${endpoint.path}`
        : undefined,
      credentials: await options.dynamo.config.credentials(),
    });
  const onStreamsRequest = options.onStreamsRequest;
  if (onStreamsRequest) {
    streams.middlewareStack.add(
      (next, context) => (args) => {
        onStreamsRequest(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: 'releasesStreamsRequests' },
    );
  }
  const table = await options.dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);

  const shards = new Map<string, ShardState>();
  let stopped = false;
  const delivery: Delivery = {
    stats: { batches: 0, records: 0, retried: 0, deadLettered: 0, bisected: 0, timedOut: 0, tooOld: 0 },
    deadLetters: [],
    stopped: () => stopped,
    log,
  };
  /** Bumped each time a full pass over all shards finds nothing new. */
  let quietPasses = 0;
  const waiters: Array<{ after: number; resolve: () => void }> = [];

  let firstRefresh = true;
  async function refreshShards(): Promise<void> {
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || shards.has(shard.ShardId)) continue;
        const state: ShardState = { id: shard.ShardId, parent: shard.ParentShardId, done: false };
        if (firstRefresh && options.startAt === 'LATEST') state.latest = true;
        shards.set(shard.ShardId, state);
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    firstRefresh = false;
  }

  async function iteratorFor(shard: ShardState): Promise<string | undefined> {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.id,
        ...(shard.checkpoint
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.checkpoint }
          : { ShardIteratorType: shard.latest ? 'LATEST' : 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator;
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /**
   * One batch from one shard; true when it found records. Like Lambda's event source mapping, it
   * reads on until the batch is full, the batching window (from the first record) has passed, or
   * the shard ends.
   */
  async function pollShard(shard: ShardState): Promise<boolean> {
    shard.iterator ??= await iteratorFor(shard);
    if (!shard.iterator) {
      shard.done = true;
      return false;
    }
    const records: DynamoDBRecord[] = [];
    let windowEnds: number | undefined;
    while (shard.iterator) {
      let output: GetRecordsCommandOutput;
      try {
        output = await streams.send(
          new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize - records.length }),
        );
      } catch (error) {
        if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
          // Reopened after the checkpoint, which moves past what is delivered below.
          shard.iterator = undefined;
          if (records.length === 0) return true;
          break;
        }
        throw error;
      }
      shard.iterator = output.NextShardIterator;
      if (!shard.iterator) shard.done = true;
      for (const record of output.Records ?? [])
        records.push(toLambdaRecord(record, streamArn as string, region));
      if (records.length === 0) return false;
      windowEnds ??= Date.now() + batchingWindowMs;
      const left = windowEnds - Date.now();
      if (records.length >= batchSize || left <= 0 || stopped) break;
      await sleep(Math.min(idleMs, left));
    }
    if (records.length === 0) return false;
    const filters = options.filters;
    const wanted = filters ? records.filter((record) => matchesAnyFilter(filters, record)) : records;
    if (wanted.length > 0) await deliverRecords(options.handler, wanted, rules, delivery);
    shard.checkpoint = records[records.length - 1]?.dynamodb?.SequenceNumber ?? shard.checkpoint;
    return true;
  }

  // Open the shards before returning, so that with `LATEST` nothing written after start-up is missed.
  await refreshShards();
  for (const shard of shards.values()) if (shard.latest) shard.iterator = await iteratorFor(shard);

  // Shards are listed again only when one has ended (its children follow it), when none is open,
  // or after `shardRefreshMs`, rather than on every pass (a DescribeStream every 100 ms when idle).
  let lastRefresh = Date.now();
  const loop = (async () => {
    while (!stopped) {
      let busy = false;
      try {
        const open = [...shards.values()].filter((shard) => !shard.done).length;
        if (open === 0 || Date.now() - lastRefresh >= shardRefreshMs) {
          await refreshShards();
          lastRefresh = Date.now();
        }
        for (const shard of shards.values()) {
          if (shard.done) continue;
          const parent = shard.parent ? shards.get(shard.parent) : undefined;
          if (parent && !parent.done) continue;
          if (await pollShard(shard)) busy = true;
          // An ended shard's children are listed on the next pass, which this one must not
          // count as quiet (settled() waits for a quiet pass).
          if (shard.done) {
            busy = true;
            lastRefresh = 0;
          }
        }
      } catch (error) {
        if (stopped) break;
        log(`stream poll failed: ${error instanceof Error ? error.message : String(error)}`);
        busy = false;
      }
      if (!busy) {
        quietPasses++;
        for (const waiter of waiters.splice(0)) {
          if (quietPasses > waiter.after) waiter.resolve();
          else waiters.push(waiter);
        }
        await sleep(idleMs);
      }
    }
  })();

  return {
    settled() {
      // A pass that *starts* after this call and finds nothing new: everything written before
      // the call was read by then.
      const after = quietPasses + 1;
      return new Promise((resolve) => waiters.push({ after, resolve }));
    },
    stats: delivery.stats,
    deadLetters: delivery.deadLetters,
    async stop() {
      stopped = true;
      await loop;
      for (const waiter of waiters.splice(0)) waiter.resolve();
      if (!options.streams) streams.destroy();
    },
  };
}
