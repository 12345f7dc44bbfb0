/**
 * Drives the real ingest handler against DynamoDB Local and s3rver: uploads files, builds the S3
 * event records real S3 would send (URL-encoded keys, increasing sequencers), and reads back.
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Event } from 'aws-lambda';
import {
  type EntityItem,
  entityPartition,
  type ListItem,
  type ListScope,
  listPartition,
  PROBLEMS_PARTITION,
  type ProblemItem,
  type ReleaseItem,
  releaseKey,
} from '#core/table-layout.js';
import { makeHandler } from '#handlers/ingest.js';
import { encodeS3EventKey, Sequencer, s3EventRecord } from '../../scripts/local/s3-events.js';
import type { TestServices } from './services.js';

export function ingestHarness(services: TestServices) {
  const handler = makeHandler({ doc: services.doc, s3: services.s3, tableName: services.tableName });
  const sequencer = new Sequencer();

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
    async list(scope: ListScope = { kind: 'all' }): Promise<ListItem[]> {
      return queryAll<ListItem>(services, listPartition(scope));
    },
    async entities(kind: 'minister' | 'portfolio'): Promise<EntityItem[]> {
      return queryAll<EntityItem>(services, entityPartition(kind));
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
