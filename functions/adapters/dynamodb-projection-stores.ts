/**
 * Adapter: the projector's stores on DynamoDB (projector use case -> this -> table). Plain writes
 * only: list items are put and deleted by key, entity figures are recounted and written under a
 * version guard that only orders recounts (a lost guard means a later recount already landed).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { BodyStore, EntityFigureStore, ListItemStore } from '#core/project-release-changes.js';
import type { EntityMonth } from '#core/projection.js';
import type { EntityKind, Release } from '#core/release.js';
import {
  entityKey,
  entityMonthKey,
  entityMonthPartition,
  type ListItem,
  listPartition,
  type ReleaseItem,
  type TableKey,
} from '#core/table-layout.js';
import { batchWrite } from './dynamodb-batch.js';
import { DynamoBodyChunks } from './dynamodb-body-chunks.js';

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

export class DynamoReleaseBodies implements BodyStore {
  private readonly chunks: DynamoBodyChunks;

  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    this.chunks = new DynamoBodyChunks(doc, tableName);
  }

  async releaseOf(item: ReleaseItem): Promise<Release | undefined> {
    const { id, title, date, url, ministers, portfolios, summary, extra } = item;
    let body = item.body ?? '';
    if (item.bodyHash !== undefined && item.bodyChunks !== undefined) {
      const joined = await this.chunks.read(id, item.bodyHash, item.bodyChunks, true);
      if (joined === undefined) return undefined;
      body = joined;
    }
    return { id, title, date, url, ministers, portfolios, summary, body, extra };
  }

  async deleteChunks(id: string, bodyId: string): Promise<void> {
    await this.chunks.delete(id, bodyId);
  }
}

/**
 * Entity figures by recount. Each recount first bumps the item's `ver` (an unconditional ADD,
 * which DynamoDB applies one at a time per item), then reads, then writes its result only if no
 * recount with a higher version has landed (`settledVer`). A recount that bumped later started
 * reading later, after every list write that preceded its bump, so the last one to land is right;
 * an earlier one that loses the guard has nothing to retry. Months are recounted before the
 * entity that sums them, by the same projector, so the entity's last recount sees every month's
 * last result.
 */
export class DynamoEntityFigures implements EntityFigureStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recountMonth({ kind, slug, month }: EntityMonth): Promise<void> {
    const key = entityMonthKey(kind, slug, month);
    const ver = await this.bump(key);
    let count = 0;
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :month)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': entityListPartition(kind, slug), ':month': `${month}-` },
        Select: 'COUNT',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) count += page.Count ?? 0;
    await this.settle(key, ver, { count });
  }

  async recountEntity(kind: EntityKind, slug: string): Promise<void> {
    const key = entityKey(kind, slug);
    const ver = await this.bump(key);
    let count = 0;
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk', '#count': 'count' },
        ExpressionAttributeValues: { ':pk': entityMonthPartition(kind, slug) },
        ProjectionExpression: '#count',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) count += Number(item.count ?? 0);
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': entityListPartition(kind, slug) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const newest = Items?.[0] as ListItem | undefined;
    const ref =
      newest && (kind === 'minister' ? newest.ministers : newest.portfolios).find((r) => r.slug === slug);
    await this.settle(
      key,
      ver,
      ref && newest ? { count, name: ref.name, latestDate: newest.date } : { count },
    );
  }

  private async bump(key: TableKey): Promise<number> {
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'ADD #ver :one',
        ExpressionAttributeNames: { '#ver': 'ver' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.ver);
  }

  private async settle(key: TableKey, ver: number, figures: Record<string, string | number>): Promise<void> {
    const names: Record<string, string> = { '#settled': 'settledVer' };
    const values: Record<string, unknown> = { ':ver': ver };
    const sets = ['#settled = :ver'];
    for (const [name, value] of Object.entries(figures)) {
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(#settled) OR #settled < :ver',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // A recount that bumped later has landed: its figures are at least as new as ours.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function entityListPartition(kind: EntityKind, slug: string): string {
  return listPartition(kind === 'minister' ? { kind, minister: slug } : { kind, portfolio: slug });
}
