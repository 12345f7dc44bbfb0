/**
 * Lambda entry point: S3 ObjectCreated/ObjectRemoved notifications -> releases in DynamoDB.
 * Bad files are recorded as problems (not retried); anything transient is thrown so that Lambda
 * retries the event and, after its retries, sends it to the dead-letter queue.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Event } from 'aws-lambda';
import { requireEnv } from '#adapters/config.js';
import { DynamoReleaseStore } from '#adapters/dynamodb-release-store.js';
import { logger } from '#adapters/logger.js';
import { toObjectEvent } from '#adapters/s3-event.js';
import { S3ReleaseFiles } from '#adapters/s3-release-files.js';
import { applyObjectEvent } from '#core/apply-object-event.js';

export interface IngestDeps {
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
}

export function makeHandler(deps: IngestDeps): (event: S3Event) => Promise<void> {
  const store = new DynamoReleaseStore(deps.doc, deps.tableName);
  return async (event) => {
    const failures: unknown[] = [];
    // Records are independent; each is idempotent, so a retry of the whole event is safe.
    await Promise.all(
      (event.Records ?? []).map(async (record) => {
        const objectEvent = toObjectEvent(record);
        if (!objectEvent) return;
        const files = new S3ReleaseFiles(deps.s3, record.s3.bucket.name);
        // Per-call keys rather than logger.appendKeys: the records of one event run concurrently.
        const keys = { key: objectEvent.key, kind: objectEvent.kind, sequencer: objectEvent.sequencer };
        try {
          const result = await applyObjectEvent({ store, files }, objectEvent);
          if (result.outcome === 'problem') {
            logger.warn('release file rejected', { ...keys, reason: result.reason });
          } else {
            logger.info('release file applied', { ...keys, ...result });
          }
        } catch (error) {
          logger.error('release file failed; the event will be retried', { ...keys, error: error as Error });
          failures.push(error);
        }
      }),
    );
    if (failures.length > 0) {
      throw new AggregateError(failures, `${failures.length} of ${event.Records.length} records failed`);
    }
  };
}

export function fromEnvironment(): IngestDeps {
  return {
    doc: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    s3: new S3Client({}),
    tableName: requireEnv('TABLE_NAME'),
  };
}

export const handler = makeHandler(fromEnvironment());
