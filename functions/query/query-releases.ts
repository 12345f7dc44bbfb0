/**
 * The query use cases behind every route: validate parameters, plan, read through the
 * `ReleaseReader` port, page with signed cursors. Pure of AWS; the handlers only wire it up.
 */

import { NotFoundError, TextSearchDisabledError } from '#platform/errors.js';
import type {
  EntityKind,
  EntitySummary,
  ProblemRecord,
  ReleaseSummary,
  StoredRelease,
} from '#release/release.js';
import { withoutHonorific } from '#release/slug.js';
import { RequestBudget } from '#search/budget.js';
import { indexSearchPage } from '#search/index-search.js';
import type { SearchIndexReader } from '#search/ports.js';
import { PrefixWalk } from '#search/prefix-progress.js';
import { compareNames } from './name-order.js';
import type { QueryContext, ReleasePage } from './query-context.js';
import {
  type CursorPosition,
  decodeCursor,
  decodePosition,
  encodeCursor,
  queryFingerprint,
} from './query-cursor.js';
import {
  DEFAULT_LIMIT,
  FEED_DEFAULT_LIMIT,
  noParamsSchema,
  parseParams,
  problemsParamsSchema,
  type ReleasesFeedParams,
  type ReleasesParams,
  releasesFeedParamsSchema,
  releasesParamsSchema,
} from './query-params.js';
import { planReleasesQuery, type ReleasesPlan } from './query-plan.js';
import { scanPage } from './text-scan.js';

export {
  DEFAULT_TEXT_BUDGET,
  type QueryContext,
  type ReleasePage,
  type TextSearchBudget,
  type TextSearchWork,
} from './query-context.js';

export interface EntityList {
  items: EntitySummary[];
}

export interface ProblemList {
  items: ProblemRecord[];
  nextCursor: string | null;
}

/** One release of a feed: its summary, its Markdown body and when it was last written. */
export interface FeedRelease {
  summary: ReleaseSummary;
  body: string;
  updatedAt: string;
}

/** The first page of a query with what a feed shows of each release. */
export interface ReleaseFeedPage {
  params: ReleasesFeedParams;
  /** The page size served: `limit`, or the feed default. */
  limit: number;
  releases: FeedRelease[];
}

/** `budget`: a `q` budget shared with other pages of the same request (else the page's own). */
export async function listReleases(
  ctx: QueryContext,
  rawParams: Record<string, string>,
  budget?: RequestBudget,
): Promise<ReleasePage> {
  return releasePage(ctx, parseParams(releasesParamsSchema, rawParams), budget);
}

/**
 * The first page of `/releases` for the same parameters (no cursor; a feed is polled, not paged),
 * with each release's body and update time, read in batches. A release deleted between the two
 * reads is left out rather than shown half.
 */
export async function releasesFeed(
  ctx: QueryContext,
  rawParams: Record<string, string>,
): Promise<ReleaseFeedPage> {
  const params = parseParams(releasesFeedParamsSchema, rawParams);
  const limit = params.limit ?? FEED_DEFAULT_LIMIT;
  const page = await releasePage(ctx, { ...params, limit });
  const texts = await ctx.reader.releaseTexts(page.items.map((item) => item.id));
  const releases: FeedRelease[] = [];
  for (const summary of page.items) {
    const text = texts.get(summary.id);
    if (text) releases.push({ summary, body: text.body, updatedAt: text.updatedAt });
  }
  return { params, limit, releases };
}

async function releasePage(
  ctx: QueryContext,
  params: ReleasesParams,
  shared?: RequestBudget,
): Promise<ReleasePage> {
  if (params.q !== undefined && !ctx.textSearch) throw new TextSearchDisabledError();
  const plan = planReleasesQuery(params);
  const fingerprint = queryFingerprint(plan.identity);
  const position: CursorPosition | undefined =
    plan.cursor === undefined
      ? undefined
      : decodePosition(ctx.cursorSecret, fingerprint, plan.cursor, ctx.now());
  const after = position?.after;
  if (plan.text === undefined) return listPage(ctx, plan, fingerprint, after);
  // One budget for the request, whichever path answers it (the planning may fall back to the scan).
  const budget = shared ?? new RequestBudget(ctx.meter, ctx.textBudget, ctx.now);
  // The prefix progress goes on whichever path answers: what the planning learned stays true.
  const walk = new PrefixWalk(position?.progress);
  if (ctx.search) {
    const page = await indexedPage(ctx, ctx.search, plan, fingerprint, after, budget, walk);
    if (page) return page;
  }
  return scanPage(ctx, plan, fingerprint, after, budget, walk);
}

/** `q` from the word index, or undefined when the planner finds no indexed term to walk. */
async function indexedPage(
  ctx: QueryContext,
  search: SearchIndexReader,
  plan: ReleasesPlan,
  fingerprint: string,
  after: string | undefined,
  budget: RequestBudget,
  walk: PrefixWalk,
): Promise<ReleasePage | undefined> {
  if (!plan.text) return undefined;
  const { from, to } = plan.identity;
  const result = await indexSearchPage(search, (ids) => ctx.reader.releaseTexts(ids), {
    query: plan.text,
    scope: plan.scope,
    ...(from !== null ? { from } : {}),
    ...(to !== null ? { to } : {}),
    ...(after !== undefined ? { after } : {}),
    limit: plan.limit,
    budget,
    maxExamined: ctx.textBudget.maxExamined,
    fetchBatch: ctx.textBudget.fetchBatch,
    walk,
  });
  if (!result) return undefined;
  return {
    items: result.items,
    nextCursor:
      result.next === undefined
        ? null
        : encodeCursor(ctx.cursorSecret, fingerprint, result.next, ctx.now(), walk.progress(result.next)),
    ...(result.partial ? { partial: true as const } : {}),
  };
}

async function listPage(
  ctx: QueryContext,
  plan: ReleasesPlan,
  fingerprint: string,
  after: string | undefined,
): Promise<ReleasePage> {
  const page = await ctx.reader.listReleases({
    scope: plan.scope,
    range: plan.range,
    limit: plan.limit,
    ...(after !== undefined ? { after } : {}),
  });
  const last = page.entries.at(-1);
  return {
    items: page.entries.map((entry) => entry.summary),
    nextCursor: page.hasMore && last ? encodeCursor(ctx.cursorSecret, fingerprint, last.sk, ctx.now()) : null,
  };
}

/** Ids are slugs; anything that could not be a stored key is simply not found. */
const MAX_ID_BYTES = 512;

export async function getRelease(
  ctx: QueryContext,
  id: string,
  rawParams: Record<string, string>,
): Promise<StoredRelease> {
  parseParams(noParamsSchema, rawParams);
  if (id === '' || Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES)
    throw new NotFoundError(`No release with id "${id.slice(0, 100)}".`);
  const release = await ctx.reader.getRelease(id);
  if (!release) throw new NotFoundError(`No release with id "${id}".`);
  return release;
}

/**
 * Ministers and portfolios that have releases, sorted by name. Minister names sort without
 * their honorific, so "Rt Hon Christopher Luxon" sits among the C's of the other ministers.
 */
export async function listEntities(
  ctx: QueryContext,
  kind: EntityKind,
  rawParams: Record<string, string>,
): Promise<EntityList> {
  parseParams(noParamsSchema, rawParams);
  const entities = await ctx.reader.listEntities(kind);
  const sortName = (name: string) => (kind === 'minister' ? withoutHonorific(name) : name);
  const items = entities.filter((entity) => entity.count > 0).sort((a, b) => compareNames(a, b, sortName));
  return { items };
}

export async function listProblems(
  ctx: QueryContext,
  rawParams: Record<string, string>,
): Promise<ProblemList> {
  const params = parseParams(problemsParamsSchema, rawParams);
  const fingerprint = queryFingerprint({ route: 'problems' });
  const after =
    params.cursor === undefined
      ? undefined
      : decodeCursor(ctx.cursorSecret, fingerprint, params.cursor, ctx.now());
  const page = await ctx.reader.listProblems({
    limit: params.limit ?? DEFAULT_LIMIT,
    ...(after !== undefined ? { after } : {}),
  });
  const last = page.items.at(-1);
  return {
    items: page.items,
    nextCursor:
      page.hasMore && last ? encodeCursor(ctx.cursorSecret, fingerprint, last.key, ctx.now()) : null,
  };
}
