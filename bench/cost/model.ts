/**
 * Monthly cost of one stage for a workload: the benchmark's units per operation (carried to the
 * workload's size by measured.ts) times the list prices of prices.ts. Pure arithmetic, no I/O.
 * Every line says what was counted, so a reader can redo it by hand (docs/cost.md).
 */
import { DEFAULT_SWEEP_BUDGET } from '#reconcile/sweep-budget.js';
import { n } from '../report/markdown-format.js';
import type { SizeFigures } from './measured.js';
import { HOURS_PER_MONTH, type PriceKey, type Region, unitPrice } from './prices.js';
import type { StageFacts } from './stage-facts.js';
import { type Assumptions, DAYS_PER_MONTH, type RequestKind, type Workload } from './workload.js';

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  /** What `quantity` counts (read units, GB-months, requests...). */
  readonly unit: string;
  readonly usd: number;
}

export interface CostInputs {
  readonly figures: SizeFigures;
  /** Cold start init durations, ms. */
  readonly initMs: { readonly api: number; readonly ingest: number };
  readonly workload: Workload;
  readonly assumptions: Assumptions;
  readonly stage: StageFacts;
  readonly region: Region;
}

export interface CostResult {
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  /** The part of the total the word index accounts for (storage, writes, `q` reads, indexer). */
  readonly wordIndexUsd: number;
  readonly warnings: readonly string[];
}

const GB = 1024 ** 3;
const MS_PER_S = 1000;
const ITEM_OVERHEAD_BYTES = 100;
/** Writes per BatchWriteItem request (DynamoDB's limit). */
const BATCH_WRITE_ITEMS = 25;
const KINDS_LIKE_NEWEST: readonly RequestKind[] = ['feed', 'get', 'changes', 'ministers', 'openapi'];

/** Read units of an item read whole: 4 KB blocks, halved when eventually consistent. */
export function itemReadUnits(bytes: number, consistent: boolean): number {
  const blocks = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? blocks : blocks / 2;
}

/** Read units one API request of `kind` consumes (changes: a poll; the changes served count apart). */
export function readUnitsOf(kind: RequestKind, figures: SizeFigures, assumptions: Assumptions): number {
  switch (kind) {
    case 'get':
      return itemReadUnits(figures.releaseItemBytes, false);
    case 'changes':
      return assumptions.changesPollReadUnits;
    case 'ministers':
      return assumptions.entityListReadUnits;
    case 'openapi':
      return 0;
    case 'feed':
      return figures.kinds.newest?.readUnitsPerPage ?? 0;
    default: {
      const measured = figures.kinds[kind];
      if (!measured) throw new Error(`the benchmark results have no query kind "${kind}"`);
      return measured.readUnitsPerPage;
    }
  }
}

/** Handler ms of one request of `kind`: measured p50, or the newest page's for routes not measured. */
export function handlerMsOf(kind: RequestKind, figures: SizeFigures): number {
  const measured = KINDS_LIKE_NEWEST.includes(kind) ? figures.kinds.newest : figures.kinds[kind];
  return Math.ceil(measured?.p50Ms ?? 0);
}

export function monthlyCost(inputs: CostInputs): CostResult {
  const { figures: f, workload: w, assumptions: a, stage: s, region } = inputs;
  const lines: CostLine[] = [];
  const warnings: string[] = [];
  let wordIndexUsd = 0;
  const add = (service: string, item: string, quantity: number, unit: string, price: PriceKey, index = 0) => {
    const usd = quantity * unitPrice(price, region);
    lines.push({ service, item, quantity, unit, usd });
    wordIndexUsd += usd * index;
  };
  const gbSeconds = (ms: number, memoryMiB: number) => (ms / MS_PER_S) * (memoryMiB / 1024);

  const uploads = w.uploadsPerDay * DAYS_PER_MONTH;
  const bulk = w.bulkLoadFiles;
  const ingested = uploads + bulk;
  const requests = w.requestsPerMonth;

  // DynamoDB storage: DescribeTable's bytes plus the 100 bytes DynamoDB bills per item.
  const tableGb = (w.releases * (f.tableBytesPerRelease + ITEM_OVERHEAD_BYTES * f.tableItemsPerRelease)) / GB;
  const indexShare = f.indexBytesPerRelease / f.tableBytesPerRelease;
  add('DynamoDB', 'table storage (items + 100 B/item)', tableGb, 'GB-month', 'dynamoStorage', indexShare);
  if (s.pointInTimeRecovery)
    add('DynamoDB', 'point-in-time recovery', tableGb, 'GB-month', 'dynamoPitr', indexShare);

  // Writes: the event path as measured; the word index one fragment per term for a lone upload,
  // and for the bulk load (an `aws s3 sync`, so the event path too) the indexer's measured units.
  const liveIndexUnits = a.termsPerRelease + f.indexEntryWriteUnits;
  add(
    'DynamoDB',
    'writes: uploads (ingest + projector)',
    uploads * f.eventWriteUnitsPerRelease,
    'write units',
    'dynamoWriteUnit',
  );
  add(
    'DynamoDB',
    'writes: uploads (word index)',
    uploads * liveIndexUnits,
    'write units',
    'dynamoWriteUnit',
    1,
  );
  add(
    'DynamoDB',
    'writes: bulk load (ingest + projector)',
    bulk * f.eventWriteUnitsPerRelease,
    'write units',
    'dynamoWriteUnit',
  );
  add(
    'DynamoDB',
    'writes: bulk load (word index)',
    bulk * f.eventIndexWriteUnitsPerRelease,
    'write units',
    'dynamoWriteUnit',
    1,
  );

  // Reads of the write path: measured where the run recorded them, else one unit per read request.
  const eventReads = f.eventReadUnitsPerRelease ?? f.eventReadRequestsPerRelease;
  if (f.eventReadUnitsPerRelease === undefined) {
    warnings.push('ingest read units not in results.json: counted as 1 per GetItem/Query (a floor)');
  }
  add('DynamoDB', 'reads: ingest + projector', ingested * eventReads, 'read units', 'dynamoReadUnit');

  // Reads of the API, per kind.
  let apiReads = 0;
  let qReads = 0;
  let apiMs = 0;
  for (const [kind, share] of Object.entries(w.mix) as [RequestKind, number][]) {
    if (share === 0) continue;
    const n = requests * share;
    const units = n * readUnitsOf(kind, f, a);
    apiReads += units;
    if (kind.startsWith('q-')) qReads += units;
    apiMs += n * handlerMsOf(kind, f);
  }
  add('DynamoDB', 'reads: API without q', apiReads - qReads, 'read units', 'dynamoReadUnit');
  add('DynamoDB', 'reads: API q', qReads, 'read units', 'dynamoReadUnit', 1);
  const changesServed = a.mirrors * ingested * itemReadUnits(f.releaseItemBytes, true);
  add(
    'DynamoDB',
    'reads: /changes serving each change to mirrors',
    changesServed,
    'read units',
    'dynamoReadUnit',
  );

  // The scheduled reconcile, a sweep: each run goes on from where the last stopped, over at most
  // one pass of the table and within its read-unit budget.
  const tableBytes = w.releases * f.tableBytesPerRelease;
  const sweep = sweepRuns(w.releases, a.sweepPassReadUnitsPerRelease, s.reconcileRunsPerMonth);
  const reconcileReads = w.reconcileReadUnitsPerMonth ?? sweep.readUnitsPerRun * s.reconcileRunsPerMonth;
  if (s.reconcileRunsPerMonth > 0 && w.reconcileReadUnitsPerMonth === undefined && sweep.runsPerPass > 1) {
    warnings.push(
      `a reconcile pass over the table takes ${sweep.runsPerPass} runs (${sweep.daysPerPass.toFixed(1)} days) of ${n(DEFAULT_SWEEP_BUDGET.readUnits)} read units`,
    );
  }
  add(
    'DynamoDB',
    `reads: reconcile (${s.reconcileRunsPerMonth.toFixed(0)} runs)`,
    reconcileReads,
    'read units',
    'dynamoReadUnit',
  );
  add(
    'DynamoDB',
    'stream reads (by the projector, a Lambda trigger: free)',
    0,
    'read units',
    'dynamoStreamRead',
  );

  // Lambda: API. Environments kept: the concurrency at peak traffic (busy seconds per second), at least one.
  const busySecondsPerSecond = apiMs / MS_PER_S / (HOURS_PER_MONTH * 3600);
  const environments = Math.max(1, Math.ceil(busySecondsPerSecond * a.peakToMeanTraffic));
  const coldStarts = Math.min(requests, environments * HOURS_PER_MONTH * a.apiColdStartsPerEnvironmentHour);
  const apiGbs = gbSeconds(apiMs + coldStarts * inputs.initMs.api, s.memoryMiB.api);
  add(
    'Lambda',
    `api duration (${s.memoryMiB.api} MB, p50 + cold inits)`,
    apiGbs,
    'GB-seconds',
    'lambdaGbSecond',
  );
  add('Lambda', 'api requests', requests, 'requests', 'lambdaRequest');

  // Lambda: ingest, projector, indexer. Wall time = CPU + round trips (serial: an upper bound).
  const ingestTrips = 4; // GetItem key + GetObject, GetItem release, TransactWriteItems
  const ingestMs = f.eventCpuMsPerRelease / 2 + ingestTrips * a.roundTripMs;
  const projectMs =
    f.eventCpuMsPerRelease / 2 +
    Math.max(0, f.eventDynamoRequestsPerRelease - ingestTrips + 1) * a.roundTripMs;
  const liveIndexMs = 50 + Math.ceil(liveIndexUnits / BATCH_WRITE_ITEMS) * a.roundTripMs;
  const pipelineGbs =
    ingested * gbSeconds(ingestMs, s.memoryMiB.ingest) + ingested * gbSeconds(projectMs, s.memoryMiB.project);
  add('Lambda', 'ingest + projector duration', pipelineGbs, 'GB-seconds', 'lambdaGbSecond');
  // A bulk load's releases share indexer invocations: its fragments' batch writes, serial.
  const bulkIndexMs = (f.eventIndexWriteUnitsPerRelease / BATCH_WRITE_ITEMS) * a.roundTripMs;
  const indexGbs =
    uploads * gbSeconds(liveIndexMs, s.memoryMiB.index) + bulk * gbSeconds(bulkIndexMs, s.memoryMiB.index);
  add('Lambda', 'indexer duration', indexGbs, 'GB-seconds', 'lambdaGbSecond', 1);
  add('Lambda', 'pipeline requests', uploads * 3 + bulk * (0.1 + 0.01 + 0.001), 'requests', 'lambdaRequest');

  // Lambda: reconcile, as long as scanning its share of the table takes, at most its time budget.
  const runSeconds = Math.min(
    (sweep.passShareOfRun * tableBytes) / a.scanBytesPerSecond,
    DEFAULT_SWEEP_BUDGET.millis / MS_PER_S,
  );
  const reconcileGbs = s.reconcileRunsPerMonth * gbSeconds(runSeconds * MS_PER_S, s.memoryMiB.reconcile);
  add('Lambda', 'reconcile duration', reconcileGbs, 'GB-seconds', 'lambdaGbSecond');

  add('API Gateway', 'HTTP API requests', requests, 'requests', 'httpApiRequest');

  // S3: files, uploads, ingest reads, reconcile listings.
  add('S3', 'release files', (w.releases * a.fileBytes) / GB, 'GB-month', 's3Storage');
  add(
    'S3',
    'PUT (uploads) and LIST (reconcile)',
    ingested + s.reconcileRunsPerMonth * Math.ceil(w.releases / 1000),
    'requests',
    's3Put',
  );
  add('S3', 'GET (ingest)', ingested, 'requests', 's3Get');

  // SQS: an upload is sent, received and deleted on the S3 event queue and on the index queue; a
  // bulk load's files are sent one by one by S3, received and deleted 10 at a time, and sent to the
  // index queue 10 at a time (received by the thousand). Plus Lambda's idle long polls.
  const sqs = uploads * 6 + bulk * (1 + 0.1 + 0.1 + 0.1) + a.polledQueues * a.idlePollsPerQueueMonth;
  add('SQS', 'requests (messages, batches, idle long polls)', sqs, 'requests', 'sqsRequest');

  // CloudWatch.
  const logGb = (requests * a.logBytesPerRequest + ingested * a.logBytesPerRelease) / GB;
  add('CloudWatch', 'log ingestion', logGb, 'GB', 'logIngestion');
  add(
    'CloudWatch',
    `log storage (${s.logRetentionMonths.toFixed(1)} months kept, compressed)`,
    logGb * s.logRetentionMonths * a.logCompression,
    'GB-month',
    'logStorage',
  );
  add('CloudWatch', 'custom metric series', a.customMetricSeries, 'metrics', 'customMetric');
  add('CloudWatch', 'alarms', s.alarms, 'alarms', 'alarm');
  add('CloudWatch', 'dashboard', s.dashboards, 'dashboards', 'dashboard');

  add('Secrets Manager', 'cursor key', s.secrets, 'secrets', 'secret');
  add(
    'Secrets Manager',
    'API calls (cold starts, refreshes)',
    coldStarts + a.secretCallsPerMonth,
    'calls',
    'secretApiCalls',
  );
  add('EventBridge', 'reconcile schedule', s.reconcileRunsPerMonth, 'invocations', 'scheduledRule');

  const totalUsd = lines.reduce((t, l) => t + l.usd, 0);
  return { lines, totalUsd, wordIndexUsd, warnings };
}

/**
 * The sweep's reads per run: a whole pass of the table when it fits in the run's read-unit budget,
 * else the budget (docs/data-model.md, "Reconcile"); how much of a pass a run covers, and how many
 * runs (and days, at `runsPerMonth`) a pass takes.
 */
export function sweepRuns(
  releases: number,
  passReadUnitsPerRelease: number,
  runsPerMonth: number,
): { readUnitsPerRun: number; passShareOfRun: number; runsPerPass: number; daysPerPass: number } {
  const pass = releases * passReadUnitsPerRelease;
  const readUnitsPerRun = Math.min(pass, DEFAULT_SWEEP_BUDGET.readUnits);
  const runsPerPass = pass === 0 ? 1 : Math.ceil(pass / DEFAULT_SWEEP_BUDGET.readUnits);
  return {
    readUnitsPerRun,
    passShareOfRun: pass === 0 ? 1 : readUnitsPerRun / pass,
    runsPerPass,
    daysPerPass: runsPerMonth > 0 ? (runsPerPass * DAYS_PER_MONTH) / runsPerMonth : Number.POSITIVE_INFINITY,
  };
}

/** Totals per service, largest first. */
export function byService(lines: readonly CostLine[]): { service: string; usd: number }[] {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.service, (totals.get(line.service) ?? 0) + line.usd);
  return [...totals].map(([service, usd]) => ({ service, usd })).sort((x, y) => y.usd - x.usd);
}
