/**
 * The workload a cost is computed for, the request mix, and the assumptions the benchmark did not
 * measure (each named, with where its value comes from; docs/cost.md lists them).
 */

/** API request kinds: the benchmark's query kinds plus the routes it does not measure. */
export type RequestKind =
  | 'newest'
  | 'minister'
  | 'portfolio'
  | 'dates'
  | 'combined'
  | 'feed'
  | 'get'
  | 'changes'
  | 'ministers'
  | 'openapi'
  | 'q-rare'
  | 'q-middling'
  | 'q-common'
  | 'q-phrase'
  | 'q-prefix'
  | 'q-rare-minister';

/** Share of API requests per kind (sums to 1). */
export const DEFAULT_MIX: Readonly<Record<RequestKind, number>> = {
  newest: 0.2,
  minister: 0.1,
  portfolio: 0.08,
  dates: 0.06,
  combined: 0.06,
  feed: 0.03,
  get: 0.25,
  changes: 0.05,
  ministers: 0.05,
  openapi: 0.02,
  'q-rare': 0.03,
  'q-middling': 0.02,
  'q-common': 0.01,
  'q-phrase': 0.02,
  'q-prefix': 0.01,
  'q-rare-minister': 0.01,
};

export interface Workload {
  /** Releases in the table (and files in the bucket). */
  readonly releases: number;
  /** New or changed release files per day, one at a time. */
  readonly uploadsPerDay: number;
  /** Files of one bulk load in the month (an `aws s3 sync`), 0 for none. */
  readonly bulkLoadFiles: number;
  readonly requestsPerMonth: number;
  readonly mix: Readonly<Record<RequestKind, number>>;
  /**
   * Read units of the scheduled reconcile per month; undefined: the sweep's, computed from the
   * table's size, the pass cost per release and the stage's schedule.
   */
  readonly reconcileReadUnitsPerMonth?: number;
}

/** Figures the benchmark does not measure. Change them here, never inline in the model. */
export interface Assumptions {
  /** One DynamoDB or S3 round trip from Lambda in the same region, ms (billed duration). */
  readonly roundTripMs: number;
  /**
   * Word index writes of one upload indexed on its own (a batch of one): one posting fragment per
   * term. 688 terms per release on the benchmark corpus (docs/data-model.md, "The indexer").
   */
  readonly termsPerRelease: number;
  /** Bytes of a release file in the bucket (the corpus: bodies of 1-20 KB plus front matter). */
  readonly fileBytes: number;
  /** Read units of `/ministers` or `/portfolios`: about 150 and 200 items of ~100 bytes, eventually consistent. */
  readonly entityListReadUnits: number;
  /** Read units of a `/changes` poll that serves nothing new: two consistent Queries of small items. */
  readonly changesPollReadUnits: number;
  /** Clients that mirror through `/changes`: each reads every change once. */
  readonly mirrors: number;
  /**
   * Cold starts per API execution environment and hour (idle environments reclaimed, environments
   * recycled); AWS bills the init phase since August 2025.
   */
  readonly apiColdStartsPerEnvironmentHour: number;
  /** Peak traffic over the month's mean, which sets how many API environments are kept warm. */
  readonly peakToMeanTraffic: number;
  /** CloudWatch Logs bytes per API request: access log line, Lambda's platform lines, the metrics line. */
  readonly logBytesPerRequest: number;
  /** CloudWatch Logs bytes per release ingested: ingest, projector and indexer lines at INFO. */
  readonly logBytesPerRelease: number;
  /** Stored log bytes per ingested byte (CloudWatch bills storage compressed). */
  readonly logCompression: number;
  /**
   * Custom metric series (name x dimension values) the functions emit: 13 pipeline counts, and
   * `Requests` and `ReadUnits` per route and status seen (about 30 pairs), `q`'s two counts.
   */
  readonly customMetricSeries: number;
  /** Idle ReceiveMessage calls per polled queue and month: Lambda's 5 pollers, 20 s long polls. */
  readonly idlePollsPerQueueMonth: number;
  /** Queues Lambda polls (the S3 event queue and the index queue). */
  readonly polledQueues: number;
  /** Bytes of table a reconcile sweep covers per second (sets its duration). */
  readonly scanBytesPerSecond: number;
  /**
   * Read units a reconcile pass costs per release: the scan, the reads by key of list items,
   * projector states and figures, and the bucket slice's key states. 23 measured on 300 generated
   * releases (docs/data-model.md, "Cost of a pass"); the scan's share, 9.3 there, measured 10.3 at
   * 5,000 and 9.85 at 50,000 by the benchmark.
   */
  readonly sweepPassReadUnitsPerRelease: number;
  /** Secrets Manager reads besides cold starts (the cursor key refreshed, rotation), per month. */
  readonly secretCallsPerMonth: number;
  /** Bytes OpenSearch would hold per release to serve the same `q` (text, summary, a replica-free index). */
  readonly openSearchBytesPerRelease: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  roundTripMs: 8,
  termsPerRelease: 688,
  fileBytes: 11_000,
  entityListReadUnits: 2.5,
  changesPollReadUnits: 2,
  mirrors: 1,
  apiColdStartsPerEnvironmentHour: 2,
  peakToMeanTraffic: 3,
  logBytesPerRequest: 1_500,
  logBytesPerRelease: 4_000,
  logCompression: 0.15,
  customMetricSeries: 80,
  idlePollsPerQueueMonth: 5 * 3 * 60 * 730,
  polledQueues: 2,
  scanBytesPerSecond: 25_000_000,
  sweepPassReadUnitsPerRelease: 23,
  secretCallsPerMonth: 1_000,
  openSearchBytesPerRelease: 15_000,
};

/** The workload of docs/cost.md at `releases` releases and `requestsPerMonth` requests. */
export function defaultWorkload(releases: number, requestsPerMonth: number): Workload {
  return { releases, uploadsPerDay: 100, bulkLoadFiles: 50_000, requestsPerMonth, mix: DEFAULT_MIX };
}

export const DAYS_PER_MONTH = 365 / 12;
