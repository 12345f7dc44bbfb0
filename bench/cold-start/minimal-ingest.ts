/**
 * The cold-start baseline of `ingest`: the same SDK clients (S3Client, document client over
 * DynamoDBClient) making the defining calls of one S3 event from its SQS message (read the
 * object, write one TransactWriteItems), with no parsing, validation or bookkeeping.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Event, SQSEvent } from 'aws-lambda';

const s3 = new S3Client({});
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const tableName = process.env.TABLE_NAME;

export const handler = async (message: SQSEvent): Promise<void> => {
  const records = message.Records.flatMap((m) => (JSON.parse(m.body) as S3Event).Records);
  for (const record of records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const object = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));
    const text = (await object.Body?.transformToString()) ?? '';
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: tableName, Item: { pk: `MIN#${key}`, sk: 'K', text } } }],
      }),
    );
  }
};
