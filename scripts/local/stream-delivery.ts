/**
 * Lambda's rules for delivering a shard's records to a function, as the DynamoDB event source
 * mapping applies them, so that tests of the local stack see what AWS would do:
 * - records older than the maximum record age are not delivered but sent to the on-failure
 *   destination;
 * - with a parallelization factor, records are spread over lanes by partition key, each lane in
 *   order, the lanes at once;
 * - a batch holds at most `batchSize` records and the 6 MB invocation payload;
 * - the handler gets a context whose `getRemainingTimeInMillis` counts down from the timeout; a
 *   handler that throws, or has not answered by the timeout, is a function error: the batch is
 *   split in two and each half retried (bisect on error), down to single records;
 * - a partial batch response retries from the earliest failed record, up to `retries` times;
 *   then the rest of the batch goes to the on-failure destination.
 * A handler that times out is not stopped (an in-process stand-in cannot freeze it, as Lambda
 * would); its late writes are those of a slow invocation.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: InvocationContext,
) => Promise<DynamoDBBatchResponse | undefined>;

export interface DeliveryRules {
  batchSize: number;
  /** Invocation payload limit in bytes (JSON of the event). */
  payloadBytes: number;
  retries: number;
  /** Records older than this (by ApproximateCreationDateTime) are not delivered. */
  maxRecordAgeSeconds: number;
  parallelizationFactor: number;
  bisectOnError: boolean;
  timeoutMs: number;
  backoffMs: number;
}

export interface DeliveryStats {
  batches: number;
  records: number;
  retried: number;
  deadLettered: number;
  bisected: number;
  timedOut: number;
  tooOld: number;
}

export interface DeadLetter {
  records: number;
  /** The range of sequence numbers, as Lambda's on-failure record names it. */
  firstSequence?: string;
  lastSequence?: string;
  error: string;
}

export interface Delivery {
  stats: DeliveryStats;
  deadLetters: DeadLetter[];
  stopped: () => boolean;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lane of a record: its partition key's hash, so one release's records stay in one lane, in order. */
function laneOf(record: DynamoDBRecord, lanes: number): number {
  const key = JSON.stringify(record.dynamodb?.Keys?.pk ?? '');
  let hash = 0;
  for (let i = 0; i < key.length; i += 1) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) >>> 0;
  return hash % lanes;
}

/** Cuts records into batches of at most `batchSize` records and `payloadBytes` of JSON. */
function batchesOf(records: readonly DynamoDBRecord[], rules: DeliveryRules): DynamoDBRecord[][] {
  const batches: DynamoDBRecord[][] = [];
  let batch: DynamoDBRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = JSON.stringify(record).length;
    if (batch.length > 0 && (batch.length >= rules.batchSize || bytes + size > rules.payloadBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(record);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

type Outcome = { failedFrom?: number; functionError?: string };

async function invoke(
  handler: StreamHandler,
  batch: DynamoDBRecord[],
  rules: DeliveryRules,
  delivery: Delivery,
): Promise<Outcome> {
  const deadline = Date.now() + rules.timeoutMs;
  const context = { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), rules.timeoutMs);
  });
  try {
    const response = await Promise.race([handler({ Records: batch }, context), timeout]);
    if (response === 'timeout') {
      delivery.stats.timedOut++;
      return { functionError: `timed out after ${rules.timeoutMs} ms` };
    }
    const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    if (failed.size === 0) return {};
    const from = batch.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
    return { failedFrom: Math.max(from, 0) };
  } catch (thrown) {
    return { functionError: thrown instanceof Error ? thrown.message : String(thrown) };
  } finally {
    clearTimeout(timer);
  }
}

/** Delivers one batch with retries, bisecting on function errors. */
async function deliverBatch(
  handler: StreamHandler,
  records: DynamoDBRecord[],
  rules: DeliveryRules,
  delivery: Delivery,
): Promise<void> {
  let batch = records;
  for (let attempt = 0; batch.length > 0; attempt++) {
    const outcome = await invoke(handler, batch, rules, delivery);
    delivery.stats.batches++;
    if (outcome.functionError === undefined && outcome.failedFrom === undefined) {
      delivery.stats.records += batch.length;
      return;
    }
    if (outcome.functionError !== undefined && rules.bisectOnError && batch.length > 1) {
      delivery.stats.bisected++;
      const half = Math.ceil(batch.length / 2);
      await deliverBatch(handler, batch.slice(0, half), rules, delivery);
      await deliverBatch(handler, batch.slice(half), rules, delivery);
      return;
    }
    const from = outcome.failedFrom ?? 0;
    delivery.stats.records += from;
    batch = batch.slice(from);
    if (attempt >= rules.retries || delivery.stopped()) {
      deadLetter(delivery, batch, outcome.functionError ?? `${batch.length} record(s) reported failed`);
      return;
    }
    delivery.stats.retried++;
    await sleep(Math.min(5_000, rules.backoffMs * 2 ** attempt));
  }
}

function deadLetter(delivery: Delivery, records: readonly DynamoDBRecord[], error: string): void {
  if (records.length === 0) return;
  delivery.stats.deadLettered += records.length;
  delivery.deadLetters.push({
    records: records.length,
    firstSequence: records[0]?.dynamodb?.SequenceNumber,
    lastSequence: records.at(-1)?.dynamodb?.SequenceNumber,
    error,
  });
  delivery.log(`projector dead-lettered ${records.length} stream record(s): ${error}`);
}

/** Delivers a shard's new records under Lambda's rules; resolves when every lane is done. */
export async function deliverRecords(
  handler: StreamHandler,
  records: readonly DynamoDBRecord[],
  rules: DeliveryRules,
  delivery: Delivery,
): Promise<void> {
  const now = Date.now() / 1000;
  const fresh: DynamoDBRecord[] = [];
  const old: DynamoDBRecord[] = [];
  for (const record of records) {
    const created = record.dynamodb?.ApproximateCreationDateTime ?? now;
    (now - created > rules.maxRecordAgeSeconds ? old : fresh).push(record);
  }
  if (old.length > 0) {
    delivery.stats.tooOld += old.length;
    deadLetter(delivery, old, `older than the maximum record age (${rules.maxRecordAgeSeconds} s)`);
  }
  const lanes: DynamoDBRecord[][] = Array.from(
    { length: Math.max(1, rules.parallelizationFactor) },
    () => [],
  );
  for (const record of fresh) lanes[laneOf(record, lanes.length)]?.push(record);
  await Promise.all(
    lanes.map(async (lane) => {
      for (const batch of batchesOf(lane, rules)) await deliverBatch(handler, batch, rules, delivery);
    }),
  );
}
