/**
 * The word index's stop list: derived from the releases (words and adjacent pairs in more than a
 * tenth of them, and the posting bucket span), made from a list of words, and its stored form.
 */
import { createHash } from 'node:crypto';
import type { Release } from '#release/release.js';
import type { TableKey } from '#table/table-layout.js';
import { detachedCopy, distinctWords, foldedCopyOf } from './fold.js';
import {
  archivedStopListKey,
  COMMON_PAIR_BITS,
  commonPairBucket,
  SPANS,
  STOP_LIST_KEY,
  type StopList,
} from './keys.js';
import { forEachAdjacentPair } from './terms.js';

type Item = Record<string, unknown>;

/** A word in more than this share of the releases is left out of the index. */
export const STOP_WORD_SHARE = 0.1;
/** Below this many releases every word is indexed (a tenth of a handful says nothing). */
export const MIN_RELEASES_FOR_STOP_LIST = 1000;

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

/** Releases per posting bucket a derived span aims at, at least. */
const RELEASES_PER_BUCKET = 1000;
/** The shortest span (a month): a corpus with enough releases a month has it, and so does any larger one. */
export const SHORTEST_SPAN: number = SPANS[0];

/** A DocumentFrequency's counts as plain data (structured-cloneable). */
export interface DocumentFrequencyCounts {
  counts: ReadonlyMap<string, number>;
  pairCounts: Uint32Array;
  firstYear: number;
  lastYear: number;
  releases: number;
}

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
      const count = this.counts.get(word);
      // A new word's key is a copy: the slice would keep this release's whole text alive.
      if (count === undefined) this.counts.set(detachedCopy(word), 1);
      else this.counts.set(word, count + 1);
    }
    const pairs = new Set<number>();
    forEachAdjacentPair(copy, (first, second) => {
      pairs.add(commonPairBucket(first, second));
    });
    for (const bucket of pairs) this.pairCounts[bucket] = (this.pairCounts[bucket] ?? 0) + 1;
    if (release.date !== undefined) {
      const year = Number(release.date.slice(0, 4));
      this.firstYear = Math.min(this.firstYear, year);
      this.lastYear = Math.max(this.lastYear, year);
    }
  }

  /** What has been counted, as plain data (to count parts of a corpus apart, in worker threads). */
  counted(): DocumentFrequencyCounts {
    return {
      counts: this.counts,
      pairCounts: this.pairCounts,
      firstYear: this.firstYear,
      lastYear: this.lastYear,
      releases: this.releases,
    };
  }

  /**
   * Adds the counts of releases counted apart, as if they had been added here after those
   * already counted (the words new here are added in the order they were first counted there).
   */
  merge(other: DocumentFrequencyCounts): void {
    for (const [word, count] of other.counts) this.counts.set(word, (this.counts.get(word) ?? 0) + count);
    other.pairCounts.forEach((count, bucket) => {
      if (count > 0) this.pairCounts[bucket] = (this.pairCounts[bucket] ?? 0) + count;
    });
    this.firstYear = Math.min(this.firstYear, other.firstYear);
    this.lastYear = Math.max(this.lastYear, other.lastYear);
    this.releases += other.releases;
  }

  /** Every word counted so far (folded), with the number of releases it occurs in. */
  wordCounts(): ReadonlyMap<string, number> {
    return this.counts;
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
