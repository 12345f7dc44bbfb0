/**
 * The plain-text opening of a Markdown body, for list pages.
 *
 * Every step is linear in the body's size. Regexes such as `<[^>]+>`, `\[([^\]]*)\]\(` or a lazy
 * `(\*)(?=\S)([\s\S]*?\S)\1` restart their search at every opening character, so a body full of
 * `<`, `[` or ` *a` made them quadratic (120,000 characters took seconds, a 1 MB body minutes).
 * Here each construct is one left-to-right pass, and each search for a closing delimiter resumes
 * where the previous one stopped (see {@link forwardSearch}), so no character is scanned twice by
 * the same search.
 */
import { foldSpaces } from './slug.js';

export const SUMMARY_MAX_CHARS = 280;

/** What replaces the text from the match's start up to `end` (exclusive). */
type Replacement = { end: number; text: string } | undefined;

/**
 * A global replace driven by code: at each index holding one of `starts`, `match` may claim the
 * text up to some `end`; scanning resumes there, as `String.prototype.replace` with /g does.
 */
function replaceEach(source: string, starts: string, match: (index: number) => Replacement): string {
  const parts: string[] = [];
  let copied = 0;
  let index = nextStart(source, starts, 0);
  while (index !== -1) {
    const found = match(index);
    if (found === undefined) {
      index = nextStart(source, starts, index + 1);
      continue;
    }
    parts.push(source.slice(copied, index), found.text);
    copied = found.end;
    index = nextStart(source, starts, found.end);
  }
  if (copied === 0) return source;
  parts.push(source.slice(copied));
  return parts.join('');
}

function nextStart(source: string, starts: string, from: number): number {
  if (starts.length === 1) return source.indexOf(starts, from);
  for (let index = from; index < source.length; index += 1) {
    if (starts.includes(source.charAt(index))) return index;
  }
  return -1;
}

/**
 * Memoises a forward search (smallest index >= `from` where something is, or -1). While `from`
 * never decreases between calls, an answer at or beyond `from` is reused and a new search starts
 * beyond the last one, so all calls together scan the text once. A call with a smaller `from`
 * simply searches again: still correct, only not amortised.
 */
function forwardSearch(search: (from: number) => number): (from: number) => number {
  let searched = false;
  let lastFrom = 0;
  let lastFound = -1;
  return (from) => {
    if (searched && from >= lastFrom && (lastFound === -1 || from <= lastFound)) return lastFound;
    searched = true;
    lastFrom = from;
    lastFound = search(from);
    return lastFound;
  };
}

const indexOf = (text: string, needle: string) => (from: number) => text.indexOf(needle, from);

/** JavaScript's `\s`, so that the emphasis rule matches what the regex it replaces matched. */
function isSpace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

const OPEN_BRACKET = 0x5b;

/** An opener and everything up to the next closer (both included) becomes one space. */
function dropDelimited(text: string, open: string, close: string): string {
  const closer = forwardSearch(indexOf(text, close));
  return replaceEach(text, open.charAt(0), (index) => {
    if (!text.startsWith(open, index)) return undefined;
    const end = closer(index + open.length);
    return end === -1 ? undefined : { end: end + close.length, text: ' ' };
  });
}

/** `<tag …>`: a `<`, at least one character, the next `>`. */
function dropTags(text: string): string {
  const gt = forwardSearch(indexOf(text, '>'));
  return replaceEach(text, '<', (index) => {
    const end = gt(index + 1);
    return end === -1 || end === index + 1 ? undefined : { end: end + 1, text: ' ' };
  });
}

/**
 * `[label]` followed by `(target)` or `[reference]` (per `second`), optionally led by `!`; the
 * whole becomes the label. A label or target cannot contain its own closing character, so the
 * next one closes it.
 */
function keepLinkLabels(text: string, image: boolean, second: '(' | '['): string {
  const closeLabel = forwardSearch(indexOf(text, ']'));
  const closeTarget = forwardSearch(indexOf(text, second === '(' ? ')' : ']'));
  const lead = image ? 1 : 0;
  return replaceEach(text, image ? '!' : '[', (index) => {
    if (image && text.charCodeAt(index + 1) !== OPEN_BRACKET) return undefined;
    const labelEnd = closeLabel(index + lead + 1);
    if (labelEnd === -1 || text[labelEnd + 1] !== second) return undefined;
    const targetEnd = closeTarget(labelEnd + 2);
    return targetEnd === -1
      ? undefined
      : { end: targetEnd + 1, text: text.slice(index + lead + 1, labelEnd) };
  });
}

/** Tried in this order at each position, as the alternation `(\*\*|__|\*|_|~~|`)` is. */
const EMPHASIS = ['**', '__', '*', '_', '~~', '`'] as const;

/**
 * `*text*`, `**text**`, `_text_`, `__text__`, `~~text~~`, `` `text` `` become their text: the
 * delimiter, a non-space, then the nearest same delimiter that follows a non-space.
 */
function dropEmphasis(text: string): string {
  const closers = new Map(
    EMPHASIS.map((delimiter) => [
      delimiter,
      forwardSearch((from) => {
        let at = text.indexOf(delimiter, from);
        while (at !== -1 && isSpace(text.charCodeAt(at - 1))) at = text.indexOf(delimiter, at + 1);
        return at;
      }),
    ]),
  );
  return replaceEach(text, '*_~`', (index) => {
    for (const delimiter of EMPHASIS) {
      if (!text.startsWith(delimiter, index)) continue;
      const start = index + delimiter.length;
      if (start >= text.length || isSpace(text.charCodeAt(start))) continue;
      const close = closers.get(delimiter)?.(start + 1) ?? -1;
      if (close !== -1) return { end: close + delimiter.length, text: text.slice(start, close) };
    }
    return undefined;
  });
}

/** Markdown to plain text, roughly: enough for a summary, not a renderer. */
export function markdownToText(markdown: string): string {
  let text = dropDelimited(markdown, '```', '```');
  text = dropDelimited(text, '<!--', '-->');
  text = dropTags(text);
  text = keepLinkLabels(text, true, '(');
  text = keepLinkLabels(text, false, '(');
  text = keepLinkLabels(text, false, '[');
  // Linear as regexes: both are anchored at line starts, and what they can backtrack over is
  // bounded (three spaces, one marker, one line of digits, or a rule that must end its line).
  text = text
    .replace(/^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)/gm, '')
    .replace(/^\s{0,3}(?:[-*_]\s*){3,}$/gm, ' ');
  return dropEmphasis(text)
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
}

/** The first `count` code points of `text` (a lone surrogate counts as one, as in `[...text]`). */
function codePointPrefix(text: string, count: number): string {
  let end = 0;
  for (let n = 0; n < count && end < text.length; n += 1) {
    end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
  }
  return text.slice(0, end);
}

/**
 * The folded (white-space-collapsed, trimmed) text, or at least enough of its start to hold
 * `count` code points: folding a 5 MiB text whole costs more than everything else here.
 * Folding a prefix gives a prefix of the folded whole, so the prefix doubles until it suffices.
 */
function foldedHead(text: string, count: number): string {
  for (let length = count * 4; ; length *= 2) {
    if (length >= text.length) return foldSpaces(text);
    const folded = foldSpaces(text.slice(0, length));
    // One code point to spare: the prefix may end inside a surrogate pair.
    if (codePointPrefix(folded, count + 1).length < folded.length) return folded;
  }
}

/** At most `max` characters, cut at a word boundary with an ellipsis when cut. */
export function summarise(markdown: string, max = SUMMARY_MAX_CHARS): string {
  const text = foldedHead(markdownToText(markdown), max + 1);
  if (codePointPrefix(text, max).length === text.length) return text;
  const chars = codePointPrefix(text, max - 1);
  const lastSpace = chars.lastIndexOf(' ');
  const cut = lastSpace > max / 2 ? chars.slice(0, lastSpace) : chars;
  return `${cut.replace(/[\s,;:.–—-]+$/u, '')}…`;
}
