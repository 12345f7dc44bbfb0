/**
 * Which terms of a release's folded text get postings under a stop list: its indexed words (not
 * stop words; a long word under its truncated term) and its indexed pairs (adjacent stop words of
 * a derived list, unless the pair is itself common).
 */
import { distinctWords, type FoldedCopy, MAX_INDEXED_WORD_LENGTH } from './fold.js';
import { commonPairBucket, pairTerm, type StopList } from './keys.js';

/** Ends the term of a truncated word: never in a word (it is punctuation), so never a word's own term. */
export const TRUNCATED_MARK = '…';

/** The first MAX_INDEXED_WORD_LENGTH code units of `text`, not cutting a surrogate pair. */
function head(text: string): string {
  const cut = text.slice(0, MAX_INDEXED_WORD_LENGTH);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/**
 * The term a word is posted under: the word itself, or for a word longer than
 * MAX_INDEXED_WORD_LENGTH its first characters and TRUNCATED_MARK. Every long word with those
 * first characters shares the term, so its postings find candidates, and the folded copy decides.
 */
export function indexTerm(word: string): string {
  return word.length <= MAX_INDEXED_WORD_LENGTH ? word : `${head(word)}${TRUNCATED_MARK}`;
}

/** Whether postings of `word`'s term list exactly the releases with `word` (not a truncated term). */
export function isExactTerm(word: string): boolean {
  return word.length <= MAX_INDEXED_WORD_LENGTH;
}

/** Whether `word` is posted (under `indexTerm(word)`): neither it nor its term is a stop word. */
export function isIndexable(word: string, stop: StopList): boolean {
  return !stop.words.has(word) && (isExactTerm(word) || !stop.words.has(indexTerm(word)));
}

/**
 * What the vocabulary is searched with for a prefix: the prefix, or for a prefix longer than
 * MAX_INDEXED_WORD_LENGTH its head, which lists the truncated terms of its words (and of other
 * words with that head: such a prefix is verified on the folded copy).
 */
export function vocabularyPrefix(prefix: string): string {
  return isExactTerm(prefix) ? prefix : head(prefix);
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

/** Calls `visit` with each adjacent pair of the folded title and of the folded body (none spans the two). */
export function forEachAdjacentPair(
  copy: Pick<FoldedCopy, 'title' | 'body'>,
  visit: (first: string, second: string) => void,
): void {
  for (const part of [copy.title, copy.body]) {
    if (part === '') continue;
    const words = part.split(' ');
    for (let i = 0; i + 1 < words.length; i += 1) visit(words[i] as string, words[i + 1] as string);
  }
}

/** The adjacent pairs of the folded title and of the folded body (none spans the two), as terms. */
export function adjacentPairs(
  copy: Pick<FoldedCopy, 'title' | 'body'>,
  keep: (a: string, b: string) => boolean,
): string[] {
  const out: string[] = [];
  forEachAdjacentPair(copy, (first, second) => {
    if (keep(first, second)) out.push(pairTerm(first, second));
  });
  return out;
}

/** The terms of a folded copy that get postings under a stop list: indexed words and indexed pairs. */
export function indexedWords(copy: Pick<FoldedCopy, 'title' | 'body'>, stop: StopList): Set<string> {
  const out = new Set<string>();
  for (const word of distinctWords(copy)) if (isIndexable(word, stop)) out.add(indexTerm(word));
  for (const pair of adjacentPairs(copy, (a, b) => isIndexablePair(a, b, stop))) out.add(pair);
  return out;
}
