/**
 * Lambda entry point: the table's stream (release item changes, and repair requests) -> list
 * items, entity figures, the change log, and the releases handed to the indexer. Reports the
 * records to retry as batch item failures (Lambda retries from the earliest); it stops starting
 * releases when the invocation's time runs short and reports the rest, so a batch never times
 * out. A release that fails for a reason a retry cannot cure is logged and left to the reconcile
 * (its pending marker stays), so one poison record never holds up its shard.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { requireEnv } from '#platform/aws/config.js';
import { logger } from '#platform/aws/logger.js';
import { createMetrics, type Metrics, MetricUnit } from '#platform/aws/metrics.js';
import { isTransientError } from '#platform/aws/transient-errors.js';
import { METRICS } from '#platform/metric-names.js';
import { DynamoEntityFigures } from '#projection/aws/dynamodb-entity-figures.js';
import { DynamoListItems } from '#projection/aws/dynamodb-list-items.js';
import { DynamoProjectorState } from '#projection/aws/dynamodb-projector-state.js';
import { releaseProjections } from '#projection/aws/release-projections.js';
import { SqsIndexRequests } from '#projection/aws/sqs-index-requests.js';
import { toProjectorRecord } from '#projection/aws/stream-records.js';
import {
  type ProjectorOptions,
  type ProjectorPorts,
  projectReleaseChanges,
  type ReleaseProjection,
} from '#projection/project-release-changes.js';
import { stopWordBits } from '#search/aws/dynamodb-text-bits.js';
import { DynamoReleases } from '#table/aws/dynamodb-releases.js';

export interface ProjectorDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** Where releases go to be indexed. @default - none (no word index) */
  index?: ProjectorPorts['index'];
  /** @default - no metrics (the Lambda entry point passes the function's own) */
  metrics?: Metrics;
  /** Extra projections (the change log). */
  projections?: (doc: DynamoDBDocumentClient, tableName: string) => ReleaseProjection[];
  /** @default isTransientError */
  isTransient?: (error: unknown) => boolean;
  options?: ProjectorOptions;
}

export type ProjectorHandler = (
  event: DynamoDBStreamEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Context>,
) => Promise<DynamoDBBatchResponse>;

export function makeHandler(deps: ProjectorDeps): ProjectorHandler {
  const textBits = stopWordBits(deps.doc, deps.tableName);
  const base: Omit<ProjectorPorts, 'remainingMillis'> = {
    lists: new DynamoListItems(deps.doc, deps.tableName),
    bodies: new DynamoReleases(deps.doc, deps.tableName),
    entities: new DynamoEntityFigures(deps.doc, deps.tableName),
    state: new DynamoProjectorState(deps.doc, deps.tableName),
    projections: deps.projections?.(deps.doc, deps.tableName) ?? [],
    ...(deps.index ? { index: deps.index } : {}),
    textBits,
    isTransient: deps.isTransient ?? isTransientError,
    onError: (error, id, retried) =>
      (retried ? logger.warn : logger.error).call(
        logger,
        retried
          ? 'projection failed; its records are retried'
          : 'projection failed for good; the release is left to the reconcile',
        { id, error: error as Error },
      ),
  };
  return async (event, context) => {
    if (context?.awsRequestId) logger.addContext(context as Context);
    const records = (event.Records ?? []).flatMap((record) => {
      const projected = toProjectorRecord(record);
      return projected ? [projected] : [];
    });
    if (records.length === 0) return { batchItemFailures: [] };
    // The stop list is read at most once a minute, and again for a batch with a repair request:
    // the repairs that follow a new stop list are projected under it. A live change projected
    // within that minute may get bits of the list before, which no query uses (they name their
    // version) until the release is projected again.
    if (records.some((record) => record.kind === 'repair')) textBits.refresh();
    const ports: ProjectorPorts = {
      ...base,
      ...(context ? { remainingMillis: () => context.getRemainingTimeInMillis() } : {}),
    };
    const result = await projectReleaseChanges(ports, records, deps.options);
    logger.info('projected releases', {
      records: event.Records.length,
      releases: result.releases,
      entityMonths: result.entityMonths,
      retried: result.retry.length,
      skipped: result.skipped.length,
      outOfTime: result.outOfTime,
    });
    if (deps.metrics) {
      const failed = new Set(result.retry);
      deps.metrics.addMetric(
        METRICS.changesProjected,
        MetricUnit.Count,
        records.filter((r) => !failed.has(r.sequenceNumber)).length,
      );
      deps.metrics.addMetric(METRICS.projectionFailures, MetricUnit.Count, result.retry.length);
      deps.metrics.addMetric(METRICS.projectionSkipped, MetricUnit.Count, result.skipped.length);
      deps.metrics.addMetric(METRICS.entityMonthsRecounted, MetricUnit.Count, result.entityMonths);
      deps.metrics.publishStoredMetrics();
    }
    return { batchItemFailures: result.retry.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export function fromEnvironment(env: NodeJS.ProcessEnv = process.env): ProjectorDeps {
  return {
    doc: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName: requireEnv('TABLE_NAME', env),
    index: new SqsIndexRequests(new SQSClient({}), requireEnv('INDEX_QUEUE_URL', env)),
    projections: releaseProjections,
    metrics: createMetrics(env.POWERTOOLS_SERVICE_NAME ?? 'releases-projector', env),
  };
}

export const handler = makeHandler(fromEnvironment());
