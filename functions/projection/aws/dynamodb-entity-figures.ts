/**
 * Adapter: the projector's entity figures on DynamoDB (projector use case -> this -> table):
 * months, days, years and entities recounted from what they sum, and written under a version
 * guard that only orders recounts.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { runLimited } from '#platform/run-limited.js';
import type { EntityKind, ReleaseSummary } from '#release/release.js';
import { batchGet } from '#table/aws/dynamodb-batch.js';
import {
  addRelease,
  emptyFigures,
  monthFigures,
  type PeriodFigures,
  storedFigures as storedAggregate,
  storedPeriodFigures,
  sumOfStored,
  yearFigures,
} from '#table/facet-figures.js';
import {
  type FacetScope,
  facetDaysKey,
  facetDaysPartition,
  facetListPartition,
  facetMonthKey,
  facetMonthPartition,
  facetYearKey,
  keepsDays,
} from '#table/facet-keys.js';
import {
  entityKey,
  entityMonthPartition,
  listItemSummary,
  type StoredListItem,
  type TableKey,
} from '#table/table-layout.js';
import type { EntityFigureStore, EntityId, EntityYear } from '../project-release-changes.js';
import { type EntityMonth, type Newest, newestOf, scopeOf } from '../projection.js';

type Figures = Record<string, unknown>;

/** An item to recount and how to count it. */
interface Recount {
  key: TableKey;
  count: () => Promise<Figures>;
}

/** Recounts (and their reads) in flight at once. */
const CONCURRENCY = 8;
/** Items whose versions are read together: two rounds of recounts. */
const GROUP = 2 * CONCURRENCY;

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
   * Recounts months (`EM#`): a minister's or a portfolio's from its list items; every release's
   * from its day items (`ED#all`), after recounting the days the change touched from their list
   * items (every day of the month when the caller does not say which: a repair).
   */
  async recountMonths(months: readonly EntityMonth[]): Promise<void> {
    const days: Recount[] = [];
    await runLimited(
      months.filter((entity) => keepsDays(scopeOf(entity))),
      CONCURRENCY,
      async (entity) => {
        const scope = scopeOf(entity);
        for (const day of entity.days ?? (await this.daysOf(scope, entity.month)))
          days.push(this.dayRecount(scope, `${entity.month}-${day}`));
      },
    );
    await this.recountAll(days);
    await this.recountAll(
      months.map((entity) => {
        const scope = scopeOf(entity);
        const key = facetMonthKey(scope, entity.month);
        return keepsDays(scope)
          ? { key, count: async () => ({ ...sumOfStored(await this.dayItems(scope, entity.month)) }) }
          : {
              key,
              count: async () => {
                const listed = await this.listed(scope, `${entity.month}-`);
                return { ...storedFigures(monthFigures(listed)), ...newestOf(listed, entity) };
              },
            };
      }),
    );
  }

  /** One day's item, recounted from the day's list items. */
  private dayRecount(scope: FacetScope, day: string): Recount {
    return {
      key: facetDaysKey(scope, day),
      count: async () => {
        const figures = emptyFigures();
        for (const entry of await this.listed(scope, `${day}#`)) addRelease(figures, entry);
        return storedFigures(figures);
      },
    };
  }

  /** Every day of a month that has list items or a day item (`DD`), for a whole recount. */
  private async daysOf(scope: FacetScope, month: string): Promise<string[]> {
    const days = new Set((await this.listed(scope, `${month}-`)).map((entry) => entry.date.slice(8, 10)));
    for (const item of await this.dayItems(scope, month)) days.add(String(item.sk).slice(8, 10));
    return [...days].sort();
  }

  /** A scope's list entries whose sort key begins with `prefix`, read consistently. */
  private async listed(scope: FacetScope, prefix: string): Promise<ReleaseSummary[]> {
    const summaries: ReleaseSummary[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': facetListPartition(scope), ':prefix': prefix },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) summaries.push(listItemSummary(item as StoredListItem));
    }
    return summaries;
  }

  /** A month's day items, read consistently. */
  private async dayItems(scope: FacetScope, month: string): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :month)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': facetDaysPartition(scope), ':month': `${month}-` },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  }

  /** Recounts years of scopes from their months (after those months were recounted). */
  recountYears(years: readonly EntityYear[]): Promise<void> {
    return this.recountAll(years.map((entity) => this.yearRecount(scopeOf(entity), entity.year)));
  }

  private yearRecount(scope: FacetScope, year: string): Recount {
    return {
      key: facetYearKey(scope, year),
      count: async () => {
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
      },
    };
  }

  /** Sums entities' months and takes each one's name and latest date from its newest release. */
  recountEntities(entities: readonly EntityId[]): Promise<void> {
    return this.recountAll(entities.map(({ kind, slug }) => this.entityRecount(kind, slug)));
  }

  private entityRecount(kind: EntityKind, slug: string): Recount {
    return {
      key: entityKey(kind, slug),
      count: async (): Promise<Figures> => {
        let count = 0;
        let newest: Newest | undefined;
        let known = true;
        const pages = paginateQuery(
          { client: this.doc },
          {
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: {
              '#pk': 'pk',
              '#count': 'count',
              '#latest': 'latestDate',
              '#name': 'name',
            },
            ExpressionAttributeValues: { ':pk': entityMonthPartition(kind, slug) },
            ProjectionExpression: '#count, #latest, #name',
            ConsistentRead: true,
          },
        );
        // Months in order: the last one with releases holds the newest release.
        for await (const page of pages) {
          for (const item of page.Items ?? []) {
            if (Number(item.count ?? 0) === 0) continue;
            count += Number(item.count);
            const stored = typeof item.latestDate === 'string' && typeof item.name === 'string';
            newest = stored ? { latestDate: String(item.latestDate), name: String(item.name) } : undefined;
            known = stored;
          }
        }
        // A month recounted before months kept their newest release, or no month with releases
        // (the entity's last one went, or its months are not counted yet): ask the list partition.
        if (!known || !newest) newest = await this.newestListed(kind, slug);
        return newest ? { count, ...newest } : { count };
      },
    };
  }

  /** An entity's name and latest date from the newest item of its list partition. */
  private async newestListed(kind: EntityKind, slug: string): Promise<Newest | undefined> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': facetListPartition({ kind, slug }) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = Items?.[0];
    return item ? newestOf([listItemSummary(item as StoredListItem)], { kind, slug }) : undefined;
  }

  /**
   * Recounts items under the version protocol above, a group at a time: the group's versions are
   * read together (a consistent `BatchGetItem`), then each item is counted and written. Small
   * groups keep each read close to its write, so that concurrent recounts of the same item (other
   * lanes of the stream) seldom make the optimistic write fail.
   */
  private async recountAll(recounts: readonly Recount[]): Promise<void> {
    const unique = [...new Map(recounts.map((r) => [`${r.key.pk}|${r.key.sk}`, r])).values()];
    for (let start = 0; start < unique.length; start += GROUP) {
      const group = unique.slice(start, start + GROUP);
      const read = new Map<string, number>();
      const found = await batchGet<TableKey & { ver?: number }>(
        this.doc,
        this.tableName,
        group.map((r) => r.key),
        {
          consistent: true,
          projection: '#pk, #sk, #ver',
          names: { '#pk': 'pk', '#sk': 'sk', '#ver': 'ver' },
        },
      );
      for (const item of found)
        if (item.ver !== undefined) read.set(`${item.pk}|${item.sk}`, Number(item.ver));
      await runLimited(group, CONCURRENCY, (r) =>
        this.recount(r.key, r.count, read.get(`${r.key.pk}|${r.key.sk}`)),
      );
    }
  }

  /** Recounts one item whose version was read as `read` (undefined: no version yet). */
  private async recount(
    key: TableKey,
    count: () => Promise<Figures>,
    read: number | undefined,
  ): Promise<void> {
    if (await this.writeIfUnclaimed(key, read, await count())) return;
    this.onContended?.();
    const ver = await this.claim(key);
    await this.settle(key, ver, await count());
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

function storedFigures(figures: PeriodFigures & { months?: Record<string, number> }): Figures {
  const { count, m, p } = figures;
  return storedAggregate({ count, m, p, ...(figures.months ? { months: figures.months } : {}) });
}
