/**
 * Where the facet aggregates live (docs/data-model.md, "Facets"): per scope (every release, one
 * minister's, one portfolio's) and per month, the number of releases and the counts of each
 * minister and portfolio among them; the same per year; and, for months cut by a `from`/`to`
 * range, the same per day. All are recounted by the projector from the scope's list partition.
 */
import type { EntityKind } from '#release/release.js';
import type { TableKey } from './table-layout.js';

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

/** The same month by day: `d` (`DD` -> `{ n, m, p }`), read only for a month a range cuts. */
export function facetDaysPartition(scope: FacetScope): string {
  return `ED#${facetScopeId(scope)}`;
}

/** A scope's year (`YYYY`): `count`, `m`, `p`, and `months` (`MM` -> releases). */
export function facetYearPartition(scope: FacetScope): string {
  return `EY#${facetScopeId(scope)}`;
}

export function facetMonthKey(scope: FacetScope, month: string): TableKey {
  return { pk: facetMonthPartition(scope), sk: month };
}

export function facetDaysKey(scope: FacetScope, month: string): TableKey {
  return { pk: facetDaysPartition(scope), sk: month };
}

export function facetYearKey(scope: FacetScope, year: string): TableKey {
  return { pk: facetYearPartition(scope), sk: year };
}
