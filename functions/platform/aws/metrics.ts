/**
 * Adapter: Powertools Metrics, one instance per function (like the logger). Metrics are embedded
 * metric format lines on stdout, which CloudWatch turns into metrics from the function's logs:
 * no API call on the request path. Every metric carries the dimensions `service` (the function's
 * Powertools service name) and `stage` (from `STAGE`).
 */

import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DIMENSIONS, METRICS_NAMESPACE, STAGE_ENV } from '../metric-names.js';

export { Metrics, MetricUnit };

export function createMetrics(serviceName: string, env: NodeJS.ProcessEnv = process.env): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName,
    defaultDimensions: { [DIMENSIONS.stage]: env[STAGE_ENV] || 'local' },
  });
}
