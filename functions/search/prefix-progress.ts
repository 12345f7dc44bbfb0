/**
 * How far a walk's prefix expansions got, carried from page to page in the cursor so that the
 * next page does not probe again the words of a prefix known to have no postings at or before
 * the cursor's position (positions only move older, so such a word has none for the rest of the
 * walk), and so that an expansion too large for one request goes on where the last one stopped.
 *
 * A word is skipped only while the vocabulary of its prefix, up to the carried position, is the
 * one the progress was built from (and under the same stop list): a word added to the vocabulary
 * since changes the digest, and then nothing is skipped. Entries posted since to a word already
 * known to have none at or before the position are the one thing a later page may miss (a
 * release indexed after the cursor was issued, dated before its position, whose only words of
 * the prefix were all such words); docs/api.md, "Cursors and stable paging".
 */
import { createHash } from 'node:crypto';
import { parsePostingEntry } from './keys.js';
import type { PostingPage } from './ports.js';

export interface PrefixProgress {
  /** The vocabulary position: every word of the prefix up to it (vocabulary order) is accounted for. */
  s: string;
  /** The words up to `s` that may still have postings at or before the cursor's position. */
  w: string[];
  /** Digest of the stop list's version and the prefix's words up to `s` as they were listed. */
  h: string;
}

/** Progress by prefix (as written in `q`). */
export type WalkProgress = ReadonlyMap<string, PrefixProgress>;

/** The vocabulary's order: DynamoDB's, of the words' UTF-8 bytes. */
export function vocabularyOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function digest(stopVersion: string, words: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([stopVersion, words]))
    .digest('base64url')
    .slice(0, 8);
}

function upTo(words: readonly string[], position: string): string[] {
  return words.filter((word) => vocabularyOrder(word, position) <= 0);
}

/**
 * What a page learned of a word: all its postings in range are known (`complete`), the oldest
 * (its `date#id`) being `oldest` (undefined: it has none), or not (then it may have some left).
 */
export type Verdict = { complete: false } | { complete: true; oldest: string | undefined };

/** The verdict on a word from a page of its postings, newest bucket first. */
export function verdictOf(page: PostingPage): Verdict {
  if (page.hasMore) return { complete: false };
  let oldest: string | undefined;
  for (const month of page.months) {
    for (const raw of month.entries) {
      const entry = parsePostingEntry(month.month, raw);
      if (!entry) return { complete: false };
      if (oldest === undefined || entry.sk < oldest) oldest = entry.sk;
    }
  }
  return { complete: true, oldest };
}

interface Listing {
  stopVersion: string;
  /** The prefix's words as listed on this page, in vocabulary order. */
  words: string[];
  /** The carried progress, when it still describes this listing. */
  carried: PrefixProgress | undefined;
  dead: Set<string>;
  /** What this page learned of the words it probed or walked. */
  verdicts: Map<string, Verdict>;
}

/** The prefix progress of one page: what the cursor brought, and what the page learns. */
export class PrefixWalk {
  private readonly listings = new Map<string, Listing>();

  constructor(private readonly carried: WalkProgress = new Map()) {}

  /**
   * Takes note of a prefix's words as listed on this page; returns those known to have no
   * postings at or before the position (none when the vocabulary changed since).
   */
  listed(prefix: string, listed: readonly string[], stopVersion: string): ReadonlySet<string> {
    const words = [...listed].sort(vocabularyOrder);
    const previous = this.carried.get(prefix);
    const valid = previous !== undefined && digest(stopVersion, upTo(words, previous.s)) === previous.h;
    const carried = valid ? previous : undefined;
    const live = new Set(carried?.w ?? []);
    const dead = new Set(carried ? upTo(words, carried.s).filter((word) => !live.has(word)) : []);
    this.listings.set(prefix, { stopVersion, words, carried, dead, verdicts: new Map() });
    return dead;
  }

  /** The listed words after the carried position (the expansion's new ground), in order. */
  unexplored(prefix: string): string[] {
    const listing = this.listings.get(prefix);
    if (!listing) return [];
    const position = listing.carried?.s;
    return listing.words.filter((word) => position === undefined || vocabularyOrder(word, position) > 0);
  }

  /** The listed words the carried progress says may have postings at or before the position. */
  liveCarried(prefix: string): string[] {
    const listing = this.listings.get(prefix);
    const live = new Set(listing?.carried?.w ?? []);
    return listing ? listing.words.filter((word) => live.has(word)) : [];
  }

  /** Records what the page learned of `word` of `prefix`: a word's full postings outweigh a guess. */
  learn(prefix: string, word: string, verdict: Verdict): void {
    const listing = this.listings.get(prefix);
    if (!listing) return;
    if (!verdict.complete && listing.verdicts.get(word)?.complete === true) return;
    listing.verdicts.set(word, verdict);
  }

  /**
   * What a cursor continuing after `position` carries: the prefixes listed on this page anew,
   * the others as they came.
   */
  progress(position: string): WalkProgress {
    const out = new Map<string, PrefixProgress>();
    for (const [prefix, progress] of this.carried) if (!this.listings.has(prefix)) out.set(prefix, progress);
    for (const [prefix, listing] of this.listings) {
      const next = nextProgress(listing, position);
      if (next) out.set(prefix, next);
    }
    return out;
  }
}

/** Whether a word may have postings after `position` (the next page's walk), by its verdict. */
function liveAfter(verdict: Verdict | undefined, position: string): boolean | undefined {
  if (!verdict) return undefined;
  return !verdict.complete || (verdict.oldest !== undefined && verdict.oldest < position);
}

/**
 * The progress after a page: up to the last word of the longest run of listed words, from the
 * first, that are all accounted for (known dead, carried live, or probed on this page).
 */
function nextProgress(listing: Listing, position: string): PrefixProgress | undefined {
  const { carried, dead, verdicts, words } = listing;
  const carriedLive = new Set(carried?.w ?? []);
  const accounted = (word: string) => dead.has(word) || verdicts.has(word) || carriedLive.has(word);
  let end = 0;
  while (end < words.length && accounted(words[end] as string)) end += 1;
  if (end === 0) return undefined;
  const covered = words.slice(0, end);
  const live = covered.filter((word) => !dead.has(word) && liveAfter(verdicts.get(word), position) !== false);
  return { s: covered[end - 1] as string, w: live, h: digest(listing.stopVersion, covered) };
}
