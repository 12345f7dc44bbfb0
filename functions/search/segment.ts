/**
 * Words of scripts written without spaces between words: Han, Hiragana, Katakana, Thai, Lao,
 * Khmer and Myanmar. A run of them is split by `Intl.Segmenter` (word granularity: ICU's
 * dictionaries), `中国政府宣布` into `中国` `政府` `宣布`. Letters of other scripts next to such a
 * run are words of their own (`iphone手机` is `iphone` `手机`), whatever the segmenter would say.
 *
 * The work is bounded: a run is segmented in windows of WINDOW code units, each window's last
 * segment left to the next window (so a word the window's end would cut is segmented whole
 * there; only a segment longer than a window is cut), so a long run costs its length, never
 * more, and no dictionary pass sees more than a window (the segmenter of Node.js 20 slows down
 * past a few thousand characters at once). Short runs are segmented many to a call. How a run
 * splits depends on the run alone, never on the text around it, so a query and a text agree.
 */

/** Scripts written without spaces, by Script_Extensions (so `ー` and `々` count). */
const UNSPACED = ['Han', 'Hiragana', 'Katakana', 'Thai', 'Lao', 'Khmer', 'Myanmar']
  .map((script) => `\\p{Script_Extensions=${script}}`)
  .join('');

/** A character of a script without spaces. */
export const UNSPACED_CHARACTER = new RegExp(`[${UNSPACED}]`, 'u');
/** A word's pieces: runs of unspaced scripts (with their marks), and runs of anything else. */
const PIECES = new RegExp(`[${UNSPACED}][${UNSPACED}\\p{M}]*|[^${UNSPACED}]+`, 'gu');
/** A word of another script starts with a letter or digit (a mark left at a piece's start is dropped). */
const OTHER_WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

/** Code units segmented at once. */
export const WINDOW = 512;

/**
 * A fixed locale: word rules and dictionaries are the same in every locale, while `undefined`
 * (or `und`) would follow the process's LANG.
 */
let segmenter: Intl.Segmenter | undefined;
/**
 * Made on first use: building it loads ICU's word-break data (milliseconds), which a cold start
 * should pay only when a text has an unspaced script to split.
 */
function wordSegmenter(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter('en', { granularity: 'word' });
  return segmenter;
}

/** Whether the character at `index` may not start a window (it continues the one before it). */
function continues(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return (code >= 0xdc00 && code <= 0xdfff) || /\p{M}/u.test(text[index] ?? '');
}

/** Appends the words of a run of unspaced scripts to `out`, a window at a time. */
function segmentRun(run: string, out: string[]): void {
  for (let start = 0; start < run.length; ) {
    let end = Math.min(run.length, start + WINDOW);
    while (end < run.length && end > start + 1 && continues(run, end)) end -= 1;
    const segments = [...wordSegmenter().segment(run.slice(start, end))];
    if (end < run.length && segments.length > 1) {
      const last = segments.pop() as Intl.SegmentData;
      end = start + last.index;
    }
    for (const segment of segments) if (segment.isWordLike) out.push(segment.segment);
    start = end;
  }
}

/**
 * Runs waiting to be segmented, joined by spaces so that one call of the segmenter (whose every
 * call costs about as much as a few dozen words) takes many short runs; a space always separates
 * words, so each run is split as it would be alone.
 */
class Batch {
  private runs: string[] = [];
  private holders: string[][] = [];
  private length = 0;

  add(run: string, holder: string[]): void {
    if (run.length >= WINDOW) {
      segmentRun(run, holder);
      return;
    }
    if (this.length + run.length + 1 > WINDOW) this.flush();
    this.runs.push(run);
    this.holders.push(holder);
    this.length += run.length + 1;
  }

  flush(): void {
    if (this.runs.length === 0) return;
    let run = 0;
    let runEnd = (this.runs[0] as string).length;
    for (const segment of wordSegmenter().segment(this.runs.join(' '))) {
      while (segment.index >= runEnd && run + 1 < this.runs.length) {
        run += 1;
        runEnd += 1 + (this.runs[run] as string).length;
      }
      if (segment.isWordLike) this.holders[run]?.push(segment.segment);
    }
    this.runs = [];
    this.holders = [];
    this.length = 0;
  }
}

/**
 * Appends to `out` the words of folded `words` (runs of letters, digits and marks), splitting
 * those that hold characters of unspaced scripts: their other pieces are words of their own, and
 * the runs of unspaced scripts are segmented.
 */
export function appendSegmented(words: readonly string[], out: string[]): void {
  const slots: Array<string | string[]> = [];
  const batch = new Batch();
  for (const word of words) {
    if (!UNSPACED_CHARACTER.test(word)) {
      slots.push(word);
      continue;
    }
    for (const [piece] of word.matchAll(PIECES)) {
      if (!UNSPACED_CHARACTER.test(piece)) {
        for (const [other] of piece.matchAll(OTHER_WORD)) slots.push(other);
        continue;
      }
      const holder: string[] = [];
      slots.push(holder);
      batch.add(piece, holder);
    }
  }
  batch.flush();
  for (const slot of slots) {
    if (typeof slot === 'string') out.push(slot);
    else for (const word of slot) out.push(word);
  }
}
