/**
 * What partial knowledge of a release's text decides about a query, without the text: which
 * words it certainly has or lacks (stop-word bits, postings), which phrases certainly do not
 * occur (its pair filter), and which certainly do (the postings of a two-word phrase's pair). `match` and `miss` are exact; `unknown` means the text must be read.
 */
import type { SearchQuery } from './query.js';

export type Decision = 'match' | 'miss' | 'unknown';

export interface TextKnowledge {
  /** Whether the release has the word: true, false, or undefined when not known. */
  has(word: string): boolean | undefined;
  /**
   * `absent` when the phrase certainly does not occur, `present` when it certainly does, `maybe`
   * when only the text can tell.
   */
  phrase?(phrase: readonly string[]): 'absent' | 'present' | 'maybe';
}

export function decide(query: SearchQuery, known: TextKnowledge): Decision {
  let unknown = query.prefixes.length > 0 || query.notPrefixes.length > 0;
  for (const word of query.words) {
    const present = known.has(word);
    if (present === false) return 'miss';
    if (present === undefined) unknown = true;
  }
  for (const phrase of query.phrases) {
    // A missing word or pair rules the phrase out; all present still leaves the order to check.
    if (phrase.map((word) => known.has(word)).includes(false)) return 'miss';
    const said = known.phrase?.(phrase);
    if (said === 'absent') return 'miss';
    if (said !== 'present') unknown = true;
  }
  for (const word of query.notWords) {
    const present = known.has(word);
    if (present === true) return 'miss';
    if (present === undefined) unknown = true;
  }
  for (const phrase of query.notPhrases) {
    // An excluded phrase with a missing word or pair cannot occur; otherwise only the text can tell.
    if (phrase.map((word) => known.has(word)).includes(false)) continue;
    const said = known.phrase?.(phrase);
    if (said === 'absent') continue;
    if (said === 'present') return 'miss';
    unknown = true;
  }
  return unknown ? 'unknown' : 'match';
}
