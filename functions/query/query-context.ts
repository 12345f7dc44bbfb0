/**
 * What every query use case is given (readers, cursor keys, the `q` budget, the clock) and what a
 * page of `/releases` is: shared by query-releases.ts and the scan (text-scan.ts).
 */
import type { ReleaseSummary } from '#release/release.js';
import type { ReadLimits, ReadMeter } from '#search/budget.js';
import type { SearchIndexReader } from '#search/ports.js';
import type { CursorKeys } from './query-cursor.js';
import type { ReleaseReader } from './query-repository.js';

/**
 * How much one `q` request may spend before it returns what it has with a cursor to continue
 * (`partial`): read units as DynamoDB reports them, requests and time (search/budget.ts), and
 * entries examined.
 */
export interface TextSearchBudget extends ReadLimits {
  /** List entries (scan) or posting entries and buckets (index) examined per request. */
  maxExamined: number;
  /** List entries read per Query while scanning, at most (the first page reads what `limit` needs). */
  listBatch: number;
  /** Release items fetched per BatchGetItem while filtering, at most. */
  fetchBatch: number;
}

export const DEFAULT_TEXT_BUDGET: TextSearchBudget = {
  maxReadUnits: 100,
  maxRequests: 50,
  maxMillis: 5000,
  maxExamined: 1000,
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
  /**
   * Told the consumed capacity of every read the readers make (the readers ask DynamoDB for it):
   * what a `q` request's budget counts. Without it only time and entries bound a request.
   */
  meter?: ReadMeter;
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
  /** Present (true) when the `q` budget cut the page short: fewer items than `limit`, more may follow. */
  partial?: true;
}
