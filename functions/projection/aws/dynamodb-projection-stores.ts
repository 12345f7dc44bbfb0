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
  FACET_MAX_BYTES,
  type MonthFigures,
  monthFigures,
  type PeriodFigures,
  storedFigures as storedAggregate,
  storedDays,
  storedPeriodFigures,
  yearFigures,
} from '#table/facet-figures.js';
import {
  type FacetScope,
  facetDaysKey,
  facetMonthKey,
  facetMonthPartition,
  facetYearKey,
} from '#table/facet-keys.js';
import {
  entityKey,
  entityMonthPartition,
  type ListItem,
  listItemSummary,
  listPartition,
  type StoredListItem,
  type TableKey,
} from '#table/table-layout.js';
import type { EntityFigureStore, ListItemStore } from '../project-release-changes.js';
import { type EntityMonth, scopeOf } from '../projection.js';

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

type Figures = Record<string, unknown>;

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

  /**
   * Recounts a month from its scope's list partition: its count and facet figures (`EM#`), then
   * the same by day (`ED#`), written only under the version the month's recount landed with, so
   * that the day item never goes back to an older recount's figures.
   */
  async recountMonth(entity: EntityMonth): Promise<void> {
    const scope = scopeOf(entity);
    let figures: MonthFigures | undefined;
    const landed = await this.recount(facetMonthKey(scope, entity.month), async () => {
      const summaries = [];
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :month)',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': scopeListPartition(scope), ':month': `${entity.month}-` },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) summaries.push(listItemSummary(item as StoredListItem));
      }
      figures = monthFigures(summaries);
      return storedFigures(figures);
    });
    if (landed === undefined || figures === undefined) return;
    await this.writeVersioned(facetDaysKey(scope, entity.month), landed, storedDays(figures.days));
  }

  /** Recounts a year of a scope from its months (after those months were recounted). */
  recountYear(entity: Pick<EntityMonth, 'kind' | 'slug'>, year: string): Promise<void> {
    const scope = scopeOf(entity);
    return this.recount(facetYearKey(scope, year), async () => {
      const months: Array<[string, PeriodFigures]> = [];
      let overflow = false;
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :last',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: {
            ':pk': facetMonthPartition(scope),
            ':first': `${year}-01`,
            ':last': `${year}-12`,
          },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          if (item.overflow === true) overflow = true;
          months.push([String(item.sk), storedPeriodFigures(item)]);
        }
      }
      const figures = yearFigures(months);
      return overflow ? { ...storedFigures(figures), overflow: true } : storedFigures(figures);
    }).then(() => undefined);
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
    }).then(() => undefined);
  }

  /** Recounts an item; the version its figures landed with, or undefined if a later recount's did. */
  private async recount(key: TableKey, count: () => Promise<Figures>): Promise<number | undefined> {
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
    if (await this.writeIfUnclaimed(key, read, await count())) return (read ?? 0) + 1;
    this.onContended?.();
    const ver = await this.claim(key);
    return (await this.settle(key, ver, await count())) ? ver : undefined;
  }

  /** Writes `figures` with version `ver` unless the item holds a later version's already. */
  private async writeVersioned(key: TableKey, ver: number, figures: Figures): Promise<void> {
    await this.setIf(key, figures, { ver }, 'attribute_not_exists(#ver) OR #ver < :ver');
  }

  /** The optimistic write: lands only if no version was claimed since `read`. */
  private writeIfUnclaimed(key: TableKey, read: number | undefined, figures: Figures): Promise<boolean> {
    const next = (read ?? 0) + 1;
    return read === undefined
      ? this.setIf(key, figures, { ver: next, settledVer: next }, 'attribute_not_exists(#ver)')
      : this.setIf(key, figures, { ver: next, settledVer: next }, '#ver = :read', { ':read': read });
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

  /** Lands the figures of claimed version `ver` unless a later claim's have landed. */
  private settle(key: TableKey, ver: number, figures: Figures): Promise<boolean> {
    // False: a recount that claimed a later version has landed, its figures at least as new as ours.
    return this.setIf(
      key,
      figures,
      { settledVer: ver },
      'attribute_not_exists(#settledVer) OR #settledVer < :ver',
      { ':ver': ver },
    );
  }

  /** `SET` the figures and versions on `condition`; false when the condition failed. */
  private async setIf(
    key: TableKey,
    figures: Figures,
    versions: Record<string, number>,
    condition: string,
    extraValues: Record<string, number> = {},
  ): Promise<boolean> {
    const { names, values, sets } = assignments(figures, versions);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ...extraValues },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
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

export { FACET_MAX_BYTES };

function storedFigures(figures: PeriodFigures & { months?: Record<string, number> }): Figures {
  const { count, m, p } = figures;
  return storedAggregate({ count, m, p, ...(figures.months ? { months: figures.months } : {}) });
}

function scopeListPartition(scope: FacetScope): string {
  return scope.kind === 'all' ? listPartition({ kind: 'all' }) : entityListPartition(scope.kind, scope.slug);
}

function entityListPartition(kind: EntityKind, slug: string): string {
  return listPartition(kind === 'minister' ? { kind, minister: slug } : { kind, portfolio: slug });
}
