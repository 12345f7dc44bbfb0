/**
 * The services one benchmark run uses, all on loopback:
 *
 * - its own DynamoDB Local, its database in a file on a memory file system (/dev/shm) when there is
 *   room, so that stream records can be purged between phases (stream-records.ts); on disk with
 *   `--db-dir`, for sizes memory cannot hold (several times slower); in memory otherwise;
 * - the local stack (scripts/local/stack.ts) on free ports and a temporary data directory, for
 *   its s3rver, its S3-event bridge and its HTTP server, with the real API handlers wired to the
 *   in-memory table through the stack's `loadFunctions` option. The stack's ingest function is
 *   replaced by a queue: the benchmark delivers the real S3 event records to the real ingest
 *   handler itself, with bounded concurrency, and times that.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Event } from 'aws-lambda';
import { localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb-local.js';
import { freePort } from '#local/free-port.js';
import { DYNAMODB_LOCAL_IN_FLIGHT, InFlightLimit } from '#local/in-flight-limit.js';
import { ensureTable } from '#local/provision.js';
import { localS3Client } from '#local/s3-server.js';
import { type LocalStack, loadRealFunctions, startLocalStack } from '#local/stack.js';
import { purgeStreamRecords, sharedDatabaseFile } from './stream-records.js';

export const TABLE_NAME = 'releases';

export interface BenchEnvironment {
  dynamoEndpoint: string;
  /** The in-memory DynamoDB Local's Java process, for its CPU time. */
  dynamoPid: number;
  /** A client for the benchmark's own reads and writes. */
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  stack: LocalStack;
  /** Uploads to the stack's s3rver. */
  s3: S3Client;
  bucket: string;
  cursorSecret: string;
  /** S3 events the stack's bridge converted from s3rver's, waiting for the benchmark to deliver them. */
  events: S3Event[];
  newDynamoClient(): DynamoDBClient;
  /** Where DynamoDB Local keeps the database, for the report. */
  database: string;
  /**
   * Deletes every stream record (stream-records.ts), at points where no stream is being read:
   * the number deleted, or undefined when the database is in memory and cannot be reached.
   */
  purgeStreamRecords(): number | undefined;
  stop(): Promise<void>;
}

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

const livePids = new Set<number>();
let exitHookInstalled = false;

/** Java outlives a Node parent that dies: kill what is still registered on any exit. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of livePids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export async function startBenchEnvironment(
  log: (line: string) => void,
  options: {
    dataDir?: string | undefined;
    /** Delete the data directory when the run ends (a scratch directory on /dev/shm). */
    temporaryDataDir?: boolean;
    /** Told of every DynamoDB client the run makes, the local stack's included (`--large`'s read recorder). */
    onDynamoClient?: (client: DynamoDBClient) => void;
  } = {},
): Promise<BenchEnvironment> {
  installExitHook();
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const ddb = await startDynamoDbLocal({
      port: await freePort(),
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    });
    livePids.add(ddb.pid);
    cleanups.push(async () => {
      await ddb.stop();
      livePids.delete(ddb.pid);
      if (options.temporaryDataDir && options.dataDir !== undefined)
        rmSync(options.dataDir, { recursive: true, force: true });
    });
    let dbFile = options.dataDir !== undefined ? sharedDatabaseFile(options.dataDir) : undefined;
    const purge = () => {
      if (dbFile === undefined) return undefined;
      try {
        const deleted = purgeStreamRecords(dbFile);
        if (deleted > 0) log(`DynamoDB Local: ${deleted.toLocaleString('en-US')} stream records purged`);
        return deleted;
      } catch (error) {
        log(
          `DynamoDB Local: old stream records cannot be purged (${error instanceof Error ? error.message : String(error)}); ` +
            'later phases carry their cost (docs/benchmark.md)',
        );
        dbFile = undefined;
        return undefined;
      }
    };
    const clients: DynamoDBClient[] = [];
    // One cap for every client of this run's DynamoDB Local, the event path's and the raw
    // baseline's alike (scripts/local/in-flight-limit.ts).
    const inFlight = new InFlightLimit(DYNAMODB_LOCAL_IN_FLIGHT);
    const newDynamoClient = () => {
      const client = localDynamoDbClient(ddb.endpoint);
      inFlight.attach(client);
      options.onDynamoClient?.(client);
      clients.push(client);
      return client;
    };
    cleanups.push(async () => {
      for (const client of clients) client.destroy();
    });
    const dynamo = newDynamoClient();
    const doc = documentClient(dynamo);
    // Without a stream: bulk loads write several times faster; bench/ingest.ts turns one on for the event path.
    await ensureTable(dynamo, TABLE_NAME, { stream: false });

    const dataDir = mkdtempSync(join(tmpdir(), 'releases-bench-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const events: S3Event[] = [];
    let cursorSecret = '';
    const stackDoc = documentClient(newDynamoClient());
    const stack = await startLocalStack({
      apiPort: await freePort(),
      s3Port: await freePort(),
      dynamoPort: await freePort(),
      dataDir,
      fresh: true,
      seedsDir: false,
      reconcileIntervalMs: 0,
      textSearch: true,
      log,
      loadFunctions: async (deps) => {
        cursorSecret = deps.cursorSecret;
        const real = await loadRealFunctions({ ...deps, doc: stackDoc, tableName: TABLE_NAME });
        return {
          api: real.api,
          problems: real.problems,
          ingest: async (event) => {
            events.push(event);
          },
          // The bench runs its own projector on its table (bench/ingest.ts); the stack's own
          // stream poller watches the stack's unused table.
          project: real.project,
          index: real.index,
        };
      },
    });
    livePids.add(stack.dynamoPid);
    cleanups.push(async () => {
      await stack.stop();
      livePids.delete(stack.dynamoPid);
    });
    const s3 = localS3Client(stack.s3Endpoint);
    cleanups.push(async () => s3.destroy());
    return {
      dynamoEndpoint: ddb.endpoint,
      dynamoPid: ddb.pid,
      dynamo,
      doc,
      tableName: TABLE_NAME,
      stack,
      s3,
      bucket: stack.bucket,
      cursorSecret,
      events,
      newDynamoClient,
      database:
        options.dataDir === undefined
          ? 'in memory, shared database (stream records not purged)'
          : `${options.temporaryDataDir ? 'in a file on a memory file system' : 'on disk'}, shared database, stream records purged between phases`,
      purgeStreamRecords: purge,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
