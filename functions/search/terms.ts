/**
 * Which terms of a release's folded text get postings under a stop list: its indexed words (not
 * stop words, not too long) and its indexed pairs (adjacent stop words of a derived list, unless
 * the pair is itself common).
 */
import { distinctWords, type FoldedCopy, MAX_INDEXED_WORD_LENGTH } from './fold.js';
import { commonPairBucket, pairTerm, type StopList } from './keys.js';

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
export function adjacentPairs(
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
