/**
 * The word index's items in the single table (docs/data-model.md, "Word index"):
 *
 * - posting `W#<word>` / `<yyyy>`: `ids`, a string set of `<mm-dd>#<id>#<version>`, one per
 *   release of that year containing the word (newest year first by a descending Query). Years,
 *   not months: a bulk load writes a third fewer items, and an item stays small enough for the
 *   projector's ADDs (a word in 10% of 15,000 releases a year is about 80 KB);
 * - search entry `R#<id>` / `S`: the release's summary and its text `version`: what a candidate
 *   is checked and served from (small: one read unit in a BatchGetItem);
 * - folded copy `R#<id>` / `X`: the folded title and body, date, version and stop-list version:
 *   the per-release state `sync` diffs against, and what phrases, prefixes and exclusions are
 *   verified on;
 * - vocabulary `V#<first 3 characters>` / `<word>`: enumerates the words of a prefix;
 * - stop list `SEARCH` / `STOP`: the words left out of the index (in more than a tenth of the
 *   releases when it was derived) and its version. Its presence says the index is built.
 */
import { createHash } from 'node:crypto';
import type { ReleaseSummary } from '../release.js';
import type { TableKey } from '../table-layout.js';
import { MIN_PREFIX_LENGTH } from './query.js';

export const SEARCH_ENTRY_SORT_KEY = 'S';
export const FOLDED_COPY_SORT_KEY = 'X';
export const STOP_LIST_KEY: TableKey = { pk: 'SEARCH', sk: 'STOP' };
/** Version characters in a posting entry: enough that two texts of one release never share one in practice. */
const VERSION_LENGTH = 8;

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

export function vocabularyPartition(wordOrPrefix: string): string {
  return `V#${[...wordOrPrefix].slice(0, MIN_PREFIX_LENGTH).join('')}`;
}

export function vocabularyKey(word: string): TableKey {
  return { pk: vocabularyPartition(word), sk: word };
}

/** The posting bucket of a `yyyy-mm-dd` date: its year. */
export function bucketOf(date: string): string {
  return date.slice(0, 4);
}

/** The bucket before `bucket` (`1990` -> `1989`). */
export function previousBucket(bucket: string): string {
  return String(Number(bucket) - 1).padStart(4, '0');
}

/** A short digest of what a release is indexed as: its date and folded text. */
export function textVersion(date: string, foldedTitle: string, foldedBody: string): string {
  return createHash('sha256')
    .update(`${date}\n${foldedTitle}\n${foldedBody}`)
    .digest('base64url')
    .slice(0, VERSION_LENGTH);
}

export function postingEntry(date: string, id: string, version: string): string {
  return `${date.slice(5, 10)}#${id}#${version}`;
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

/** Reads an entry of bucket (year) `bucket`; undefined for anything malformed. */
export function parsePostingEntry(bucket: string, raw: string): PostingEntry | undefined {
  const first = raw.indexOf('#');
  const last = raw.lastIndexOf('#');
  if (first !== 5 || last <= first + 1) return undefined;
  const date = `${bucket}-${raw.slice(0, 5)}`;
  const id = raw.slice(first + 1, last);
  return { sk: `${date}#${id}`, id, date, version: raw.slice(last + 1), raw };
}

/** What a search entry holds. */
export interface SearchEntry extends ReleaseSummary {
  version: string;
  /** The release's pair filter (core/search/pair-filter.ts), when written by a version that has them. */
  pairs?: Uint8Array;
  /** Stop list version of `tb`. */
  tbv?: string;
  /** Stop-word bits of the release (core/search/text-bits.ts). */
  tb?: Uint8Array;
}

export interface FoldedCopyItem {
  id: string;
  date: string;
  version: string;
  /** Version of the stop list the postings were written with. */
  stopVersion: string;
  title: string;
  body: string;
  cut: boolean;
}

export interface StopList {
  version: string;
  words: ReadonlySet<string>;
  /** The words the version stands for, sorted (`words` without `overflow`): the stop-word bits' order. */
  bitWords: readonly string[];
}

export const EMPTY_STOP_LIST: StopList = { version: 'empty', words: new Set(), bitWords: [] };

/**
 * The stop list as stored: `words` (derived at a bulk load, or the defaults) plus `overflow`,
 * words added one by one when their postings outgrew an item. Both are left out of the index.
 */
export function stopListFromItem(item: { version?: unknown; words?: unknown; overflow?: unknown }): StopList {
  const bitWords = Array.isArray(item.words) ? item.words.map(String).sort() : [];
  const words = new Set<string>(bitWords);
  if (item.overflow instanceof Set) for (const word of item.overflow) words.add(String(word));
  return { version: String(item.version ?? ''), words, bitWords };
}
