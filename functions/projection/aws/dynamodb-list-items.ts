/**
 * Adapter: the projector's list items on DynamoDB (projector use case -> this -> table), put and
 * deleted by key in shared batches: plain, idempotent writes.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from '#table/aws/dynamodb-batch.js';
import type { ListItem, TableKey } from '#table/table-layout.js';
import type { ListItemStore } from '../project-release-changes.js';

export class DynamoListItems implements ListItemStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async write(put: ListItem[], remove: TableKey[]): Promise<void> {
    await batchWrite(this.doc, this.tableName, [
      ...put.map((Item) => ({ PutRequest: { Item: { ...Item } } })),
      ...remove.map((Key) => ({ DeleteRequest: { Key } })),
    ]);
  }
}
