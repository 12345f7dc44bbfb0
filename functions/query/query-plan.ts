/**
 * The query planner: picks the list partition that holds exactly the releases matching the
 * minister/portfolio filters (all, one minister, one portfolio, or one pair) and the sort-key
 * range for `from`/`to`, so a page without `q` reads only the items it returns.
 */

import { ministerSlug, portfolioSlug } from '#release/slug.js';
import type { ListScope } from '#table/table-layout.js';
import type { ReleasesParams } from './query-params.js';
import { DEFAULT_LIMIT } from './query-params.js';
import { parseTextQuery, type TextQuery } from './query-text.js';

/** Inclusive bounds on the list sort key `date#id`; absent means open. */
export interface SortKeyRange {
  lower?: string;
  upper?: string;
}

export interface ReleasesPlan {
  scope: ListScope;
  range: SortKeyRange;
  text?: TextQuery;
  limit: number;
  cursor?: string;
  /** The normalised query the cursor is bound to: what selects the releases, not the page size. */
  identity: {
    route: 'releases';
    scope: ListScope;
    from: string | null;
    to: string | null;
    text: TextQuery | null;
  };
}

/** Above every character an id can hold, so `<to>#\uffff` includes every id of the day `to`. */
const AFTER_ANY_ID = '\uffff';

export function planReleasesQuery(params: ReleasesParams): ReleasesPlan {
  const minister = params.minister === undefined ? undefined : ministerSlug(params.minister);
  const portfolio = params.portfolio === undefined ? undefined : portfolioSlug(params.portfolio);
  let scope: ListScope;
  if (minister !== undefined && portfolio !== undefined)
    scope = { kind: 'minister-portfolio', minister, portfolio };
  else if (minister !== undefined) scope = { kind: 'minister', minister };
  else if (portfolio !== undefined) scope = { kind: 'portfolio', portfolio };
  else scope = { kind: 'all' };

  const range: SortKeyRange = {};
  if (params.from !== undefined) range.lower = params.from;
  if (params.to !== undefined) range.upper = `${params.to}#${AFTER_ANY_ID}`;

  const text = params.q === undefined ? undefined : parseTextQuery(params.q);
  return {
    scope,
    range,
    ...(text ? { text } : {}),
    limit: params.limit ?? DEFAULT_LIMIT,
    ...(params.cursor !== undefined ? { cursor: params.cursor } : {}),
    identity: {
      route: 'releases',
      scope,
      from: params.from ?? null,
      to: params.to ?? null,
      text: text ?? null,
    },
  };
}
