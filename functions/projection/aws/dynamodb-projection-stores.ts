/**
 * Adapter: the projector's stores on DynamoDB (projector use case -> this -> table). Plain writes
 * only: list items are put and deleted by key, entity figures are recounted and written under a
 * version guard that only orders recounts.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { EntityKind } from '#release/release.js';
import { batchWrite } from '#table/aws/dynamodb-batch.js';
import {
  entityKey,
  entityMonthKey,
  entityMonthPartition,
  type ListItem,
  listItemSummary,
  listPartition,
  type StoredListItem,
  type TableKey,
} from '#table/table-layout.js';
import type { EntityFigureStore, ListItemStore } from '../project-release-changes.js';
import type { EntityMonth } from '../projection.js';

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

type Figures = Record<string, string | number>;

/**
 * Entity figures by recount, in one conditional write when no other recount of the item runs at
 * the same time, and in a version-ordered protocol when one does:
 *
 * - **Optimistic:** read the item's `ver` (consistent), count, then write the figures with `ver`
 *   and `settledVer` set to `ver + 1`, on condition that `ver` is still what was read. Landing
 *   means no version was claimed between the read and the write, so the count began after every
 *   recount that claimed a lower version.
 * - **Contended** (the condition failed): claim a version by bumping `ver` (an unconditional ADD,
 *   which DynamoDB applies one at a time per item), count again, and write only if no recount with
 *   a higher version has landed (`settledVer`). A recount that claimed later started counting
 *   later, so the last one to land is right; one that loses the guard has nothing to retry.
 *
 * Either way every version is claimed once and the highest one to land counted after every list
 * write that preceded the recount its projector started: see docs/data-model.md. Months are
 * recounted before the entity that sums them, by the same projector, so the entity's last recount
 * sees every month's last result.
 */
export class DynamoEntityFigures implements EntityFigureStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Told when an optimistic write lost to a concurrent recount (for metrics and tests). */
    private readonly onContended?: () => void,
  ) {}

  recountMonth({ kind, slug, month }: EntityMonth): Promise<void> {
    return this.recount(entityMonthKey(kind, slug, month), async () => {
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
      return { count };
    });
  }

  recountEntity(kind: EntityKind, slug: string): Promise<void> {
    return this.recount(entityKey(kind, slug), async (): Promise<Figures> => {
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
      const newest = Items?.[0] ? listItemSummary(Items[0] as StoredListItem) : undefined;
      const ref =
        newest && (kind === 'minister' ? newest.ministers : newest.portfolios).find((r) => r.slug === slug);
      return ref && newest ? { count, name: ref.name, latestDate: newest.date } : { count };
    });
  }

  private async recount(key: TableKey, count: () => Promise<Figures>): Promise<void> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: '#ver',
        ExpressionAttributeNames: { '#ver': 'ver' },
      }),
    );
    const read = Item?.ver === undefined ? undefined : Number(Item.ver);
    if (await this.writeIfUnclaimed(key, read, await count())) return;
    this.onContended?.();
    const ver = await this.claim(key);
    await this.settle(key, ver, await count());
  }

  /** The optimistic write: lands only if no version was claimed since `read`. */
  private async writeIfUnclaimed(
    key: TableKey,
    read: number | undefined,
    figures: Figures,
  ): Promise<boolean> {
    const next = (read ?? 0) + 1;
    const { names, values, sets } = assignments(figures, { ver: next, settledVer: next });
    if (read !== undefined) values[':read'] = read;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: read === undefined ? 'attribute_not_exists(#ver)' : '#ver = :read',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async claim(key: TableKey): Promise<number> {
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

  private async settle(key: TableKey, ver: number, figures: Figures): Promise<void> {
    const { names, values, sets } = assignments(figures, { settledVer: ver });
    values[':ver'] = ver;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(#settledVer) OR #settledVer < :ver',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // A recount that claimed a later version has landed: its figures are at least as new as ours.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** `SET` clauses with placeholders for every attribute written. */
function assignments(
  figures: Figures,
  versions: Record<string, number>,
): { names: Record<string, string>; values: Record<string, unknown>; sets: string[] } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [name, value] of Object.entries({ ...figures, ...versions })) {
    names[`#${name}`] = name;
    values[`:${name}`] = value;
    sets.push(`#${name} = :${name}`);
  }
  return { names, values, sets };
}

function entityListPartition(kind: EntityKind, slug: string): string {
  return listPartition(kind === 'minister' ? { kind, minister: slug } : { kind, portfolio: slug });
}
