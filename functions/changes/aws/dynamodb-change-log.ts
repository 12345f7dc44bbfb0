/**
 * Adapter: the change log's writer over the single table, used by the projector only, with plain
 * puts and deletes. The API reads the log through query/aws/dynamodb-change-reader.ts.
 */
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';

import {
  type ChangeItem,
  type ChangeLogOptions,
  ChangeLogProjection,
  type ChangeLogStore,
  type ChangePointerItem,
  changeDayKey,
  changeItemKey,
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
): ChangeLogProjection {
  return new ChangeLogProjection(new DynamoChangeLogStore(doc, tableName), options);
}
