/**
 * Per-stage settings, chosen once from the stage name: `prod` keeps its data and is watched,
 * `staging` sits between, `dev` and any other name (anyone's own stage) are disposable.
 * Constructs take these values as props; nothing below `infra/app.ts` reads context or
 * `process.env`.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const DEFAULT_STAGE = 'dev';

/** Log levels understood by both Powertools Logger and Lambda's advanced logging controls. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface FunctionSizing {
  /** Memory in MiB; on Lambda, CPU grows with it. */
  readonly memorySize: number;
  readonly timeout: Duration;
}

/** When the API alarms fire (see infra/constructs/observability.ts). */
export interface ApiAlarmSettings {
  /** Percentage of requests answering 5xx over five minutes. */
  readonly serverErrorRatePercent: number;
  /** Five-minute periods with fewer requests never breach (two requests, one 500, is noise). */
  readonly serverErrorMinRequests: number;
  /**
   * API Gateway's p99 latency. Above the 5 s a `q` request may spend before it returns a partial
   * page with a cursor, so a busy search day alone does not page anyone.
   */
  readonly p99LatencyMs: number;
}

/**
 * The tag every taggable resource of a stage carries (`releases-stage` = the stage name). Active
 * as a cost allocation tag, it lets a budget, Cost Explorer or the bill pick out one stage.
 */
export const COST_TAG_KEY = 'releases-stage';

/** A monthly AWS Budgets cost budget on the stage's tagged resources (infra/constructs/stage-budget.ts). */
export interface BudgetSettings {
  /** The limit, USD per calendar month. */
  readonly monthlyUsd: number;
  /** Notify when the month's actual cost passes this percentage of the limit. */
  readonly actualPercent: number;
  /** Notify when the month's forecast cost passes this percentage of the limit. */
  readonly forecastPercent: number;
  /** Addresses notified by email (at most 10), besides the stage's alarm topic if it has one. */
  readonly emails: readonly string[];
}

export interface StageSettings {
  readonly stage: string;
  /** What happens to data (table, buckets, queue, log groups) when the stack or resource goes. */
  readonly removalPolicy: RemovalPolicy;
  /** Empty the buckets on stack deletion; only for disposable stages. */
  readonly autoDeleteObjects: boolean;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
  /** Retention of function logs and HTTP access logs. */
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  /** Days S3 server access logs are kept in the log bucket. */
  readonly accessLogExpiration: Duration;
  /** How long overwritten or deleted versions of release files are kept. */
  readonly noncurrentVersionExpiration: Duration;
  /** HTTP API stage throttling; past it, clients get 429. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly functions: {
    readonly ingest: FunctionSizing;
    readonly project: FunctionSizing;
    readonly index: FunctionSizing;
    readonly api: FunctionSizing;
    readonly problems: FunctionSizing;
    readonly reconcile: FunctionSizing;
  };
  /**
   * How often the scheduled reconcile runs (the table made to match the bucket, and derived state
   * repaired through the projector); `undefined`: never (run `npm run reindex` by hand).
   */
  readonly reconcileEvery: Duration | undefined;
  /**
   * Caps concurrent ingest invocations (the SQS event source mapping's maximum concurrency, 2 to
   * 1,000): an `aws s3 sync` of 50,000 files waits in the queue instead of starving the account's
   * other functions or DynamoDB.
   */
  readonly ingestConcurrency: number;
  /** `q` on `/releases`; off answers 400. */
  readonly textSearch: boolean;
  /** Send alarm state changes to an SNS topic (subscribe to it after deploying). */
  readonly alarmTopic: boolean;
  readonly apiAlarms: ApiAlarmSettings;
  /**
   * A monthly cost budget, notifying the alarm topic (and `emails`); `undefined`: none. Counts
   * only costs carrying the stage's cost allocation tag (docs/stages.md, "Budget").
   */
  readonly budget: BudgetSettings | undefined;
}

const disposable: Omit<StageSettings, 'stage'> = {
  removalPolicy: RemovalPolicy.DESTROY,
  autoDeleteObjects: true,
  pointInTimeRecovery: false,
  deletionProtection: false,
  logRetention: RetentionDays.ONE_WEEK,
  logLevel: 'DEBUG',
  accessLogExpiration: Duration.days(30),
  noncurrentVersionExpiration: Duration.days(7),
  throttle: { rateLimit: 20, burstLimit: 40 },
  functions: {
    ingest: { memorySize: 1024, timeout: Duration.seconds(60) },
    project: { memorySize: 1024, timeout: Duration.seconds(120) },
    // Batches of up to 10,000 releases: memory for their terms, time for their fragments.
    index: { memorySize: 2048, timeout: Duration.seconds(300) },
    // Below API Gateway's 30 s integration limit; the `q` filter bounds its own work well inside it.
    api: { memorySize: 512, timeout: Duration.seconds(20) },
    problems: { memorySize: 256, timeout: Duration.seconds(10) },
    // Lambda's longest: it lists the bucket and scans a stretch of the table within its budget of
    // read units and 8 minutes, then makes its fixes (see docs/data-model.md, "Healing").
    reconcile: { memorySize: 2048, timeout: Duration.minutes(15) },
  },
  reconcileEvery: Duration.days(1),
  ingestConcurrency: 10,
  textSearch: true,
  alarmTopic: false,
  apiAlarms: { serverErrorRatePercent: 5, serverErrorMinRequests: 10, p99LatencyMs: 8000 },
  budget: undefined,
};

const staging: Omit<StageSettings, 'stage'> = {
  ...disposable,
  pointInTimeRecovery: true,
  logRetention: RetentionDays.ONE_MONTH,
  logLevel: 'INFO',
  accessLogExpiration: Duration.days(90),
  noncurrentVersionExpiration: Duration.days(30),
  throttle: { rateLimit: 100, burstLimit: 200 },
  functions: { ...disposable.functions, api: { memorySize: 1024, timeout: Duration.seconds(20) } },
  alarmTopic: true,
  apiAlarms: { serverErrorRatePercent: 2, serverErrorMinRequests: 20, p99LatencyMs: 6000 },
  reconcileEvery: Duration.hours(6),
  budget: { monthlyUsd: 60, actualPercent: 80, forecastPercent: 100, emails: [] },
};

const prod: Omit<StageSettings, 'stage'> = {
  ...staging,
  removalPolicy: RemovalPolicy.RETAIN,
  autoDeleteObjects: false,
  pointInTimeRecovery: true,
  deletionProtection: true,
  logRetention: RetentionDays.SIX_MONTHS,
  logLevel: 'INFO',
  accessLogExpiration: Duration.days(365),
  noncurrentVersionExpiration: Duration.days(90),
  throttle: { rateLimit: 500, burstLimit: 1000 },
  ingestConcurrency: 20,
  alarmTopic: true,
  apiAlarms: { serverErrorRatePercent: 1, serverErrorMinRequests: 50, p99LatencyMs: 6000 },
  // docs/cost.md: about $52 a month at 50,000 releases and a million requests with a bulk load.
  budget: { monthlyUsd: 150, actualPercent: 80, forecastPercent: 100, emails: [] },
};

const NAMED: Readonly<Record<string, Omit<StageSettings, 'stage'>>> = { prod, staging, dev: disposable };

/** Stage names become part of the stack name `Releases-<stage>`. */
const STAGE_NAME = /^[a-z][a-z0-9-]{0,24}$/;

export function isValidStageName(stage: string): boolean {
  return STAGE_NAME.test(stage);
}

/** The settings of a stage; unnamed stages get the disposable defaults of `dev`. */
export function settingsFor(stage: string): StageSettings {
  if (!isValidStageName(stage)) {
    throw new Error(
      `Invalid stage name "${stage}": use 1 to 25 lower-case letters, digits or hyphens, starting with a letter`,
    );
  }
  return { stage, ...(NAMED[stage] ?? disposable) };
}

export function stackNameFor(stage: string): string {
  return `Releases-${stage}`;
}
