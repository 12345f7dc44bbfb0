/**
 * Adapter: the facet aggregates the projector recounts (table/facet-keys.ts), read with one
 * `Query` per range of years or months and one `GetItem` per cut month (query/facets.ts plans
 * which). Eventually consistent, like every other read of the API.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoReads } from '#table/aws/dynamodb-reads.js';
import { emptyFigures, type PeriodFigures, type SlugCounts } from '#table/facet-figures.js';
import { type FacetScope, facetDaysKey, facetMonthPartition, facetYearPartition } from '#table/facet-keys.js';
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

  async days(scope: FacetScope, month: string, first: string, last: string): Promise<FacetAggregate> {
    const output = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: facetDaysKey(scope, month), ...this.capacityRequest }),
    );
    this.record(output.ConsumedCapacity);
    const figures = emptyFigures();
    const days = counts(output.Item?.d) as unknown as Record<string, Record<string, unknown>>;
    for (const [day, value] of Object.entries(days)) {
      if (day < first || day > last) continue;
      const dayFigures = figuresOf(value);
      figures.count += dayFigures.count;
      for (const [slug, n] of Object.entries(dayFigures.m)) figures.m[slug] = (figures.m[slug] ?? 0) + n;
      for (const [slug, n] of Object.entries(dayFigures.p)) figures.p[slug] = (figures.p[slug] ?? 0) + n;
    }
    return { figures, months: { [month]: figures.count }, overflow: output.Item?.overflow === true };
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
