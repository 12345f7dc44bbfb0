/**
 * The functions the local stack runs and what they get instead of their cloud environment: the
 * real handlers wired to the local clients (or a test's own), and the environment their modules
 * read when imported.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IndexRequest } from '#projection/project-release-changes.js';
import { LOCAL_REGION } from './dynamodb-local.js';
import type { IngestHandler } from './event-bridge.js';
import type { ApiHandler } from './http-adapter.js';
import type { QueueHandler } from './index-queue.js';
import { invokedAs } from './invocation.js';
import { sqsEventOf } from './s3-events.js';
import { S3RVER_CREDENTIALS } from './s3-server.js';
import type { ProjectorHandler } from './stream-poller.js';

/** What the functions get from the local stack instead of their cloud environment. */
export interface LocalDeps {
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
  bucket: string;
  /** Stable across restarts of the same data directory, so cursors stay valid. */
  cursorSecret: string;
  textSearch: boolean;
  /** Where the projector hands releases to the indexer (the local stand-in for its queue). */
  index?: { request(requests: readonly IndexRequest[]): Promise<void> };
}

export interface LocalFunctions {
  /** One S3 notification, as the ingest function gets it from its queue; throws to be redelivered. */
  ingest: IngestHandler;
  /** The projector, fed from the table's stream. */
  project: ProjectorHandler;
  /** The indexer, fed from its queue. */
  index: QueueHandler;
  api: ApiHandler;
  problems: ApiHandler;
  /** Reconciles the table with the bucket; absent means no periodic reconcile. */
  reconcile?: () => Promise<unknown>;
}

/**
 * The environment the real handler modules read at import (their `handler = makeHandler(
 * fromEnvironment())` line runs then); the local stack passes its own clients to `makeHandler`,
 * but the import must not fail and must not point anywhere but loopback.
 */
export function handlerEnvironment(
  deps: LocalDeps,
  s3Endpoint: string,
  dynamoEndpoint: string,
): Record<string, string> {
  return {
    TABLE_NAME: deps.tableName,
    BUCKET_NAME: deps.bucket,
    TEXT_SEARCH: deps.textSearch ? 'on' : 'off',
    CURSOR_SECRET: deps.cursorSecret,
    AWS_REGION: process.env.AWS_REGION || LOCAL_REGION,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    // Never reached: the local stack hands the projector its own queue.
    INDEX_QUEUE_URL: 'http://127.0.0.1:1/local-index-queue',
  };
}

/** The real functions, wired to the local clients; the reconcile is the scheduled sweep's code. */
export async function loadRealFunctions(
  deps: LocalDeps,
  log: (line: string) => void = () => {},
): Promise<LocalFunctions> {
  const [ingest, project, indexer, api, problems, sweepCore, reindexDeps, projections] = await Promise.all([
    import('#handlers/ingest.js'),
    import('#handlers/project.js'),
    import('#handlers/index-releases.js'),
    import('#handlers/api.js'),
    import('#handlers/problems.js'),
    import('#reconcile/sweep.js'),
    import('#reconcile/aws/reindex-deps.js'),
    import('#projection/aws/release-projections.js'),
  ]);
  const common = { doc: deps.doc, tableName: deps.tableName };
  // Each function's invocations run as that function (invocation.ts): one line per function.
  const ingestHandler = invokedAs('ingest', ingest.makeHandler({ ...common, s3: deps.s3 }));
  return {
    // The queue's message for one notification; a reported failure is redelivered by the bridge.
    async ingest(event) {
      const response = await ingestHandler(sqsEventOf(event));
      if (response.batchItemFailures.length > 0) throw new Error('the ingest function reported a failure');
    },
    project: invokedAs(
      'project',
      project.makeHandler({
        ...common,
        projections: projections.releaseProjections,
        ...(deps.index ? { index: deps.index } : {}),
      }),
    ),
    index: invokedAs('index-releases', indexer.makeHandler(common)),
    api: invokedAs(
      'api',
      api.makeHandler({ ...common, textSearch: deps.textSearch, cursorSecret: deps.cursorSecret }),
    ),
    problems: invokedAs('problems', problems.makeHandler({ ...common, cursorSecret: deps.cursorSecret })),
    reconcile: invokedAs('reconcile', async () => {
      // One run of the sweep with the Lambda's budget: on a local corpus that is the whole table
      // and bucket, from where the last run stopped to the end.
      const summary = await sweepCore.sweep(
        reindexDeps.dynamoSweepDeps({ ...common, s3: deps.s3, bucket: deps.bucket }),
        // Locally the index queue's window is half a second: a marker a minute old is stuck.
        { concurrency: 4, pendingGraceSeconds: 60 },
      );
      const fixed =
        summary.added + summary.updated + summary.removed + summary.problems + summary.repairsRequested;
      // Quiet when the events and the projector kept up; a fix means something was lost.
      if (fixed > 0) log(`reconcile fixed ${fixed}: ${JSON.stringify(summary)}`);
      return summary;
    }),
  };
}
