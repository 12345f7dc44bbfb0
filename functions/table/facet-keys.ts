/**
 * Where the facet aggregates live (docs/data-model.md, "Facets"): per scope (every release, one
 * minister's, one portfolio's) and per month, the number of releases and the counts of each
 * minister and portfolio among them; the same per year; and, for every release, the same per day
 * (for months cut by a `from`/`to` range). All are recounted by the projector.
 */
import type { EntityKind } from '#release/release.js';
import { listPartition, type TableKey } from './table-layout.js';

/** What facet aggregates are counted over: every release, or one minister's or portfolio's. */
export type FacetScope = { kind: 'all' } | { kind: EntityKind; slug: string };

/** `all`, `minister#<slug>` or `portfolio#<slug>`: the part of an aggregate's key naming its scope. */
export function facetScopeId(scope: FacetScope): string {
  return scope.kind === 'all' ? 'all' : `${scope.kind}#${scope.slug}`;
}

/**
 * A scope's month (`YYYY-MM`): `count`, `m` and `p` (slug -> releases). For a minister or a
 * portfolio this is the entity month item (`EM#<kind>#<slug>`) its total is summed from.
 */
export function facetMonthPartition(scope: FacetScope): string {
  return `EM#${facetScopeId(scope)}`;
}

/**
 * Every release's figures by day (`YYYY-MM-DD`): `count`, `m` and `p`, read only for a month a
 * range cuts, and summed into the month's. Only the `all` scope keeps them: one minister's or
 * portfolio's cut month reads its few list items instead (see {@link keepsDays}).
 */
export function facetDaysPartition(scope: FacetScope): string {
  return `ED#${facetScopeId(scope)}`;
}

/**
 * Whether a scope keeps day items. Every release's month is too large to read for a cut month
 * (about 1,400 list items at 500,000 releases), and its month item is summed from its days so that
 * a change recounts one day's list items and rewrites one small day item. A minister's or a
 * portfolio's month holds a few dozen releases at most: it is recounted from its list items, and
 * its day items would cost a write per change for nothing.
 */
export function keepsDays(scope: FacetScope): boolean {
  return scope.kind === 'all';
}

/** A scope's year (`YYYY`): `count`, `m`, `p`, and `months` (`MM` -> releases). */
export function facetYearPartition(scope: FacetScope): string {
  return `EY#${facetScopeId(scope)}`;
}

export function facetMonthKey(scope: FacetScope, month: string): TableKey {
  return { pk: facetMonthPartition(scope), sk: month };
}

/** A day's item (`day`: `YYYY-MM-DD`). */
export function facetDaysKey(scope: FacetScope, day: string): TableKey {
  return { pk: facetDaysPartition(scope), sk: day };
}

export function facetYearKey(scope: FacetScope, year: string): TableKey {
  return { pk: facetYearPartition(scope), sk: year };
}

/** The list partition a scope's figures are counted from. */
export function facetListPartition(scope: FacetScope): string {
  switch (scope.kind) {
    case 'all':
      return listPartition({ kind: 'all' });
    case 'minister':
      return listPartition({ kind: 'minister', minister: scope.slug });
    case 'portfolio':
      return listPartition({ kind: 'portfolio', portfolio: scope.slug });
  }
}
