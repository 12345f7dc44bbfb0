/**
 * One page of `q` answered from the word index: walk the driver's postings newest bucket first,
 * intersect each bucket's entries with the postings of the other indexed terms (and subtract the
 * excluded ones), then check the survivors on their search entries (current version, scope) and,
 * when the query needs it, on their folded copies. Entries are `date#id`-ordered like the lists,
 * so the cursor is the same keyset position as the scan's and either path can continue the other.
 */
import type { ReleaseSummary } from '#release/release.js';
import type { ListScope } from '#table/table-layout.js';
import { type Decision, decide } from './decide.js';
import type { FoldedCopyItem, PostingEntry, SearchEntry, StopList } from './keys.js';
import { bucketOf, parsePostingEntry } from './keys.js';
import { phraseInFilter } from './pair-filter.js';
import {
  chooseDriver,
  type DriverOption,
  MAX_PREFIX_WORDS,
  needsFoldedCopy,
  PROBE_BUCKETS,
  provenPrefix,
  readInOrder,
  splitQuery,
} from './planner.js';
import type { PostingMonth, PostingPage, PostingRequest, SearchIndexReader } from './ports.js';
import { postingItemId } from './ports.js';
import { matchesCopy, matchesText, prepareCopy, type SearchQuery } from './query.js';
import { vocabularyPrefix } from './terms.js';
import { bitKnowledge } from './text-bits.js';

export interface IndexSearchRequest {
  query: SearchQuery;
  scope: ListScope;
  from?: string;
  to?: string;
  /** Continue strictly after (older than) this `date#id`. */
  after?: string;
  limit: number;
  budget: { maxExamined: number; maxMillis: number; fetchBatch: number };
  now: () => number;
}

export interface IndexSearchResult {
  items: ReleaseSummary[];
  /** Where the next page continues, or undefined at the end. */
  next: string | undefined;
  /** The walked term, for logs and tests. */
  driver: string;
}

export type ReleaseTextsFn = (
  ids: readonly string[],
) => Promise<Map<string, { title: string; body: string }>>;

interface Bounds {
  newest?: string;
  oldest?: string;
}

/** Posting items per `Query` page of a walk. */
const PAGE_BUCKETS = 24;

/**
 * One word's postings as a stream of months, newest first, paged on demand: PAGE_BUCKETS at a
 * time, or (`growing`) twice as many as the page before, from PROBE_BUCKETS up, so that a walk
 * that stops early has read at most about twice what it needed.
 */
class WordStream {
  private buffer: PostingMonth[];
  private more: boolean;
  private pageBuckets: number;

  constructor(
    private readonly reader: SearchIndexReader,
    private readonly word: string,
    private readonly bounds: Bounds,
    first: PostingPage,
    private readonly growing = false,
  ) {
    this.buffer = [...first.months];
    this.more = first.hasMore;
    this.pageBuckets = growing ? PROBE_BUCKETS : PAGE_BUCKETS;
  }

  async head(): Promise<PostingMonth | undefined> {
    if (this.buffer.length === 0 && this.more) {
      const last = this.lastMonth;
      const request: PostingRequest = { word: this.word, ...this.bounds, limit: this.pageBuckets };
      if (this.growing) this.pageBuckets = Math.min(PAGE_BUCKETS, this.pageBuckets * 2);
      if (last !== undefined) request.before = last;
      const page = await this.reader.postings(request);
      this.buffer = [...page.months];
      this.more = page.hasMore && page.months.length > 0;
    }
    return this.buffer[0];
  }

  private lastMonth: string | undefined;

  take(): PostingMonth | undefined {
    const month = this.buffer.shift();
    if (month) this.lastMonth = month.month;
    return month;
  }

  /**
   * The word's entries in bucket `month`, reading on (newest first) past newer buckets; asked
   * for buckets in descending order, as the driver walks them. Undefined: no item there.
   */
  async entriesAt(month: string): Promise<string[] | undefined> {
    for (;;) {
      const head = await this.head();
      if (!head || head.month < month) return undefined;
      if (head.month === month) return head.entries;
      this.take();
    }
  }
}

/** The union of several word streams, month by month. */
class UnionStream {
  constructor(private readonly streams: WordStream[]) {}

  async next(): Promise<PostingMonth | undefined> {
    const heads = await Promise.all(this.streams.map((s) => s.head()));
    let newest: string | undefined;
    for (const head of heads) if (head && (newest === undefined || head.month > newest)) newest = head.month;
    if (newest === undefined) return undefined;
    const entries: string[] = [];
    this.streams.forEach((stream, i) => {
      if (heads[i]?.month === newest) entries.push(...(stream.take()?.entries ?? []));
    });
    return { month: newest, entries };
  }

  async hasMore(): Promise<boolean> {
    const heads = await Promise.all(this.streams.map((s) => s.head()));
    return heads.some((head) => head !== undefined);
  }
}

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

/**
 * A page from the index, or undefined when the index cannot serve this query (not built, or no
 * term with postings): the caller then uses the scan.
 */
export async function indexSearchPage(
  reader: SearchIndexReader,
  releaseTexts: ReleaseTextsFn,
  request: IndexSearchRequest,
): Promise<IndexSearchResult | undefined> {
  const startedAt = request.now();
  const stop = await reader.stopList();
  if (!stop) return undefined;
  const { query } = request;
  const parts = splitQuery(query, stop);

  const afterDate = request.after?.slice(0, 10);
  const newestDate = [request.to, afterDate].filter((d): d is string => d !== undefined).sort()[0];
  const bounds: Bounds = {
    ...(newestDate !== undefined ? { newest: bucketOf(newestDate, stop.span) } : {}),
    ...(request.from !== undefined ? { oldest: bucketOf(request.from, stop.span) } : {}),
  };
  const probe = (word: string) => reader.postings({ word, ...bounds, limit: PROBE_BUCKETS });

  const options: Array<DriverOption & { pages: PostingPage[] }> = [];
  const wordProbes = await Promise.all(parts.indexed.map(probe));
  parts.indexed.forEach((word, i) => {
    const page = wordProbes[i] as PostingPage;
    options.push({ kind: 'word', term: word, words: [word], probe: probeFigures([page]), pages: [page] });
  });
  for (const prefix of parts.expandable) {
    const words = await reader.vocabulary(vocabularyPrefix(prefix), MAX_PREFIX_WORDS);
    if (words.length > MAX_PREFIX_WORDS) continue;
    const pages = await Promise.all(words.map(probe));
    options.push({ kind: 'prefix', term: prefix, words, probe: probeFigures(pages), pages });
  }
  const chosen = chooseDriver(options, stop.span);
  if (!chosen) return undefined;
  const driver = options.find((o) => o === chosen) as (typeof options)[number];
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
  const intersect = parts.indexed.filter((word) => !(driver.kind === 'word' && driver.term === word));
  const subtract = parts.excludedIndexed;
  const stream = new UnionStream(
    driver.words.map((word, i) => new WordStream(reader, word, bounds, driver.pages[i] as PostingPage)),
  );
  const streamed = streamedTerms(options, driver, intersect, reader, bounds, stop.span);

  const items: ReleaseSummary[] = [];
  let examined = 0;
  let last: string | undefined;
  const result = (next: string | undefined): IndexSearchResult => ({
    items,
    next,
    driver: `${driver.kind}:${driver.term}`,
  });
  const outOfBudget = () =>
    examined >= request.budget.maxExamined || request.now() - startedAt >= request.budget.maxMillis;

  for (;;) {
    const month = await stream.next();
    if (!month) return result(undefined);
    examined += 1;
    let candidates = candidatesOf(month, request, stop.span);
    if (candidates.length > 0 && intersect.length + subtract.length > 0) {
      // A word both required and excluded (`a -a`) is read once: BatchGetItem refuses duplicate keys.
      const words = [...new Set([...intersect, ...subtract])].filter((word) => !streamed.has(word));
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
      const chunk = candidates.slice(i, i + Math.max(1, Math.min(request.budget.fetchBatch, wanted + 1)));
      const verified = await verify(reader, releaseTexts, check, request.scope, needCopy, chunk);
      for (const candidate of chunk) {
        if (items.length === request.limit) return result(last);
        examined += 1;
        last = candidate.sk;
        const summary = verified.get(candidate.raw);
        if (summary) items.push(summary);
      }
      i += chunk.length;
      if (items.length === request.limit) {
        const more = i < candidates.length || (await stream.hasMore());
        return result(more ? last : undefined);
      }
      if (outOfBudget()) return result(last);
    }
    // The whole bucket is examined: a position before all its days continues with older buckets.
    last = `${month.month}-00`;
    if (outOfBudget()) return result(last);
  }
}

/**
 * Streams of the required terms the planner reads in order (`readInOrder`), continuing from the
 * probe already read, in pages that grow from PROBE_BUCKETS.
 */
function streamedTerms(
  options: ReadonlyArray<DriverOption & { pages: PostingPage[] }>,
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

function probeFigures(pages: readonly PostingPage[]): DriverOption['probe'] {
  const months = new Set<string>();
  let entries = 0;
  for (const page of pages) {
    for (const month of page.months) {
      months.add(month.month);
      entries += month.entries.length;
    }
  }
  return { entries, months: months.size, complete: pages.every((page) => !page.hasMore) };
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

/** What a candidate's search entry decides: postings, its stop-word bits and its pair filter. */
function decideOnEntry(check: Check, entry: SearchEntry): Decision {
  const bits =
    entry.tbv !== undefined && entry.tb !== undefined
      ? bitKnowledge(check.stop, { version: entry.tbv, bits: entry.tb })
      : undefined;
  const pairs = entry.pairs;
  return decide(check.query, {
    has: (word) => (check.present.has(word) ? true : check.absent.has(word) ? false : bits?.(word)),
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
    decided.set(candidate.raw, needCopy ? decideOnEntry(check, entry) : 'match');
  }
  const unread = current.filter((c) => decided.get(c.raw) === 'unknown');
  let copies = new Map<string, FoldedCopyItem>();
  if (unread.length > 0) copies = await reader.foldedCopies(unread.map((c) => c.id));
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
