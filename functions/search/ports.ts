/**
 * The read port of the word index. The DynamoDB implementation is DynamoReleaseReader
 * (functions/query/aws/dynamodb-release-reader.ts); the core never sees a table.
 */
import type { FoldedCopyItem, SearchEntry, StopList } from './keys.js';

/** One posting item: a bucket of a term (`month` is the bucket key, the first year of its span). */
export interface PostingMonth {
  month: string;
  /** Raw entries `<mm-dd>#<id>#<version>`, or `<yyyy-mm-dd>#…` in buckets of several years. */
  entries: string[];
}

export interface PostingRequest {
  word: string;
  /** Inclusive bucket bounds (bucket keys). */
  newest?: string;
  oldest?: string;
  /** Continue strictly before (older than) this bucket. */
  before?: string;
  /** Posting items per request. */
  limit: number;
}

export interface PostingPage {
  months: PostingMonth[];
  /** Whether older months may follow. */
  hasMore: boolean;
}

export interface SearchIndexReader {
  /** The stop list, or undefined when the index has not been built (then `q` uses the scan). */
  stopList(): Promise<StopList | undefined>;
  /** A term's postings (a word, or a pair `a b`), newest bucket first. */
  postings(request: PostingRequest): Promise<PostingPage>;
  /** Posting items by word and bucket; absent ones are left out of the map (key `word\u0000bucket`). */
  postingItems(keys: ReadonlyArray<{ word: string; month: string }>): Promise<Map<string, string[]>>;
  searchEntries(ids: readonly string[]): Promise<Map<string, SearchEntry>>;
  foldedCopies(ids: readonly string[]): Promise<Map<string, FoldedCopyItem>>;
  /** Indexed terms starting with `prefix` (at least `minPrefixLength` characters), at most `limit` + 1 of them. */
  vocabulary(prefix: string, limit: number): Promise<string[]>;
}

export function postingItemId(word: string, month: string): string {
  return `${word}\u0000${month}`;
}
