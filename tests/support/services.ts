/**
 * Per-test-file access to the services started by global-setup: real clients, and a fresh table
 * and bucket per call so files never see each other's data. The clients record the AWS calls the
 * functions make through them, and the table and bucket are bound to the stack's, for the IAM
 * check (aws-calls.ts).
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { localDynamoDbClient } from '../../scripts/local/dynamodb-local.js';
import { ensureBucket, ensureTable } from '../../scripts/local/provision.js';
import { localS3Client } from '../../scripts/local/s3-server.js';
import { bindLocalName, recordAwsCalls } from './aws-calls.js';

export interface TestServices {
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
  bucket: string;
  dynamoEndpoint: string;
  s3Endpoint: string;
}

/** A document client over `dynamo`, whose calls (as those of `dynamo`) are recorded. */
export function documentClient(dynamo: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(recordAwsCalls(dynamo), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

/**
 * A new table and bucket on the shared local services. `stream: false` for tests that seed and
 * query without the projector: DynamoDB Local reads the records of every older stream on each request
 * to a table with a stream, so such a table gets slower as the suite goes on (docs/benchmark.md).
 */
export async function freshServices(options: { stream?: boolean } = {}): Promise<TestServices> {
  const dynamoEndpoint = inject('dynamoEndpoint');
  const s3Endpoint = inject('s3Endpoint');
  const dynamo = recordAwsCalls(localDynamoDbClient(dynamoEndpoint));
  const s3 = recordAwsCalls(localS3Client(s3Endpoint));
  const suffix = randomUUID().slice(0, 8);
  const tableName = `releases-test-${suffix}`;
  const bucket = `releases-test-${suffix}`;
  bindLocalName('table', tableName);
  bindLocalName('releaseBucket', bucket);
  await ensureTable(dynamo, tableName, options);
  await ensureBucket(s3, bucket);
  return { dynamo, doc: documentClient(dynamo), s3, tableName, bucket, dynamoEndpoint, s3Endpoint };
}
