/**
 * The one way this code base batch-writes and batch-reads DynamoDB: groups of 25 writes / 100
 * keys, unprocessed items retried with exponential backoff, a bounded number in flight.
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { runLimited } from '#platform/run-limited.js';
import type { TableKey } from '../table-layout.js';

export type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: TableKey } };

const MAX_ATTEMPTS = 10;

function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 25 * 2 ** attempt) * Math.random()));
}

/** BatchWriteItem of any number of requests; a key must appear at most once per 25. */
export async function batchWrite(
  doc: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly WriteRequest[],
  options: { concurrency?: number; groupSize?: number } = {},
): Promise<void> {
  const size = options.groupSize ?? 25;
  const groups: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += size) groups.push(requests.slice(i, i + size));
  await runLimited(groups, options.concurrency ?? 4, async (group) => {
    let pending: WriteRequest[] = group;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error('BatchWriteItem kept returning unprocessed items');
      if (attempt > 0) await pause(attempt);
      const { UnprocessedItems } = await doc.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = (UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  });
}

export function putRequests(items: readonly object[]): WriteRequest[] {
  return items.map((item) => ({ PutRequest: { Item: { ...item } } }));
}

/** BatchGetItem of any number of keys; missing items are simply absent from the result. */
export async function batchGet<T extends TableKey>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly TableKey[],
  options: {
    consistent?: boolean;
    projection?: string;
    names?: Record<string, string>;
    /** Asks DynamoDB for `TOTAL` consumed capacity and reports each response's. */
    onConsumedCapacity?: (capacity: ConsumedCapacity) => void;
  } = {},
): Promise<T[]> {
  const found: T[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let request: BatchGetCommandOutput['UnprocessedKeys'] = {
      [tableName]: {
        Keys: keys.slice(i, i + 100).map((key) => ({ pk: key.pk, sk: key.sk })),
        ConsistentRead: options.consistent ?? false,
        ...(options.projection
          ? { ProjectionExpression: options.projection, ExpressionAttributeNames: options.names }
          : {}),
      },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error('BatchGetItem kept returning unprocessed keys');
      if (attempt > 0) await pause(attempt);
      const page: BatchGetCommandOutput = await doc.send(
        new BatchGetCommand({
          RequestItems: request,
          ...(options.onConsumedCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {}),
        }),
      );
      for (const capacity of page.ConsumedCapacity ?? []) options.onConsumedCapacity?.(capacity);
      found.push(...((page.Responses?.[tableName] ?? []) as T[]));
      request = page.UnprocessedKeys;
    }
  }
  return found;
}
