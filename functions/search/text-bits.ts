/**
 * Stop-word bits: for each word of the stop list (words in more than a tenth of the releases, left
 * out of the index), whether a release contains it. The projector writes them into the release's
 * list items, so a `q` made of stop words, which the word index cannot serve, is decided from the
 * list items the scan reads anyway instead of from each candidate's text.
 *
 * Bit i stands for the i-th word of the stop list's sorted `words` (not its `overflow`, which
 * grows one word at a time); the stop list's `version` is a hash of those words, so bits are used
 * only when their version is the current one. Anything the bits cannot decide (phrases, prefixes,
 * words outside the stop list, bits of another version) is checked on the text as before.
 */

import type { TextBits } from '#table/table-layout.js';
import { type Decision, decide } from './decide.js';
import { wordsOf } from './fold.js';
import { type StopList, textVersion } from './keys.js';
import type { SearchQuery } from './query.js';

/** Stored with a release's list items; the table layout declares it (table/table-layout.ts). */
export type { TextBits };

/** The bits of a release's title and body, or undefined when the stop list has no bit words. */
export function textBitsOf(
  stop: StopList,
  release: { date: string; title: string; body: string },
): TextBits | undefined {
  // The words `q` is matched against: the folded title and the whole folded body.
  const title = wordsOf(release.title);
  const body = wordsOf(release.body);
  return bitsOfWords(
    stop,
    new Set([...title, ...body]),
    textVersion(release.date, title.join(' '), body.join(' ')),
  );
}

/** The bits of a release's distinct folded words, computed from the text of version `text`. */
export function bitsOfWords(stop: StopList, words: ReadonlySet<string>, text: string): TextBits | undefined {
  if (stop.bitWords.length === 0) return undefined;
  const bits = new Uint8Array(Math.ceil(stop.bitWords.length / 8));
  stop.bitWords.forEach((word, i) => {
    if (words.has(word)) bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
  });
  return { version: stop.version, text, bits };
}

/**
 * What the bits know of a release's words under the current stop list: a bit word's presence,
 * undefined for any other word. Undefined altogether for bits of another stop list version.
 */
export function bitKnowledge(
  stop: StopList,
  bits: TextBits | undefined,
): ((word: string) => boolean | undefined) | undefined {
  if (!bits || bits.version !== stop.version || stop.bitWords.length === 0) return undefined;
  return (word) => {
    const i = bitIndex(stop, word);
    if (i === undefined) return undefined;
    const byte = bits.bits[i >> 3];
    return byte === undefined ? undefined : (byte & (1 << (i & 7))) !== 0;
  };
}

/**
 * What the bits say about a query: `match` or `miss` when they decide it, `unknown` when the text
 * must be read. Bits of another stop list version decide nothing.
 */
export function decideByBits(query: SearchQuery, stop: StopList, bits: TextBits | undefined): Decision {
  const has = bitKnowledge(stop, bits);
  return has ? decide(query, { has }) : 'unknown';
}

const indexes = new WeakMap<StopList, Map<string, number>>();

function bitIndex(stop: StopList, word: string): number | undefined {
  let index = indexes.get(stop);
  if (!index) {
    index = new Map(stop.bitWords.map((w, i) => [w, i]));
    indexes.set(stop, index);
  }
  return index.get(word);
}
