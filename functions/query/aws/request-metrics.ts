/**
 * Adapter: the API functions' per-request metrics (requests, read units, text-search work) on
 * the function's Powertools Metrics instance (platform/aws/metrics.ts).
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { type Metrics, MetricUnit } from '#platform/aws/metrics.js';
import { DIMENSIONS, METRICS } from '#platform/metric-names.js';
import type { TextSearchWork } from '../query-releases.js';

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
