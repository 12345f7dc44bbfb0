/**
 * The recorder of the IAM check (tests/support/aws-calls.ts, aws-actions.ts) on real SDK v3
 * clients whose requests never leave the process: which calls it attributes to which function,
 * and the action and resource IAM authorizes for each, transactions as their parts.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { outsideAnyFunction } from '../../../scripts/local/invocation.js';
import { iamRequestsOf } from '../../support/aws-actions.js';
import {
  asFunction,
  bindLocalName,
  clearRecordedCalls,
  invokedAs,
  localNames,
  recordAwsCalls,
  recordedCalls,
} from '../../support/aws-calls.js';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const TABLE = 'arn:aws:dynamodb:ap-southeast-2:000000000000:table/t';

/** Answers every request with `output` at the end of the initialize step: nothing is sent. */
function offline<C extends { middlewareStack: object }>(client: C, output: Record<string, unknown> = {}): C {
  (client.middlewareStack as { add: (m: unknown, o: object) => void }).add(
    () => async () => ({ output: { $metadata: {}, ...output }, response: {} }),
    { step: 'initialize', priority: 'low', name: 'offline' },
  );
  return recordAwsCalls(client);
}

const calls = () =>
  recordedCalls().map(({ fn, action, resource, via, count }) => ({ fn, action, resource, via, count }));

// Nothing recorded here may reach the stack's roles (tests/support/iam-check.ts).
afterEach(() => clearRecordedCalls());

describe('recordAwsCalls', () => {
  const dynamo = offline(new DynamoDBClient({ region: 'ap-southeast-2', credentials }));
  const doc = DynamoDBDocumentClient.from(dynamo);

  it('records the calls made inside a function invocation only, each distinct one with its count', async () => {
    await doc.send(new GetCommand({ TableName: 't', Key: { pk: 'seed' } }));
    const read = invokedAs('api', () => doc.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } })));
    await read();
    await read();
    expect(calls()).toEqual([
      { fn: 'api', action: 'dynamodb:GetItem', resource: TABLE, via: undefined, count: 2 },
    ]);
  });

  it('leaves out what a stand-in of AWS asks during an invocation (outsideAnyFunction)', async () => {
    await invokedAs('ingest', async () => {
      await outsideAnyFunction(() => dynamo.send(new DescribeTableCommand({ TableName: 't' })));
      await doc.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } }));
    })();
    expect(calls().map((c) => `${c.fn} ${c.action}`)).toEqual(['ingest dynamodb:GetItem']);
  });

  it('attributes concurrent invocations to their own functions', async () => {
    const make = (tableName: string) => () => async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await doc.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :p' }));
    };
    const api = asFunction('api', make('t'));
    const project = asFunction('project', make('u'));
    await Promise.all([api(undefined)(), project(undefined)(), api(undefined)()]);
    expect(calls().map((c) => `${c.fn} ${c.resource.split('/')[1]} ${c.count}`)).toEqual([
      'api t 2',
      'project u 1',
    ]);
  });

  it('records a transaction and each of its parts, on the part’s table', async () => {
    await invokedAs('ingest', () =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: 't', Item: { pk: 'a' } } },
            { Update: { TableName: 't', Key: { pk: 'b' }, UpdateExpression: 'SET x = :x' } },
            { Delete: { TableName: 'other', Key: { pk: 'c' } } },
            {
              ConditionCheck: {
                TableName: 't',
                Key: { pk: 'd' },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
          ],
        }),
      ),
    )();
    const via = 'dynamodb:TransactWriteItems';
    const other = TABLE.replace(/t$/, 'other');
    expect(calls()).toEqual([
      { fn: 'ingest', action: via, resource: TABLE, via: undefined, count: 1 },
      { fn: 'ingest', action: via, resource: other, via: undefined, count: 1 },
      { fn: 'ingest', action: 'dynamodb:PutItem', resource: TABLE, via, count: 1 },
      { fn: 'ingest', action: 'dynamodb:UpdateItem', resource: TABLE, via, count: 1 },
      { fn: 'ingest', action: 'dynamodb:DeleteItem', resource: other, via, count: 1 },
      { fn: 'ingest', action: 'dynamodb:ConditionCheckItem', resource: TABLE, via, count: 1 },
    ]);
  });

  it('records batch writes per table and queries of an index on the index', async () => {
    await invokedAs('ingest', async () => {
      await doc.send(new BatchWriteCommand({ RequestItems: { t: [{ PutRequest: { Item: { pk: 'a' } } }] } }));
      await doc.send(
        new QueryCommand({ TableName: 't', IndexName: 'byDate', KeyConditionExpression: 'pk = :p' }),
      );
    })();
    expect(calls().map((c) => `${c.action} ${c.resource}`)).toEqual([
      `dynamodb:BatchWriteItem ${TABLE}`,
      `dynamodb:Query ${TABLE}/index/byDate`,
    ]);
  });

  it('records S3 operations as the actions IAM names them, on the bucket or object', async () => {
    const s3 = offline(new S3Client({ region: 'us-east-1', credentials }));
    await invokedAs('ingest', async () => {
      await s3.send(new GetObjectCommand({ Bucket: 'b', Key: '2024/a b.md' }));
      await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'a.md', VersionId: 'v1' }));
      await s3.send(new ListObjectsV2Command({ Bucket: 'b' }));
    })();
    expect(calls().map((c) => `${c.action} ${c.resource}`)).toEqual([
      's3:GetObject arn:aws:s3:::b/2024/a b.md',
      's3:GetObjectVersion arn:aws:s3:::b/a.md',
      's3:ListBucket arn:aws:s3:::b',
    ]);
  });

  it('records Secrets Manager calls on the secret, or * where IAM has no resource', async () => {
    const secrets = offline(new SecretsManagerClient({ region: 'ap-southeast-2', credentials }));
    const arn = 'arn:aws:secretsmanager:ap-southeast-2:000000000000:secret:cursor-AbCdEf';
    await invokedAs('rotate-cursor-secret', async () => {
      await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
      await secrets.send(new GetRandomPasswordCommand({ PasswordLength: 64 }));
    })();
    expect(calls().map((c) => `${c.action} ${c.resource}`)).toEqual([
      `secretsmanager:GetSecretValue ${arn}`,
      'secretsmanager:GetRandomPassword *',
    ]);
  });

  it('records GetRecords on the stream its shard iterator came from', async () => {
    const stream = `${TABLE}/stream/2024-07-01T00:00:00.000`;
    const streams = offline(new DynamoDBStreamsClient({ region: 'ap-southeast-2', credentials }), {
      ShardIterator: 'iterator-1',
    });
    await invokedAs('indexer', async () => {
      await streams.send(
        new GetShardIteratorCommand({ StreamArn: stream, ShardId: 's', ShardIteratorType: 'TRIM_HORIZON' }),
      );
      await streams.send(new GetRecordsCommand({ ShardIterator: 'iterator-1' }));
    })();
    expect(calls().map((c) => `${c.action} ${c.resource}`)).toEqual([
      `dynamodb:GetShardIterator ${stream}`,
      `dynamodb:GetRecords ${stream}`,
    ]);
  });

  it('keeps the local names bound to the stack’s resources', () => {
    bindLocalName('table', 'releases-test-1');
    bindLocalName('table', 'releases');
    bindLocalName('releaseBucket', 'releases');
    expect(localNames()).toEqual({ table: ['releases-test-1', 'releases'], releaseBucket: ['releases'] });
  });
});

describe('iamRequestsOf, for clients of any service', () => {
  const of = (client: string, operation: string, input: Record<string, unknown>) =>
    iamRequestsOf({ client, operation, input, region: 'ap-southeast-2' });

  it('reads SQS queues from their URL and batch operations as their single form', () => {
    const QueueUrl = 'https://sqs.ap-southeast-2.amazonaws.com/123456789012/releases-index';
    expect(of('SQSClient', 'SendMessageBatch', { QueueUrl })).toEqual([
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:ap-southeast-2:123456789012:releases-index' },
    ]);
    expect(of('SQSClient', 'SendMessage', { QueueUrl: 'http://127.0.0.1:9324/000000000000/q' })).toEqual([
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:ap-southeast-2:000000000000:q' },
    ]);
  });

  it('gives actions of other services `*`, under their IAM prefix', () => {
    expect(of('CloudWatchClient', 'PutMetricData', { Namespace: 'releases' })).toEqual([
      { action: 'cloudwatch:PutMetricData', resource: '*' },
    ]);
    expect(of('CloudWatchLogsClient', 'PutLogEvents', {})).toEqual([
      { action: 'logs:PutLogEvents', resource: '*' },
    ]);
  });

  it('reads a multi-object delete and a copy as the object actions they need', () => {
    expect(
      of('S3Client', 'DeleteObjects', {
        Bucket: 'b',
        Delete: { Objects: [{ Key: 'a' }, { Key: 'c', VersionId: 'v' }] },
      }),
    ).toEqual([
      { action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/a' },
      { action: 's3:DeleteObjectVersion', resource: 'arn:aws:s3:::b/c' },
    ]);
    expect(
      of('S3Client', 'CopyObject', { Bucket: 'b', Key: 'to.md', CopySource: 'a/from%20here.md' }),
    ).toEqual([
      { action: 's3:PutObject', resource: 'arn:aws:s3:::b/to.md' },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::a/from here.md' },
    ]);
  });
});
