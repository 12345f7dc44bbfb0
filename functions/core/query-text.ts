/**
 * The `q` text filter: every term must appear, a "quoted phrase" must appear as written; both
 * sides are folded by `foldForSearch` (case, accents, quotes and every kind of white space, so a
 * no-break space in "Prime Minister" matches a typed space). Matching is by substring of the folded
 * title and body, so `nato` also finds "NATO's".
 */
import { BadParameterError } from './query-errors.js';
import { foldForSearch } from './slug.js';

export const MAX_TEXT_TERMS = 20;

export interface TextQuery {
  /** Folded single words. */
  terms: string[];
  /** Folded phrases, white space folded to single spaces. */
  phrases: string[];
}

const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/** Splits `q` into terms and phrases; an unterminated quote runs to the end. Throws 400 when nothing is left. */
export function parseTextQuery(q: string): TextQuery {
  const folded = foldForSearch(q);
  const terms = new Set<string>();
  const phrases = new Set<string>();
  for (const match of folded.matchAll(/"([^"]*)"?|([^\s"]+)/g)) {
    const [, phrase, word] = match;
    if (phrase !== undefined) {
      const clean = phrase.trim();
      if (clean !== '') phrases.add(clean);
    } else if (word !== undefined) {
      const clean = word.replace(EDGE_PUNCTUATION, '');
      if (clean !== '') terms.add(clean);
    }
  }
  if (terms.size + phrases.size === 0) {
    throw BadParameterError.of('q', 'Query parameter "q" must contain at least one word or "quoted phrase".');
  }
  if (terms.size + phrases.size > MAX_TEXT_TERMS) {
    throw BadParameterError.of(
      'q',
      `Query parameter "q" may have at most ${MAX_TEXT_TERMS} terms and phrases.`,
    );
  }
  // Sorted, so that the same filter written in another order is the same query (and cursor).
  return { terms: [...terms].sort(), phrases: [...phrases].sort() };
}

/** Whether every term and phrase occurs in the already folded text. */
export function matchesFolded(query: TextQuery, foldedText: string): boolean {
  return (
    query.terms.every((term) => foldedText.includes(term)) &&
    query.phrases.every((phrase) => foldedText.includes(phrase))
  );
}

/** Title and body are folded separately so no phrase can span the two. */
export function matchesRelease(query: TextQuery, title: string, body: string): boolean {
  return matchesFolded(query, `${foldForSearch(title)}\n${foldForSearch(body)}`);
}
