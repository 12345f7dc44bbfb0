/**
 * The word index's items in the single table (docs/data-model.md, "Word index"):
 *
 * - posting fragments `W#<term>` / `<bucket>#<digest>` (fragments.ts): entries
 *   `<mm-dd>#<id>#<version>` (or `<yyyy-mm-dd>#<id>#<version>` when a bucket spans several years),
 *   one per release of that bucket containing the term (newest bucket first by a descending
 *   Query). A term is an indexed word, or an indexed pair `<word> <word>` of adjacent stop words.
 *   A bucket is the first year (`yyyy`) of `span` years, or the first month (`yyyy-mm`) of a
 *   span shorter than a year: the stop list's, derived so that a bucket holds about a thousand
 *   releases, so that a bulk load writes few items and a page reads a bucket of bounded size;
 * - search entry `R#<id>` / `S`: the release's summary and its text `version`: what a candidate
 *   is checked and served from (small: one read unit in a BatchGetItem);
 * - folded copy `R#<id>` / `X`: the folded title and body, date, version and stop-list version:
 *   the per-release state `sync` diffs against, and what phrases, prefixes and exclusions are
 *   verified on;
 * - vocabulary `V#<first 3 characters>` (the first 1 of a Chinese, Japanese or Korean word) /
 *   `<term>`: enumerates the indexed words (and truncated long words) of a prefix;
 * - stop list `SEARCH` / `STOP`: the words left out of the index (in more than a tenth of the
 *   releases when it was derived) and its version. Its presence says the index is built.
 */
import { createHash } from 'node:crypto';
import type { ReleaseSummary } from '#release/release.js';
import type { TableKey } from '#table/table-layout.js';
import { TEXT_FOLDING_VERSION } from './fold.js';
import { pairFnv } from './pair-filter.js';
import { minPrefixLength } from './query.js';

export const SEARCH_ENTRY_SORT_KEY = 'S';
export const FOLDED_COPY_SORT_KEY = 'X';
export const STOP_LIST_KEY: TableKey = { pk: 'SEARCH', sk: 'STOP' };

/**
 * A stop list kept by its version, as written (without later `overflow`): a sync of a release
 * whose postings were written under an earlier list reads it to know exactly what was posted.
 */
export function archivedStopListKey(version: string): TableKey {
  return { pk: STOP_LIST_KEY.pk, sk: `STOP#${version}` };
}
/** Version characters in a posting entry: enough that two texts of one release never share one in practice. */
const VERSION_LENGTH = 8;

/** The posting term of an adjacent pair of words. */
export function pairTerm(first: string, second: string): string {
  return `${first} ${second}`;
}

export function postingKey(word: string, bucket: string): TableKey {
  return { pk: `W#${word}`, sk: bucket };
}

export function postingPartition(word: string): string {
  return `W#${word}`;
}

export function searchEntryKey(id: string): TableKey {
  return { pk: `R#${id}`, sk: SEARCH_ENTRY_SORT_KEY };
}

export function foldedCopyKey(id: string): TableKey {
  return { pk: `R#${id}`, sk: FOLDED_COPY_SORT_KEY };
}

/** The vocabulary partition of a word and of each of its prefixes: its first `minPrefixLength` characters. */
export function vocabularyPartition(wordOrPrefix: string): string {
  return `V#${[...wordOrPrefix].slice(0, minPrefixLength(wordOrPrefix)).join('')}`;
}

export function vocabularyKey(word: string): TableKey {
  return { pk: vocabularyPartition(word), sk: word };
}

/**
 * The spans a posting bucket may have, in years: a month, a quarter and half a year for corpora
 * with many releases a year, then one to ten years.
 */
export const SPANS = [1 / 12, 1 / 4, 1 / 2, 1, 2, 5, 10] as const;

/** The span of `value` years among SPANS (a stored number may have been rounded), else undefined. */
export function spanOf(value: unknown): number | undefined {
  if (typeof value !== 'number') return undefined;
  return SPANS.find((span) => Math.abs(span - value) < 1e-9);
}

/** A span in words: `1 month`, `3 months`, `1 year`, `10 years`. */
export function describeSpan(span: number): string {
  if (span < 1) {
    const months = spanMonths(span);
    return `${months} month${months === 1 ? '' : 's'}`;
  }
  return `${span} year${span === 1 ? '' : 's'}`;
}

/** Months per bucket of a span shorter than a year. */
function spanMonths(span: number): number {
  return Math.round(span * 12);
}

/**
 * The posting bucket of a `yyyy-mm-dd` date: the first year of its span of `span` years
 * (`yyyy`), or for a span shorter than a year its first month (`yyyy-mm`).
 */
export function bucketOf(date: string, span = 1): string {
  const year = Number(date.slice(0, 4));
  if (span < 1) {
    const months = spanMonths(span);
    const month = Number(date.slice(5, 7));
    return `${date.slice(0, 4)}-${String(month - ((month - 1) % months)).padStart(2, '0')}`;
  }
  return String(year - (year % span)).padStart(4, '0');
}

/**
 * The newest bucket key before `bucket`, as an inclusive upper bound, whatever the span: the year
 * before a year bucket (`1990` -> `1989`), the month before a month's (`1990-01` -> `1989-12`),
 * each at or after the first year or month of the bucket before it.
 */
export function previousBucket(bucket: string): string {
  if (bucket.length === 7) {
    const year = Number(bucket.slice(0, 4));
    const month = Number(bucket.slice(5, 7));
    return month === 1
      ? `${String(year - 1).padStart(4, '0')}-12`
      : `${bucket.slice(0, 4)}-${String(month - 1).padStart(2, '0')}`;
  }
  return String(Number(bucket) - 1).padStart(4, '0');
}

/**
 * A short digest of what a release is indexed as: its date and folded text, and the version of
 * the folding rules (fold.ts TEXT_FOLDING_VERSION), so that new rules give every release a new
 * version and its next sync rewrites all its entries.
 */
export function textVersion(date: string, foldedTitle: string, foldedBody: string): string {
  return createHash('sha256')
    .update(`${TEXT_FOLDING_VERSION}\n${date}\n${foldedTitle}\n${foldedBody}`)
    .digest('base64url')
    .slice(0, VERSION_LENGTH);
}

/**
 * A posting entry: month and day in a bucket of one year or less (the bucket names the year), else
 * the whole date.
 */
export function postingEntry(date: string, id: string, version: string, span = 1): string {
  return `${span <= 1 ? date.slice(5, 10) : date.slice(0, 10)}#${id}#${version}`;
}

export interface PostingEntry {
  /** The list sort key `date#id` of the release. */
  sk: string;
  id: string;
  date: string;
  version: string;
  /** The entry as stored. */
  raw: string;
}

/** Reads an entry of bucket `bucket` (a span's first year or month); undefined for anything malformed. */
export function parsePostingEntry(bucket: string, raw: string): PostingEntry | undefined {
  const first = raw.indexOf('#');
  const last = raw.lastIndexOf('#');
  if ((first !== 5 && first !== 10) || last <= first + 1) return undefined;
  const date = first === 5 ? `${bucket.slice(0, 4)}-${raw.slice(0, 5)}` : raw.slice(0, 10);
  const id = raw.slice(first + 1, last);
  return { sk: `${date}#${id}`, id, date, version: raw.slice(last + 1), raw };
}

/** What a search entry holds. */
export interface SearchEntry extends ReleaseSummary {
  version: string;
  /** The release's pair filter (search/pair-filter.ts), when written by a version that has them. */
  pairs?: Uint8Array;
  /** Stop list version of `tb`. */
  tbv?: string;
  /** Stop-word bits of the release (search/text-bits.ts). */
  tb?: Uint8Array;
}

export interface FoldedCopyItem {
  id: string;
  date: string;
  version: string;
  /** Version of the stop list the postings were written with. */
  stopVersion: string;
  /** Years per posting bucket of that stop list (SPANS; absent: 1). */
  span?: number;
  /** TEXT_FOLDING_VERSION of the rules `title` and `body` were folded by (absent: version 1). */
  folding?: string;
  title: string;
  body: string;
  cut: boolean;
}

export interface StopList {
  version: string;
  words: ReadonlySet<string>;
  /** The words the version stands for, sorted (`words` without `overflow`): the stop-word bits' order. */
  bitWords: readonly string[];
  /** Years per posting bucket (a fraction for a month, a quarter or half a year: SPANS). */
  span: number;
  /**
   * Buckets (`commonPairBucket`) of the adjacent pairs of words in more than a tenth of the
   * releases when the list was derived: pairs of stop words outside them are indexed. Undefined:
   * no pair is indexed (a list that was not derived, such as the defaults).
   */
  commonPairs?: ReadonlySet<number>;
  /**
   * With `commonPairs`: the words whose adjacent pairs may be indexed, the derived `words` alone.
   * Not the `overflow`: a word that overflows later has no pair postings for the releases before.
   */
  pairWords?: ReadonlySet<string>;
}

export const EMPTY_STOP_LIST: StopList = { version: 'empty', words: new Set(), bitWords: [], span: 1 };

/** Bits of the pair hash that `commonPairs` holds. */
export const COMMON_PAIR_BITS = 22;

/** The pair's FNV-1a hash (as in its pair filter) cut to COMMON_PAIR_BITS: what the stop list names common pairs by. */
export function commonPairBucket(first: string, second: string): number {
  return pairFnv(first, second) >>> (32 - COMMON_PAIR_BITS);
}

/**
 * The stop list as stored: `words` (derived at a bulk load, or the defaults) plus `overflow`,
 * words added one by one when their postings outgrew an item. Both are left out of the index.
 */
export function stopListFromItem(item: {
  version?: unknown;
  words?: unknown;
  overflow?: unknown;
  span?: unknown;
  pairs?: unknown;
}): StopList {
  const bitWords = Array.isArray(item.words) ? item.words.map(String).sort() : [];
  const words = new Set<string>(bitWords);
  if (item.overflow instanceof Set) for (const word of item.overflow) words.add(String(word));
  const span = spanOf(item.span) ?? 1;
  return {
    version: String(item.version ?? ''),
    words,
    bitWords,
    span,
    ...(Array.isArray(item.pairs)
      ? { commonPairs: new Set(item.pairs.map(Number)), pairWords: new Set(bitWords) }
      : {}),
  };
}
