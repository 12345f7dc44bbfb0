/**
 * Drives the real ingest and projector handlers against DynamoDB Local and s3rver: uploads files,
 * builds the S3 event records real S3 would send (URL-encoded keys, increasing sequencers),
 * delivers each as its SQS message to the ingest function, projects the table's stream as Lambda's
 * event source mapping would, and reads back. Reads of projected items (lists, entities) wait
 * until the projector has caught up.
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Event } from 'aws-lambda';
import { makeHandler as makeIndexer } from '#handlers/index-releases.js';
import { type IngestDeps, makeHandler } from '#handlers/ingest.js';
import { makeHandler as makeProjector } from '#handlers/project.js';
import { releaseProjections } from '#projection/aws/release-projections.js';
import type { ReleaseSummary } from '#release/release.js';
import type { TextBits } from '#search/text-bits.js';
import {
  type EntityItem,
  entityPartition,
  type ListScope,
  listItemBits,
  listItemSummary,
  listPartition,
  PROBLEMS_PARTITION,
  PROJECTOR_FILTERS,
  type ProblemItem,
  type ReleaseItem,
  releaseKey,
  type StoredListItem,
  type TableKey,
} from '#table/table-layout.js';
import { type IndexQueue, startIndexQueue } from '../../scripts/local/index-queue.js';
import { encodeS3EventKey, Sequencer, s3EventRecord, sqsEventOf } from '../../scripts/local/s3-events.js';
import type { StreamHandler } from '../../scripts/local/stream-delivery.js';
import { type StreamPoller, startStreamPoller } from '../../scripts/local/stream-poller.js';
import { invokedAs } from './aws-calls.js';
import type { TestServices } from './services.js';

export type ListedItem = TableKey & ReleaseSummary & { bits?: TextBits };

/** The ingest function as its queue drives it: one notification per message; throws when it reports a failure. */
export function sqsIngest(deps: IngestDeps): (event: S3Event) => Promise<void> {
  const handler = invokedAs('ingest', makeHandler(deps));
  return async (event) => {
    const response = await handler(sqsEventOf(event));
    if (response.batchItemFailures.length > 0) throw new Error('ingest reported a batch item failure');
  };
}

/** The projector on the table's stream, with the indexer behind it. */
export interface DerivedState extends StreamPoller {
  /** The indexer's queue (the local stand-in for SQS and its event source). */
  readonly indexQueue: IndexQueue;
}

/**
 * The projector on a table's stream and the indexer on its queue, as in the cloud; `settled()`
 * waits for both. Stop it after the test.
 */
export async function startProjector(
  services: TestServices,
  options: {
    indexWindowMs?: number;
    /** Wraps the projector function, e.g. to inject faults. */
    wrapProjector?: (handler: StreamHandler) => StreamHandler;
  } = {},
): Promise<DerivedState> {
  const indexQueue = startIndexQueue({
    handler: invokedAs('index-releases', makeIndexer({ doc: services.doc, tableName: services.tableName })),
    batchingWindowMs: options.indexWindowMs ?? 50,
    visibilityTimeoutMs: 200,
    log: (line) => console.error(`indexer: ${line}`),
  });
  const poller = await startStreamPoller({
    dynamo: services.dynamo,
    tableName: services.tableName,
    handler: (options.wrapProjector ?? ((handler) => handler))(
      invokedAs(
        'project',
        makeProjector({
          doc: services.doc,
          tableName: services.tableName,
          projections: releaseProjections,
          index: indexQueue,
        }),
      ),
    ),
    filters: PROJECTOR_FILTERS,
    idleMs: 20,
    batchingWindowMs: 20,
    log: (line) => console.error(`projector: ${line}`),
  });
  return {
    indexQueue,
    get stats() {
      return poller.stats;
    },
    get deadLetters() {
      return poller.deadLetters;
    },
    async settled() {
      await poller.settled();
      await indexQueue.settled();
    },
    async stop() {
      await poller.stop();
      await indexQueue.stop();
    },
  };
}

export function ingestHarness(services: TestServices, options: Partial<IngestDeps> = {}) {
  const handler = sqsIngest({
    doc: services.doc,
    s3: services.s3,
    tableName: services.tableName,
    ...options,
  });
  const sequencer = new Sequencer();
  let projector: Promise<DerivedState> | undefined;
  const settled = async () => {
    projector ??= startProjector(services);
    await (await projector).settled();
  };

  function event(key: string, kind: 'created' | 'removed', sequencer: string): S3Event {
    const record = s3EventRecord({
      bucket: services.bucket,
      eventName: kind === 'created' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
      eventTime: new Date().toISOString(),
      object: { key: encodeS3EventKey(key), size: 0, eTag: '', sequencer, versionId: '' },
    });
    return { Records: [record] };
  }

  return {
    handler,
    event,
    /** Waits until the projector has projected every change so far. */
    settled,
    /** Starts the projector now (reads start it anyway). */
    async project(): Promise<DerivedState> {
      projector ??= startProjector(services);
      return projector;
    },
    async close(): Promise<void> {
      if (projector) await (await projector).stop();
    },
    nextSequencer: () => sequencer.next(),
    /** Uploads and returns the event S3 would send, without delivering it. */
    async upload(key: string, text: string): Promise<S3Event> {
      await services.s3.send(new PutObjectCommand({ Bucket: services.bucket, Key: key, Body: text }));
      return event(key, 'created', sequencer.next());
    },
    async remove(key: string): Promise<S3Event> {
      await services.s3.send(new DeleteObjectCommand({ Bucket: services.bucket, Key: key }));
      return event(key, 'removed', sequencer.next());
    },
    /** Upload and deliver at once. */
    async put(key: string, text: string): Promise<void> {
      await handler(await this.upload(key, text));
    },
    async release(id: string): Promise<ReleaseItem | undefined> {
      const { Item } = await services.doc.send(
        new GetCommand({ TableName: services.tableName, Key: releaseKey(id) }),
      );
      return Item as ReleaseItem | undefined;
    },
    /** A list's items as the reader decodes them: key, summary, and stop-word bits when written. */
    async list(scope: ListScope = { kind: 'all' }): Promise<ListedItem[]> {
      await settled();
      const items = await queryAll<StoredListItem>(services, listPartition(scope));
      return items.map((item) => {
        const bits = listItemBits(item);
        return { pk: item.pk, sk: item.sk, ...listItemSummary(item), ...(bits ? { bits } : {}) };
      });
    },
    /** Entity items with figures (as the API lists them), after the projector settled. */
    async entities(
      kind: 'minister' | 'portfolio',
    ): Promise<Array<EntityItem & { count: number; name: string }>> {
      await settled();
      const items = await queryAll<EntityItem>(services, entityPartition(kind));
      return items.filter((e): e is EntityItem & { count: number; name: string } => (e.count ?? 0) > 0);
    },
    async problems(): Promise<ProblemItem[]> {
      return queryAll<ProblemItem>(services, PROBLEMS_PARTITION);
    },
  };
}

export async function queryAll<T = Record<string, unknown>>(
  services: TestServices,
  pk: string,
): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await services.doc.send(
      new QueryCommand({
        TableName: services.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    items.push(...((page.Items ?? []) as T[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A release file with the given fields. */
export function releaseFile(fields: {
  title?: string;
  date?: string;
  url?: string;
  ministers?: string[];
  portfolios?: string[];
  body?: string;
}): string {
  const lines = [
    '---',
    `title: ${JSON.stringify(fields.title ?? 'A release')}`,
    `date: ${fields.date ?? '2024-01-01'}`,
  ];
  if (fields.url) lines.push(`url: ${fields.url}`);
  if (fields.ministers) lines.push(`ministers: ${JSON.stringify(fields.ministers)}`);
  if (fields.portfolios) lines.push(`portfolios: ${JSON.stringify(fields.portfolios)}`);
  lines.push('---', fields.body ?? 'Body text.');
  return lines.join('\n');
}
