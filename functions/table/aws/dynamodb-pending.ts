/**
 * Adapter: the pending markers (table-layout.ts): one per release whose latest change has not yet
 * been through every derived state. Ingest writes them inside its commit; the indexer, the last
 * stage, clears them; the reconcile lists those left behind (a dead-lettered batch, a projector
 * stopped longer than the stream keeps records) and asks for a repair.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { PENDING_SHARDS, type PendingItem, pendingKey, pendingPartition } from '../table-layout.js';

export class DynamoPending {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Clears a release's marker if it is for a change at or before `at` (a later change keeps its
   * marker until that change is through). False when a later change's marker is there.
   */
  async clear(id: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: pendingKey(id),
          ConditionExpression: 'attribute_not_exists(#pk) OR #at <= :at',
          ExpressionAttributeNames: { '#pk': 'pk', '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Every marker, shard by shard (consistent: a marker cleared a moment ago is not listed). */
  async *list(): AsyncIterable<PendingItem> {
    for (let shard = 0; shard < PENDING_SHARDS; shard += 1) {
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': pendingPartition(shard) },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) for (const item of page.Items ?? []) yield item as PendingItem;
    }
  }
}
