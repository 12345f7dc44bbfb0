/**
 * The prefix progress through indexSearchPage over an in-memory index: a page skips the words an
 * earlier page found to have no postings after its position, gives the same results as pages
 * without progress, and skips nothing once a word was added to the prefix's vocabulary.
 */
import { describe, expect, it } from 'vitest';
import { RequestBudget } from '#search/budget.js';
import { indexSearchPage } from '#search/index-search.js';
import { EMPTY_STOP_LIST, type FoldedCopyItem, type SearchEntry } from '#search/keys.js';
import type { PostingMonth, PostingPage, PostingRequest, SearchIndexReader } from '#search/ports.js';
import { postingItemId } from '#search/ports.js';
import { PrefixWalk, type WalkProgress } from '#search/prefix-progress.js';
import { parseSearchQuery } from '#search/query.js';

/** Word, release id and date of each posting (every release version `v1`). */
type Posting = [word: string, id: string, date: string];

class MemoryIndex implements SearchIndexReader {
  readonly probes: string[] = [];
  constructor(private postingsList: Posting[]) {}

  add(posting: Posting): void {
    this.postingsList = [...this.postingsList, posting];
  }

  private months(word: string): PostingMonth[] {
    const byMonth = new Map<string, string[]>();
    for (const [w, id, date] of this.postingsList) {
      if (w !== word) continue;
      const month = date.slice(0, 4);
      byMonth.set(month, [...(byMonth.get(month) ?? []), `${date.slice(5)}#${id}#v1`]);
    }
    return [...byMonth]
      .map(([month, entries]) => ({ month, entries }))
      .sort((a, b) => (a.month < b.month ? 1 : -1));
  }

  async stopList() {
    return EMPTY_STOP_LIST;
  }

  async postings(request: PostingRequest): Promise<PostingPage> {
    this.probes.push(request.word);
    const { newest, oldest, before } = request;
    const months = this.months(request.word).filter(
      (m) =>
        (newest === undefined || m.month <= newest) &&
        (oldest === undefined || m.month >= oldest) &&
        (before === undefined || m.month < before),
    );
    return { months: months.slice(0, request.limit), hasMore: months.length > request.limit };
  }

  async postingItems(keys: ReadonlyArray<{ word: string; month: string }>): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const { word, month } of keys) {
      const found = this.months(word).find((m) => m.month === month);
      if (found) out.set(postingItemId(word, month), found.entries);
    }
    return out;
  }

  async searchEntries(ids: readonly string[]): Promise<Map<string, SearchEntry>> {
    const out = new Map<string, SearchEntry>();
    for (const [, id, date] of this.postingsList) {
      if (!ids.includes(id)) continue;
      out.set(id, {
        id,
        title: id,
        date,
        url: null,
        ministers: [],
        portfolios: [],
        summary: '',
        version: 'v1',
      });
    }
    return out;
  }

  async foldedCopies(): Promise<Map<string, FoldedCopyItem>> {
    throw new Error('a walk of one prefix needs no folded copy');
  }

  async vocabulary(prefix: string, limit: number): Promise<string[]> {
    const words = [...new Set(this.postingsList.map(([word]) => word))].filter((w) => w.startsWith(prefix));
    return words.sort().slice(0, limit + 1);
  }
}

const POSTINGS: Posting[] = [
  ['thitaa', 'r3', '2024-06-01'],
  ['thitaa', 'r1', '2024-05-01'],
  ['thitab', 'r2', '2020-01-01'],
  ['thitac', 'r3', '2024-06-01'],
  ['thitac', 'r4', '2019-01-01'],
  ['thitad', 'r5', '2024-07-01'],
];

interface Walked {
  ids: string[];
  /** Words probed or read, page by page. */
  probes: string[][];
}

/** Every page of `thit*` at limit 1, with or without the progress; `between` runs after page `at`. */
async function walk(
  index: MemoryIndex,
  carry: boolean,
  between?: { at: number; run: () => void },
): Promise<Walked> {
  const out: Walked = { ids: [], probes: [] };
  let after: string | undefined;
  let progress: WalkProgress | undefined;
  for (let page = 1; page < 20; page += 1) {
    index.probes.length = 0;
    const walker = new PrefixWalk(carry ? progress : undefined);
    const result = await indexSearchPage(index, async () => new Map(), {
      query: parseSearchQuery('thit*'),
      scope: { kind: 'all' },
      ...(after !== undefined ? { after } : {}),
      limit: 1,
      budget: new RequestBudget(undefined, { maxReadUnits: 100, maxRequests: 50, maxMillis: 5000 }, () => 0),
      maxExamined: 1000,
      fetchBatch: 25,
      walk: walker,
    });
    if (!result) throw new Error('the index should answer');
    out.ids.push(...result.items.map((item) => item.id));
    out.probes.push([...new Set(index.probes)].sort());
    if (result.next === undefined) return out;
    after = result.next;
    progress = walker.progress(after);
    if (between?.at === page) between.run();
  }
  throw new Error('too many pages');
}

describe('a prefix walk with progress', () => {
  it('gives the same results, and does not probe again words with nothing after the position', async () => {
    const carried = await walk(new MemoryIndex(POSTINGS), true);
    const bare = await walk(new MemoryIndex(POSTINGS), false);
    expect(carried.ids).toEqual(['r5', 'r3', 'r1', 'r2', 'r4']);
    expect(bare.ids).toEqual(carried.ids);
    // Without progress every page probes every word.
    for (const probes of bare.probes) expect(probes).toEqual(['thitaa', 'thitab', 'thitac', 'thitad']);
    // thitad (2024-07-01 only) is done after page 1; thitaa (down to 2024-05-01) after page 3.
    expect(carried.probes[1]).toEqual(['thitaa', 'thitab', 'thitac']);
    expect(carried.probes[3]).toEqual(['thitab', 'thitac']);
    expect(carried.probes.flat().length).toBeLessThan(bare.probes.flat().length);
  });

  it('finds a release of a word added to the vocabulary after the cursor, dated before its position', async () => {
    const index = new MemoryIndex(POSTINGS);
    // `thitaab` sorts among the words the progress has accounted for.
    const carried = await walk(index, true, { at: 3, run: () => index.add(['thitaab', 'r0', '2018-01-01']) });
    expect(carried.ids).toEqual(['r5', 'r3', 'r1', 'r2', 'r4', 'r0']);
    // The page after the change probes every word again.
    expect(carried.probes[3]).toEqual(['thitaa', 'thitaab', 'thitab', 'thitac', 'thitad']);
  });
});
