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
import { type Decision, decide } from '#search/decide.js';
import { indexSearchPage } from '#search/index-search.js';
import type { StopList } from '#search/keys.js';
import { phraseInFilter } from '#search/pair-filter.js';
import type { SearchIndexReader } from '#search/ports.js';
import { bitKnowledge, decideByBits } from '#search/text-bits.js';
import { type CursorKeys, decodeCursor, encodeCursor, queryFingerprint } from './query-cursor.js';
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
import type { ListEntry, ReleaseReader } from './query-repository.js';
import { matchesOnTitle, matchesRelease } from './query-text.js';

/** How much one `q` request may examine before it returns what it has with a cursor to continue. */
export interface TextSearchBudget {
  /** List entries examined per request. */
  maxExamined: number;
  /** Wall-clock time per request, well inside API Gateway's 30 s. */
  maxMillis: number;
  /** List entries read per Query while walking. */
  listBatch: number;
  /** Release items fetched per BatchGetItem while filtering. */
  fetchBatch: number;
}

export const DEFAULT_TEXT_BUDGET: TextSearchBudget = {
  maxExamined: 1000,
  maxMillis: 5000,
  listBatch: 100,
  fetchBatch: 25,
};

export interface QueryContext {
  reader: ReleaseReader;
  /** The word index; without it (or before it is built) every `q` uses the scan. */
  search?: SearchIndexReader;
  /** HMAC keys of page cursors (a plain string is a current key with no previous one). */
  cursorSecret: string | CursorKeys;
  textSearch: boolean;
  textBudget: TextSearchBudget;
  /** Milliseconds clock, injectable for tests of the time budget. */
  now: () => number;
  /** Told, once per `q` request, how much the text filter read (metrics); changes no answer. */
  onTextSearch?: (work: TextSearchWork) => void;
}

/** The work of one `q` request. */
export interface TextSearchWork {
  /** List entries walked. */
  examined: number;
  /** Release items read because their title alone did not match. */
  fetched: number;
}

export interface ReleasePage {
  items: ReleaseSummary[];
  nextCursor: string | null;
}

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

export async function listReleases(
  ctx: QueryContext,
  rawParams: Record<string, string>,
): Promise<ReleasePage> {
  return releasePage(ctx, parseParams(releasesParamsSchema, rawParams));
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

async function releasePage(ctx: QueryContext, params: ReleasesParams): Promise<ReleasePage> {
  if (params.q !== undefined && !ctx.textSearch) throw new TextSearchDisabledError();
  const plan = planReleasesQuery(params);
  const fingerprint = queryFingerprint(plan.identity);
  const after =
    plan.cursor === undefined
      ? undefined
      : decodeCursor(ctx.cursorSecret, fingerprint, plan.cursor, ctx.now());
  if (plan.text === undefined) return listPage(ctx, plan, fingerprint, after);
  if (ctx.search) {
    const page = await indexedPage(ctx, ctx.search, plan, fingerprint, after);
    if (page) return page;
  }
  return searchPage(ctx, plan, fingerprint, after);
}

/** `q` from the word index, or undefined when the planner finds no indexed term to walk. */
async function indexedPage(
  ctx: QueryContext,
  search: SearchIndexReader,
  plan: ReleasesPlan,
  fingerprint: string,
  after: string | undefined,
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
    budget: ctx.textBudget,
    now: ctx.now,
  });
  if (!result) return undefined;
  return {
    items: result.items,
    nextCursor:
      result.next === undefined ? null : encodeCursor(ctx.cursorSecret, fingerprint, result.next, ctx.now()),
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

/**
 * Walks the planned list partition newest first, fetching the release items of candidates whose
 * title alone does not already match, until the page is full, the list ends or the budget is
 * spent. The cursor records the last entry examined, so the next request resumes right after it.
 */
async function searchPage(
  ctx: QueryContext,
  plan: ReleasesPlan,
  fingerprint: string,
  start: string | undefined,
): Promise<ReleasePage> {
  const text = plan.text;
  if (!text) throw new Error('searchPage needs a text query');
  const budget = ctx.textBudget;
  const startedAt = ctx.now();
  // Stop-word bits in the list items decide most candidates of a query of stop words unread.
  const stop = ctx.search ? await ctx.search.stopList() : undefined;
  const items: ReleaseSummary[] = [];
  let after = start;
  let examined = 0;
  const fetched = { count: 0 };
  const cursorAfter = (position: string | undefined): ReleasePage => {
    ctx.onTextSearch?.({ examined, fetched: fetched.count });
    return {
      items,
      nextCursor:
        position === undefined ? null : encodeCursor(ctx.cursorSecret, fingerprint, position, ctx.now()),
    };
  };

  for (;;) {
    if (
      after !== undefined &&
      examined > 0 &&
      (examined >= budget.maxExamined || ctx.now() - startedAt >= budget.maxMillis)
    ) {
      // Out of budget: hand back what was found; the cursor continues the walk.
      return cursorAfter(after);
    }
    const page = await ctx.reader.listReleases({
      scope: plan.scope,
      range: plan.range,
      limit: Math.max(1, Math.min(budget.listBatch, budget.maxExamined - examined)),
      ...(after !== undefined ? { after } : {}),
    });
    for (let i = 0; i < page.entries.length; i += budget.fetchBatch) {
      const group = page.entries.slice(i, i + budget.fetchBatch);
      const matched = await matchGroup(ctx, text, stop, group, fetched);
      for (const entry of group) {
        examined += 1;
        after = entry.sk;
        if (matched.has(entry.summary.id)) items.push(entry.summary);
        if (items.length === plan.limit) {
          const isLast = !page.hasMore && entry === page.entries.at(-1);
          return cursorAfter(isLast ? undefined : after);
        }
      }
      if (
        after !== undefined &&
        i + budget.fetchBatch < page.entries.length &&
        ctx.now() - startedAt >= budget.maxMillis
      ) {
        return cursorAfter(after);
      }
    }
    if (!page.hasMore) return cursorAfter(undefined);
  }
}

/**
 * The ids in `group` whose title and body match: decided by the stop-word bits where they can,
 * then on the title, then (for phrases) by the pair filters of search entries of the same text,
 * and only then on the release's text.
 */
async function matchGroup(
  ctx: QueryContext,
  text: NonNullable<ReleasesPlan['text']>,
  stop: StopList | undefined,
  group: readonly ListEntry[],
  fetched: { count: number },
): Promise<Set<string>> {
  const matched = new Set<string>();
  const open: ListEntry[] = [];
  for (const entry of group) {
    const decided = stop ? decideByBits(text, stop, entry.bits) : 'unknown';
    if (decided === 'miss') continue;
    // A title that holds every part matches whatever the body says (unless something may exclude it).
    if (decided === 'match' || matchesOnTitle(text, entry.summary.title)) matched.add(entry.summary.id);
    else open.push(entry);
  }
  const needBody: string[] = [];
  const filtered = stop ? await decideByPairFilters(ctx, text, stop, open) : new Map<string, Decision>();
  for (const entry of open) {
    const decided = filtered.get(entry.summary.id) ?? 'unknown';
    if (decided === 'match') matched.add(entry.summary.id);
    else if (decided === 'unknown') needBody.push(entry.summary.id);
  }
  if (needBody.length > 0) {
    fetched.count += needBody.length;
    const texts = await ctx.reader.releaseTexts(needBody);
    for (const id of needBody) {
      const release = texts.get(id);
      if (release && matchesRelease(text, release.title, release.body)) matched.add(id);
    }
  }
  return matched;
}

/**
 * For a query with phrases, what the pair filters decide of entries the bits left open: read from
 * their search entries (one small item each, instead of the release), and used only when the
 * entry describes the same text as the list item's bits.
 */
async function decideByPairFilters(
  ctx: QueryContext,
  text: NonNullable<ReleasesPlan['text']>,
  stop: StopList,
  open: readonly ListEntry[],
): Promise<Map<string, Decision>> {
  const out = new Map<string, Decision>();
  if (!ctx.search || text.phrases.length + text.notPhrases.length === 0) return out;
  const usable = open.filter((entry) => entry.bits?.text !== undefined);
  if (usable.length === 0) return out;
  const entries = await ctx.search.searchEntries(usable.map((entry) => entry.summary.id));
  for (const entry of usable) {
    const search = entries.get(entry.summary.id);
    const has = bitKnowledge(stop, entry.bits);
    const pairs = search?.pairs;
    if (!search || !has || !pairs || search.version !== entry.bits?.text) continue;
    out.set(entry.summary.id, decide(text, { has, phrase: (phrase) => phraseInFilter(pairs, phrase) }));
  }
  return out;
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

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

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
  const items = entities
    .filter((entity) => entity.count > 0)
    .sort(
      (a, b) =>
        collator.compare(sortName(a.name), sortName(b.name)) ||
        collator.compare(a.name, b.name) ||
        (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0),
    );
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
