/**
 * Adapter: the change log over the single table. The writer (`DynamoChangeLogStore`) is used by
 * the projector only, with plain puts and deletes; the reader (`DynamoChangeReader`) by the API
 * function, with Query and BatchGetItem only (its grants are read-only).
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ReleaseProjection } from '#projection/project-release-changes.js';
import type { DynamoReleaseReader } from '#query/aws/dynamodb-release-reader.js';
import type { ChangeReader } from '#query/query-changes.js';
import type { StoredRelease } from '#release/release.js';
import {
  CHANGE_DAYS_PARTITION,
  type ChangeItem,
  type ChangeLogOptions,
  ChangeLogProjection,
  type ChangeLogStore,
  type ChangePointerItem,
  changeDayKey,
  changeItemKey,
  changePartition,
  changePointerKey,
} from '../change-log.js';

const BATCH_WRITE_MAX = 25;
const MAX_BATCH_ATTEMPTS = 8;

export class DynamoChangeLogStore implements ChangeLogStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async pointer(id: string): Promise<ChangePointerItem | undefined> {
    const output = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: changePointerKey(id), ConsistentRead: true }),
    );
    return output.Item as ChangePointerItem | undefined;
  }

  async hasItem(position: string): Promise<boolean> {
    const output = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: changeItemKey(position),
        ConsistentRead: true,
        ProjectionExpression: 'pk',
      }),
    );
    return output.Item !== undefined;
  }

  async putPointer(item: ChangePointerItem): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async putItem(item: ChangeItem): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async putDay(day: string): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: changeDayKey(day) }));
  }

  async deleteItems(positions: readonly string[]): Promise<void> {
    for (let i = 0; i < positions.length; i += BATCH_WRITE_MAX) {
      let requests: Record<string, unknown>[] = positions
        .slice(i, i + BATCH_WRITE_MAX)
        .map((position) => ({ DeleteRequest: { Key: changeItemKey(position) } }));
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        if (attempt >= MAX_BATCH_ATTEMPTS)
          throw new Error(`BatchWriteItem left ${requests.length} unprocessed`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
        const output = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests as never } }),
        );
        requests = (output.UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
      }
    }
  }
}

/** The change log as the projector's plug-in. */
export function changeLogProjection(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: ChangeLogOptions = {},
): ReleaseProjection {
  const projection = new ChangeLogProjection(new DynamoChangeLogStore(doc, tableName), options);
  return { name: projection.name, apply: (change, release) => projection.apply(change, release) };
}

export class DynamoChangeReader implements ChangeReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly releases: Pick<DynamoReleaseReader, 'currentReleases'>,
    private readonly onConsumedCapacity?: (capacity: ConsumedCapacity) => void,
  ) {}

  private get capacityRequest(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.onConsumedCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {};
  }

  async changeDays(request: { from?: string; to: string; limit: number }): Promise<string[]> {
    const days: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression:
            request.from !== undefined
              ? '#pk = :pk AND #sk BETWEEN :from AND :to'
              : '#pk = :pk AND #sk <= :to',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: {
            ':pk': CHANGE_DAYS_PARTITION,
            ':to': request.to,
            ...(request.from !== undefined ? { ':from': request.from } : {}),
          },
          // Consistent: a day listed just before its first item must be seen once the item can be.
          ConsistentRead: true,
          Limit: request.limit - days.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          ...this.capacityRequest,
        }),
      );
      if (output.ConsumedCapacity) this.onConsumedCapacity?.(output.ConsumedCapacity);
      for (const item of output.Items ?? []) days.push(String(item.sk));
      startKey = output.LastEvaluatedKey;
    } while (startKey && days.length < request.limit);
    return days;
  }

  async changes(request: {
    day: string;
    after?: string;
    before: string;
    limit: number;
  }): Promise<{ items: ChangeItem[]; hasMore: boolean }> {
    const pk = changePartition(request.day);
    const items: ChangeItem[] = [];
    let startKey: Record<string, unknown> | undefined =
      request.after !== undefined ? { pk, sk: request.after } : undefined;
    const wanted = request.limit + 1;
    for (;;) {
      const output = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk < :before',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': pk, ':before': request.before },
          ConsistentRead: true,
          Limit: wanted - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          ...this.capacityRequest,
        }),
      );
      if (output.ConsumedCapacity) this.onConsumedCapacity?.(output.ConsumedCapacity);
      items.push(...((output.Items ?? []) as ChangeItem[]));
      startKey = output.LastEvaluatedKey;
      if (!startKey || items.length >= wanted) break;
    }
    return { items: items.slice(0, request.limit), hasMore: items.length > request.limit };
  }

  currentReleases(ids: readonly string[]): Promise<Map<string, { rev: number; release: StoredRelease }>> {
    return this.releases.currentReleases(ids);
  }
}
