/**
 * What keeping the word index in step with one release writes, computed purely: the diff between
 * the release's previous folded copy (its own state item) and its new state, as unconditional,
 * idempotent string-set ADD/DELETE operations on postings plus plain puts (the bulk form of the
 * same content is bulk-index.ts).
 *
 * Write order (the adapter follows it; see `DynamoSearchIndex.sync`): ADD the new entries and the
 * vocabulary, put the search entry (the new version becomes visible only once every new entry is
 * in), DELETE the old entries, put the folded copy last. A crash anywhere leaves the folded copy
 * describing the old state, so a replay recomputes the same diff; entries of a version that is
 * not the search entry's are ignored by queries, so a half-applied sync never changes a result.
 */
import { type Release, toSummary } from '#release/release.js';
import type { TableKey } from '#table/table-layout.js';
import { distinctWords, type FoldedCopy, foldedCopyOf, TEXT_FOLDING_VERSION } from './fold.js';
import {
  bucketOf,
  type FoldedCopyItem,
  foldedCopyKey,
  postingEntry,
  postingKey,
  type StopList,
  searchEntryKey,
  textVersion,
  vocabularyKey,
} from './keys.js';
import { pairFilterOf } from './pair-filter.js';
import { minPrefixLength } from './query.js';
import { adjacentPairs, indexedWords, indexTerm } from './terms.js';
import { bitsOfWords } from './text-bits.js';

type Item = Record<string, unknown>;

/** Every term a folded copy may have postings of under any stop list: all its words' terms and pairs. */
function possiblyPostedTerms(copy: Pick<FoldedCopy, 'title' | 'body'>): Set<string> {
  const out = new Set<string>();
  for (const word of distinctWords(copy)) out.add(indexTerm(word));
  for (const pair of adjacentPairs(copy, () => true)) out.add(pair);
  return out;
}

/** The stop list a folded copy's postings were written under, when known: `stop` itself or `written`. */
function listWrittenUnder(
  previous: FoldedCopyItem,
  stop: StopList,
  written: StopList | undefined,
): StopList | undefined {
  const list = previous.stopVersion === stop.version ? stop : written;
  return list?.version === previous.stopVersion ? list : undefined;
}

/**
 * The terms a folded copy has postings of: its indexed words and pairs under the list it was
 * written with, `stop` itself or `written` (an earlier list as archived, without the `overflow`
 * it gathered later, so a word posted until it overflowed counts as posted). Without that list,
 * any word or pair may have been posted. (A copy of earlier folding rules counts terms as these
 * rules name them: a term they never posted costs a DELETE of nothing.)
 */
function postedTerms(previous: FoldedCopyItem, stop: StopList, written: StopList | undefined): Set<string> {
  const list = listWrittenUnder(previous, stop, written);
  return list ? indexedWords(previous, list) : possiblyPostedTerms(previous);
}

/**
 * The terms whose vocabulary items the previous sync of a release surely put: its posted terms,
 * when it folded by the current rules under a known list. Otherwise none: after new folding rules
 * (other words, other partitions) or an unknown list, every term's item is put again.
 */
function vocabularyBefore(
  previous: FoldedCopyItem | undefined,
  stop: StopList,
  written?: StopList,
): Set<string> {
  if (!previous || (previous.folding ?? '1') !== TEXT_FOLDING_VERSION) return new Set();
  const list = listWrittenUnder(previous, stop, written);
  return list ? indexedWords(previous, list) : new Set();
}

/** Whether a term has a vocabulary item: a word (or truncated word) as long as a prefix must be. */
function hasVocabulary(term: string): boolean {
  return !isPairTerm(term) && [...term].length >= minPrefixLength(term);
}

function isPairTerm(term: string): boolean {
  return term.includes(' ');
}

export interface PostingChange {
  key: TableKey;
  /** The word whose posting this is. */
  word: string;
  entry: string;
}

export interface SyncPlan {
  /** String-set ADDs, applied first. */
  adds: PostingChange[];
  /** Vocabulary items to put (terms this release had not posted by the current folding rules), with the ADDs. */
  vocabulary: TableKey[];
  /** The search entry to put, or undefined to delete it (release gone). */
  searchEntry: Item | undefined;
  /** String-set DELETEs, after the search entry. */
  deletes: PostingChange[];
  /** The folded copy to put last, or undefined to delete it last. */
  foldedCopy: Item | undefined;
}

/**
 * The search entry: the release's summary and text version, its pair filter, and its stop-word
 * bits under `stop`, from its folded title and whole folded body.
 */
export function searchEntryItem(
  release: Release,
  version: string,
  folded: { title: string; body: string },
  stop: StopList,
): Item {
  const title = splitFolded(folded.title);
  const body = splitFolded(folded.body);
  const bits = bitsOfWords(stop, new Set([...title, ...body]), version);
  return {
    ...searchEntryKey(release.id),
    ...toSummary(release),
    version,
    pairs: pairFilterOf([title, body]),
    ...(bits ? { tbv: bits.version, tb: bits.bits } : {}),
  };
}

function splitFolded(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}

export function foldedCopyItemOf(release: Release, copy: FoldedCopy, version: string, stop: StopList): Item {
  const item: FoldedCopyItem = {
    id: release.id,
    date: release.date,
    version,
    stopVersion: stop.version,
    span: stop.span,
    folding: TEXT_FOLDING_VERSION,
    title: copy.title,
    body: copy.body,
    cut: copy.cut,
  };
  return { ...foldedCopyKey(release.id), ...item };
}

/**
 * The index changes that take a release from its previous folded copy to `release` (undefined:
 * deleted). `written`: the stop list the previous copy's postings were written under, when that
 * is not `stop` (read from its archived copy); without it every word and pair of the previous
 * copy is deleted (a DELETE of an absent entry does nothing).
 */
export function planSync(
  release: Release | undefined,
  previous: FoldedCopyItem | undefined,
  stop: StopList,
  written?: StopList,
): SyncPlan {
  // Postings written under another stop list are removed from the buckets of that list's span.
  const before = previous ? postedTerms(previous, stop, written) : new Set<string>();
  const oldSpan = previous?.span ?? 1;
  const oldEntry = previous ? postingEntry(previous.date, previous.id, previous.version, oldSpan) : undefined;
  const oldBucket = previous ? bucketOf(previous.date, oldSpan) : undefined;
  if (!release) {
    return {
      adds: [],
      vocabulary: [],
      searchEntry: undefined,
      deletes:
        oldEntry && oldBucket
          ? [...before].map((word) => ({ key: postingKey(word, oldBucket), word, entry: oldEntry }))
          : [],
      foldedCopy: undefined,
    };
  }
  const copy = foldedCopyOf(release.title, release.body);
  // A cut copy still indexes (and versions) the whole body; entries the cut copy cannot name on
  // the next sync carry the old version, which queries ignore.
  const full = copy.whole;
  const version = textVersion(release.date, copy.title, full);
  const after = indexedWords({ title: copy.title, body: full }, stop);
  const newEntry = postingEntry(release.date, release.id, version, stop.span);
  const newBucket = bucketOf(release.date, stop.span);
  const sameEntries = oldEntry === newEntry && oldBucket === newBucket;
  const added = sameEntries ? [...after].filter((word) => !before.has(word)) : [...after];
  const removed = sameEntries ? [...before].filter((word) => !after.has(word)) : [...before];
  const listed = vocabularyBefore(previous, stop, written);
  return {
    adds: added.map((word) => ({ key: postingKey(word, newBucket), word, entry: newEntry })),
    vocabulary: [...after].filter((term) => hasVocabulary(term) && !listed.has(term)).map(vocabularyKey),
    searchEntry: searchEntryItem(release, version, { title: copy.title, body: full }, stop),
    deletes:
      oldEntry && oldBucket
        ? removed.map((word) => ({ key: postingKey(word, oldBucket), word, entry: oldEntry }))
        : [],
    foldedCopy: foldedCopyItemOf(release, copy, version, stop),
  };
}
