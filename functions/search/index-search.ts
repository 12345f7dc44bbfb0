/**
 * One page of `q` answered from the word index: walk the driver's postings newest bucket first,
 * intersect each bucket's entries with the postings of the other indexed terms (and subtract the
 * excluded ones), then check the survivors on their search entries (current version, scope) and,
 * when the query needs it, on their folded copies. Entries are `date#id`-ordered like the lists,
 * so the cursor is the same keyset position as the scan's and either path can continue the other.
 */
import type { ReleaseSummary } from '#release/release.js';
import type { ListScope } from '#table/table-layout.js';
import { ItemCost, type RequestBudget } from './budget.js';
import { type Decision, decide } from './decide.js';
import { type ProbedOption, planWalk } from './index-plan.js';
import type { FoldedCopyItem, PostingEntry, SearchEntry, StopList } from './keys.js';
import { bucketOf, parsePostingEntry, previousBucket } from './keys.js';
import { phraseInFilter } from './pair-filter.js';
import { type DriverOption, needsFoldedCopy, provenPrefix, readInOrder, splitQuery } from './planner.js';
import type { PostingMonth, PostingPage, SearchIndexReader } from './ports.js';
import { postingItemId } from './ports.js';
import { type Bounds, UnionStream, WordStream } from './posting-streams.js';
import { type PrefixWalk, verdictOf } from './prefix-progress.js';
import { matchesCopy, matchesText, prepareCopy, type SearchQuery } from './query.js';
import { bitKnowledge } from './text-bits.js';

export interface IndexSearchRequest {
  query: SearchQuery;
  scope: ListScope;
  from?: string;
  to?: string;
  /** Continue strictly after (older than) this `date#id`. */
  after?: string;
  limit: number;
  /** What the request may still spend: read units, requests, time. */
  budget: RequestBudget;
  /** Posting entries and buckets one request may examine. */
  maxExamined: number;
  /** Candidates checked per BatchGetItem, at most. */
  fetchBatch: number;
  /** The prefix progress the cursor brought; learns what this page finds out. */
  walk?: PrefixWalk;
}

export interface IndexSearchResult {
  items: ReleaseSummary[];
  /** Where the next page continues, or undefined at the end. */
  next: string | undefined;
  /** Whether the budget cut the page short (then `next` is defined). */
  partial: boolean;
  /** The walked term, for logs and tests. */
  driver: string;
}

export type ReleaseTextsFn = (
  ids: readonly string[],
) => Promise<Map<string, { title: string; body: string }>>;

function inScope(entry: SearchEntry, scope: ListScope): boolean {
  const minister = (slug: string) => entry.ministers.some((m) => m.slug === slug);
  const portfolio = (slug: string) => entry.portfolios.some((p) => p.slug === slug);
  switch (scope.kind) {
    case 'all':
      return true;
    case 'minister':
      return minister(scope.minister);
    case 'portfolio':
      return portfolio(scope.portfolio);
    case 'minister-portfolio':
      return minister(scope.minister) && portfolio(scope.portfolio);
  }
}

function summaryOfEntry(entry: SearchEntry): ReleaseSummary {
  const { id, title, date, url, ministers, portfolios, summary } = entry;
  return { id, title, date, url: url ?? null, ministers, portfolios, summary };
}

/** Read units a search entry costs in a BatchGetItem, at first (one 4 KB block, eventually consistent). */
const ENTRY_UNITS = 0.5;
/** Read units a folded copy is assumed to cost until the request has read one. */
const COPY_UNITS = 1.5;
/** Read units a posting item read with a bucket (or a page of a stream) is assumed to cost. */
const POSTING_UNITS = 1;

/** A cursor `<bucket>-00` (a year's or a month's): it stands before every day of its bucket. */
const BEFORE_BUCKET = /^(\d{4}(?:-\d{2})?)-00$/;

/**
 * Where a walk starts: the newest bucket after the cursor (a cursor before every day of a bucket
 * starts with the bucket before it), within `from` and `to`.
 */
function boundsOf(request: IndexSearchRequest, span: number): Bounds {
  const after = request.after;
  const before = after === undefined ? undefined : BEFORE_BUCKET.exec(after)?.[1];
  const afterBucket =
    after === undefined
      ? undefined
      : before !== undefined
        ? previousBucket(before)
        : bucketOf(after.slice(0, 10), span);
  const toBucket = request.to === undefined ? undefined : bucketOf(request.to, span);
  const newest = [afterBucket, toBucket].filter((b): b is string => b !== undefined).sort()[0];
  return {
    ...(newest !== undefined ? { newest } : {}),
    ...(request.from !== undefined ? { oldest: bucketOf(request.from, span) } : {}),
  };
}

/**
 * A page from the index, or undefined when the index cannot serve this query (not built, or no
 * term with postings within the budget's planning share): the caller then uses the scan. Reads
 * start only while the request's budget allows them, except what the first candidate (or bucket)
 * needs: every page moves the cursor on.
 */
export async function indexSearchPage(
  reader: SearchIndexReader,
  releaseTexts: ReleaseTextsFn,
  request: IndexSearchRequest,
): Promise<IndexSearchResult | undefined> {
  const { budget } = request;
  const stop = await reader.stopList();
  if (!stop) return undefined;
  const { query } = request;
  const bounds = boundsOf(request, stop.span);
  const plan = await planWalk(reader, splitQuery(query, stop), bounds, budget, stop, request.walk);
  if (!plan) return undefined;
  const { driver, intersect, subtract, parts } = plan;
  const needCopy = needsFoldedCopy(query, parts, driver);
  // What the search entries can decide: the query less what the walk itself proves (the driver).
  const check: Check = {
    query: {
      ...query,
      prefixes: query.prefixes.filter((p) => p !== provenPrefix(driver)),
    },
    stop,
    present: new Set(parts.indexed),
    absent: new Set(parts.excludedIndexed),
    proven: new Set(parts.provenPhrases.map((phrase) => phrase.join(' '))),
  };
  const words = driver.words.map(
    (word, i) => new WordStream(reader, word, bounds, driver.pages[i] as PostingPage),
  );
  const stream = new UnionStream(words);
  const streamed = streamedTerms(plan.options, driver, intersect, reader, bounds, stop.span);
  const copyCost = new ItemCost(COPY_UNITS);

  const items: ReleaseSummary[] = [];
  let examined = 0;
  let last: string | undefined;
  const result = (next: string | undefined, partial = false): IndexSearchResult => {
    // A resumed page cut short before it examined anything continues where it started.
    const position = next ?? (partial ? request.after : undefined);
    if (driver.kind === 'prefix') {
      // A word whose postings the walk read to their end: all of them are known.
      words.forEach((word, i) => {
        const rest = word.rest();
        if (rest) request.walk?.learn(driver.term, driver.words[i] as string, verdictOf(rest));
      });
    }
    return {
      items,
      next: position,
      partial: partial && position !== undefined,
      driver: `${driver.kind}:${driver.term}`,
    };
  };
  // Until something is examined the walk goes on whatever the budget says, so that a page always
  // moves the cursor on (unless an earlier page of the request did); after that a read starts
  // only when it fits.
  const mustMove = () => last === undefined && !budget.resumed;
  const fits = (requests: number, units: number) => mustMove() || budget.allows(requests, units);
  const outOfBudget = () => !mustMove() && (examined >= request.maxExamined || !budget.allows(1, 0));

  for (;;) {
    const streamReads = stream.pendingReads();
    if (!fits(streamReads, streamReads * POSTING_UNITS)) return result(last, true);
    const month = await stream.next();
    if (!month) return result(undefined);
    examined += 1;
    let candidates = candidatesOf(month, request, stop.span);
    if (candidates.length > 0 && intersect.length + subtract.length > 0) {
      // A word both required and excluded (`a -a`) is read once: BatchGetItem refuses duplicate keys.
      const words = [...new Set([...intersect, ...subtract])].filter((word) => !streamed.has(word));
      const reads = words.length + [...streamed.values()].reduce((n, s) => n + s.pendingReads(), 0);
      if (!fits(reads, reads * POSTING_UNITS)) return result(last, true);
      const postings =
        words.length > 0
          ? await reader.postingItems(words.map((word) => ({ word, month: month.month })))
          : new Map<string, string[]>();
      for (const [word, terms] of streamed) {
        const entries = await terms.entriesAt(month.month);
        if (entries) postings.set(postingItemId(word, month.month), entries);
      }
      const has = (word: string, raw: string) =>
        postings.get(postingItemId(word, month.month))?.includes(raw) ?? false;
      candidates = candidates.filter(
        (c) => intersect.every((word) => has(word, c.raw)) && !subtract.some((word) => has(word, c.raw)),
      );
    }
    for (let i = 0; i < candidates.length; ) {
      const wanted = request.limit - items.length;
      const each = ENTRY_UNITS + (needCopy ? copyCost.each : 0);
      const fitting = mustMove() ? 1 : budget.itemsThatFit(each, request.fetchBatch);
      if (fitting < 1 || !fits(needCopy ? 2 : 1, each)) return result(last, true);
      const size = Math.max(1, Math.min(request.fetchBatch, wanted + 1, fitting));
      const chunk = candidates.slice(i, i + size);
      const verified = await verify(
        reader,
        releaseTexts,
        check,
        request.scope,
        needCopy,
        chunk,
        (count, read) => copyCost.measure(budget, count, read),
      );
      for (const candidate of chunk) {
        if (items.length === request.limit) return result(last);
        examined += 1;
        last = candidate.sk;
        const summary = verified.get(candidate.raw);
        if (summary) items.push(summary);
      }
      i += chunk.length;
      if (items.length === request.limit) {
        const pending = stream.pendingReads();
        // Whether more follow, when telling costs no more than the budget has left (else: maybe).
        const more =
          i < candidates.length ||
          (budget.allows(pending, pending * POSTING_UNITS) ? await stream.hasMore() : true);
        return result(more ? last : undefined);
      }
      if (outOfBudget()) return result(last, true);
    }
    // The whole bucket is examined: a position before all its days continues with older buckets.
    // Not after an item of another span (left by an earlier stop list, its entries all skipped):
    // its key may be newer than entries of the current bucket still to come.
    if (month.month === bucketOf(`${month.month}-01-01`, stop.span)) last = `${month.month}-00`;
    if (outOfBudget()) return result(last, true);
  }
}

/**
 * Streams of the required terms the planner reads in order (`readInOrder`), continuing from the
 * probe already read, in pages that grow from PROBE_BUCKETS.
 */
function streamedTerms(
  options: readonly ProbedOption[],
  driver: DriverOption,
  intersect: readonly string[],
  reader: SearchIndexReader,
  bounds: Bounds,
  span: number,
): Map<string, WordStream> {
  const out = new Map<string, WordStream>();
  for (const option of readInOrder(options, driver, intersect, span)) {
    out.set(option.term, new WordStream(reader, option.term, bounds, option.pages[0] as PostingPage, true));
  }
  return out;
}

/**
 * A bucket's entries inside the date range and after the cursor, newest first, without repeats.
 * Entries left in items of another span (posted under an earlier stop list, not yet re-synced)
 * are skipped: their dates would be out of the walk's order.
 */
function candidatesOf(month: PostingMonth, request: IndexSearchRequest, span: number): PostingEntry[] {
  const seen = new Set<string>();
  const out: PostingEntry[] = [];
  for (const raw of month.entries) {
    if (seen.has(raw)) continue;
    seen.add(raw);
    const entry = parsePostingEntry(month.month, raw);
    if (!entry || bucketOf(entry.date, span) !== month.month) continue;
    if (request.after !== undefined && entry.sk >= request.after) continue;
    if (request.from !== undefined && entry.date < request.from) continue;
    if (request.to !== undefined && entry.date > request.to) continue;
    out.push(entry);
  }
  return out.sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : a.raw < b.raw ? 1 : -1));
}

/** What a candidate is checked against: the query, and what the postings already proved. */
interface Check {
  query: SearchQuery;
  stop: StopList;
  /** Words every candidate has (the intersected postings). */
  present: ReadonlySet<string>;
  /** Words no candidate has (the subtracted postings). */
  absent: ReadonlySet<string>;
  /** Two-word phrases every candidate has (their pair's postings were intersected), joined by a space. */
  proven: ReadonlySet<string>;
}

/**
 * Whether a release was last indexed under another stop list than the current one (its entry's
 * bits say which; a list without bit words cannot tell, and is taken as current): its postings
 * then say nothing of the words the current list indexes and the one before did not.
 */
function indexedUnderOtherList(check: Check, entry: SearchEntry): boolean {
  return check.stop.bitWords.length > 0 && entry.tbv !== check.stop.version;
}

/** What a candidate's search entry decides: postings, its stop-word bits and its pair filter. */
function decideOnEntry(check: Check, entry: SearchEntry): Decision {
  // A missing posting proves an excluded word absent only under the list the release was indexed by.
  const absent = indexedUnderOtherList(check, entry) ? new Set<string>() : check.absent;
  const bits =
    entry.tbv !== undefined && entry.tb !== undefined
      ? bitKnowledge(check.stop, { version: entry.tbv, bits: entry.tb })
      : undefined;
  const pairs = entry.pairs;
  return decide(check.query, {
    has: (word) => (check.present.has(word) ? true : absent.has(word) ? false : bits?.(word)),
    phrase: (phrase: readonly string[]) =>
      check.proven.has(phrase.join(' ')) ? 'present' : pairs ? phraseInFilter(pairs, phrase) : 'maybe',
  });
}

/**
 * The candidates whose entry is the release's current version, in scope, and (if asked) whose text
 * matches: decided on the search entry where it can, else on the folded copy.
 */
async function verify(
  reader: SearchIndexReader,
  releaseTexts: ReleaseTextsFn,
  check: Check,
  scope: ListScope,
  needCopy: boolean,
  candidates: readonly PostingEntry[],
  measureCopies: <T>(count: number, read: () => Promise<T>) => Promise<T>,
): Promise<Map<string, ReleaseSummary>> {
  const out = new Map<string, ReleaseSummary>();
  const entries = await reader.searchEntries(candidates.map((c) => c.id));
  const current = candidates.filter((c) => {
    const entry = entries.get(c.id);
    return (
      entry !== undefined && entry.version === c.version && entry.date === c.date && inScope(entry, scope)
    );
  });
  const decided = new Map<string, Decision>();
  for (const candidate of current) {
    const entry = entries.get(candidate.id) as SearchEntry;
    // Exclusions subtracted by postings are exact only for a release indexed under the current list.
    const recheck = needCopy || (check.absent.size > 0 && indexedUnderOtherList(check, entry));
    decided.set(candidate.raw, recheck ? decideOnEntry(check, entry) : 'match');
  }
  const unread = current.filter((c) => decided.get(c.raw) === 'unknown');
  let copies = new Map<string, FoldedCopyItem>();
  if (unread.length > 0)
    copies = await measureCopies(unread.length, () => reader.foldedCopies(unread.map((c) => c.id)));
  const cut = unread.filter((c) => copies.get(c.id)?.cut === true && copies.get(c.id)?.version === c.version);
  const texts = cut.length > 0 ? await releaseTexts(cut.map((c) => c.id)) : new Map();
  for (const candidate of current) {
    const entry = entries.get(candidate.id) as SearchEntry;
    const decision = decided.get(candidate.raw);
    if (decision === 'miss') continue;
    if (decision === 'unknown') {
      const copy = copies.get(candidate.id);
      if (!copy || copy.version !== candidate.version) continue;
      if (copy.cut) {
        const text = texts.get(candidate.id);
        if (!text || !matchesText(check.query, text.title, text.body)) continue;
      } else if (!matchesCopy(check.query, prepareCopy(copy))) continue;
    }
    out.set(candidate.raw, summaryOfEntry(entry));
  }
  return out;
}
