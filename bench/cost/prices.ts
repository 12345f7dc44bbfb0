/**
 * AWS list prices the cost model multiplies by, in one place. There was no network when they were
 * written down: they are the prices as known at PRICES_AS_OF (on-demand, no free tier, no savings
 * plans, no tax) and must be checked against AWS's pricing pages before anyone relies on them.
 * Entries marked `unsure` are the ones least certain for Sydney.
 */

export type Region = 'ap-southeast-2' | 'us-east-1';

export const REGIONS: readonly Region[] = ['ap-southeast-2', 'us-east-1'];

/** When these prices were known to be current (taken from memory, not from AWS's pages). */
export const PRICES_AS_OF = '2025-01 (DynamoDB on-demand after the November 2024 price cut)';

export interface PriceEntry {
  readonly service: string;
  readonly item: string;
  /** What one `usd` buys. */
  readonly unit: string;
  readonly usd: Readonly<Record<Region, number>>;
  /** Least certain of the table (mostly the Sydney figure): check first. */
  readonly unsure?: boolean;
  readonly note?: string;
}

const both = (apse2: number, use1: number): Record<Region, number> => ({
  'ap-southeast-2': apse2,
  'us-east-1': use1,
});

export const PRICES = {
  dynamoWriteUnit: {
    service: 'DynamoDB',
    item: 'on-demand write request units',
    unit: 'per million',
    usd: both(0.7068, 0.625),
  },
  dynamoReadUnit: {
    service: 'DynamoDB',
    item: 'on-demand read request units',
    unit: 'per million',
    usd: both(0.1414, 0.125),
  },
  dynamoStorage: {
    service: 'DynamoDB',
    item: 'table storage (Standard class)',
    unit: 'per GB-month',
    usd: both(0.285, 0.25),
    note: 'each item is billed 100 bytes over its size',
  },
  dynamoPitr: {
    service: 'DynamoDB',
    item: 'point-in-time recovery',
    unit: 'per GB-month',
    usd: both(0.228, 0.2),
  },
  dynamoStreamRead: {
    service: 'DynamoDB',
    item: 'stream read request units',
    unit: 'per million',
    usd: both(0.228, 0.2),
    note: 'free when read by a Lambda trigger, as the projector reads it',
  },
  lambdaGbSecond: {
    service: 'Lambda',
    item: 'duration, arm64',
    unit: 'per GB-second',
    usd: both(0.0000133334, 0.0000133334),
  },
  lambdaRequest: { service: 'Lambda', item: 'requests', unit: 'per million', usd: both(0.2, 0.2) },
  httpApiRequest: {
    service: 'API Gateway',
    item: 'HTTP API requests (first 300 million)',
    unit: 'per million',
    usd: both(1.29, 1.0),
    unsure: true,
  },
  s3Storage: { service: 'S3', item: 'Standard storage', unit: 'per GB-month', usd: both(0.025, 0.023) },
  s3Put: {
    service: 'S3',
    item: 'PUT, COPY, POST, LIST requests',
    unit: 'per 1,000',
    usd: both(0.0055, 0.005),
  },
  s3Get: { service: 'S3', item: 'GET requests', unit: 'per 1,000', usd: both(0.00044, 0.0004) },
  sqsRequest: {
    service: 'SQS',
    item: 'standard queue requests (64 KB each)',
    unit: 'per million',
    usd: both(0.4, 0.4),
  },
  logIngestion: {
    service: 'CloudWatch',
    item: 'log ingestion (Standard class)',
    unit: 'per GB',
    usd: both(0.57, 0.5),
  },
  logStorage: {
    service: 'CloudWatch',
    item: 'log storage (compressed)',
    unit: 'per GB-month',
    usd: both(0.033, 0.03),
  },
  customMetric: {
    service: 'CloudWatch',
    item: 'custom metrics (first 10,000)',
    unit: 'per metric-month',
    usd: both(0.3, 0.3),
  },
  alarm: {
    service: 'CloudWatch',
    item: 'standard-resolution alarm',
    unit: 'per alarm-month',
    usd: both(0.1, 0.1),
  },
  dashboard: {
    service: 'CloudWatch',
    item: 'dashboard (first 3 per account free)',
    unit: 'per dashboard-month',
    usd: both(3, 3),
  },
  secret: { service: 'Secrets Manager', item: 'secret', unit: 'per secret-month', usd: both(0.4, 0.4) },
  secretApiCalls: {
    service: 'Secrets Manager',
    item: 'API calls',
    unit: 'per 10,000',
    usd: both(0.05, 0.05),
  },
  scheduledRule: {
    service: 'EventBridge',
    item: 'scheduled rule invocations',
    unit: 'per invocation',
    usd: both(0, 0),
    note: 'rules on a schedule are free',
  },
  openSearchT3Small: {
    service: 'OpenSearch Service',
    item: 't3.small.search instance',
    unit: 'per hour',
    usd: both(0.048, 0.036),
    unsure: true,
  },
  openSearchT3Medium: {
    service: 'OpenSearch Service',
    item: 't3.medium.search instance',
    unit: 'per hour',
    usd: both(0.097, 0.073),
    unsure: true,
  },
  openSearchGp3: {
    service: 'OpenSearch Service',
    item: 'EBS gp3 storage',
    unit: 'per GB-month',
    usd: both(0.146, 0.122),
    unsure: true,
  },
  openSearchOcu: {
    service: 'OpenSearch Serverless',
    item: 'OCU (indexing or search)',
    unit: 'per OCU-hour',
    usd: both(0.334, 0.24),
    unsure: true,
  },
  openSearchServerlessStorage: {
    service: 'OpenSearch Serverless',
    item: 'managed storage',
    unit: 'per GB-month',
    usd: both(0.0264, 0.024),
    unsure: true,
  },
} as const satisfies Record<string, PriceEntry>;

export type PriceKey = keyof typeof PRICES;

/** The price in USD of one `unit` of `key` in `region`. */
export function priceOf(key: PriceKey, region: Region): number {
  return PRICES[key].usd[region];
}

/** The price of a single unit (one request, one GB-month): `per million` and `per 1,000` divided out. */
export function unitPrice(key: PriceKey, region: Region): number {
  const entry: PriceEntry = PRICES[key];
  const per = entry.unit.startsWith('per million')
    ? 1e6
    : entry.unit.startsWith('per 1,000')
      ? 1e3
      : entry.unit.startsWith('per 10,000')
        ? 1e4
        : 1;
  return entry.usd[region] / per;
}

/** Hours in an average month (AWS bills a month as 730 hours). */
export const HOURS_PER_MONTH = 730;
