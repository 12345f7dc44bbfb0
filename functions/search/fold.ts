/**
 * Folding and word splitting for `q` and the word index. Both the query and the indexed text go
 * through `wordsOf`, so they agree on what a word is: a maximal run of letters and digits after
 * case, accents and macrons are folded. Everything else (any Unicode space, punctuation, Markdown
 * markers, apostrophes) separates words: `NATO's` is `nato` `s`, `**Prime** Minister` is
 * `prime` `minister`, `whānau` is `whanau`.
 */
import { removeAccents } from '#release/slug.js';

const WORD = /[\p{L}\p{N}]+/gu;

/** Words longer than this are kept in the folded copy but not indexed (posting keys stay small). */
export const MAX_INDEXED_WORD_LENGTH = 64;
/** The folded body kept per release is cut here (an item holds 400 KB); longer bodies are verified from the release. */
export const MAX_FOLDED_BODY_BYTES = 300 * 1024;

/** The folded words of a text, in order, repeats kept. */
export function wordsOf(text: string): string[] {
  return removeAccents(text).toLowerCase().match(WORD) ?? [];
}

/**
 * The compact folded copy of a release that phrases, prefixes and exclusions are verified on:
 * title and body words, each joined by single spaces (kept apart so no phrase spans the two).
 */
export interface FoldedCopy {
  title: string;
  body: string;
  /** The body was longer than MAX_FOLDED_BODY_BYTES and is cut: verify on the release itself. */
  cut: boolean;
}

export function foldedCopyOf(title: string, body: string): FoldedCopy {
  const foldedTitle = wordsOf(title).join(' ');
  let foldedBody = wordsOf(body).join(' ');
  let cut = false;
  if (Buffer.byteLength(foldedBody, 'utf8') > MAX_FOLDED_BODY_BYTES) {
    // Cut at a word boundary below the limit; a cut multi-byte character would not decode.
    let end = Math.min(foldedBody.length, MAX_FOLDED_BODY_BYTES);
    while (Buffer.byteLength(foldedBody.slice(0, end), 'utf8') > MAX_FOLDED_BODY_BYTES) end -= 1024;
    const space = foldedBody.lastIndexOf(' ', end);
    foldedBody = foldedBody.slice(0, space > 0 ? space : end);
    cut = true;
  }
  return { title: foldedTitle, body: foldedBody, cut };
}

/** The distinct words of a folded copy. */
export function distinctWords(copy: Pick<FoldedCopy, 'title' | 'body'>): Set<string> {
  const words = new Set<string>();
  for (const part of [copy.title, copy.body]) {
    if (part === '') continue;
    for (const word of part.split(' ')) words.add(word);
  }
  return words;
}
