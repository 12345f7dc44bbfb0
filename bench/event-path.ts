/**
 * The whole event path at one size, into the table that already holds the size's corpus and its
 * word index: new release files uploaded to s3rver, their S3 event records delivered to the real
 * ingest handler, the table's stream projected by the real projector, which hands the releases to
 * the real indexer through its queue, until the last release is found by a rare word of its own
 * through the query path. Measured:
 *
 * - the rate of that bulk load against a raw BatchWriteItem of the items the releases own plus
 *   their word index as the bulk loader writes it (half before, half after the event path, into a
 *   scratch table set up like the main one: created without a stream, the stream then turned on);
 * - the derived state's requests per release: the projector's and the indexer's DynamoDB requests
 *   and the projector's SQS sends (the stream's and the queue's delivery are Lambda's, not counted);
 * - the write units of both, as DynamoDB bills them (write-bill.ts), split by item kind;
 * - the same for single uploads, one at a time, each waited for.
 *
 * The files are the corpus's next ones after the size (`first: size`), so a later size loads
 * them again as its own (same texts) and its table holds exactly its size; after the last size
 * they stay.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { SearchBulkBuilder } from '#search/bulk-index.js';
import type { StopList } from '#search/keys.js';
import { generateCorpus } from '../scripts/corpus/generate.js';
import { ensureTable, setTableStream } from '../scripts/local/provision.js';
import { sqsEventOf } from '../scripts/local/s3-events.js';
import { ownedItemsForFiles, type ParsedFile, take } from './corpus-items.js';
import { batchPut, dropTable, type Item, putWriteUnits } from './dynamo.js';
import { type BenchEnvironment, documentClient } from './environment.js';
import { type DerivedState, startDerivedState } from './event-derived.js';
import { countFound, rareWordsOf, searchCheck, waitUntilFound } from './event-search.js';
import type { Options } from './options.js';
import type { Progress } from './progress.js';
import { forEachBounded, round } from './stats.js';
import { checkWriteBilling } from './write-bill.js';

type PerKind = Record<string, { writes: number; units: number }>;

export interface DerivedFigures {
  /** Projector + indexer DynamoDB requests + SQS sends, per release. */
  requestsPerRelease: number;
  /** Per release, by function and command. */
  requests: Record<string, number>;
  writeUnits: { indexer: number; projector: number; indexerByKind: PerKind; projectorByKind: PerKind };
  readUnits: { indexer: number; projector: number };
  /** Conditional writes whose condition failed (billed by the item they found). */
  failedConditions: number;
  sqs: { requests: number; messages: number };
  indexerBatches: number[];
}

export interface EventPathFigures {
  releasesBefore: number;
  files: number;
  bulk: DerivedFigures & {
    /** First upload until the last release uploaded was found by its rare word. */
    seconds: number;
    releasesPerSecond: number;
    /** From the first upload: s3rver announced every upload; ingest took every event; projector and indexer idle. */
    milestones: { uploaded: number; ingested: number; settled: number };
    ingest: { invocations: number; retries: number; failures: number };
    projector: { batches: number; records: number; retried: number; deadLettered: number };
    /** Releases their rare word found afterwards (all of them, untimed), and the first missing. */
    found: number;
    missing: string[];
  };
  raw: {
    seconds: number;
    releasesPerSecond: number;
    items: number;
    itemsPerRelease: number;
    requests: number;
    /** Each item put once, its size rounded up to 1 KB. */
    writeUnitsPerRelease: number;
  };
  /** bulk.releasesPerSecond / raw.releasesPerSecond */
  ratio: number;
  singles: DerivedFigures & { files: number; secondsPerRelease: number; found: number };
}

const SCRATCH_TABLE = 'event-raw-baseline';
/** SQS redelivers a failed message until its receive limit (5 deliveries). */
const RETRIES = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function derivedFigures(derived: DerivedState, releases: number): DerivedFigures {
  const projector = derived.projectorBill.perRelease(releases);
  const indexer = derived.indexerBill.perRelease(releases);
  const requests: Record<string, number> = {};
  for (const [name, value] of Object.entries(projector.requests)) requests[`projector ${name}`] = value;
  for (const [name, value] of Object.entries(indexer.requests)) requests[`indexer ${name}`] = value;
  requests['projector SQS SendMessageBatch'] = round(derived.sqs.requests / releases);
  const total = derived.projectorBill.requestCount + derived.indexerBill.requestCount + derived.sqs.requests;
  return {
    requestsPerRelease: round(total / releases),
    requests,
    writeUnits: {
      indexer: indexer.writeUnits,
      projector: projector.writeUnits,
      indexerByKind: indexer.byKind,
      projectorByKind: projector.byKind,
    },
    readUnits: { indexer: indexer.readUnits, projector: projector.readUnits },
    failedConditions: derived.projectorBill.failedConditions + derived.indexerBill.failedConditions,
    sqs: { ...derived.sqs },
    indexerBatches: [...derived.indexerBatches],
  };
}

/** The ingest function as its queue drives it, one notification a message, redelivered on failure. */
async function ingestDelivery(env: BenchEnvironment) {
  const { makeHandler } = await import('#handlers/ingest.js');
  const { localS3Client } = await import('#local/s3-server.js');
  const s3 = localS3Client(env.stack.s3Endpoint);
  const handler = makeHandler({ doc: documentClient(env.newDynamoClient()), s3, tableName: env.tableName });
  const counts = { invocations: 0, retries: 0, failures: 0 };
  const deliver = async (event: S3Event, note: (line: string) => void) => {
    for (let attempt = 0; ; attempt += 1) {
      counts.invocations += 1;
      const response = await handler(sqsEventOf(event)).catch(() => ({ batchItemFailures: [{}] }));
      if (response.batchItemFailures.length === 0) return;
      if (attempt >= RETRIES) {
        counts.failures += 1;
        note('ingest failed for good');
        return;
      }
      counts.retries += 1;
    }
  };
  return { deliver, counts, close: () => s3.destroy() };
}

/** Uploads the files and delivers each event as s3rver announces it, `concurrency` of each at once. */
async function uploadAndIngest(
  env: BenchEnvironment,
  files: readonly ParsedFile[],
  concurrency: number,
  deliver: (event: S3Event) => Promise<void>,
): Promise<{ uploadedMs: number }> {
  const start = performance.now();
  env.events.length = 0;
  let uploadedMs = 0;
  let uploadError: unknown;
  const uploads = forEachBounded(files, concurrency, async (file) => {
    await env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: file.key, Body: file.text }));
  }).catch((error: unknown) => {
    uploadError = error;
  });
  const running = new Set<Promise<void>>();
  let lastEventAt = Date.now();
  for (let started = 0; started < files.length; ) {
    if (uploadError) throw uploadError;
    const event = env.events.shift();
    if (!event) {
      if (Date.now() - lastEventAt > 60_000)
        throw new Error(`s3rver announced ${started} of ${files.length} uploads`);
      await sleep(5);
      continue;
    }
    lastEventAt = Date.now();
    started += 1;
    if (started === files.length) uploadedMs = performance.now() - start;
    const run: Promise<void> = deliver(event).finally(() => running.delete(run));
    running.add(run);
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  await uploads;
  return { uploadedMs };
}

/** The raw baseline's items: what the releases own, then their word index as the bulk loader writes it. */
function rawItems(files: readonly ParsedFile[], stop: StopList): Item[] {
  const builder = new SearchBulkBuilder(stop);
  for (const file of files) builder.add(file.release);
  return [
    ...ownedItemsForFiles(files, new Date().toISOString(), stop),
    ...builder.takeReleaseItems(),
    ...builder.postingItems(),
    ...builder.vocabularyItems(),
  ];
}

export async function measureEventPath(
  env: BenchEnvironment,
  context: {
    size: number;
    /** The largest size of the run: the corpus the files continue. */
    corpusCount: number;
    stop: StopList;
    /** Releases per word of the corpus loaded so far. */
    frequency: ReadonlyMap<string, number>;
  },
  opts: Options,
  progress: Progress,
): Promise<EventPathFigures> {
  const note = (line: string) => progress.note(line);
  const count = opts.eventFiles + opts.eventSingles;
  const generated = generateCorpus({
    seed: opts.seed,
    count,
    first: context.size,
    corpusCount: context.corpusCount,
    endDate: opts.endDate,
  })[Symbol.iterator]();
  const all = take(generated, count);
  const bulkFiles = all.slice(0, opts.eventFiles);
  const singleFiles = all.slice(opts.eventFiles);
  const words = rareWordsOf(
    all.map((file) => file.release),
    context.frequency,
    context.stop.words,
  );
  await checkWriteBilling(env.doc, env.tableName);
  const check = await searchCheck(env, new Map(all.map((file) => [file.release.id, file.release.date])));
  const ingest = await ingestDelivery(env);

  // The raw baseline, half before and half after the event path (both see the same background).
  await dropTable(env.dynamo, SCRATCH_TABLE);
  await ensureTable(env.dynamo, SCRATCH_TABLE, { stream: false });
  await setTableStream(env.dynamo, SCRATCH_TABLE, true);
  const raw = rawItems(bulkFiles, context.stop);
  const rawDoc = documentClient(env.newDynamoClient());
  let rawMs = 0;
  let rawRequests = 0;
  const rawHalf = async (items: readonly Item[]) => {
    const begin = performance.now();
    rawRequests += (await batchPut(rawDoc, SCRATCH_TABLE, items, opts.concurrency)).requests;
    rawMs += performance.now() - begin;
  };

  await setTableStream(env.dynamo, env.tableName, true);
  let derived: DerivedState | undefined;
  try {
    // Before each writer, no stream is read: older records would only slow DynamoDB Local down.
    env.purgeStreamRecords();
    progress.phase(`event path: raw write (first half)`, 1);
    await rawHalf(raw.slice(0, Math.floor(raw.length / 2)));
    progress.done();

    env.purgeStreamRecords();
    progress.phase(`event path: ${n(bulkFiles.length)} files at once into ${n(context.size)}`, 1);
    derived = await startDerivedState(env, {
      ...(opts.indexWindowSeconds !== undefined ? { indexWindowMs: opts.indexWindowSeconds * 1000 } : {}),
      log: note,
    });
    const start = performance.now();
    const { uploadedMs } = await uploadAndIngest(env, bulkFiles, opts.concurrency, (event) =>
      ingest.deliver(event, note),
    );
    const ingestedMs = performance.now() - start;
    await derived.settled();
    const settledMs = performance.now() - start;
    const last = bulkFiles.at(-1) as ParsedFile;
    const lastFound = await waitUntilFound(check, last.release.id, words.get(last.release.id) ?? '', 120_000);
    const seconds = (performance.now() - start) / 1000;
    if (!lastFound) note(`event path: the last release was not found by its rare word`);
    await derived.stop();
    const bulkDerived = derivedFigures(derived, bulkFiles.length);
    const projector = { ...derived.poller.stats };
    derived = undefined;
    progress.done();

    env.purgeStreamRecords();
    progress.phase(`event path: raw write (second half)`, 1);
    await rawHalf(raw.slice(Math.floor(raw.length / 2)));
    progress.done();

    env.purgeStreamRecords();
    progress.phase(`event path: search check of ${n(bulkFiles.length)} releases`, 1);
    const bulkWords = new Map(
      bulkFiles.flatMap((f) =>
        words.has(f.release.id) ? [[f.release.id, words.get(f.release.id) as string]] : [],
      ),
    );
    const checked = await countFound(check, bulkWords, opts.concurrency);
    progress.done();

    progress.phase(`event path: ${singleFiles.length} single uploads`, singleFiles.length);
    env.purgeStreamRecords();
    // A short index window, as the local stack's: one release waits for nothing else. From the
    // stream's oldest record, which after the purge is the first upload's: a `LATEST` iterator taken
    // on a purged shard of DynamoDB Local missed that upload (4 of 5 single uploads projected).
    derived = await startDerivedState(env, { indexWindowMs: 500, log: note });
    let singlesMs = 0;
    let singlesFound = 0;
    for (const file of singleFiles) {
      const begin = performance.now();
      await uploadAndIngest(env, [file], 1, (event) => ingest.deliver(event, note));
      await derived.settled();
      singlesMs += performance.now() - begin;
      if (await check(file.release.id, words.get(file.release.id) ?? '')) singlesFound += 1;
      progress.tick();
    }
    await derived.stop();
    const singles = derivedFigures(derived, Math.max(1, singleFiles.length));
    derived = undefined;
    progress.done();

    const rate = bulkFiles.length / seconds;
    const rawRate = bulkFiles.length / (rawMs / 1000);
    return {
      releasesBefore: context.size,
      files: bulkFiles.length,
      bulk: {
        ...bulkDerived,
        seconds: round(seconds, 1),
        releasesPerSecond: round(rate, 1),
        milestones: {
          uploaded: round(uploadedMs / 1000, 1),
          ingested: round(ingestedMs / 1000, 1),
          settled: round(settledMs / 1000, 1),
        },
        ingest: { ...ingest.counts },
        projector: {
          batches: projector.batches,
          records: projector.records,
          retried: projector.retried,
          deadLettered: projector.deadLettered,
        },
        found: lastFound ? checked.found : 0,
        missing: checked.missing.slice(0, 5),
      },
      raw: {
        seconds: round(rawMs / 1000, 1),
        releasesPerSecond: round(rawRate, 1),
        items: raw.length,
        itemsPerRelease: round(raw.length / bulkFiles.length, 1),
        requests: rawRequests,
        writeUnitsPerRelease: round(putWriteUnits(raw) / bulkFiles.length, 1),
      },
      ratio: round(rate / rawRate, 3),
      singles: {
        ...singles,
        files: singleFiles.length,
        secondsPerRelease: round(singlesMs / 1000 / Math.max(1, singleFiles.length), 2),
        found: singlesFound,
      },
    };
  } finally {
    progress.done();
    await derived?.stop();
    ingest.close();
    await setTableStream(env.dynamo, env.tableName, false);
    await dropTable(env.dynamo, SCRATCH_TABLE);
  }
}

function n(value: number): string {
  return value.toLocaleString('en-US');
}
