/**
 * The custom CloudWatch metrics the functions emit, named once for the functions (which write
 * them as embedded metric format lines) and for the dashboard and alarms that read them.
 */
export const METRICS_NAMESPACE = 'Releases';

/** Environment variable naming the stage; every metric carries it as dimension `stage`. */
export const STAGE_ENV = 'STAGE';

export const DIMENSIONS = { stage: 'stage', service: 'service', route: 'route', status: 'status' } as const;

/** Metric names; all are counts. */
export const METRICS = {
  /** Release files the ingest function applied (stored, moved, removed, or found unchanged). */
  releasesApplied: 'ReleasesApplied',
  /** Release files recorded as problems (bad input; not retried). */
  problems: 'Problems',
  /** Records that failed and will be redelivered (DynamoDB or S3 unavailable, throttled). */
  ingestFailures: 'IngestFailures',
  /** Commits that lost a race for the same key or release and were decided again. */
  ingestConflicts: 'IngestConflicts',
  /** Release changes the projector applied from the stream. */
  changesProjected: 'ChangesProjected',
  /** Releases the projector failed on and will retry (throttled, unavailable). */
  projectionFailures: 'ProjectionFailures',
  /** Releases the projector failed on for good and left to the reconcile (their markers stay). */
  projectionSkipped: 'ProjectionSkipped',
  /** Releases the indexer indexed. */
  releasesIndexed: 'ReleasesIndexed',
  /** Releases the indexer failed on (their messages are redelivered). */
  indexFailures: 'IndexFailures',
  /** Posting fragments the indexer wrote. */
  fragmentsWritten: 'FragmentsWritten',
  /** Drift the scheduled reconcile found and repaired (releases, keys): any is worth a look. */
  reconcileFixes: 'ReconcileFixes',
  /** Entity months the projector recounted. */
  entityMonthsRecounted: 'EntityMonthsRecounted',
  /** One per HTTP request, dimensioned by `route` (an operationId, or `none`) and `status`. */
  requests: 'Requests',
  /** DynamoDB read capacity units a request consumed. */
  readUnits: 'ReadUnits',
  /** List entries a `q` request walked. */
  textSearchExamined: 'TextSearchExamined',
  /** Release items a `q` request read to match their bodies. */
  textSearchFetched: 'TextSearchFetched',
} as const;

/** The `route` of a request no route matched (404, 405, CORS preflight). */
export const NO_ROUTE = 'none';
