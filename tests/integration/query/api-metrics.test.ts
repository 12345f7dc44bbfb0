/**
 * What the API functions tell CloudWatch: the embedded-metric-format lines Powertools Metrics
 * writes to stdout for each request (route, status, read units, `q` work), and the Lambda
 * context (request id, cold start) on the log lines of an invocation.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '#platform/aws/logger.js';
import { createMetrics } from '#platform/aws/metrics.js';
import type { StoredRelease } from '#release/release.js';
import { asFunction } from '../../support/aws-calls.js';
import { seedReleases, storedCorpus } from '../../support/corpus-seed.js';
import type { Emf } from '../../support/emf-output.js';
import { outputOf } from '../../support/emf-output.js';
import { freshServices, type TestServices } from '../../support/services.js';
import { httpEvent } from './query-events.js';

const makeHandler = asFunction('api', (await import('#handlers/api.js')).makeHandler);
const makeProblems = asFunction('problems', (await import('#handlers/problems.js')).makeHandler);

const lambdaContext = (requestId: string): Context =>
  ({
    awsRequestId: requestId,
    functionName: 'Releases-test-Api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:ap-southeast-2:123456789012:function:Releases-test-Api',
    memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/test',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10_000,
  }) as Context;

let services: TestServices;
let corpus: StoredRelease[];

beforeAll(async () => {
  services = await freshServices({ stream: false });
  corpus = storedCorpus({ seed: 11, count: 60, endDate: '2025-06-30', bodyBytes: { min: 200, max: 600 } });
  await seedReleases(services.doc, services.tableName, corpus);
}, 120_000);

afterEach(() => logger.setLogLevel('SILENT'));

function apiHandler(doc: DynamoDBDocumentClient = services.doc) {
  const metrics = createMetrics('releases-api', { STAGE: 'metrics-test' });
  return makeHandler({ doc, tableName: services.tableName, textSearch: true, cursorSecret: 's', metrics });
}

describe('api metrics', () => {
  it('emits one EMF blob per request with route, status, stage and the read units', async () => {
    const handler = apiHandler();
    const { emf, other } = await outputOf(() => handler(httpEvent('/releases?limit=5'), lambdaContext('r1')));
    expect(other).toEqual([]);
    expect(emf).toHaveLength(1);
    const [blob] = emf as [Emf];
    const [directive] = blob._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe('Releases');
    expect(directive?.Dimensions).toEqual([['service', 'stage', 'route', 'status']]);
    expect(blob).toMatchObject({
      service: 'releases-api',
      stage: 'metrics-test',
      route: 'listReleases',
      status: '200',
      Requests: 1,
    });
    expect(blob.ReadUnits).toBeGreaterThan(0);
    expect(directive?.Metrics.map((m) => m.Name).sort()).toEqual(['ReadUnits', 'Requests']);
  });

  it('reports the work of a q request: entries examined and release items fetched', async () => {
    const handler = apiHandler();
    // A word no title holds, so every entry needs its body: the walk examines the whole list.
    const { emf } = await outputOf(() =>
      handler(httpEvent('/releases?q=zzzunfindable&limit=5'), lambdaContext('r2')),
    );
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      route: 'listReleases',
      status: '200',
      Requests: 1,
      TextSearchExamined: corpus.length,
      TextSearchFetched: corpus.length,
    });
    expect(emf[0]?.ReadUnits).toBeGreaterThan(0);
  });

  it('counts a rejected parameter as a 400 of its route, and an unknown path as route none', async () => {
    const handler = apiHandler();
    const bad = await outputOf(() => handler(httpEvent('/releases?limit=0')));
    expect(bad.emf).toEqual([expect.objectContaining({ route: 'listReleases', status: '400', Requests: 1 })]);
    const unknown = await outputOf(() => handler(httpEvent('/nowhere', { viaDefault: true })));
    expect(unknown.emf).toEqual([
      expect.objectContaining({ route: 'none', status: '404', Requests: 1, ReadUnits: 0 }),
    ]);
  });

  it('counts a failure as a 500 and logs it with the request id and cold start', async () => {
    logger.setLogLevel('ERROR');
    // DynamoDB Local cannot be made to fail one call; a client that throws stands in for an outage.
    const failing = {
      send: async () => {
        throw new Error('DynamoDB is unavailable');
      },
    } as unknown as DynamoDBDocumentClient;
    const handler = apiHandler(failing);
    const { emf, logs } = await outputOf(() => handler(httpEvent('/releases'), lambdaContext('req-500')));
    expect(emf).toEqual([expect.objectContaining({ route: 'listReleases', status: '500', Requests: 1 })]);
    expect(logs).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'Request failed',
        function_request_id: 'req-500',
        cold_start: expect.any(Boolean),
      }),
    ]);
  });

  it('the problems function counts its requests too', async () => {
    const handler = makeProblems({
      doc: services.doc,
      tableName: services.tableName,
      cursorSecret: 's',
      metrics: createMetrics('releases-problems', { STAGE: 'metrics-test' }),
    });
    const { emf } = await outputOf(() => handler(httpEvent('/problems'), lambdaContext('p1')));
    expect(emf).toEqual([
      expect.objectContaining({
        service: 'releases-problems',
        route: 'listProblems',
        status: '200',
        Requests: 1,
      }),
    ]);
  });
});
