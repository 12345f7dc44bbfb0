/**
 * Lambda entry point: the scheduled reconcile, one bounded run of the sweep (reconcile/sweep.ts).
 * Every run repairs releases whose pending markers outlived the grace period; each also checks
 * the next stretch of the table and the next slice of the bucket within its budget (read units,
 * requests, time), going on where the last run stopped, so consecutive runs make full passes:
 * keys whose events were lost, list items and counts that disagree with the release items.
 * Every fix goes through the path live changes take, so a run during uploads never undoes a newer
 * change. It reports what it fixed as the `ReconcileFixes` metric, with an alarm on any: a fix
 * means something upstream was lost.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { requireEnv } from '#platform/aws/config.js';
import { logger } from '#platform/aws/logger.js';
import { createMetrics, type Metrics, MetricUnit } from '#platform/aws/metrics.js';
import { METRICS } from '#platform/metric-names.js';
import { dynamoSweepDeps } from '#reconcile/aws/reindex-deps.js';
import { fixesOf, type SweepOptions, type SweepSummary, sweep } from '#reconcile/sweep.js';

export interface ReconcileDeps {
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
  bucket: string;
  /** @default - no metrics (the Lambda entry point passes the function's own) */
  metrics?: Metrics;
  options?: SweepOptions;
}

export function makeHandler(deps: ReconcileDeps) {
  const sweepDeps = dynamoSweepDeps(deps);
  return async (_event?: unknown, context?: Partial<Context>): Promise<SweepSummary> => {
    if (context?.awsRequestId) logger.addContext(context as Context);
    const summary = await sweep(sweepDeps, { concurrency: 8, ...deps.options });
    const fixes = fixesOf(summary);
    (fixes > 0 ? logger.warn : logger.info).call(logger, 'reconciled the table with the bucket', {
      ...summary,
      fixes,
    });
    deps.metrics?.addMetric(METRICS.reconcileFixes, MetricUnit.Count, fixes);
    deps.metrics?.publishStoredMetrics();
    return summary;
  };
}

export function fromEnvironment(env: NodeJS.ProcessEnv = process.env): ReconcileDeps {
  return {
    doc: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    s3: new S3Client({}),
    tableName: requireEnv('TABLE_NAME', env),
    bucket: requireEnv('BUCKET_NAME', env),
    metrics: createMetrics(env.POWERTOOLS_SERVICE_NAME ?? 'releases-reconcile', env),
  };
}

export const handler = makeHandler(fromEnvironment());
