/**
 * `GET /facets`: how many releases match the filters of `/releases`, by minister, portfolio and
 * period. Without `q`, and with at most one of `minister` and `portfolio`, it adds up the
 * aggregates the projector recounts (a number of items that grows with the years in range, never
 * with the releases). Otherwise it counts the matches themselves, page by page through the same
 * query as `/releases`: exactly up to FACET_MATCH_BOUND matches, and over the newest that many
 * (`exact: false`) beyond.
 */

import { BadParameterError } from '#platform/errors.js';
import type { EntityKind } from '#release/release.js';
import { ministerSlug, portfolioSlug, withoutHonorific } from '#release/slug.js';
import { RequestBudget } from '#search/budget.js';
import {
  addFigures,
  addRelease,
  emptyFigures,
  type PeriodFigures,
  subtractFigures,
} from '#table/facet-figures.js';
import { type FacetScope, keepsDays } from '#table/facet-keys.js';
import {
  type CutMonth,
  type FacetInterval,
  type FacetPeriod,
  FacetTally,
  type FacetValues,
  facetReads,
  MAX_FACET_PERIODS,
  periodsInRange,
  topValues,
} from './facets.js';
import { FACETS_DEFAULT_SIZE, type FacetsParams, facetsParamsSchema, parseParams } from './query-params.js';
import { listReleases, type QueryContext } from './query-releases.js';

/** Matches counted at most when aggregates cannot answer (5 pages of `/releases` at 100). */
export const FACET_MATCH_BOUND = 500;
const MATCH_PAGE = 100;
/** Pages read at most (a `q` page cut short by its budget may hold fewer than asked). */
const MAX_MATCH_PAGES = 10;

/** Figures of one aggregate item, with releases per month (`YYYY-MM`) it covers. */
export interface FacetAggregate {
  figures: PeriodFigures;
  months: Record<string, number>;
  /** The item holds its count only: too many values for one item. */
  overflow: boolean;
}

/** The read port of the aggregates (DynamoDB: aws/dynamodb-facet-reader.ts). */
export interface FacetAggregateReader {
  years(scope: FacetScope, first: string, last: string): Promise<FacetAggregate[]>;
  months(scope: FacetScope, first: string, last: string): Promise<FacetAggregate[]>;
  days(scope: FacetScope, month: string, first: string, last: string): Promise<FacetAggregate>;
}

export interface FacetsResult {
  total: number;
  /** False when counted over the newest `bound` matches only. */
  exact: boolean;
  bound?: number;
  interval: FacetInterval;
  ministers: FacetValues;
  portfolios: FacetValues;
  periods: FacetPeriod[];
}

export async function getFacets(
  ctx: QueryContext,
  aggregates: FacetAggregateReader,
  rawParams: Record<string, string>,
): Promise<FacetsResult> {
  const params = parseParams(facetsParamsSchema, rawParams);
  const scope = scopeOf(params);
  const counted =
    (scope && (await fromAggregates(aggregates, scope, params))) ?? (await fromMatches(ctx, rawParams));
  const interval = params.interval ?? 'year';
  const size = params.size ?? FACETS_DEFAULT_SIZE;
  const { total } = counted.tally;
  const periods = periodsInRange(counted.tally.perMonth, interval, params.from, params.to);
  if (periods === undefined) {
    const name = params.from !== undefined ? 'from' : params.to !== undefined ? 'to' : 'interval';
    throw BadParameterError.of(
      name,
      `Query parameter "${name}" gives a range of more than ${MAX_FACET_PERIODS} periods of a ${interval}; narrow the dates or use interval=year.`,
    );
  }
  const [ministerNames, portfolioNames] = await Promise.all([
    namesFor(ctx, 'minister', total.m, size, counted.seenNames.minister),
    namesFor(ctx, 'portfolio', total.p, size, counted.seenNames.portfolio),
  ]);
  return {
    total: total.count,
    exact: counted.exact,
    ...(counted.exact ? {} : { bound: counted.counted }),
    interval,
    ministers: topValues(total.m, ministerNames, size, withoutHonorific),
    portfolios: topValues(total.p, portfolioNames, size),
    periods,
  };
}

interface Counted {
  tally: FacetTally;
  exact: boolean;
  /** Matches counted (with exact false: fewer than match). */
  counted: number;
  /** Names of the values the matches carried (from matches only: then every value counted). */
  seenNames: Record<EntityKind, Map<string, string>>;
}

/** The aggregates' scope for these filters, or undefined when they cannot answer. */
function scopeOf(params: FacetsParams): FacetScope | undefined {
  if (params.q !== undefined) return undefined;
  if (params.minister !== undefined && params.portfolio !== undefined) return undefined;
  if (params.minister !== undefined) return { kind: 'minister', slug: ministerSlug(params.minister) };
  if (params.portfolio !== undefined) return { kind: 'portfolio', slug: portfolioSlug(params.portfolio) };
  return { kind: 'all' };
}

async function fromAggregates(
  reader: FacetAggregateReader,
  scope: FacetScope,
  params: FacetsParams,
): Promise<Counted | undefined> {
  // Every release's cut months are read by their day items; others' days are list items.
  const reads = facetReads(params.from, params.to, !keepsDays(scope));
  const parts = await Promise.all([
    reads.years ? reader.years(scope, ...reads.years) : Promise.resolve([]),
    ...reads.months.map(([first, last]) => reader.months(scope, first, last)),
    ...reads.days.map(async (cut) => [await cutMonthAggregate(reader, scope, cut)]),
  ]);
  const tally = new FacetTally();
  for (const aggregate of parts.flat()) {
    // A period with more values than an item holds: count the matches instead.
    if (aggregate.overflow) return undefined;
    tally.add(aggregate.figures, aggregate.months);
  }
  return {
    tally,
    exact: true,
    counted: tally.total.count,
    seenNames: { minister: new Map(), portfolio: new Map() },
  };
}

/**
 * A month the range cuts: its days in range, or its whole less the days outside (when those are
 * fewer). A whole or a part that kept only its count is read by the days in range instead.
 */
async function cutMonthAggregate(
  reader: FacetAggregateReader,
  scope: FacetScope,
  { month, first, last, outside }: CutMonth,
): Promise<FacetAggregate> {
  const inRange = () => reader.days(scope, month, first, last);
  if (!outside) return inRange();
  const [wholes, ...parts] = await Promise.all([
    reader.months(scope, month, month),
    ...outside.map(([from, to]) => reader.days(scope, month, from, to)),
  ]);
  const [whole] = wholes;
  if (!whole) return { figures: emptyFigures(), months: {}, overflow: false };
  if (whole.overflow || parts.some((part) => part.overflow)) return inRange();
  const figures = emptyFigures();
  addFigures(figures, whole.figures);
  for (const part of parts) subtractFigures(figures, part.figures);
  return { figures, months: { [month]: figures.count }, overflow: false };
}

async function fromMatches(ctx: QueryContext, rawParams: Record<string, string>): Promise<Counted> {
  const { interval: _interval, size: _size, ...filters } = rawParams;
  // One `q` budget for all the pages, not one per page.
  const budget = new RequestBudget(ctx.meter, ctx.textBudget, ctx.now);
  const tally = new FacetTally();
  const seenNames: Counted['seenNames'] = { minister: new Map(), portfolio: new Map() };
  let cursor: string | undefined;
  let counted = 0;
  let pages = 0;
  do {
    pages += 1;
    const page = await listReleases(
      ctx,
      {
        ...filters,
        limit: String(Math.min(MATCH_PAGE, FACET_MATCH_BOUND - counted)),
        ...(cursor ? { cursor } : {}),
      },
      budget,
    );
    for (const summary of page.items) {
      const one: PeriodFigures = emptyFigures();
      addRelease(one, summary);
      tally.add(one, { [summary.date.slice(0, 7)]: 1 });
      for (const { slug, name } of summary.ministers) seenNames.minister.set(slug, name);
      for (const { slug, name } of summary.portfolios) seenNames.portfolio.set(slug, name);
    }
    counted += page.items.length;
    cursor = page.nextCursor ?? undefined;
    budget.resumed = true;
  } while (cursor && counted < FACET_MATCH_BOUND && pages < MAX_MATCH_PAGES && budget.allows(1, 0));
  return { tally, exact: cursor === undefined, counted, seenNames };
}

/**
 * Names of the values that the top `size` can hold: those counted at least as often as the
 * `size`-th (ties are ordered by name). Values the matches named need no read; the rest are read
 * by key, so the cost grows with `size`, not with the number of ministers or portfolios.
 */
async function namesFor(
  ctx: QueryContext,
  kind: EntityKind,
  counts: Record<string, number>,
  size: number,
  seen: ReadonlyMap<string, string>,
): Promise<Map<string, string>> {
  const byCount = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1]);
  const cutoff = byCount.length > size ? (byCount[size - 1]?.[1] ?? 0) : 0;
  const wanted = byCount.filter(([, count]) => count >= cutoff && count > 0).map(([slug]) => slug);
  const names = new Map<string, string>();
  const unknown: string[] = [];
  for (const slug of wanted) {
    const name = seen.get(slug);
    if (name === undefined) unknown.push(slug);
    else names.set(slug, name);
  }
  if (unknown.length > 0)
    for (const [slug, name] of await ctx.reader.entityNames(kind, unknown)) names.set(slug, name);
  return names;
}
