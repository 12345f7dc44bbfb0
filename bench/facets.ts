/**
 * `GET /facets` measured: the read units one request consumed, for the shapes the aggregates
 * answer (no filter, a minister or a portfolio, ranges that cut months and years, by month) and,
 * reported beside, one counted from the matches (`q`). The target holds the first kind.
 */
import type { EntityTally } from './corpus-items.js';
import { round, sum } from './stats.js';

export interface FacetFigures {
  path: string;
  status: number;
  readUnits: number;
  /** Answered from the aggregates (no `q`, at most one entity filter). */
  aggregated: boolean;
  exact: boolean;
}

/** The request shapes, from the corpus's busiest minister and portfolio and a common word. */
export function facetPaths(
  tally: EntityTally,
  word: string | undefined,
): Array<{ path: string; aggregated: boolean }> {
  const minister = tally.ranked('minister')[0]?.slug;
  const portfolio = tally.ranked('portfolio')[0]?.slug;
  const aggregated = [
    '/facets',
    '/facets?interval=month',
    '/facets?from=2009-03-17&to=2024-10-09',
    '/facets?from=2001-01-15&to=2025-06-14&interval=month&size=100',
    ...(minister ? [`/facets?minister=${minister}&from=2011-02-03&to=2023-11-29&interval=month`] : []),
    ...(portfolio ? [`/facets?portfolio=${portfolio}&from=2015-07-07&to=2015-07-30`] : []),
  ];
  const counted = [
    ...(word ? [`/facets?q=${encodeURIComponent(word)}`] : []),
    ...(minister && portfolio ? [`/facets?minister=${minister}&portfolio=${portfolio}`] : []),
  ];
  return [
    ...aggregated.map((path) => ({ path, aggregated: true })),
    ...counted.map((path) => ({ path, aggregated: false })),
  ];
}

/** Each path once, with the read units its request consumed. */
export async function measureFacets(
  get: (path: string) => Promise<{ statusCode?: number; body?: string }>,
  readings: () => number[],
  paths: ReadonlyArray<{ path: string; aggregated: boolean }>,
): Promise<FacetFigures[]> {
  const out: FacetFigures[] = [];
  for (const { path, aggregated } of paths) {
    const before = readings().length;
    const result = await get(path);
    const body = JSON.parse(result.body ?? '{}') as { exact?: boolean };
    out.push({
      path,
      status: result.statusCode ?? 0,
      readUnits: round(sum(readings().slice(before)), 1),
      aggregated,
      exact: body.exact === true,
    });
  }
  return out;
}
