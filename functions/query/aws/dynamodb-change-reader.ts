/**
 * Adapter: the change feed's read port (query/query-changes.ts) over the change log in the single
 * table (changes/change-log.ts): Query and BatchGetItem only, as the API function's read-only
 * grants allow.
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { CHANGE_DAYS_PARTITION, type ChangeItem, changePartition } from '#changes/change-log.js';
import type { StoredRelease } from '#release/release.js';
import type { ChangeReader } from '../query-changes.js';
import type { DynamoReleaseReader } from './dynamodb-release-reader.js';

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

  currentReleases(
    wanted: readonly { id: string; rev: number }[],
  ): Promise<Map<string, { rev: number; release: StoredRelease }>> {
    return this.releases.currentReleases(wanted);
  }
}
