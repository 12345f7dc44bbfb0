/**
 * Per-test-file access to the services started by global-setup: real clients, and a fresh table
 * and bucket per call so files never see each other's data.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { localDynamoDbClient } from '../../scripts/local/dynamodb-local.js';
import { ensureBucket, ensureTable } from '../../scripts/local/provision.js';
import { localS3Client } from '../../scripts/local/s3-server.js';

export interface TestServices {
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
  bucket: string;
  dynamoEndpoint: string;
  s3Endpoint: string;
}

export function documentClient(dynamo: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

/**
 * A new table and bucket on the shared local services. `stream: false` for tests that seed and
 * query without the projector (the stream makes DynamoDB Local's writes several times slower).
 */
export async function freshServices(options: { stream?: boolean } = {}): Promise<TestServices> {
  const dynamoEndpoint = inject('dynamoEndpoint');
  const s3Endpoint = inject('s3Endpoint');
  const dynamo = localDynamoDbClient(dynamoEndpoint);
  const s3 = localS3Client(s3Endpoint);
  const suffix = randomUUID().slice(0, 8);
  const tableName = `releases-test-${suffix}`;
  const bucket = `releases-test-${suffix}`;
  await ensureTable(dynamo, tableName, options);
  await ensureBucket(s3, bucket);
  return { dynamo, doc: documentClient(dynamo), s3, tableName, bucket, dynamoEndpoint, s3Endpoint };
}
