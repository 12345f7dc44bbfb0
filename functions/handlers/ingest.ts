/**
 * Lambda entry point: S3 event notifications, delivered through an SQS queue, -> releases in
 * DynamoDB. The queue absorbs bulk uploads (the event source mapping caps how many batches run
 * at once); each message is one S3 notification. Bad files are recorded as problems (not
 * retried); a message with a transient failure is reported as a batch item failure, so SQS
 * redelivers it after its visibility timeout, and after its receive limit it moves to the
 * dead-letter queue.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, S3Event, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { applyObjectEvent } from '#ingest/apply-object-event.js';
import { DynamoReleaseStore } from '#ingest/aws/dynamodb-release-store.js';
import { s3EventOfMessage, toObjectEvent } from '#ingest/aws/s3-event.js';
import { S3ReleaseFiles } from '#ingest/aws/s3-release-files.js';
import { requireEnv } from '#platform/aws/config.js';
import { logger } from '#platform/aws/logger.js';
import { createMetrics, type Metrics, MetricUnit } from '#platform/aws/metrics.js';
import { METRICS } from '#platform/metric-names.js';

export interface IngestDeps {
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
  /** Told of each lost race (tests). */
  onConflict?: () => void;
  /**
   * Receives the counts of each invocation (applied, problems, failures, conflicts).
   * @default - no metrics (the Lambda entry point passes the function's own)
   */
  metrics?: Metrics;
}

/** Applies every release-file record of one S3 notification; throws if any failed. */
export function makeS3EventProcessor(deps: IngestDeps): (event: S3Event) => Promise<void> {
  const store = new DynamoReleaseStore(deps.doc, deps.tableName);
  const count = (name: string) => deps.metrics?.addMetric(name, MetricUnit.Count, 1);
  const onConflict = () => {
    count(METRICS.ingestConflicts);
    deps.onConflict?.();
  };
  return async (event) => {
    const failures: unknown[] = [];
    // Records are independent and each is idempotent, so a redelivery of the whole message is safe.
    await Promise.all(
      (event.Records ?? []).map(async (record) => {
        const objectEvent = toObjectEvent(record);
        if (!objectEvent) return;
        const files = new S3ReleaseFiles(deps.s3, record.s3.bucket.name);
        // Per-call keys rather than logger.appendKeys: the records of one message run concurrently.
        const keys = { key: objectEvent.key, kind: objectEvent.kind, sequencer: objectEvent.sequencer };
        try {
          const result = await applyObjectEvent({ store, files, onConflict }, objectEvent);
          if (result.outcome === 'problem') {
            count(METRICS.problems);
            logger.warn('release file rejected', { ...keys, reason: result.reason });
          } else {
            if (result.outcome !== 'stale') count(METRICS.releasesApplied);
            logger.info('release file applied', { ...keys, ...result });
          }
        } catch (error) {
          count(METRICS.ingestFailures);
          logger.error('release file failed; the message will be redelivered', {
            ...keys,
            error: error as Error,
          });
          failures.push(error);
        }
      }),
    );
    if (failures.length > 0) {
      throw new AggregateError(failures, `${failures.length} of ${event.Records.length} records failed`);
    }
  };
}

export type IngestHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

export function makeHandler(deps: IngestDeps): IngestHandler {
  const apply = makeS3EventProcessor(deps);
  const processor = new BatchProcessor(EventType.SQS);
  const processRecord = async (record: SQSRecord) => {
    const event = s3EventOfMessage(record.body);
    // S3's test notification (sent when the queue is subscribed) carries no records.
    if (event) await apply(event);
  };
  return async (event, context) => {
    // Request id and cold start on every log line of this invocation.
    if (context) logger.addContext(context);
    try {
      return await processPartialResponse(event, processRecord, processor, { context: context as Context });
    } finally {
      deps.metrics?.publishStoredMetrics();
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
    metrics: createMetrics(process.env.POWERTOOLS_SERVICE_NAME ?? 'releases-ingest'),
  };
}

export const handler = makeHandler(fromEnvironment());
