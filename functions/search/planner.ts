/**
 * The `q` planner's pure decisions: which parts of a query the word index can answer, which
 * must be verified on the folded copy, and which term (or prefix) drives the walk: the one with
 * the fewest postings, estimated from each one's newest posting items.
 */

import { pairTerm, type StopList } from './keys.js';
import { requiredWords, type SearchQuery } from './query.js';
import { indexTerm, isExactTerm, isIndexable, isIndexablePair } from './terms.js';

/** A prefix with more indexed words than this is verified on the copy rather than walked. */
export const MAX_PREFIX_WORDS = 40;
/** Posting items (buckets) read per term to estimate its frequency (they start the walk of the driver). */
export const PROBE_BUCKETS = 3;
/** Years a term's estimate is extrapolated to when its probe did not reach its end. */
const EXTRAPOLATION_YEARS = 35;
/** Bytes a posting entry takes, about (`<date>#<id>#<version>`): what a term's postings weigh. */
const ENTRY_BYTES = 32;
/** Bytes one read unit reads with eventual consistency (half a unit per 4 KB). */
const BYTES_PER_READ_UNIT = 8192;

export interface QueryParts {
  /**
   * Required terms with postings (words, truncated terms of long words, and pairs of adjacent
   * stop words in phrases): intersected bucket by bucket.
   */
  indexed: string[];
  /** Required two-word phrases whose pair has postings: a candidate of the walk has them. */
  provenPhrases: string[][];
  /** Required words that no postings prove: stop words, and long words (their term is truncated). */
  unindexed: string[];
  /** Prefixes no stop word starts with: walkable once their words are listed. */
  expandable: string[];
  /** Excluded words with postings: subtracted bucket by bucket. */
  excludedIndexed: string[];
  /** Whether exclusions other than indexed words are present. */
  otherExclusions: boolean;
}

/** The indexed pairs of a phrase's adjacent words, as posting terms. */
function indexedPairsOf(phrase: readonly string[], stop: StopList): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < phrase.length; i += 1) {
    const first = phrase[i] as string;
    const second = phrase[i + 1] as string;
    if (isIndexablePair(first, second, stop)) out.push(pairTerm(first, second));
  }
  return out;
}

export function splitQuery(query: SearchQuery, stop: StopList): QueryParts {
  const required = requiredWords(query);
  const stopWords = [...stop.words];
  const pairs = [...new Set(query.phrases.flatMap((phrase) => indexedPairsOf(phrase, stop)))].sort();
  // A word's postings prove it only when its term is the word itself.
  const proven = (word: string) => isIndexable(word, stop) && isExactTerm(word);
  const terms = required.filter((word) => isIndexable(word, stop)).map(indexTerm);
  return {
    indexed: [...new Set(terms), ...pairs],
    provenPhrases: query.phrases.filter(
      (phrase) => phrase.length === 2 && indexedPairsOf(phrase, stop).length === 1,
    ),
    unindexed: required.filter((word) => !proven(word)),
    expandable: query.prefixes.filter((prefix) => !stopWords.some((word) => word.startsWith(prefix))),
    excludedIndexed: query.notWords.filter(proven),
    otherExclusions:
      query.notPhrases.length > 0 ||
      query.notPrefixes.length > 0 ||
      query.notWords.some((word) => !proven(word)),
  };
}

/**
 * The prefix a walk proves: its driver's, when the driver is a prefix whose vocabulary lists
 * exactly its words (not one longer than MAX_INDEXED_WORD_LENGTH, listed by its head).
 */
export function provenPrefix(driver: Pick<DriverOption, 'kind' | 'term'>): string | undefined {
  return driver.kind === 'prefix' && isExactTerm(driver.term) ? driver.term : undefined;
}

/** A walkable source of candidates: one word, or the union of a prefix's words. */
export interface DriverOption {
  kind: 'word' | 'prefix';
  /** The word, or the prefix. */
  term: string;
  /** The posting partitions walked (one word, or each word of the prefix). */
  words: string[];
  /** Entries and months seen by the probe, and whether the probe read everything in range. */
  probe: { entries: number; months: number; complete: boolean };
}

/** Estimated entries in range: exact when the probe read to the end, else extrapolated (buckets of `span` years). */
export function estimate(option: DriverOption, span = 1): number {
  const { entries, months, complete } = option.probe;
  if (complete) return entries;
  return Math.max(entries + 1, (entries / Math.max(1, months)) * bucketsOver(span));
}

/** Posting buckets of `span` years over the years a term's estimate is extrapolated to. */
function bucketsOver(span: number): number {
  return Math.ceil(EXTRAPOLATION_YEARS / span);
}

export function chooseDriver(options: readonly DriverOption[], span = 1): DriverOption | undefined {
  let best: DriverOption | undefined;
  for (const option of options) {
    if (!best || estimate(option, span) < estimate(best, span)) best = option;
  }
  return best;
}

/** Whether candidates must also be checked beyond their postings (search entry, folded copy), given the driver chosen. */
export function needsFoldedCopy(query: SearchQuery, parts: QueryParts, driver: DriverOption): boolean {
  const otherPrefixes = query.prefixes.filter((p) => p !== provenPrefix(driver));
  return (
    query.phrases.length > parts.provenPhrases.length ||
    parts.unindexed.length > 0 ||
    otherPrefixes.length > 0 ||
    parts.otherExclusions
  );
}

/**
 * The required terms (of `intersect`, other than the driver) cheaper to read in order, a `Query`
 * page of buckets at a time, than item by item with each bucket the driver visits: a
 * `BatchGetItem` of one posting item costs at least half a read unit however few its entries,
 * a `Query` the bytes it reads. So a term whose whole postings weigh less than half a unit per
 * bucket the driver may visit is read in order.
 */
export function readInOrder<T extends DriverOption>(
  options: readonly T[],
  driver: DriverOption,
  intersect: readonly string[],
  span: number,
): T[] {
  const driverBuckets = Math.min(estimate(driver, span), bucketsOver(span));
  return options.filter(
    (option) =>
      option.kind === 'word' &&
      option !== driver &&
      intersect.includes(option.term) &&
      (estimate(option, span) * ENTRY_BYTES) / BYTES_PER_READ_UNIT < driverBuckets / 2,
  );
}
