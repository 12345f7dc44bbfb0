import { describe, expect, it } from 'vitest';
import { PrefixWalk, type Verdict, verdictOf, vocabularyOrder } from '#search/prefix-progress.js';

const WORDS = ['thitaa', 'thitab', 'thitac', 'thitad'];
const STOP = 'stop-1';
/** All postings known, the oldest being `oldest`. */
const known = (oldest?: string): Verdict => ({ complete: true, oldest });
const partial: Verdict = { complete: false };

/** A first page that learned `verdicts` of `words` of `thit`, and the progress it hands on at `position`. */
function firstPage(verdicts: Record<string, Verdict>, position: string, words = WORDS) {
  const walk = new PrefixWalk();
  expect(walk.listed('thit', words, STOP).size).toBe(0);
  for (const [word, verdict] of Object.entries(verdicts)) walk.learn('thit', word, verdict);
  return walk.progress(position);
}

describe('prefix progress', () => {
  it('keeps the words that may have postings after the position, up to the last one accounted for', () => {
    const progress = firstPage(
      {
        thitaa: known('2024-03-01#a'), // older than the position: live
        thitab: known('2024-09-01#b'), // all newer: dead
        thitac: known(undefined), // no postings in range: dead
        thitad: partial, // not all read: live
      },
      '2024-06-01#z',
    );
    const thit = progress.get('thit');
    expect(thit?.s).toBe('thitad');
    expect(thit?.w).toEqual(['thitaa', 'thitad']);
  });

  it('an entry at the position itself is not after it', () => {
    const thit = firstPage({ thitaa: known('2024-06-01#z') }, '2024-06-01#z').get('thit');
    expect(thit?.w).toEqual([]);
    expect(thit?.s).toBe('thitaa');
  });

  it('stops at the first word not accounted for: the next page goes on from there', () => {
    const thit = firstPage(
      { thitaa: partial, thitab: known(undefined), thitad: known(undefined) },
      '2024-06-01#z',
    ).get('thit');
    expect(thit?.s).toBe('thitab');
    expect(thit?.w).toEqual(['thitaa']);
    expect(firstPage({ thitab: partial }, '2024-06-01#z').has('thit')).toBe(false);
  });

  it('skips the dead words on the next page, and goes on after the position', () => {
    const progress = firstPage({ thitaa: partial, thitab: known(undefined) }, '2024-06-01#z');
    const next = new PrefixWalk(progress);
    expect([...next.listed('thit', WORDS, STOP)]).toEqual(['thitab']);
    expect(next.unexplored('thit')).toEqual(['thitac', 'thitad']);
    expect(next.liveCarried('thit')).toEqual(['thitaa']);
    next.learn('thit', 'thitac', known(undefined));
    // Carried live, not probed again: still live; dead stays dead.
    expect(next.progress('2024-01-01#a').get('thit')).toMatchObject({ s: 'thitac', w: ['thitaa'] });
  });

  it('skips nothing when a word was added to the vocabulary up to the position, or the stop list changed', () => {
    const progress = firstPage(
      { thitaa: partial, thitab: known(undefined), thitac: known(undefined) },
      '2024-06-01#z',
    );
    const added = new PrefixWalk(progress);
    expect(added.listed('thit', ['thitaa', 'thitaaa', ...WORDS.slice(1)], STOP).size).toBe(0);
    expect(added.unexplored('thit')).toHaveLength(5);
    const restopped = new PrefixWalk(progress);
    expect(restopped.listed('thit', WORDS, 'stop-2').size).toBe(0);
    // A word added after the position changes nothing up to it.
    const after = new PrefixWalk(progress);
    expect([...after.listed('thit', [...WORDS, 'thitzz'], STOP)]).toEqual(['thitab', 'thitac']);
    expect(after.unexplored('thit')).toEqual(['thitad', 'thitzz']);
  });

  it('a complete verdict outweighs a partial one, whatever the order', () => {
    const walk = new PrefixWalk();
    walk.listed('thit', WORDS, STOP);
    walk.learn('thit', 'thitaa', known(undefined));
    walk.learn('thit', 'thitaa', partial);
    walk.learn('thit', 'thitab', partial);
    walk.learn('thit', 'thitab', known('2025-01-01#a'));
    expect(walk.progress('2024-06-01#z').get('thit')).toMatchObject({ s: 'thitab', w: [] });
  });

  it('passes on the progress of prefixes this page did not list, and ignores words of unlisted prefixes', () => {
    const progress = firstPage({ thitaa: partial }, '2024-06-01#z');
    const next = new PrefixWalk(progress);
    next.learn('tam', 'tamaa', partial);
    expect(next.progress('2024-01-01#a')).toEqual(progress);
  });

  it('orders words as the vocabulary does (UTF-8 bytes), not as UTF-16 units', () => {
    const words = ['中\u{20000}', '中\uff10', '中a'];
    expect([...words].sort(vocabularyOrder)).toEqual(['中a', '中\uff10', '中\u{20000}']);
    expect([...words].sort()).not.toEqual([...words].sort(vocabularyOrder));
  });
});

describe('verdicts from postings', () => {
  it('takes the oldest entry of a complete page, and nothing from a page with more to come', () => {
    const page = {
      months: [
        { month: '2024', entries: ['06-02#b#v1', '03-01#a#v1'] },
        { month: '2022', entries: ['12-31#c#v2'] },
      ],
      hasMore: false,
    };
    expect(verdictOf(page)).toEqual(known('2022-12-31#c'));
    expect(verdictOf({ ...page, hasMore: true })).toEqual(partial);
    expect(verdictOf({ months: [], hasMore: false })).toEqual(known(undefined));
    expect(verdictOf({ months: [{ month: '2024', entries: ['nonsense'] }], hasMore: false })).toEqual(
      partial,
    );
  });
});
