/**
 * `q`, parsed: whole words, `term*` word prefixes, `"quoted phrases"` (consecutive words), and
 * `-term` / `-"phrase"` / `-term*` exclusions; every part folded by `wordsOf`. All positive parts
 * must match (AND), no excluded part may. A term that folds to several words (`rules-based`,
 * `NATO's`) is the phrase of those words.
 */
import { BadParameterError } from '#platform/errors.js';
import { distinctWords, type FoldedCopy, foldedCopyOf, wordsOf } from './fold.js';

/**
 * Words a query may hold: every word of a phrase counts, as does each word and each prefix, excluded
 * or not. What one request may have to read grows with them (postings, pairs, vocabularies).
 */
export const MAX_QUERY_WORDS = 20;
/** Characters (code points) a prefix must have at least. */
export const MIN_PREFIX_LENGTH = 3;
/** Characters a prefix of Chinese, Japanese or Korean (Han, kana, Hangul) must have at least. */
export const MIN_IDEOGRAPHIC_PREFIX_LENGTH = 1;

/** Han ideographs, kana and Hangul syllables: one character carries what three letters do. */
const IDEOGRAPHIC =
  /^[\p{Script_Extensions=Han}\p{Script_Extensions=Hiragana}\p{Script_Extensions=Katakana}\p{Script=Hangul}]/u;

/**
 * The fewest characters a prefix may have: MIN_IDEOGRAPHIC_PREFIX_LENGTH when it starts with an
 * ideograph, kana or Hangul, else MIN_PREFIX_LENGTH. It depends on the first character alone, so
 * a word and each of its prefixes agree (the vocabulary partition, keys.ts, is those characters).
 */
export function minPrefixLength(wordOrPrefix: string): number {
  return IDEOGRAPHIC.test(wordOrPrefix) ? MIN_IDEOGRAPHIC_PREFIX_LENGTH : MIN_PREFIX_LENGTH;
}

export interface SearchQuery {
  /** Required whole words. */
  words: string[];
  /** Required phrases of two or more words, each as its words. */
  phrases: string[][];
  /** Required word prefixes (at least `minPrefixLength` characters). */
  prefixes: string[];
  notWords: string[];
  notPhrases: string[][];
  notPrefixes: string[];
}

const bad = (detail: string) => BadParameterError.of('q', `Query parameter "q" ${detail}`);

const TOKEN = /(-?)(?:"([^"]*)"?|([^\s"]+))/gu;

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

function sortedPhrases(values: Iterable<string[]>): string[][] {
  const byKey = new Map<string, string[]>();
  for (const phrase of values) byKey.set(phrase.join(' '), phrase);
  return [...byKey.keys()].sort().map((key) => byKey.get(key) as string[]);
}

/**
 * Parses `q`; a 400 naming `q` when nothing is left to look for, a prefix is too short or not one
 * word, or there are more than MAX_QUERY_WORDS words. Parts are sorted and deduplicated, so the same filter written
 * in another order is the same query (and the same cursor).
 */
export function parseSearchQuery(q: string): SearchQuery {
  // Curly quotes are quotes too; the dash may be any Unicode dash before a term.
  const text = q.replace(/[“”„‟″]/g, '"').replace(/(^|[\s\p{Zs}])[\u2010-\u2015\u2212](?=\S)/gu, '$1-');
  const words: string[] = [];
  const phrases: string[][] = [];
  const prefixes: string[] = [];
  const notWords: string[] = [];
  const notPhrases: string[][] = [];
  const notPrefixes: string[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const [, dash, quoted, bare] = match;
    const negative = dash === '-';
    const raw = quoted ?? bare ?? '';
    const isPrefix = quoted === undefined && raw.endsWith('*') && raw.replace(/\*+$/, '') !== '';
    const parts = wordsOf(raw);
    if (parts.length === 0) continue;
    if (isPrefix) {
      const [only] = parts;
      if (parts.length > 1 || only === undefined)
        throw bad(`has a prefix "${raw}" of several words; a prefix (term*) is one word.`);
      if ([...only].length < minPrefixLength(only))
        throw bad(
          `has a prefix "${raw}" shorter than ${MIN_PREFIX_LENGTH} letters or digits; write at least ${MIN_PREFIX_LENGTH} before * (one is enough for a Chinese, Japanese or Korean character).`,
        );
      (negative ? notPrefixes : prefixes).push(only);
    } else if (parts.length === 1) {
      (negative ? notWords : words).push(parts[0] as string);
    } else {
      (negative ? notPhrases : phrases).push(parts);
    }
  }
  const query: SearchQuery = {
    words: sortedUnique(words),
    phrases: sortedPhrases(phrases),
    prefixes: sortedUnique(prefixes),
    notWords: sortedUnique(notWords),
    notPhrases: sortedPhrases(notPhrases),
    notPrefixes: sortedUnique(notPrefixes),
  };
  const positive = query.words.length + query.phrases.length + query.prefixes.length;
  if (positive === 0) {
    throw bad(
      'must contain at least one word, word* prefix or "quoted phrase" to look for (exclusions alone are not enough).',
    );
  }
  const total = queryWordCount(query);
  if (total > MAX_QUERY_WORDS)
    throw bad(
      `may have at most ${MAX_QUERY_WORDS} words (each word of a phrase counts, and each prefix); it has ${total}.`,
    );
  return query;
}

/** The words of a query as MAX_QUERY_WORDS counts them: after folding and removing repeated parts. */
export function queryWordCount(query: SearchQuery): number {
  const phraseWords = (phrases: readonly string[][]) => phrases.reduce((n, phrase) => n + phrase.length, 0);
  return (
    query.words.length +
    phraseWords(query.phrases) +
    query.prefixes.length +
    query.notWords.length +
    phraseWords(query.notPhrases) +
    query.notPrefixes.length
  );
}

/** Every word a match must contain: the words and the words of the phrases. */
export function requiredWords(query: SearchQuery): string[] {
  return sortedUnique([...query.words, ...query.phrases.flat()]);
}

/** A folded copy prepared for repeated matching. */
export interface PreparedCopy {
  words: Set<string>;
  /** ` title ` and ` body ` with a space at each end, for phrase and prefix look-ups. */
  spaced: [string, string];
}

export function prepareCopy(copy: Pick<FoldedCopy, 'title' | 'body'>): PreparedCopy {
  return { words: distinctWords(copy), spaced: [` ${copy.title} `, ` ${copy.body} `] };
}

function hasPhrase(copy: PreparedCopy, phrase: readonly string[]): boolean {
  const needle = ` ${phrase.join(' ')} `;
  return copy.spaced.some((part) => part.includes(needle));
}

function hasPrefix(copy: PreparedCopy, prefix: string): boolean {
  const needle = ` ${prefix}`;
  return copy.spaced.some((part) => part.includes(needle));
}

/** Whether a folded copy satisfies the query. */
export function matchesCopy(query: SearchQuery, copy: PreparedCopy): boolean {
  return (
    query.words.every((word) => copy.words.has(word)) &&
    query.phrases.every((phrase) => hasPhrase(copy, phrase)) &&
    query.prefixes.every((prefix) => hasPrefix(copy, prefix)) &&
    !query.notWords.some((word) => copy.words.has(word)) &&
    !query.notPhrases.some((phrase) => hasPhrase(copy, phrase)) &&
    !query.notPrefixes.some((prefix) => hasPrefix(copy, prefix))
  );
}

/** Whether a release's title and body satisfy the query (the scan's check, and the reference). */
export function matchesText(query: SearchQuery, title: string, body: string): boolean {
  const copy = foldedCopyOf(title, '');
  return matchesCopy(query, prepareCopy({ title: copy.title, body: wordsOf(body).join(' ') }));
}
