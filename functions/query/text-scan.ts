/**
 * `q` by the scan: the planned list partition walked newest first, each entry decided by its
 * stop-word bits, its title, the pair filter of its search entry, and only then its text; used
 * while the word index cannot serve the query (not built, or no indexed term within the budget).
 */
import type { ReleaseSummary } from '#release/release.js';
import { ItemCost, type RequestBudget } from '#search/budget.js';
import { type Decision, decide } from '#search/decide.js';
import type { StopList } from '#search/keys.js';
import { phraseInFilter } from '#search/pair-filter.js';
import type { PrefixWalk } from '#search/prefix-progress.js';
import { bitKnowledge, decideByBits } from '#search/text-bits.js';
import type { QueryContext, ReleasePage } from './query-context.js';
import { encodeCursor } from './query-cursor.js';
import type { ReleasesPlan } from './query-plan.js';
import type { ListEntry } from './query-repository.js';
import { matchesOnTitle, matchesRelease } from './query-text.js';

/** List entries a scan's first Query reads at least; later Queries read twice the one before. */
const FIRST_LIST_ENTRIES = 10;
/** Read units a list entry is assumed to cost until the request has read some. */
const LIST_ENTRY_UNITS = 0.1;
/** Read units a release text (or its search entry beside it) is assumed to cost until one is read. */
const TEXT_UNITS = 2;

/**
 * Walks the planned list partition newest first, fetching the release items of candidates whose
 * title alone does not already match, until the page is full, the list ends or the budget is
 * spent (then the page is `partial`). The cursor records the last entry examined, so the next
 * request resumes right after it. The first Query reads what the page needs (`limit` + 1), the
 * next ones twice as many as the one before, up to `listBatch`; groups of candidates are as large
 * as the budget still has room for. The cursor carries on the prefix progress (what the
 * planning learned before it fell back to the scan holds as the position moves older).
 */
export async function scanPage(
  ctx: QueryContext,
  plan: ReleasesPlan,
  fingerprint: string,
  start: string | undefined,
  budget: RequestBudget,
  walk?: PrefixWalk,
): Promise<ReleasePage> {
  const text = plan.text;
  if (!text) throw new Error('searchPage needs a text query');
  const limits = ctx.textBudget;
  // Stop-word bits in the list items decide most candidates of a query of stop words unread.
  const stop = ctx.search ? await ctx.search.stopList() : undefined;
  const items: ReleaseSummary[] = [];
  let after = start;
  let examined = 0;
  const fetched = { count: 0 };
  const listCost = new ItemCost(LIST_ENTRY_UNITS);
  const textCost = new ItemCost(TEXT_UNITS);
  const cursorAfter = (position: string | undefined, partial = false): ReleasePage => {
    ctx.onTextSearch?.({ examined, fetched: fetched.count });
    return {
      items,
      nextCursor:
        position === undefined
          ? null
          : encodeCursor(ctx.cursorSecret, fingerprint, position, ctx.now(), walk?.progress(position)),
      ...(partial && position !== undefined ? { partial: true as const } : {}),
    };
  };
  let listSize = Math.max(FIRST_LIST_ENTRIES, plan.limit + 1);

  for (;;) {
    const size = Math.max(1, Math.min(limits.listBatch, listSize, limits.maxExamined - examined));
    listSize *= 2;
    // Out of budget: hand back what was found; the cursor continues the walk (never before the
    // first entry is examined, so that every page moves on).
    const mayStop = examined > 0 || budget.resumed;
    if (mayStop && (examined >= limits.maxExamined || !budget.allows(1, size * listCost.each)))
      return cursorAfter(after, true);
    const page = await listCost.measure(budget, size, () =>
      ctx.reader.listReleases({
        scope: plan.scope,
        range: plan.range,
        limit: size,
        ...(after !== undefined ? { after } : {}),
      }),
    );
    for (let i = 0; i < page.entries.length; ) {
      const each = textCost.each + (text.phrases.length + text.notPhrases.length > 0 ? 0.5 : 0);
      const fitting = budget.itemsThatFit(each, limits.fetchBatch);
      if ((examined > 0 || budget.resumed) && (fitting < 1 || !budget.allows(2, each)))
        return cursorAfter(after, true);
      const group = page.entries.slice(i, i + Math.max(1, fitting));
      const matched = await matchGroup(ctx, text, stop, group, fetched, budget, textCost);
      for (const entry of group) {
        examined += 1;
        after = entry.sk;
        if (matched.has(entry.summary.id)) items.push(entry.summary);
        if (items.length === plan.limit) {
          const isLast = !page.hasMore && entry === page.entries.at(-1);
          return cursorAfter(isLast ? undefined : after);
        }
      }
      i += group.length;
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
  budget: RequestBudget,
  textCost: ItemCost,
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
    const texts = await textCost.measure(budget, needBody.length, () => ctx.reader.releaseTexts(needBody));
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
