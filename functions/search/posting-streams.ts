/**
 * A term's postings as a stream of buckets, newest first, read a page at a time as the walk needs
 * them, and the union of several such streams (a prefix's words).
 */

import { PROBE_BUCKETS } from './planner.js';
import type { PostingMonth, PostingPage, PostingRequest, SearchIndexReader } from './ports.js';

export interface Bounds {
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
export class WordStream {
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
      const last = this.lastTaken?.month;
      const request: PostingRequest = { word: this.word, ...this.bounds, limit: this.pageBuckets };
      if (this.growing) this.pageBuckets = Math.min(PAGE_BUCKETS, this.pageBuckets * 2);
      if (last !== undefined) request.before = last;
      const page = await this.reader.postings(request);
      this.buffer = [...page.months];
      this.more = page.hasMore && page.months.length > 0;
    }
    return this.buffer[0];
  }

  private lastTaken: PostingMonth | undefined;

  /**
   * Once every bucket in bounds has been taken, a page of the oldest of them (the word's oldest
   * entries in bounds are there); undefined while buckets are left to read or to take.
   */
  rest(): PostingPage | undefined {
    if (this.buffer.length > 0 || this.more) return undefined;
    return { months: this.lastTaken ? [this.lastTaken] : [], hasMore: false };
  }

  /** Reads (0 or 1) the next `head` makes. */
  pendingReads(): number {
    return this.buffer.length === 0 && this.more ? 1 : 0;
  }

  take(): PostingMonth | undefined {
    const month = this.buffer.shift();
    if (month) this.lastTaken = month;
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
export class UnionStream {
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

  /** Reads the next `next` makes, at most (a stream whose buffer is empty reads its next page). */
  pendingReads(): number {
    return this.streams.reduce((n, stream) => n + stream.pendingReads(), 0);
  }

  async hasMore(): Promise<boolean> {
    const heads = await Promise.all(this.streams.map((s) => s.head()));
    return heads.some((head) => head !== undefined);
  }
}
