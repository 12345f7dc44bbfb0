/**
 * Adapter: Powertools Metrics, one instance per function (like the logger). Metrics are embedded
 * metric format lines on stdout, which CloudWatch turns into metrics from the function's logs:
 * no API call on the request path. Every metric carries the dimensions `service` (the function's
 * Powertools service name) and `stage` (from `STAGE`).
 */

import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import type { TextSearchWork } from '#query/query-releases.js';
import { DIMENSIONS, METRICS, METRICS_NAMESPACE, STAGE_ENV } from '../metric-names.js';

export { Metrics, MetricUnit };

export function createMetrics(serviceName: string, env: NodeJS.ProcessEnv = process.env): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName,
    defaultDimensions: { [DIMENSIONS.stage]: env[STAGE_ENV] || 'local' },
  });
}

/** What one HTTP request did, gathered while it runs. */
export class RequestWork {
  readUnits = 0;
  textSearch?: TextSearchWork;

  readonly onConsumedCapacity = (capacity: ConsumedCapacity): void => {
    this.readUnits += capacity.CapacityUnits ?? capacity.ReadCapacityUnits ?? 0;
  };

  readonly onTextSearch = (work: TextSearchWork): void => {
    this.textSearch = work;
  };
}

/**
 * Publishes one request's metrics under dimensions {service, stage, route, status}. One set
 * only: Powertools warns (on every request) when two sets share a key; graphs that sum over
 * routes or statuses use a CloudWatch SEARCH expression.
 */
export function publishRequestMetrics(
  metrics: Metrics,
  request: { route: string; status: number; work?: RequestWork },
): void {
  metrics.addDimensions({ [DIMENSIONS.route]: request.route, [DIMENSIONS.status]: String(request.status) });
  metrics.addMetric(METRICS.requests, MetricUnit.Count, 1);
  const work = request.work;
  if (work) {
    metrics.addMetric(METRICS.readUnits, MetricUnit.Count, work.readUnits);
    if (work.textSearch) {
      metrics.addMetric(METRICS.textSearchExamined, MetricUnit.Count, work.textSearch.examined);
      metrics.addMetric(METRICS.textSearchFetched, MetricUnit.Count, work.textSearch.fetched);
    }
  }
  metrics.publishStoredMetrics();
}
