/**
 * Ingest throughput: the S3-event path (files uploaded to s3rver, the real S3 event records the
 * local stack makes of them delivered as SQS messages to the real ingest handler with bounded
 * concurrency, and the table's stream projected by the real projector, until it has settled)
 * against a raw BatchWriteItem of the same items (release, list, source and entity items). The
 * word index is left out of both (its cost is measured on its bulk load). Also
 * the write units the event path consumes per release against the minimum: the size of the
 * items the release owns (release item, list items, source-key state), each put once.
 *
 * The two are measured in interleaved chunks of the same files (the order alternating per chunk)
 * so that both see the same background load on a shared machine; the raw writes go to a scratch
 * table with the same key schema, dropped afterwards.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import type { StopList } from '#search/keys.js';
import { PROJECTOR_FILTERS } from '#table/table-layout.js';
import { setTableStream } from '../scripts/local/provision.js';
import { sqsEventOf } from '../scripts/local/s3-events.js';
import { startStreamPoller } from '../scripts/local/stream-poller.js';
import { itemsForFiles, ownedItemsForFiles, type ParsedFile } from './corpus-items.js';
import { batchPut, CapacityMeter, createTable, dropTable, putWriteUnits, RequestTimer } from './dynamo.js';
import { type BenchEnvironment, documentClient } from './environment.js';
import type { Progress } from './progress.js';
import { forEachBounded, round } from './stats.js';

export interface RequestShare {
  /** SDK command, e.g. `DynamoDB TransactWriteItems`. */
  request: string;
  perRelease: number;
  meanMs: number;
  /** Share of the summed request time of the path. */
  share: number;
}

/** CPU milliseconds per release, in this Node process (handler, SDK, s3rver) and in DynamoDB Local. */
export interface CpuPerRelease {
  node: number;
  dynamodbLocal: number;
}

export interface IngestFigures {
  /** Files measured on both paths. */
  sample: number;
  /** Releases in the table when the sample started (the sample is the last files of the size). */
  releasesBefore: number;
  concurrency: number;
  chunk: number;
  upload: { seconds: number; filesPerSecond: number };
  eventPath: {
    seconds: number;
    releasesPerSecond: number;
    invocations: number;
    retries: number;
    failures: number;
    requests: RequestShare[];
    cpuMsPerRelease: CpuPerRelease;
    /** Stream records the projector applied, and its retried batches. */
    projector: { batches: number; records: number; retried: number; deadLettered: number };
  };
  /**
   * Write capacity per release: event path (ingest + projector, without the word index) vs the
   * owned items put once; the word index's own writes per release beside it.
   */
  writeUnits: {
    eventPath: number;
    minimum: number;
    ratio: number;
    /** Write units per release by request and item kind (`UpdateItem EM`, `BatchWriteItem`, ...). */
    byRequest?: Record<string, number>;
  };
  /** Read capacity per release on the event path (ingest + projector); absent in older results. */
  readUnits?: { eventPath: number };
  rawWrite: {
    seconds: number;
    releasesPerSecond: number;
    items: number;
    itemsPerRelease: number;
    requests: number;
    cpuMsPerRelease: CpuPerRelease;
  };
  /** eventPath.releasesPerSecond / rawWrite.releasesPerSecond */
  ratio: number;
}

let clockTicks: number | undefined;

/** User plus system CPU of a process from /proc, in ms (0 where /proc is unavailable). */
function processCpuMs(pid: number): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name: state is the first, utime the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return 0;
  }
}

/** CPU used by this process and by DynamoDB Local while `run` runs. */
async function withCpu(
  dynamoPid: number,
  run: () => Promise<void>,
): Promise<{ node: number; dynamo: number }> {
  const node = process.cpuUsage();
  const dynamo = processCpuMs(dynamoPid);
  await run();
  const used = process.cpuUsage(node);
  return { node: (used.user + used.system) / 1000, dynamo: processCpuMs(dynamoPid) - dynamo };
}

const SCRATCH_TABLE = 'raw-write-baseline';
/** SQS redelivers a failed message until its receive limit (5 deliveries). */
const RETRIES = 4;

async function waitForEvents(events: S3Event[], count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (events.length < count) {
    if (Date.now() > deadline) throw new Error(`s3rver announced ${events.length} of ${count} uploads`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function shares(timer: RequestTimer, releases: number): RequestShare[] {
  const total = [...timer.commands.values()].reduce((sum, entry) => sum + entry.totalMs, 0);
  return [...timer.commands.entries()]
    .map(([request, entry]) => ({
      request,
      perRelease: round(entry.count / releases, 2),
      meanMs: round(entry.totalMs / entry.count, 2),
      share: round(entry.totalMs / total, 3),
    }))
    .sort((a, b) => b.share - a.share);
}

export async function measureIngest(
  env: BenchEnvironment,
  files: readonly ParsedFile[],
  options: {
    concurrency: number;
    chunk: number;
    releasesBefore: number;
    progress: Progress;
    /** The stop list in the table: the list items of both paths carry stop-word bits under it. */
    stop?: StopList;
  },
): Promise<IngestFigures> {
  const { concurrency, chunk, progress } = options;
  const { makeHandler } = await import('#handlers/ingest.js');
  const { makeHandler: makeProjector } = await import('#handlers/project.js');
  const { changeLogProjection } = await import('#changes/aws/dynamodb-change-log.js');
  // The functions get clients of their own, timed and metered by their middleware stacks.
  const timer = new RequestTimer();
  const meter = new CapacityMeter();
  const ingestDynamo = env.newDynamoClient();
  timer.attach(ingestDynamo);
  meter.attach(ingestDynamo);
  const { localS3Client } = await import('#local/s3-server.js');
  const ingestS3 = localS3Client(env.stack.s3Endpoint);
  timer.attach(ingestS3);
  const sqsHandler = makeHandler({
    doc: documentClient(ingestDynamo),
    s3: ingestS3,
    tableName: env.tableName,
  });
  const handler = async (event: S3Event) => {
    const response = await sqsHandler(sqsEventOf(event));
    if (response.batchItemFailures.length > 0) throw new Error('the ingest function reported a failure');
  };
  const projectorDynamo = env.newDynamoClient();
  timer.attach(projectorDynamo);
  meter.attach(projectorDynamo);
  const projectorDoc = documentClient(projectorDynamo);
  // A stream only for this phase, new and so holding only what the event path writes: the
  // bulk-loaded part is already projected, and loads without a stream run several times faster.
  await setTableStream(env.dynamo, env.tableName, true);
  const projector = await startStreamPoller({
    dynamo: env.dynamo,
    tableName: env.tableName,
    handler: makeProjector({
      doc: projectorDoc,
      tableName: env.tableName,
      // Everything but the word index: DynamoDB Local records a stream record for each write at
      // about 100 writes a second, and the index's sync is one write per distinct word (about 130
      // per release), which would measure DynamoDB Local's stream rather than the write path. The
      // index's own write units are measured on its bulk load.
      projections: (doc, table) => [changeLogProjection(doc, table)],
    }),
    filters: PROJECTOR_FILTERS,
    startAt: 'TRIM_HORIZON',
    idleMs: 20,
  });
  const rawDynamo = env.newDynamoClient();
  const rawDoc = documentClient(rawDynamo);

  await dropTable(env.dynamo, SCRATCH_TABLE);
  await createTable(env.dynamo, SCRATCH_TABLE);
  // Neither stream has a record yet: older ones (earlier phases') would only slow DynamoDB Local down.
  env.purgeStreamRecords();
  // Then one record in the scratch table's stream, so that each stream's first record is at the
  // front: the other's records pile up behind it, where they cost nothing (bench/stream-records.ts).
  // Without it the raw side, whose first write follows a chunk of the event path's, ran at a sixth
  // of its speed in a database file.
  await batchPut(rawDoc, SCRATCH_TABLE, [{ pk: 'BENCH#first', sk: 'first' }], 1);
  const time = new Date().toISOString();
  let uploadMs = 0;
  let ingestMs = 0;
  let rawMs = 0;
  let rawItems = 0;
  let rawRequests = 0;
  const cpu = { event: { node: 0, dynamo: 0 }, raw: { node: 0, dynamo: 0 } };
  const addCpu = (into: { node: number; dynamo: number }, used: { node: number; dynamo: number }) => {
    into.node += used.node;
    into.dynamo += used.dynamo;
  };
  let minimumWriteUnits = 0;
  let invocations = 0;
  let retries = 0;
  let failures = 0;
  env.events.length = 0;
  progress.phase(`ingest ${files.length} files (event path vs raw)`, files.length);
  try {
    for (let start = 0, round_ = 0; start < files.length; start += chunk, round_ += 1) {
      const part = files.slice(start, start + chunk);
      const uploadStart = performance.now();
      await forEachBounded(part, concurrency, async (file) => {
        await env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: file.key, Body: file.text }));
      });
      await waitForEvents(env.events, part.length);
      uploadMs += performance.now() - uploadStart;
      const events = env.events.splice(0, env.events.length);
      const items = itemsForFiles(part, time, true, options.stop);
      minimumWriteUnits += putWriteUnits(ownedItemsForFiles(part, time, options.stop));

      const eventPath = async () => {
        const begin = performance.now();
        await forEachBounded(events, concurrency, async (event) => {
          for (let attempt = 0; ; attempt += 1) {
            invocations += 1;
            try {
              await handler(event);
              return;
            } catch (error) {
              if (attempt >= RETRIES) {
                failures += 1;
                progress.note(`ingest failed: ${error instanceof Error ? error.message : String(error)}`);
                return;
              }
              retries += 1;
            }
          }
        });
        // The event path is done when the projection is: lists and counts are part of it.
        await projector.settled();
        ingestMs += performance.now() - begin;
      };
      const raw = async () => {
        const begin = performance.now();
        const { requests } = await batchPut(rawDoc, SCRATCH_TABLE, items, concurrency);
        rawMs += performance.now() - begin;
        rawItems += items.length;
        rawRequests += requests;
      };
      const measuredEvent = async () => addCpu(cpu.event, await withCpu(env.dynamoPid, eventPath));
      const measuredRaw = async () => addCpu(cpu.raw, await withCpu(env.dynamoPid, raw));
      if (round_ % 2 === 0) {
        await measuredEvent();
        await measuredRaw();
      } else {
        await measuredRaw();
        await measuredEvent();
      }
      progress.tick(part.length);
    }
  } finally {
    progress.done();
    await projector.stop();
    await setTableStream(env.dynamo, env.tableName, false);
    await dropTable(env.dynamo, SCRATCH_TABLE);
    ingestS3.destroy();
  }
  const ingestRate = files.length / (ingestMs / 1000);
  const rawRate = files.length / (rawMs / 1000);
  return {
    sample: files.length,
    releasesBefore: options.releasesBefore,
    concurrency,
    chunk,
    upload: { seconds: round(uploadMs / 1000), filesPerSecond: round(files.length / (uploadMs / 1000), 1) },
    eventPath: {
      seconds: round(ingestMs / 1000),
      releasesPerSecond: round(ingestRate, 1),
      invocations,
      retries,
      failures,
      requests: shares(timer, files.length),
      cpuMsPerRelease: {
        node: round(cpu.event.node / files.length),
        dynamodbLocal: round(cpu.event.dynamo / files.length),
      },
      projector: { ...projector.stats },
    },
    writeUnits: {
      eventPath: round(meter.writeUnits / files.length, 2),
      minimum: round(minimumWriteUnits / files.length, 2),
      ratio: round(meter.writeUnits / minimumWriteUnits, 3),
      byRequest: Object.fromEntries(
        [...meter.writeUnitsBy]
          .sort(([, a], [, b]) => b - a)
          .map(([label, units]) => [label, round(units / files.length, 2)]),
      ),
    },
    readUnits: { eventPath: round(meter.readUnits / files.length, 2) },
    rawWrite: {
      seconds: round(rawMs / 1000),
      releasesPerSecond: round(rawRate, 1),
      items: rawItems,
      itemsPerRelease: round(rawItems / files.length, 2),
      requests: rawRequests,
      cpuMsPerRelease: {
        node: round(cpu.raw.node / files.length),
        dynamodbLocal: round(cpu.raw.dynamo / files.length),
      },
    },
    ratio: round(ingestRate / rawRate, 3),
  };
}
