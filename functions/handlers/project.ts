/**
 * Lambda entry point: the table's stream (release item changes) -> list items, entity figures
 * and the other projections. Reports the changes it could not project as batch item failures, so
 * Lambda retries from the earliest of them; after its retries the batch's description goes to the
 * projector's dead-letter queue, and reindex repairs what was left.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { requireEnv } from '#platform/aws/config.js';
import { logger } from '#platform/aws/logger.js';
import { createMetrics, type Metrics, MetricUnit } from '#platform/aws/metrics.js';
import { METRICS } from '#platform/metric-names.js';
import {
  DynamoEntityFigures,
  DynamoListItems,
  DynamoReleaseBodies,
} from '#projection/aws/dynamodb-projection-stores.js';
import { releaseProjections } from '#projection/aws/release-projections.js';
import { toReleaseChange } from '#projection/aws/stream-records.js';
import {
  type ProjectorPorts,
  projectReleaseChanges,
  type ReleaseProjection,
} from '#projection/project-release-changes.js';
import { stopWordBits } from '#search/aws/dynamodb-text-bits.js';
import type { ReleaseImageChange } from '#table/release-change.js';

export interface ProjectorDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** @default - no metrics (the Lambda entry point passes the function's own) */
  metrics?: Metrics;
  /** Extra projections (word index, change log). */
  projections?: (doc: DynamoDBDocumentClient, tableName: string) => ReleaseProjection[];
}

export type ProjectorHandler = (
  event: DynamoDBStreamEvent,
  context?: Context,
) => Promise<DynamoDBBatchResponse>;

export function makeHandler(deps: ProjectorDeps): ProjectorHandler {
  const ports: ProjectorPorts = {
    lists: new DynamoListItems(deps.doc, deps.tableName),
    bodies: new DynamoReleaseBodies(deps.doc, deps.tableName),
    entities: new DynamoEntityFigures(deps.doc, deps.tableName),
    projections: deps.projections?.(deps.doc, deps.tableName) ?? [],
    textBits: stopWordBits(deps.doc, deps.tableName),
    onError: (error, change: ReleaseImageChange) =>
      logger.error('projection failed; the batch is retried from this change', {
        id: change.id,
        sequenceNumber: change.sequenceNumber,
        error: error as Error,
      }),
  };
  return async (event, context) => {
    if (context) logger.addContext(context);
    const changes = (event.Records ?? []).flatMap((record) => {
      const change = toReleaseChange(record);
      return change ? [change] : [];
    });
    if (changes.length === 0) return { batchItemFailures: [] };
    const result = await projectReleaseChanges(ports, changes);
    logger.info('projected release changes', {
      records: event.Records.length,
      changes: changes.length,
      releases: result.releases,
      entityMonths: result.entityMonths,
      failed: result.failed.length,
    });
    if (deps.metrics) {
      deps.metrics.addMetric(
        METRICS.changesProjected,
        MetricUnit.Count,
        changes.length - result.failed.length,
      );
      deps.metrics.addMetric(METRICS.projectionFailures, MetricUnit.Count, result.failed.length);
      deps.metrics.addMetric(METRICS.entityMonthsRecounted, MetricUnit.Count, result.entityMonths);
      deps.metrics.publishStoredMetrics();
    }
    return { batchItemFailures: result.failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export function fromEnvironment(env: NodeJS.ProcessEnv = process.env): ProjectorDeps {
  return {
    doc: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName: requireEnv('TABLE_NAME', env),
    projections: releaseProjections,
    metrics: createMetrics(env.POWERTOOLS_SERVICE_NAME ?? 'releases-projector', env),
  };
}

export const handler = makeHandler(fromEnvironment());
