/**
 * What the ingest and projector functions tell CloudWatch: the embedded-metric-format counts of
 * one invocation (releases applied, problems, projected changes, recounts), with the Lambda
 * context on their log lines.
 */
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as makeIngest } from '#handlers/ingest.js';
import { makeHandler as makeProjector } from '#handlers/project.js';
import { logger } from '#platform/aws/logger.js';
import { createMetrics } from '#platform/aws/metrics.js';
import { sqsEventOf } from '../../../scripts/local/s3-events.js';
import { outputOf } from '../../support/emf-output.js';
import { ingestHarness, releaseFile } from '../../support/ingest-harness.js';
import { freshServices, type TestServices } from '../../support/services.js';

const context = {
  awsRequestId: 'request-1',
  functionName: 'releases-ingest',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:ap-southeast-2:000000000000:function:releases-ingest',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

let services: TestServices;
let h: ReturnType<typeof ingestHarness>;
beforeEach(async () => {
  services = await freshServices();
  h = ingestHarness(services);
});
afterEach(async () => {
  await h.close();
});

describe('ingest metrics', () => {
  it('counts the releases applied and the problems of one invocation', async () => {
    const handler = makeIngest({ ...services, metrics: createMetrics('releases-ingest', { STAGE: 'test' }) });
    const good = await h.upload(
      '000_bfcbecb155f087da.txt',
      readFileSync('seeds/000_bfcbecb155f087da.txt', 'utf8'),
    );
    const bad = await h.upload('bad.md', releaseFile({ date: '2024-02-30' }));
    const event = sqsEventOf({ Records: [...good.Records, ...bad.Records] });
    logger.setLogLevel('INFO');
    const { emf, logs } = await outputOf(() => handler(event, context));
    logger.setLogLevel('SILENT');
    const [blob] = emf;
    expect(blob).toMatchObject({
      ReleasesApplied: 1,
      Problems: 1,
      service: 'releases-ingest',
      stage: 'test',
    });
    expect(blob?._aws.CloudWatchMetrics[0]?.Namespace).toBe('Releases');
    expect(logs.find((line) => line.message === 'release file rejected')).toMatchObject({
      function_request_id: 'request-1',
      cold_start: expect.any(Boolean),
      key: 'bad.md',
    });
  });

  it('counts the changes the projector applied and the entity months it recounted', async () => {
    await h.put('p.md', releaseFile({ ministers: ['Hon A'], portfolios: ['X'] }));
    const item = await h.release('p');
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const projector = makeProjector({
      ...services,
      metrics: createMetrics('releases-projector', { STAGE: 'test' }),
    });
    const record = {
      eventName: 'INSERT' as const,
      dynamodb: {
        Keys: marshall({ pk: item?.pk, sk: item?.sk }),
        NewImage: marshall(item, { removeUndefinedValues: true }),
        SequenceNumber: '1',
        ApproximateCreationDateTime: Date.now() / 1000,
      },
    };
    const { emf } = await outputOf(() => projector({ Records: [record as never] }, context));
    expect(emf[0]).toMatchObject({ ChangesProjected: 1, ProjectionFailures: 0, EntityMonthsRecounted: 3 });
  });
});
