/**
 * What keeping the word index in step with one release writes, computed purely: the diff between
 * the release's previous folded copy (its own state item) and its new state, as unconditional,
 * idempotent string-set ADD/DELETE operations on postings plus plain puts; and the same content
 * aggregated for a bulk load.
 *
 * Write order (the adapter follows it; see `DynamoSearchIndex.sync`): ADD the new entries and the
 * vocabulary, put the search entry (the new version becomes visible only once every new entry is
 * in), DELETE the old entries, put the folded copy last. A crash anywhere leaves the folded copy
 * describing the old state, so a replay recomputes the same diff; entries of a version that is
 * not the search entry's are ignored by queries, so a half-applied sync never changes a result.
 */
import { createHash } from 'node:crypto';
import { type Release, toSummary } from '#release/release.js';
import type { TableKey } from '#table/table-layout.js';
import { distinctWords, type FoldedCopy, foldedCopyOf, MAX_INDEXED_WORD_LENGTH, wordsOf } from './fold.js';
import {
  archivedStopListKey,
  bucketOf,
  COMMON_PAIR_BITS,
  commonPairBucket,
  type FoldedCopyItem,
  foldedCopyKey,
  pairTerm,
  postingEntry,
  postingKey,
  STOP_LIST_KEY,
  type StopList,
  searchEntryKey,
  textVersion,
  vocabularyKey,
} from './keys.js';
import { pairFilterOf } from './pair-filter.js';
import { MIN_PREFIX_LENGTH } from './query.js';
import { bitsOfWords } from './text-bits.js';

type Item = Record<string, unknown>;

/** A word in more than this share of the releases is left out of the index. */
export const STOP_WORD_SHARE = 0.1;
/** Below this many releases every word is indexed (a tenth of a handful says nothing). */
export const MIN_RELEASES_FOR_STOP_LIST = 1000;

export function isIndexable(word: string, stop: StopList): boolean {
  return word.length <= MAX_INDEXED_WORD_LENGTH && !stop.words.has(word);
}

/**
 * Whether the adjacent pair `first second` gets postings: both are derived stop words (a pair
 * with an indexed word is found through that word's postings), the pair is not common (nor grown
 * out of its posting items, then in `overflow`), and the stop list was derived with pairs.
 */
export function isIndexablePair(first: string, second: string, stop: StopList): boolean {
  return (
    stop.commonPairs !== undefined &&
    stop.pairWords?.has(first) === true &&
    stop.pairWords.has(second) &&
    !stop.words.has(pairTerm(first, second)) &&
    !stop.commonPairs.has(commonPairBucket(first, second))
  );
}

/** The adjacent pairs of the folded title and of the folded body (none spans the two), as terms. */
function adjacentPairs(
  copy: Pick<FoldedCopy, 'title' | 'body'>,
  keep: (a: string, b: string) => boolean,
): string[] {
  const out: string[] = [];
  for (const part of [copy.title, copy.body]) {
    if (part === '') continue;
    const words = part.split(' ');
    for (let i = 0; i + 1 < words.length; i += 1) {
      const first = words[i] as string;
      const second = words[i + 1] as string;
      if (keep(first, second)) out.push(pairTerm(first, second));
    }
  }
  return out;
}

/** The terms of a folded copy that get postings under a stop list: indexed words and indexed pairs. */
export function indexedWords(copy: Pick<FoldedCopy, 'title' | 'body'>, stop: StopList): Set<string> {
  const out = new Set<string>();
  for (const word of distinctWords(copy)) if (isIndexable(word, stop)) out.add(word);
  for (const pair of adjacentPairs(copy, (a, b) => isIndexablePair(a, b, stop))) out.add(pair);
  return out;
}

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

export interface PostingChange {
  key: TableKey;
  /** The word whose posting this is. */
  word: string;
  entry: string;
}

export interface SyncPlan {
  /** String-set ADDs, applied first. */
  adds: PostingChange[];
  /** Vocabulary items to put (words new to this release), with the ADDs. */
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
    title: copy.title,
    body: copy.body,
    cut: copy.cut,
  };
  return { ...foldedCopyKey(release.id), ...item };
}

export function stopListItem(stop: StopList, key: TableKey = STOP_LIST_KEY): Item {
  return {
    ...key,
    version: stop.version,
    words: [...stop.bitWords],
    span: stop.span,
    ...(stop.commonPairs ? { pairs: [...stop.commonPairs].sort((a, b) => a - b) } : {}),
  };
}

/** The stop list item and its archived copy (by version): what every writer of a list puts. */
export function stopListItems(stop: StopList): Item[] {
  return [stopListItem(stop), stopListItem(stop, archivedStopListKey(stop.version))];
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
  const full = copy.cut ? wordsOf(release.body).join(' ') : copy.body;
  const version = textVersion(release.date, copy.title, full);
  const after = indexedWords({ title: copy.title, body: full }, stop);
  const newEntry = postingEntry(release.date, release.id, version, stop.span);
  const newBucket = bucketOf(release.date, stop.span);
  const sameEntries = oldEntry === newEntry && oldBucket === newBucket;
  const added = sameEntries ? [...after].filter((word) => !before.has(word)) : [...after];
  const removed = sameEntries ? [...before].filter((word) => !after.has(word)) : [...before];
  const previousWords = previous ? distinctWords(previous) : new Set<string>();
  return {
    adds: added.map((word) => ({ key: postingKey(word, newBucket), word, entry: newEntry })),
    vocabulary: [...after]
      .filter(
        (word) => !isPairTerm(word) && [...word].length >= MIN_PREFIX_LENGTH && !previousWords.has(word),
      )
      .map(vocabularyKey),
    searchEntry: searchEntryItem(release, version, { title: copy.title, body: full }, stop),
    deletes:
      oldEntry && oldBucket
        ? removed.map((word) => ({ key: postingKey(word, oldBucket), word, entry: oldEntry }))
        : [],
    foldedCopy: foldedCopyItemOf(release, copy, version, stop),
  };
}

/** Releases per posting bucket a derived span aims at, at least. */
const RELEASES_PER_BUCKET = 1000;
/** The spans a stop list may have, in years. */
const SPANS = [1, 2, 5, 10] as const;

/**
 * Counts in how many releases each word and each adjacent pair occurs (pairs by their
 * `commonPairBucket`, so memory stays fixed), and the years they cover, to derive the stop list.
 */
export class DocumentFrequency {
  private readonly counts = new Map<string, number>();
  private readonly pairCounts = new Uint32Array(2 ** COMMON_PAIR_BITS);
  private firstYear = Number.POSITIVE_INFINITY;
  private lastYear = Number.NEGATIVE_INFINITY;
  releases = 0;

  /** @param minReleases fewer releases than this derive an empty stop list */
  constructor(private readonly minReleases = MIN_RELEASES_FOR_STOP_LIST) {}

  add(release: Pick<Release, 'title' | 'body'> & { date?: string }): void {
    this.releases += 1;
    const copy = foldedCopyOf(release.title, release.body);
    for (const word of distinctWords(copy)) {
      this.counts.set(word, (this.counts.get(word) ?? 0) + 1);
    }
    const pairs = new Set<number>();
    for (const pair of adjacentPairs(copy, () => true)) {
      const [first, second] = pair.split(' ') as [string, string];
      pairs.add(commonPairBucket(first, second));
    }
    for (const bucket of pairs) this.pairCounts[bucket] = (this.pairCounts[bucket] ?? 0) + 1;
    if (release.date !== undefined) {
      const year = Number(release.date.slice(0, 4));
      this.firstYear = Math.min(this.firstYear, year);
      this.lastYear = Math.max(this.lastYear, year);
    }
  }

  /**
   * Words and pairs in more than STOP_WORD_SHARE of the releases (none below `minReleases`), and the shortest span whose buckets hold RELEASES_PER_BUCKET
   * releases on average over the years seen.
   */
  stopList(): StopList {
    if (this.releases < this.minReleases) return stopListOf([]);
    const limit = this.releases * STOP_WORD_SHARE;
    const commonPairs: number[] = [];
    this.pairCounts.forEach((count, bucket) => {
      if (count > limit) commonPairs.push(bucket);
    });
    const years = Number.isFinite(this.firstYear) ? this.lastYear - this.firstYear + 1 : 1;
    const perYear = this.releases / years;
    const span = SPANS.find((s) => perYear * s >= RELEASES_PER_BUCKET) ?? SPANS[SPANS.length - 1];
    return stopListOf(
      [...this.counts].filter(([, count]) => count > limit).map(([word]) => word),
      { span, commonPairs },
    );
  }
}

/**
 * A stop list of `words`. With `commonPairs` (derived lists), the pairs of its words outside
 * them are indexed; `span` is the years per posting bucket (1 unless given).
 */
export function stopListOf(
  words: Iterable<string>,
  options: { span?: number; commonPairs?: Iterable<number> } = {},
): StopList {
  const sorted = [...new Set(words)].sort();
  const span = options.span ?? 1;
  const commonPairs = options.commonPairs
    ? [...new Set(options.commonPairs)].sort((a, b) => a - b)
    : undefined;
  // The version stands for everything that decides what is posted where; a list of words alone
  // keeps the version it always had.
  const extra = span === 1 && !commonPairs ? '' : `\nspan ${span}\npairs ${commonPairs?.join(',') ?? 'none'}`;
  const version =
    sorted.length === 0 && extra === ''
      ? 'empty'
      : createHash('sha256')
          .update(`${sorted.join('\n')}${extra}`)
          .digest('base64url')
          .slice(0, 8);
  return {
    version,
    words: new Set(sorted),
    bitWords: sorted,
    span,
    ...(commonPairs ? { commonPairs: new Set(commonPairs), pairWords: new Set(sorted) } : {}),
  };
}

/**
 * Aggregates the index items of many releases for BatchWriteItem: one item per posting, each
 * holding all its entries. Add releases, then take `items()`; or, loading in steps, take the
 * per-release items of each step and put every posting item again (a put replaces the item).
 */
export class SearchBulkBuilder {
  /** Entries by posting partition and bucket; one release adds a term once, so no repeats. */
  private readonly postings = new Map<string, Map<string, string[]>>();
  private readonly vocabulary = new Set<string>();
  private perRelease: Item[] = [];

  constructor(readonly stop: StopList) {}

  add(release: Release): void {
    const plan = planSync(release, undefined, this.stop);
    for (const change of plan.adds) {
      let buckets = this.postings.get(change.key.pk);
      if (!buckets) {
        buckets = new Map();
        this.postings.set(change.key.pk, buckets);
      }
      const entries = buckets.get(change.key.sk);
      if (entries) entries.push(change.entry);
      else buckets.set(change.key.sk, [change.entry]);
    }
    for (const key of plan.vocabulary) this.vocabulary.add(`${key.pk}\u0000${key.sk}`);
    if (plan.searchEntry) this.perRelease.push(plan.searchEntry);
    if (plan.foldedCopy) this.perRelease.push(plan.foldedCopy);
  }

  /** Search entries and folded copies added since the last call. */
  takeReleaseItems(): Item[] {
    const out = this.perRelease;
    this.perRelease = [];
    return out;
  }

  /** Posting items of every release added so far, one at a time (`ids` is a Set: a string set). */
  *postingItems(): Generator<Item> {
    for (const [pk, buckets] of this.postings) {
      for (const [sk, entries] of buckets) yield { pk, sk, ids: new Set(entries) };
    }
  }

  vocabularyItems(): Item[] {
    return [...this.vocabulary].map((id) => {
      const [pk, sk] = id.split('\u0000');
      return { pk, sk };
    });
  }

  /** Everything: the stop list items, per-release items, postings, vocabulary. */
  items(): Item[] {
    return [
      ...stopListItems(this.stop),
      ...this.takeReleaseItems(),
      ...this.postingItems(),
      ...this.vocabularyItems(),
    ];
  }
}

/**
 * The index items of a corpus for a bulk load, the same content as syncing each release in turn
 * once the stop list item is in place. The stop list is derived from these releases unless given.
 */
export function searchItemsForBulk(
  releases: readonly Release[],
  options: { stopList?: StopList } = {},
): Item[] {
  let stop = options.stopList;
  if (!stop) {
    const frequency = new DocumentFrequency();
    for (const release of releases) frequency.add(release);
    stop = frequency.stopList();
  }
  const builder = new SearchBulkBuilder(stop);
  for (const release of releases) builder.add(release);
  return builder.items();
}
