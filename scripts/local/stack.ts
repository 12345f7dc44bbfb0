/**
 * The whole system on loopback, as `npm start` runs it (docs/local-stack.md): DynamoDB Local and
 * s3rver with data under one directory, the table and bucket from the shared definitions, S3
 * events bridged to the real ingest handler, the real API handlers behind a local API Gateway,
 * a periodic reconcile, and the seeds uploaded on first start. The e2e test and the benchmark use
 * `startLocalStack` directly; start.ts only adds the command line and the signals.
 *
 * This module starts and stops the services in order and re-exports the stack's API; its parts are
 * stack-config.ts (names, ports, options), stack-functions.ts (the functions it runs), data-dir.ts,
 * seed-upload.ts and periodic-reconcile.ts.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INGEST_MAX_RECEIVES } from '#platform/event-delivery.js';
import type { FunctionName } from '#query/routes.js';
import { PROJECTOR_FILTERS } from '#table/table-layout.js';
import { claimDataDir, cursorSecretFor, type PidFile } from './data-dir.js';
import { localDynamoDbClient, startDynamoDbLocal } from './dynamodb-local.js';
import { createEventBridge, type EventBridge } from './event-bridge.js';
import { portInUse } from './free-port.js';
import { type ApiHandler, startApiServer } from './http-adapter.js';
import { DYNAMODB_LOCAL_IN_FLIGHT, InFlightLimit } from './in-flight-limit.js';
import { type IndexQueue, type QueueHandler, startIndexQueue } from './index-queue.js';
import { makeReconciler } from './periodic-reconcile.js';
import { ensureBucket, ensureTable } from './provision.js';
import { localS3Client, startS3Server } from './s3-server.js';
import { bucketIsEmpty, uploadSeeds } from './seed-upload.js';
import {
  DEFAULT_DATA_DIR,
  DEFAULT_PORTS,
  DEFAULT_SEEDS_DIR,
  LOCAL_BUCKET_NAME,
  LOCAL_TABLE_NAME,
  type LocalStackOptions,
  PortTakenError,
} from './stack-config.js';
import { handlerEnvironment, type LocalDeps, loadRealFunctions } from './stack-functions.js';
import { type StreamPoller, startStreamPoller } from './stream-poller.js';

export { DataDirInUseError } from './data-dir.js';
export {
  DEFAULT_DATA_DIR,
  DEFAULT_PORTS,
  DEFAULT_SEEDS_DIR,
  LOCAL_BUCKET_NAME,
  LOCAL_TABLE_NAME,
  type LocalStackOptions,
  PortTakenError,
} from './stack-config.js';
export { type LocalDeps, type LocalFunctions, loadRealFunctions } from './stack-functions.js';

export interface LocalStack {
  apiUrl: string;
  s3Endpoint: string;
  dynamoEndpoint: string;
  dynamoPid: number;
  tableName: string;
  bucket: string;
  dataDir: string;
  /** Uploads made from `seeds/` on this start (0 when the bucket already had objects). */
  seeded: number;
  bridge: EventBridge;
  projector: StreamPoller;
  indexQueue: IndexQueue;
  /** Resolves when every upload so far is ingested, projected and indexed. */
  settled(): Promise<void>;
  /** Runs one reconcile now (no-op without one). */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const apiPort = options.apiPort ?? DEFAULT_PORTS.api;
  const s3Port = options.s3Port ?? DEFAULT_PORTS.s3;
  const dynamoPort = options.dynamoPort ?? DEFAULT_PORTS.dynamodb;
  for (const [role, port] of [
    ['api', apiPort],
    ['s3', s3Port],
    ['dynamodb', dynamoPort],
  ] as const) {
    if (port !== 0 && (await portInUse(port))) throw new PortTakenError(port, role);
  }

  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const dynamoDir = join(dataDir, 'dynamodb');
  const s3Dir = join(dataDir, 's3');
  mkdirSync(dataDir, { recursive: true });
  const pidPath = claimDataDir(dataDir, dynamoDir, log);
  if (options.fresh) {
    rmSync(dynamoDir, { recursive: true, force: true });
    rmSync(s3Dir, { recursive: true, force: true });
  }

  const cleanups: Array<() => Promise<void>> = [];
  const undo = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    cleanups.length = 0;
  };

  try {
    const dynamoLocal = await startDynamoDbLocal({ port: dynamoPort, dataDir: dynamoDir });
    writeFileSync(
      pidPath,
      JSON.stringify({ nodePid: process.pid, javaPid: dynamoLocal.pid } satisfies PidFile),
    );
    cleanups.push(async () => {
      await dynamoLocal.stop();
      rmSync(pidPath, { force: true });
    });

    const s3Server = await startS3Server({ port: s3Port, directory: s3Dir, buckets: [] });
    cleanups.push(() => s3Server.stop());

    const dynamo = localDynamoDbClient(dynamoLocal.endpoint);
    // Its functions and stream poller share the client, and with it the cap (in-flight-limit.ts).
    new InFlightLimit(DYNAMODB_LOCAL_IN_FLIGHT).attach(dynamo);
    const s3 = localS3Client(s3Server.endpoint);
    options.onClient?.(dynamo);
    options.onClient?.(s3);
    cleanups.push(async () => {
      dynamo.destroy();
      s3.destroy();
    });
    await ensureTable(dynamo, LOCAL_TABLE_NAME);
    await ensureBucket(s3, LOCAL_BUCKET_NAME);

    const deps: LocalDeps = {
      dynamo,
      doc: DynamoDBDocumentClient.from(dynamo, {
        marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
      }),
      s3,
      tableName: LOCAL_TABLE_NAME,
      bucket: LOCAL_BUCKET_NAME,
      cursorSecret: cursorSecretFor(dataDir),
      textSearch: options.textSearch ?? true,
    };
    for (const [name, value] of Object.entries(
      handlerEnvironment(deps, s3Server.endpoint, dynamoLocal.endpoint),
    )) {
      // Overwritten, not defaulted: nothing imported here may reach a real AWS account.
      process.env[name] = value;
    }
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    // The queue exists before the functions (the projector sends to it); its handler is the
    // indexer, known once they are loaded.
    let indexer: QueueHandler | undefined;
    const indexQueue = startIndexQueue({
      handler: (event, context) => {
        if (!indexer) throw new Error('the indexer is not loaded yet');
        return indexer(event, context);
      },
      // A short window locally: a single upload is searchable in about a second.
      batchingWindowMs: 500,
      log,
    });
    cleanups.push(() => indexQueue.stop());
    deps.index = indexQueue;
    const functions = await (options.loadFunctions ?? ((d) => loadRealFunctions(d, log)))(deps);
    indexer = functions.index;

    const bridge = createEventBridge({
      handler: functions.ingest,
      // As SQS: redelivered until the queue's receive limit, then dead-lettered.
      retries: INGEST_MAX_RECEIVES - 1,
      log,
      ...(options.retryBackoffMs !== undefined ? { backoffMs: options.retryBackoffMs } : {}),
    });
    const projector = await startStreamPoller({
      dynamo,
      tableName: LOCAL_TABLE_NAME,
      handler: functions.project,
      filters: PROJECTOR_FILTERS,
      log,
    });
    cleanups.push(() => projector.stop());
    let accepting = true;
    s3Server.onEvent((event) => {
      if (accepting) bridge.deliver(event);
    });
    cleanups.push(async () => {
      accepting = false;
      // Let deliveries under way finish (bounded), then give up on pending retries.
      await Promise.race([bridge.idle(), new Promise((r) => setTimeout(r, 5_000))]);
      const before = bridge.stats.deadLettered;
      bridge.close();
      await bridge.idle();
      const undelivered = bridge.stats.deadLettered - before;
      if (undelivered > 0)
        log(`${undelivered} event(s) not delivered before stopping; the next start's reconcile applies them`);
    });

    const handlers: Record<FunctionName, ApiHandler> = { api: functions.api, problems: functions.problems };
    const apiServer = await startApiServer({ port: apiPort, handlers, log });
    cleanups.push(() => apiServer.stop());

    const { reconcile, startPeriodic } = makeReconciler(
      functions,
      log,
      () => bridge.stats.inFlight > 0 || indexQueue.size() > 0,
    );
    const interval = options.reconcileIntervalMs ?? 30_000;
    if (interval > 0 && functions.reconcile) cleanups.push(startPeriodic(interval));

    let seeded = 0;
    if (options.seedsDir !== false && (await bucketIsEmpty(s3, LOCAL_BUCKET_NAME))) {
      seeded = await uploadSeeds(s3, LOCAL_BUCKET_NAME, options.seedsDir ?? DEFAULT_SEEDS_DIR);
    } else if (interval > 0) {
      // A restart: repair what was missed while stopped (e.g. events dead-lettered before a crash).
      void reconcile();
    }

    let stopping: Promise<void> | undefined;
    return {
      apiUrl: apiServer.url,
      s3Endpoint: s3Server.endpoint,
      dynamoEndpoint: dynamoLocal.endpoint,
      dynamoPid: dynamoLocal.pid,
      tableName: LOCAL_TABLE_NAME,
      bucket: LOCAL_BUCKET_NAME,
      dataDir,
      seeded,
      bridge,
      projector,
      indexQueue,
      async settled() {
        await bridge.idle();
        await projector.settled();
        await indexQueue.settled();
      },
      reconcile,
      stop() {
        stopping ??= undo();
        return stopping;
      },
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
