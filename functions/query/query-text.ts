/**
 * The `q` text filter as the query planner and the scan see it: whole words after folding, word
 * prefixes, phrases of consecutive words and exclusions. The grammar and the matching live in
 * functions/search/query.ts, shared with the word index, so both paths agree exactly.
 */
import { matchesText, parseSearchQuery, type SearchQuery } from '#search/query.js';

export { MAX_QUERY_WORDS } from '#search/query.js';

export type TextQuery = SearchQuery;

/** Parses `q`; throws a 400 naming `q` when nothing is left to look for or a part is malformed. */
export function parseTextQuery(q: string): TextQuery {
  return parseSearchQuery(q);
}

/** Whether a release's title and body satisfy the query. */
export function matchesRelease(query: TextQuery, title: string, body: string): boolean {
  return matchesText(query, title, body);
}

/** Whether the title alone settles a match: every positive part is in it and nothing can exclude. */
export function matchesOnTitle(query: TextQuery, title: string): boolean {
  const hasExclusions = query.notWords.length + query.notPhrases.length + query.notPrefixes.length > 0;
  return !hasExclusions && matchesText(query, title, '');
}
