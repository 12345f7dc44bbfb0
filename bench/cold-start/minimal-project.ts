/**
 * The cold-start baseline of `project`: the same SDK client (document client over DynamoDBClient)
 * making the defining call of one stream batch (write the list items of the changed release with
 * one BatchWriteItem), with no unmarshalling of images, no recounts and no projections.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const tableName = process.env.TABLE_NAME as string;

export const handler = async (event: DynamoDBStreamEvent): Promise<{ batchItemFailures: [] }> => {
  const requests = event.Records.map((record) => ({
    PutRequest: {
      Item: {
        pk: `MIN#${record.dynamodb?.Keys?.pk?.S ?? ''}`,
        sk: 'L',
        seq: record.dynamodb?.SequenceNumber,
      },
    },
  }));
  if (requests.length > 0) await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
  return { batchItemFailures: [] };
};
