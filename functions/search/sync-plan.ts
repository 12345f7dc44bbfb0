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
import type { PostingAdd } from './fragments.js';
import {
  bucketOf,
  type FoldedCopyItem,
  foldedCopyKey,
  postingEntry,
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
export function hasVocabulary(term: string): boolean {
  return !isPairTerm(term) && [...term].length >= minPrefixLength(term);
}

function isPairTerm(term: string): boolean {
  return term.includes(' ');
}

export interface SyncPlan {
  /** Posting entries to add, written first (as fragments: see fragments.ts). */
  adds: PostingAdd[];
  /** Vocabulary items to put (terms this release had not posted by the current folding rules), with the adds. */
  vocabulary: TableKey[];
  /** The search entry to put, or undefined to delete it (release gone). */
  searchEntry: Item | undefined;
  /** The folded copy to put, or undefined to delete it. */
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
 * deleted). Entries are only ever added: those of an earlier text, date or span stay in their
 * fragments and are skipped by readers (their version or bucket is not the release's current
 * one). `written`: the stop list the previous copy's postings were written under, when that is not
 * `stop` (read from its archived copy); without it every term is posted again (a repeated entry is
 * read once).
 */
export function planSync(
  release: Release | undefined,
  previous: FoldedCopyItem | undefined,
  stop: StopList,
  written?: StopList,
): SyncPlan {
  if (!release) return { adds: [], vocabulary: [], searchEntry: undefined, foldedCopy: undefined };
  const copy = foldedCopyOf(release.title, release.body);
  // A cut copy still indexes (and versions) the whole body; entries the cut copy cannot name on
  // the next sync carry the old version, which queries ignore.
  const full = copy.whole;
  const version = textVersion(release.date, copy.title, full);
  const after = indexedWords({ title: copy.title, body: full }, stop);
  const entry = postingEntry(release.date, release.id, version, stop.span);
  const bucket = bucketOf(release.date, stop.span);
  // Entries already posted under the same entry and bucket need nothing; any other change of
  // version (text, date, folding rules) or span posts every term anew.
  const sameEntries =
    previous !== undefined &&
    postingEntry(previous.date, previous.id, previous.version, previous.span ?? 1) === entry &&
    bucketOf(previous.date, previous.span ?? 1) === bucket;
  const before = sameEntries ? postedTerms(previous, stop, written) : new Set<string>();
  const added = [...after].filter((word) => !before.has(word));
  const listed = vocabularyBefore(previous, stop, written);
  return {
    adds: added.map((word) => ({ word, bucket, entry })),
    vocabulary: [...after].filter((term) => hasVocabulary(term) && !listed.has(term)).map(vocabularyKey),
    searchEntry: searchEntryItem(release, version, { title: copy.title, body: full }, stop),
    foldedCopy: foldedCopyItemOf(release, copy, version, stop),
  };
}
