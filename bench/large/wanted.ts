/**
 * What the measured `q`s can read of the word index, derived the way the API derives it (the
 * query parser and planner's `splitQuery`, under the size's stop list): the posting terms they
 * name, the words their prefixes list (and may probe) and the vocabulary partitions those
 * listings read, and the walks that may lead to a release's search entry and folded copy.
 */
import { MAX_LISTED_WORDS } from '#search/index-plan.js';
import { type StopList, vocabularyPartition } from '#search/keys.js';
import { splitQuery } from '#search/planner.js';
import { parseSearchQuery } from '#search/query.js';
import { indexTerm, isIndexable, vocabularyPrefix } from '#search/terms.js';

/** A walk the planner may choose to drive a query: one term's postings, or a prefix's words'. */
export interface Driver {
  name: string;
  terms: string[];
}

export interface WantedIndex {
  /** Posting terms written whole (every bucket). */
  terms: Set<string>;
  /** The pairs among them. */
  pairs: Set<string>;
  /** Vocabulary partitions written whole. */
  vocabularyPartitions: Set<string>;
  /** The walks whose newest candidates get their search entries and folded copies. */
  drivers: Driver[];
  /** Terms whose every release gets its search entry and folded copy (`/facets?q=` counts them all). */
  counted: Set<string>;
  /** `q`s the parser refuses (a 400 reads nothing). */
  refused: string[];
}

/** Bytes order, as DynamoDB sorts string sort keys. */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The terms of the vocabulary (indexed words of `words`, as posted) sorted as their partition is,
 * for listing a prefix's words as the reader does.
 */
export function vocabularyTerms(words: Iterable<string>, stop: StopList): string[] {
  const terms = new Set<string>();
  for (const word of words) if (isIndexable(word, stop)) terms.add(indexTerm(word));
  return [...terms].sort(byBytes);
}

/** The first `count` of sorted `terms` that start with `prefix` (binary search to the first). */
function listed(terms: readonly string[], prefix: string, count: number): string[] {
  let low = 0;
  let high = terms.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (byBytes(terms[mid] as string, prefix) < 0) low = mid + 1;
    else high = mid;
  }
  const out: string[] = [];
  for (let i = low; i < terms.length && out.length < count; i += 1) {
    const term = terms[i] as string;
    if (!term.startsWith(prefix)) break;
    out.push(term);
  }
  return out;
}

export function wantedIndex(
  queries: readonly string[],
  counted: readonly string[],
  stop: StopList,
  vocabulary: readonly string[],
): WantedIndex {
  const wanted: WantedIndex = {
    terms: new Set(),
    pairs: new Set(),
    vocabularyPartitions: new Set(),
    drivers: [],
    counted: new Set(),
    refused: [],
  };
  const parts = (q: string) => {
    try {
      return splitQuery(parseSearchQuery(q), stop);
    } catch {
      wanted.refused.push(q);
      return undefined;
    }
  };
  for (const q of queries) {
    const split = parts(q);
    if (!split) continue;
    for (const term of [...split.indexed, ...split.excludedIndexed]) {
      wanted.terms.add(term);
      wanted.drivers.push({ name: term, terms: [term] });
    }
    for (const prefix of split.expandable) {
      const head = vocabularyPrefix(prefix);
      wanted.vocabularyPartitions.add(vocabularyPartition(head));
      // The reader lists one more than MAX_LISTED_WORDS to know a listing is incomplete.
      const words = listed(vocabulary, head, MAX_LISTED_WORDS + 1);
      for (const word of words) wanted.terms.add(word);
      wanted.drivers.push({ name: `${prefix}*`, terms: words });
    }
  }
  for (const q of counted) {
    for (const term of parts(q)?.indexed ?? []) {
      wanted.terms.add(term);
      wanted.counted.add(term);
    }
  }
  for (const term of wanted.terms) if (term.includes(' ')) wanted.pairs.add(term);
  return wanted;
}
