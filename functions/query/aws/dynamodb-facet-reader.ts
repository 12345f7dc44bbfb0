/**
 * Adapter: the facet aggregates the projector recounts (table/facet-keys.ts), read with one
 * `Query` per range of years, of months, and of the days of a cut month (query/facets.ts plans
 * which). Eventually consistent, like every other read of the API.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoReads } from '#table/aws/dynamodb-reads.js';
import {
  addRelease,
  emptyFigures,
  type PeriodFigures,
  type SlugCounts,
  sumOfStored,
} from '#table/facet-figures.js';
import {
  type FacetScope,
  facetDaysPartition,
  facetListPartition,
  facetMonthPartition,
  facetYearPartition,
  keepsDays,
} from '#table/facet-keys.js';
import { listItemSummary, type StoredListItem } from '#table/table-layout.js';
import type { FacetAggregate, FacetAggregateReader } from '../query-facets.js';

function counts(value: unknown): SlugCounts {
  return value && typeof value === 'object' ? (value as SlugCounts) : {};
}

function figuresOf(item: Record<string, unknown>): PeriodFigures {
  return { count: Number(item.count ?? 0), m: counts(item.m), p: counts(item.p) };
}

export class DynamoFacetReader extends DynamoReads implements FacetAggregateReader {
  async years(scope: FacetScope, first: string, last: string): Promise<FacetAggregate[]> {
    const items = await this.queryRange(facetYearPartition(scope), first, last);
    return items.map((item) => {
      const months: Record<string, number> = {};
      for (const [mm, n] of Object.entries(counts(item.months))) months[`${item.sk}-${mm}`] = Number(n);
      return { figures: figuresOf(item), months, overflow: item.overflow === true };
    });
  }

  async months(scope: FacetScope, first: string, last: string): Promise<FacetAggregate[]> {
    const items = await this.queryRange(facetMonthPartition(scope), first, last);
    return items.map((item) => ({
      figures: figuresOf(item),
      months: { [String(item.sk)]: Number(item.count ?? 0) },
      overflow: item.overflow === true,
    }));
  }

  /**
   * Days `first` to `last` (`DD`) of a month a range cuts: every release's from its day items, a
   * minister's or a portfolio's from its list items (a few dozen at most; see `keepsDays`).
   */
  async days(scope: FacetScope, month: string, first: string, last: string): Promise<FacetAggregate> {
    const from = `${month}-${first}`;
    const to = `${month}-${last}`;
    if (keepsDays(scope)) {
      const figures = sumOfStored(await this.queryRange(facetDaysPartition(scope), from, to));
      return {
        figures: { count: figures.count, m: figures.m, p: figures.p },
        months: { [month]: figures.count },
        overflow: 'overflow' in figures,
      };
    }
    // A list item's sort key is `<date>#<id>`, and `#` sorts before `~`.
    const listed = await this.queryRange(facetListPartition(scope), from, `${to}~`);
    const figures = emptyFigures();
    for (const item of listed) addRelease(figures, listItemSummary(item as unknown as StoredListItem));
    return { figures, months: { [month]: figures.count }, overflow: false };
  }

  private async queryRange(pk: string, first: string, last: string): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :last',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': pk, ':first': first, ':last': last },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          ...this.capacityRequest,
        }),
      );
      this.record(output.ConsumedCapacity);
      items.push(...((output.Items ?? []) as Array<Record<string, unknown>>));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
