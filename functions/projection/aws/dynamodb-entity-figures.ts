/**
 * Adapter: the projector's entity figures on DynamoDB (projector use case -> this -> table):
 * months, days, years and entities recounted from what they sum, and written under a version
 * guard that only orders recounts.
 */
import { type DynamoDBDocumentClient, paginateQuery, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { runLimited } from '#platform/run-limited.js';
import type { EntityKind, ReleaseSummary } from '#release/release.js';
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
import { entityKey, listItemSummary, type StoredListItem } from '#table/table-layout.js';
import type { EntityFigureStore, EntityId, EntityYear } from '../project-release-changes.js';
import { type EntityMonth, type Newest, newestOf, scopeOf } from '../projection.js';
import {
  CONCURRENCY,
  type Figures,
  type Recount,
  type SharedReads,
  VersionedRecounts,
} from './versioned-recounts.js';

/**
 * Entity figures by recount: each item counted from what it sums and written under the version
 * protocol of versioned-recounts.ts. Months are recounted before the years and entities that sum
 * them, by the same projector, so their last recount sees every month's last result.
 */
export class DynamoEntityFigures implements EntityFigureStore {
  private readonly recounts: VersionedRecounts;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Told when an optimistic write lost to a concurrent recount (for metrics and tests). */
    onContended?: () => void,
  ) {
    this.recounts = new VersionedRecounts(doc, tableName, onContended);
  }

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
    await this.recounts.recountAll(days);
    await this.recounts.recountAll(
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
    return this.recounts.recountAll(years.map((entity) => this.yearRecount(scopeOf(entity), entity.year)));
  }

  private yearRecount(scope: FacetScope, year: string, shared?: MonthReader): Recount {
    const read = () => this.monthItems(scope, { first: `${year}-01`, last: `${year}-12` });
    return {
      key: facetYearKey(scope, year),
      count: async () => yearOf(await read(), year),
      ...(shared ? { countShared: async (reads) => yearOf(await shared(reads), year) } : {}),
    };
  }

  /** Sums entities' months and takes each one's name and latest date from its newest release. */
  recountEntities(entities: readonly EntityId[]): Promise<void> {
    return this.recounts.recountAll(entities.map(({ kind, slug }) => this.entityRecount(kind, slug)));
  }

  /**
   * Recounts years and entities (after their months) with one read of each entity's months for
   * its years and itself: a minister's or portfolio's years and entity item sum the same month
   * partition. Every release's years are recounted as `recountYears` does.
   */
  recountYearsAndEntities(years: readonly EntityYear[], entities: readonly EntityId[]): Promise<void> {
    const recounts: Recount[] = [];
    const entityIds = new Set(entities.map(({ kind, slug }) => `${kind}#${slug}`));
    for (const { kind, slug } of entities) {
      const scope = { kind, slug };
      const shared: MonthReader = (reads) => reads.once(`${kind}#${slug}`, () => this.monthItems(scope));
      for (const y of years)
        if (y.kind === kind && y.slug === slug) recounts.push(this.yearRecount(scope, y.year, shared));
      recounts.push(this.entityRecount(kind, slug, shared));
    }
    for (const y of years)
      if (!entityIds.has(`${y.kind}#${y.slug}`)) recounts.push(this.yearRecount(scopeOf(y), y.year));
    return this.recounts.recountAll(recounts);
  }

  private entityRecount(kind: EntityKind, slug: string, shared?: MonthReader): Recount {
    const sum = async (months: readonly MonthItem[]): Promise<Figures> => {
      const { count, newest } = entityOf(months);
      // A month recounted before months kept their newest release, or no month with releases
      // (the entity's last one went, or its months are not counted yet): ask the list partition.
      const named = newest ?? (await this.newestListed(kind, slug));
      return named ? { count, ...named } : { count };
    };
    return {
      key: entityKey(kind, slug),
      count: async () => sum(await this.monthItems({ kind, slug })),
      ...(shared ? { countShared: async (reads) => sum(await shared(reads)) } : {}),
    };
  }

  /** A scope's month items (all of them, or those from `first` to `last`), read consistently. */
  private async monthItems(scope: FacetScope, range?: { first: string; last: string }): Promise<MonthItem[]> {
    const items: MonthItem[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: range ? '#pk = :pk AND #sk BETWEEN :first AND :last' : '#pk = :pk',
        ExpressionAttributeNames: range ? { '#pk': 'pk', '#sk': 'sk' } : { '#pk': 'pk' },
        ExpressionAttributeValues: {
          ':pk': facetMonthPartition(scope),
          ...(range ? { ':first': range.first, ':last': range.last } : {}),
        },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...((page.Items ?? []) as MonthItem[]));
    return items;
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
}

function storedFigures(figures: PeriodFigures & { months?: Record<string, number> }): Figures {
  const { count, m, p } = figures;
  return storedAggregate({ count, m, p, ...(figures.months ? { months: figures.months } : {}) });
}

type MonthItem = Record<string, unknown>;
/** A scope's month items, read once for the recounts of a group that share them. */
type MonthReader = (reads: SharedReads) => Promise<MonthItem[]>;

/** A year's figures from its scope's month items (others are skipped). */
function yearOf(items: readonly MonthItem[], year: string): Figures {
  const months: Array<[string, PeriodFigures]> = [];
  let overflow = false;
  for (const item of items) {
    const month = String(item.sk);
    if (month.slice(0, 4) !== year) continue;
    if (item.overflow === true) overflow = true;
    months.push([month, storedPeriodFigures(item)]);
  }
  const figures = yearFigures(months);
  return overflow ? { ...storedFigures(figures), overflow: true } : storedFigures(figures);
}

/**
 * An entity's count from its month items (in month order), and its name and latest date from the
 * last month with releases, if that month holds them.
 */
function entityOf(items: readonly MonthItem[]): { count: number; newest: Newest | undefined } {
  let count = 0;
  let newest: Newest | undefined;
  for (const item of items) {
    if (Number(item.count ?? 0) === 0) continue;
    count += Number(item.count);
    newest =
      typeof item.latestDate === 'string' && typeof item.name === 'string'
        ? { latestDate: item.latestDate, name: item.name }
        : undefined;
  }
  return { count, newest };
}
