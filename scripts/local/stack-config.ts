/**
 * The local stack's configuration: table and bucket names, default ports and directories, the
 * options of `startLocalStack`, and the error for a port already in use.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LocalDeps, LocalFunctions } from './stack-functions.js';

export const LOCAL_TABLE_NAME = 'releases';
export const LOCAL_BUCKET_NAME = 'releases';
export const DEFAULT_PORTS = { api: 3000, s3: 4569, dynamodb: 8000 } as const;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_SEEDS_DIR = join(REPO_ROOT, 'seeds');
export const DEFAULT_DATA_DIR = join(REPO_ROOT, '.local');

export interface LocalStackOptions {
  /** 0 picks a free port. @default 3000 */
  apiPort?: number;
  /** @default 4569 */
  s3Port?: number;
  /** @default 8000 */
  dynamoPort?: number;
  /** @default `.local/` in the repository */
  dataDir?: string;
  /** Delete the data first. @default false */
  fresh?: boolean;
  /** Uploaded when the bucket is empty; `false` to skip. @default `seeds/` */
  seedsDir?: string | false;
  /** @default 30000; 0 turns the periodic reconcile off */
  reconcileIntervalMs?: number;
  /** Delay before the first retry of a failed ingest (doubles for the second). @default 1000 */
  retryBackoffMs?: number;
  /** @default true */
  textSearch?: boolean;
  /** The functions to run; the real handlers unless a test passes others. */
  loadFunctions?: (deps: LocalDeps) => Promise<LocalFunctions>;
  /** Told of each AWS SDK client the stack makes for the functions (a test adds its middleware). */
  onClient?: (client: DynamoDBClient | S3Client) => void;
  log?: (line: string) => void;
}

/** A port a stack needs is already in use; `npm start` prints the message and exits non-zero. */
export class PortTakenError extends Error {
  constructor(
    readonly port: number,
    readonly role: string,
  ) {
    super(
      `port ${port} is taken (another npm start?) - needed for ${role}; set RELEASES_${role.toUpperCase()}_PORT to use another`,
    );
  }
}
