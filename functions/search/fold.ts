/**
 * Folding and word splitting for `q` and the word index. Both the query and the indexed text go
 * through `wordsOf`, so they agree on what a word is. A text is folded in this order:
 *
 * 1. format characters (`\p{Cf}`: soft hyphen, zero-width space and joiners, word joiner, BOM)
 *    are removed, so `inter\u00ADnational` is `international`;
 * 2. NFKC: compatibility forms become their plain letters (`ﬁ` -> `fi`, full-width `Ａ` -> `A`,
 *    half-width katakana -> katakana, `①` -> `1`);
 * 3. full Unicode case folding (case-fold.ts): `Straße` -> `strasse`, `ΣΟΦΟΣ` -> `σοφοσ`;
 * 4. accents and macrons are removed from Latin, Greek and Cyrillic letters (and any mark on no
 *    letter), `whānau` -> `whanau`, `ё` -> `е`; marks of other scripts are letters there and stay
 *    (Devanagari vowel signs, Thai vowels and tones, the Japanese voicing mark);
 * 5. a word is a maximal run of letters, digits and the marks kept; everything else (any Unicode
 *    space, punctuation, Markdown markers, apostrophes) separates words: `NATO's` is `nato` `s`,
 *    `**Prime** Minister` is `prime` `minister`;
 * 6. runs of scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar)
 *    are split into words by the segmenter (segment.ts): `中国政府宣布` is `中国` `政府` `宣布`.
 *
 * ASCII text, which none of this changes but case, takes a fast path (`wordsOf`).
 */
import { caseFold } from './case-fold.js';
import { appendSegmented, UNSPACED_CHARACTER } from './segment.js';

/**
 * The version of these rules (and of the segmenter data they rely on). It is part of every
 * release's text version (keys.ts `textVersion`), so changing the rules and this constant makes
 * the next sync of each release re-derive its index entries (`npm run reindex -- --reproject`).
 * Version 1 was NFKD, accent removal, `toLowerCase` and runs of letters and digits.
 */
export const TEXT_FOLDING_VERSION = '2';

/**
 * Words longer than this (UTF-16 code units) are posted under their first MAX_INDEXED_WORD_LENGTH
 * units and a mark (terms.ts `indexTerm`), so posting keys stay small; the folded copy keeps them
 * whole.
 */
export const MAX_INDEXED_WORD_LENGTH = 64;
/** The folded body kept per release is cut here (an item holds 400 KB); longer bodies are verified from the release. */
export const MAX_FOLDED_BODY_BYTES = 300 * 1024;

/** A UTF-16 code unit outside ASCII (without the u flag: a surrogate too). */
const NON_ASCII = /[\u0080-\uffff]/g;
const ASCII_WORD = /[a-z0-9]+/g;
const FORMAT = /\p{Cf}+/gu;
/** Marks that folding removes: on a Latin, Greek, Cyrillic or Common character, or on nothing. */
const FOLDED_MARKS = /(^|[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}])\p{M}+/gu;
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

/** `text` folded (steps 1-4 above), not yet split into words. */
export function foldText(text: string): string {
  const folded = caseFold(text.replace(FORMAT, '').normalize('NFKC'));
  return folded.normalize('NFD').replace(FOLDED_MARKS, '$1').normalize('NFC');
}

function pushAll(out: string[], words: readonly string[] | null): void {
  if (words) for (const word of words) out.push(word);
}

/**
 * Appends the words of `text` to `out`, folding it whole (what `wordsOf` does a stretch at a time,
 * and what it is tested against).
 */
export function appendFoldedWords(text: string, out: string[]): void {
  const folded = foldText(text);
  const words = folded.match(WORD);
  if (!words) return;
  if (UNSPACED_CHARACTER.test(folded)) appendSegmented(words, out);
  else pushAll(out, words);
}

/** Space, tab, line feed, vertical tab, form feed, carriage return. */
function isAsciiSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

function appendAscii(text: string, out: string[]): void {
  pushAll(out, text.toLowerCase().match(ASCII_WORD));
}

/**
 * The folded words of a text, in order, repeats kept. Folding never joins or splits across ASCII
 * white space, so the text is folded a stretch at a time: stretches of ASCII characters (which
 * fold to their lower case) with one regular expression, and each stretch of non-blank tokens
 * that hold another character through all of `foldText`.
 */
export function wordsOf(text: string): string[] {
  NON_ASCII.lastIndex = 0;
  let hit = NON_ASCII.exec(text);
  if (!hit) return text.toLowerCase().match(ASCII_WORD) ?? [];
  const out: string[] = [];
  let from = 0;
  const tokenStart = (index: number) => {
    let at = index;
    while (at > from && !isAsciiSpace(text.charCodeAt(at - 1))) at -= 1;
    return at;
  };
  const tokenEnd = (index: number) => {
    let at = index + 1;
    while (at < text.length && !isAsciiSpace(text.charCodeAt(at))) at += 1;
    return at;
  };
  while (hit) {
    const start = tokenStart(hit.index);
    let end = tokenEnd(hit.index);
    // Take the tokens that follow while they too hold a non-ASCII character.
    for (;;) {
      NON_ASCII.lastIndex = end;
      hit = NON_ASCII.exec(text);
      if (!hit) break;
      let at = hit.index;
      while (at > end && !isAsciiSpace(text.charCodeAt(at - 1))) at -= 1;
      while (at > end && isAsciiSpace(text.charCodeAt(at - 1))) at -= 1;
      if (at !== end) break;
      end = tokenEnd(hit.index);
    }
    if (start > from) appendAscii(text.slice(from, start), out);
    appendFoldedWords(text.slice(start, end), out);
    from = end;
  }
  if (from < text.length) appendAscii(text.slice(from), out);
  return out;
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
  /** The whole folded body (`body` unless cut): what the index posts and versions. */
  whole: string;
}

export function foldedCopyOf(title: string, body: string): FoldedCopy {
  const foldedTitle = wordsOf(title).join(' ');
  const whole = wordsOf(body).join(' ');
  let foldedBody = whole;
  let cut = false;
  if (Buffer.byteLength(foldedBody, 'utf8') > MAX_FOLDED_BODY_BYTES) {
    // Cut at a word boundary below the limit; a cut multi-byte character would not decode.
    let end = Math.min(foldedBody.length, MAX_FOLDED_BODY_BYTES);
    while (Buffer.byteLength(foldedBody.slice(0, end), 'utf8') > MAX_FOLDED_BODY_BYTES) end -= 1024;
    const space = foldedBody.lastIndexOf(' ', end);
    foldedBody = foldedBody.slice(0, space > 0 ? space : end);
    cut = true;
  }
  return { title: foldedTitle, body: foldedBody, cut, whole };
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

/**
 * A copy of `text` that keeps nothing else alive: a word split out of a text may be a slice that
 * holds the whole text in memory (V8), which a map of words counted over many releases must not
 * keep. Exact for any string (lone surrogates too).
 */
export function detachedCopy(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
