/**
 * What keeping the word index in step with one release writes, computed purely: the posting
 * entries its new state needs that its previous folded copy (its own state item) did not post,
 * its vocabulary, its search entry and its new folded copy. Entries are only ever added (as
 * fragments, fragments.ts); an entry the release no longer has stays where it is and is skipped by
 * readers, its version no longer being the search entry's.
 *
 * Write order (the indexer follows it; see index-batch.ts): the new entries and the vocabulary,
 * then the folded copy, then the search entry (the new version becomes visible only once every new
 * entry is in). A crash anywhere leaves the folded copy or the search entry describing the old
 * state, so a replay writes the same entries again (the same fragments) and then the rest.
 */
import { type Release, toSummary } from '#release/release.js';
import type { TableKey } from '#table/table-layout.js';
import { distinctWords, type FoldedCopy, foldedCopyOf, wordsOf } from './fold.js';
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
import { MIN_PREFIX_LENGTH } from './query.js';
import { adjacentPairs, indexedWords } from './terms.js';
import { bitsOfWords } from './text-bits.js';

type Item = Record<string, unknown>;

/** Every term a folded copy may have postings of under any stop list: all its words and pairs. */
function possiblyPostedTerms(copy: Pick<FoldedCopy, 'title' | 'body'>): Set<string> {
  const out = distinctWords(copy);
  for (const pair of adjacentPairs(copy, () => true)) out.add(pair);
  return out;
}

/**
 * The terms a folded copy has postings of: its indexed words and pairs under the list it was
 * written with, `stop` itself or `written` (an earlier list as archived, without the `overflow`
 * it gathered later, so a word posted until it overflowed counts as posted). Without that list,
 * any word or pair may have been posted.
 */
function postedTerms(previous: FoldedCopyItem, stop: StopList, written: StopList | undefined): Set<string> {
  const list = previous.stopVersion === stop.version ? stop : written;
  if (list?.version !== previous.stopVersion) return possiblyPostedTerms(previous);
  return indexedWords(previous, list);
}

function isPairTerm(term: string): boolean {
  return term.includes(' ');
}

export interface SyncPlan {
  /** Posting entries to add, written first. */
  adds: PostingAdd[];
  /** Vocabulary items to put: the words of `adds`, so every posted word can be found by a prefix. */
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
    title: copy.title,
    body: copy.body,
    cut: copy.cut,
  };
  return { ...foldedCopyKey(release.id), ...item };
}

/**
 * The index changes that take a release from its previous folded copy to `release` (undefined:
 * deleted). `written`: the stop list the previous copy's postings were written under, when that
 * is not `stop` (read from its archived copy); without it every term is posted again (a repeated
 * entry is read once).
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
  const full = copy.cut ? wordsOf(release.body).join(' ') : copy.body;
  const version = textVersion(release.date, copy.title, full);
  const after = indexedWords({ title: copy.title, body: full }, stop);
  const entry = postingEntry(release.date, release.id, version, stop.span);
  const bucket = bucketOf(release.date, stop.span);
  // Entries already posted under the same entry and bucket need nothing; any other change of
  // version, date or span posts every term anew (the old entries become unreadable).
  const sameEntries =
    previous !== undefined &&
    postingEntry(previous.date, previous.id, previous.version, previous.span ?? 1) === entry &&
    bucketOf(previous.date, previous.span ?? 1) === bucket;
  const before = sameEntries ? postedTerms(previous, stop, written) : new Set<string>();
  const added = [...after].filter((word) => !before.has(word));
  return {
    adds: added.map((word) => ({ word, bucket, entry })),
    vocabulary: added
      .filter((word) => !isPairTerm(word) && [...word].length >= MIN_PREFIX_LENGTH)
      .map(vocabularyKey),
    searchEntry: searchEntryItem(release, version, { title: copy.title, body: full }, stop),
    foldedCopy: foldedCopyItemOf(release, copy, version, stop),
  };
}
