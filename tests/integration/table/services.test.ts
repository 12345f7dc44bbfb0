import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { TABLE_KEYS } from '#table/table-layout.js';
import { freshServices } from '../../support/services.js';

describe('local services used by every integration test', () => {
  it('creates the table with the shared key schema on DynamoDB Local', async () => {
    const { dynamo, tableName } = await freshServices({ stream: false });
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
  });

  it('stores a streamed object in s3rver without aws-chunked framing', async () => {
    const { s3, bucket } = await freshServices({ stream: false });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a b+c.md', Body: 'héllo' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a b+c.md' }));
    expect(await got.Body?.transformToString()).toBe('héllo');
  });
});
