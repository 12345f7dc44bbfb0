/** The word index's pure core: the q grammar, matching, posting entries, sync diffs, the planner (folding: fold.test.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadParameterError } from '#platform/errors.js';
import type { Release } from '#release/release.js';
import { searchItemsForBulk } from '#search/bulk-index.js';
import { decide as decideQuery } from '#search/decide.js';
import { wordsOf } from '#search/fold.js';
import { bucketOfFragment, fragmentEntries, postingFragments } from '#search/fragments.js';
import {
  bucketOf,
  commonPairBucket,
  describeSpan,
  type FoldedCopyItem,
  parsePostingEntry,
  postingEntry,
  previousBucket,
  STOP_LIST_KEY,
  stopListFromItem,
} from '#search/keys.js';
import {
  decode as decodePairFilter,
  pairFilterHas,
  pairFilterOf,
  pairHash,
  phraseInFilter,
} from '#search/pair-filter.js';
import {
  chooseDriver,
  type DriverOption,
  needsFoldedCopy,
  readInOrder,
  splitQuery,
} from '#search/planner.js';
import { matchesText, parseSearchQuery } from '#search/query.js';
import {
  DocumentFrequency,
  MIN_RELEASES_FOR_STOP_LIST,
  stopListItem,
  stopListOf,
} from '#search/stop-list.js';
import { planSync } from '#search/sync-plan.js';
import { bitKnowledge, decideByBits, textBitsOf } from '#search/text-bits.js';

function release(id: string, date: string, title: string, body: string): Release {
  return { id, title, date, url: null, ministers: [], portfolios: [], summary: '', body, extra: {} };
}

function badQ(q: string): BadParameterError {
  try {
    parseSearchQuery(q);
  } catch (error) {
    if (error instanceof BadParameterError) return error;
    throw error;
  }
  throw new Error(`no error for ${q}`);
}

describe('q grammar', () => {
  it('reads words, prefixes, phrases and exclusions, sorted and deduplicated', () => {
    expect(parseSearchQuery('NATO “Prime  Minister” gov* -trade -"free trade" -exp* nato')).toEqual({
      words: ['nato'],
      phrases: [['prime', 'minister']],
      prefixes: ['gov'],
      notWords: ['trade'],
      notPhrases: [['free', 'trade']],
      notPrefixes: ['exp'],
    });
    expect(parseSearchQuery('rules-based "single"').phrases).toEqual([['rules', 'based']]);
    expect(parseSearchQuery('rules-based "single"').words).toEqual(['single']);
    expect(parseSearchQuery('"unterminated phrase').phrases).toEqual([['unterminated', 'phrase']]);
  });

  it('rejects, naming q, nothing to look for, exclusions alone, short or multi-word prefixes, too many parts', () => {
    for (const q of [
      '',
      '  ',
      '""',
      '- , .',
      '-nato',
      '-"a b"',
      'go*',
      'ab*',
      'state-own*',
      Array.from({ length: 21 }, (_, i) => `w${i}`).join(' '),
    ])
      expect(badQ(q).parameter, q).toBe('q');
    expect(badQ('go*').message).toMatch(/at least 3/);
  });

  it('counts every word of a phrase, each prefix and each exclusion towards the 20 words', () => {
    const words = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `w${i + from}`);
    // A phrase of 40 words was one part of 20; it is 40 words.
    expect(badQ(`"${words(40).join(' ')}"`).message).toMatch(/at most 20 words.*it has 40/);
    expect(parseSearchQuery(`"${words(20).join(' ')}"`).phrases[0]).toHaveLength(20);
    expect(badQ(`"${words(20).join(' ')}" abc*`).message).toMatch(/it has 21/);
    expect(badQ(`"${words(10).join(' ')}" -"${words(11, 10).join(' ')}"`).message).toMatch(/it has 21/);
    expect(
      badQ(
        `${words(10).join(' ')} ${words(11, 10)
          .map((w) => `-${w}`)
          .join(' ')}`,
      ).parameter,
    ).toBe('q');
    // Repeated parts count once; a term of several words counts its words.
    expect(() => parseSearchQuery(`${words(20).join(' ')} ${words(20).join(' ')}`)).not.toThrow();
    expect(badQ(`${words(19).join(' ')} rules-based`).message).toMatch(/it has 21/);
  });
});

describe('matching', () => {
  const body =
    'The Prime\u00a0Minister will visit the United States.\n\nKia ora whānau. Supporting exporters.';
  const match = (q: string) => matchesText(parseSearchQuery(q), 'Heads to NATO’s summit', body);

  it('matches whole words, not substrings', () => {
    expect(match('nato')).toBe(true);
    expect(match('nat')).toBe(false);
    expect(match('port')).toBe(false);
    expect(match('support')).toBe(false);
    expect(match('supporting')).toBe(true);
  });

  it('matches prefixes at the start of a word', () => {
    expect(match('sup*')).toBe(true);
    expect(match('por*')).toBe(false);
    expect(match('expo*')).toBe(true);
  });

  it('matches phrases as consecutive words within title or body', () => {
    expect(match('"prime minister will"')).toBe(true);
    expect(match('"minister prime"')).toBe(false);
    expect(match('"nato s summit"')).toBe(true);
    expect(match("NATO's")).toBe(true);
    expect(match('"summit the prime"')).toBe(false);
  });

  it('excludes words, phrases and prefixes', () => {
    expect(match('nato -whanau')).toBe(false);
    expect(match('nato -trade')).toBe(true);
    expect(match('nato -"united states"')).toBe(false);
    expect(match('nato -"states united"')).toBe(true);
    expect(match('nato -uni*')).toBe(false);
  });
});

describe('posting fragments', () => {
  const add = (word: string, bucket: string, entry: string) => ({ word, bucket, entry });

  it('gathers the entries of a term and bucket, newest first, and cuts them at the size limit', () => {
    const adds = Array.from({ length: 10 }, (_, i) => add('kauri', '2024', `07-${String(i + 10)}#r${i}#v`));
    const [one, ...rest] = postingFragments([...adds, add('kauri', '2023', '01-01#old#v')]);
    expect(rest).toHaveLength(1);
    expect(one?.pk).toBe('W#kauri');
    expect(fragmentEntries(one as Record<string, unknown>)[0]).toBe('07-19#r9#v');
    const cut = postingFragments(adds, 40);
    expect(cut.length).toBeGreaterThan(2);
    expect(cut.flatMap((f) => fragmentEntries(f)).sort()).toEqual(adds.map((a) => a.entry).sort());
    for (const f of cut) expect(Buffer.byteLength(f.e)).toBeLessThanOrEqual(40);
  });

  it('gives the same entries the same key (a retried batch puts the same item), other entries another', () => {
    const first = postingFragments([add('kauri', '2024', 'a'), add('kauri', '2024', 'b')]);
    const again = postingFragments([add('kauri', '2024', 'b'), add('kauri', '2024', 'a')]);
    const other = postingFragments([add('kauri', '2024', 'c')]);
    expect(again).toEqual(first);
    expect(other[0]?.sk).not.toBe(first[0]?.sk);
    expect(bucketOfFragment(String(first[0]?.sk))).toBe('2024');
  });

  it('reads an item of the older layout (a string set of entries) the same way', () => {
    expect(fragmentEntries({ pk: 'W#x', sk: '2024', ids: new Set(['b', 'a']) }).sort()).toEqual(['a', 'b']);
  });
});

describe('posting entries', () => {
  it('round-trip to the list sort key', () => {
    const raw = postingEntry('2024-07-02', 'some-id-1', 'AbCd_123');
    expect(raw).toBe('07-02#some-id-1#AbCd_123');
    expect(parsePostingEntry('2024', raw)).toEqual({
      sk: '2024-07-02#some-id-1',
      id: 'some-id-1',
      date: '2024-07-02',
      version: 'AbCd_123',
      raw,
    });
    expect(parsePostingEntry('2024', 'garbage')).toBeUndefined();
  });
});

describe('sync plans', () => {
  const stop = stopListOf(['the']);
  const copyItem = (plan: ReturnType<typeof planSync>) => plan.foldedCopy as unknown as FoldedCopyItem;

  it('adds every indexed word on first sync, leaving stop words out', () => {
    const plan = planSync(release('a', '2024-07-02', 'The Budget', 'the budget grows'), undefined, stop);
    expect(plan.adds.map((c) => c.word).sort()).toEqual(['budget', 'grows']);
    expect(new Set(plan.adds.map((c) => c.bucket))).toEqual(new Set(['2024']));
    expect(plan.vocabulary.map((k) => `${k.pk}/${k.sk}`).sort()).toEqual(['V#bud/budget', 'V#gro/grows']);
  });

  it('posts every word again under the new version after an edit; the old entries are left to be skipped', () => {
    const first = planSync(release('a', '2024-07-02', 'Budget', 'grows'), undefined, stop);
    const second = planSync(release('a', '2024-07-02', 'Budget', 'shrinks'), copyItem(first), stop);
    expect(second.adds.map((c) => c.word).sort()).toEqual(['budget', 'shrinks']);
    expect(second.adds[0]?.entry).not.toBe(first.adds[0]?.entry);
    // The search entry names the new version: readers skip entries of any other.
    expect(second.searchEntry?.version).not.toBe(first.searchEntry?.version);
    expect(second.vocabulary.map((k) => k.sk)).toEqual(['shrinks']);
  });

  it('writes nothing to postings when the text and date are unchanged (replay)', () => {
    const r = release('a', '2024-07-02', 'Budget', 'grows');
    const first = planSync(r, undefined, stop);
    const again = planSync({ ...r, ministers: [{ slug: 'x', name: 'X' }] }, copyItem(first), stop);
    expect(again.adds).toEqual([]);
    expect(again.searchEntry).toMatchObject({ ministers: [{ slug: 'x', name: 'X' }] });
  });

  it('posts every entry in the new year when the date changes, and removes the own items on delete', () => {
    const first = planSync(release('a', '2024-07-02', 'Budget', 'grows'), undefined, stop);
    const moved = planSync(release('a', '2023-01-09', 'Budget', 'grows'), copyItem(first), stop);
    expect(moved.adds.map((c) => c.word).sort()).toEqual(['budget', 'grows']);
    expect(moved.adds.every((c) => c.bucket === '2023')).toBe(true);
    const gone = planSync(undefined, copyItem(moved), stop);
    expect(gone.adds).toEqual([]);
    expect(gone.searchEntry).toBeUndefined();
    expect(gone.foldedCopy).toBeUndefined();
  });

  it('posts the terms a new stop list frees, with their vocabulary, when the earlier list is known', () => {
    const earlier = stopListOf(['the', 'of'], { span: 1, commonPairs: [] });
    const body = 'the budget of the year';
    const first = planSync(release('a', '2024-07-02', 'X', body), undefined, earlier);
    expect(first.adds.map((c) => c.word).sort()).toEqual(['budget', 'of the', 'x', 'year']);
    const freed = stopListOf(['of'], { span: 1, commonPairs: [] });
    const again = planSync(release('a', '2024-07-02', 'X', body), copyItem(first), freed, earlier);
    expect(again.adds.map((c) => c.word)).toContain('the');
    expect(again.vocabulary.map((k) => k.sk)).toContain('the');
  });
});

describe('bulk items and the stop list', () => {
  it('derives stop words only from enough releases, above a tenth of them', () => {
    const few = new DocumentFrequency();
    few.add({ title: 'the', body: 'the' });
    expect([...few.stopList().words]).toEqual([]);
    const many = new DocumentFrequency();
    for (let i = 0; i < MIN_RELEASES_FOR_STOP_LIST; i += 1)
      many.add({ title: `w${i}`, body: i % 5 === 0 ? 'common' : i % 20 === 0 ? 'tenth' : 'x' });
    expect([...many.stopList().words].sort()).toEqual(['common', 'x']);
  });

  it('aggregates postings: one item per word and year holding every entry', () => {
    const items = searchItemsForBulk([
      release('a', '2024-07-02', 'Budget', 'one'),
      release('b', '2024-07-09', 'Budget', 'two'),
      release('c', '2023-08-01', 'Budget', 'two'),
    ]);
    const budget2024 = items.filter((i) => i.pk === 'W#budget' && bucketOfFragment(String(i.sk)) === '2024');
    expect(budget2024).toHaveLength(1);
    expect(fragmentEntries(budget2024[0] as Record<string, unknown>).map((e) => e.split('#')[1])).toEqual([
      'b',
      'a',
    ]);
    expect(items.find((i) => i.pk === STOP_LIST_KEY.pk && i.sk === STOP_LIST_KEY.sk)).toBeDefined();
    expect(items.filter((i) => i.sk === 'S')).toHaveLength(3);
    expect(items.filter((i) => i.sk === 'X')).toHaveLength(3);
  });
});

describe('planner', () => {
  const option = (term: string, entries: number, months: number, complete: boolean): DriverOption => ({
    kind: 'word',
    term,
    words: [term],
    probe: { entries, months, complete },
  });

  it('walks the rarest term', () => {
    expect(
      chooseDriver([option('common', 60, 6, false), option('rare', 3, 2, true), option('mid', 12, 6, false)])
        ?.term,
    ).toBe('rare');
    expect(chooseDriver([option('a', 5, 1, false), option('b', 30, 6, true)])?.term).toBe('b');
    // Extrapolated over 35 years: 35 one-year buckets, or 4 of ten years.
    expect(chooseDriver([option('a', 30, 3, false), option('b', 100, 4, true)])?.term).toBe('b');
    expect(chooseDriver([option('a', 30, 3, false), option('b', 100, 4, true)], 10)?.term).toBe('a');
    expect(chooseDriver([])).toBeUndefined();
  });

  it('reads in order the required terms whose postings weigh less than an item per driver bucket', () => {
    // The driver: ~35 entries over 35 one-year buckets, so up to 35 items at half a unit each.
    const driver = option('driver', 3, 3, false);
    const sparse = option('sparse', 15, 3, false); // ~175 entries: ~0.7 units in order
    const whole = option('whole', 1000, 3, true); // 1,000 entries: ~3.9 units in order
    const dense = option('dense', 3000, 3, false); // ~35,000 entries: ~137 units in order
    const options = [driver, sparse, whole, dense, option('excluded', 3, 3, false)];
    const terms = (span: number) =>
      readInOrder(options, driver, ['sparse', 'whole', 'dense'], span).map((o) => o.term);
    expect(terms(1)).toEqual(['sparse', 'whole']);
    // In ten-year buckets the driver visits at most 4 items (2 units): only lighter terms go in order.
    expect(terms(10)).toEqual(['sparse']);
    expect(readInOrder(options, driver, ['driver'], 1)).toEqual([]);
  });

  it('leaves stop words to verification and asks for the folded copy only when needed', () => {
    const stop = stopListOf(['the', 'government']);
    const parts = splitQuery(parseSearchQuery('budget the gov* -tax -"free trade"'), stop);
    expect(parts).toEqual({
      indexed: ['budget'],
      unindexed: ['the'],
      expandable: [],
      excludedIndexed: ['tax'],
      otherExclusions: true,
      provenPhrases: [],
    });
    const simple = parseSearchQuery('budget -tax');
    expect(needsFoldedCopy(simple, splitQuery(simple, stop), option('budget', 1, 1, true))).toBe(false);
    const phrase = parseSearchQuery('"budget day"');
    expect(needsFoldedCopy(phrase, splitQuery(phrase, stop), option('budget', 1, 1, true))).toBe(true);
  });
});

describe('pair postings and bucket spans', () => {
  // Stop words the, of, new, zealand; "new zealand" is a common pair (not indexed).
  const stop = stopListOf(['new', 'of', 'the', 'zealand'], {
    span: 5,
    commonPairs: [commonPairBucket('new', 'zealand')],
  });

  it('posts adjacent pairs of stop words that are not common, within the title and within the body', () => {
    const plan = planSync(
      release('a', '2023-07-02', 'The Budget of the', 'new zealand the of budget'),
      undefined,
      stop,
    );
    const terms = plan.adds.map((c) => c.word).sort();
    // "the budget", "budget of" have an indexed word; "new zealand" is common; no pair spans title and body.
    expect(terms).toEqual(['budget', 'of the', 'the of', 'zealand the']);
    expect(plan.adds.every((c) => c.bucket === '2020')).toBe(true);
    expect(plan.adds[0]?.entry.startsWith('2023-07-02#a#')).toBe(true);
    expect(plan.vocabulary.map((k) => k.sk)).toEqual(['budget']);
    expect(plan.foldedCopy?.span).toBe(5);
  });

  it('indexes no pair of a word that joined the stop list later by overflowing', () => {
    const grown = stopListFromItem({ ...stopListItem(stop), overflow: new Set(['budget']) });
    expect(grown.words.has('budget')).toBe(true);
    const plan = planSync(release('a', '2023-07-02', 'x', 'of budget the of'), undefined, grown);
    expect(plan.adds.map((c) => c.word).sort()).toEqual(['the of', 'x']);
  });

  it('indexes no pair under a stop list that was not derived with them', () => {
    const plain = stopListOf(['of', 'the']);
    const plan = planSync(release('a', '2023-07-02', 'x', 'of the'), undefined, plain);
    expect(plan.adds.map((c) => c.word)).toEqual(['x']);
    expect(plan.adds[0]?.bucket).toBe('2023');
    expect(plan.adds[0]?.entry.startsWith('07-02#a#')).toBe(true);
  });

  it('reads entries of both forms and buckets by the span', () => {
    expect(bucketOf('2029-12-31', 10)).toBe('2020');
    expect(bucketOf('2024-01-01', 2)).toBe('2024');
    expect(bucketOf('2025-01-01', 2)).toBe('2024');
    expect(bucketOf('2025-01-01')).toBe('2025');
    const long = postingEntry('2027-03-04', 'id-1', 'v', 10);
    expect(parsePostingEntry('2020', long)).toMatchObject({
      date: '2027-03-04',
      id: 'id-1',
      sk: '2027-03-04#id-1',
    });
    expect(parsePostingEntry('2027', postingEntry('2027-03-04', 'id-1', 'v'))).toMatchObject({
      date: '2027-03-04',
    });
  });

  it('buckets by the month for spans shorter than a year, and steps back over a year end', () => {
    expect(bucketOf('2025-06-14', 1 / 12)).toBe('2025-06');
    expect(bucketOf('2025-06-14', 1 / 4)).toBe('2025-04');
    expect(bucketOf('2025-03-31', 1 / 4)).toBe('2025-01');
    expect(bucketOf('2025-12-01', 1 / 2)).toBe('2025-07');
    expect(previousBucket('2025-06')).toBe('2025-05');
    expect(previousBucket('2025-01')).toBe('2024-12');
    expect(previousBucket('2025')).toBe('2024');
    // A month's entry holds month and day, as a year's does; the year comes from the bucket.
    const entry = postingEntry('2025-06-14', 'id-1', 'v', 1 / 12);
    expect(entry).toBe('06-14#id-1#v');
    expect(parsePostingEntry('2025-06', entry)).toMatchObject({ date: '2025-06-14', sk: '2025-06-14#id-1' });
    expect(describeSpan(1 / 12)).toBe('1 month');
    expect(describeSpan(1 / 4)).toBe('3 months');
    expect(describeSpan(10)).toBe('10 years');
  });

  it('keeps a month span through the stop list item, and refuses a span it does not know', () => {
    const monthly = stopListOf(['of', 'the'], { span: 1 / 12, commonPairs: [] });
    // As stored and read back (a number with 38 digits at most).
    const stored = { ...stopListItem(monthly), span: Number((1 / 12).toPrecision(16)) };
    expect(stopListFromItem(stored).span).toBe(1 / 12);
    expect(stopListFromItem({ ...stored, span: 3 }).span).toBe(1);
    const plan = planSync(release('a', '2023-07-02', 'x', 'of the y'), undefined, monthly);
    expect(new Set(plan.adds.map((c) => c.bucket))).toEqual(new Set(['2023-07']));
  });

  it('posts a release again in the buckets of a new span', () => {
    const yearly = stopListOf(['of', 'the']);
    const first = planSync(release('a', '2023-07-02', 'x', 'of the y'), undefined, yearly);
    const copy = first.foldedCopy as unknown as FoldedCopyItem;
    const again = planSync(release('a', '2023-07-02', 'x', 'of the y'), copy, stop);
    expect(again.adds.length).toBeGreaterThan(0);
    expect(again.adds.every((c) => c.bucket === '2020')).toBe(true);
  });

  it('round-trips span and common pairs through the stop list item, and versions them', () => {
    const back = stopListFromItem(stopListItem(stop));
    expect(back.version).toBe(stop.version);
    expect(back.span).toBe(5);
    expect([...(back.commonPairs ?? [])]).toEqual([commonPairBucket('new', 'zealand')]);
    expect(stopListOf(['new', 'of', 'the', 'zealand']).version).not.toBe(stop.version);
    // A list of words alone keeps the version it had before spans and pairs existed.
    expect(stopListFromItem({ version: 'old', words: ['the'] })).toMatchObject({ span: 1, version: 'old' });
    expect(stopListFromItem({ words: ['the'] }).commonPairs).toBeUndefined();
  });

  it('derives common pairs and the span from a corpus', () => {
    const frequency = new DocumentFrequency();
    for (let i = 0; i < 2000; i += 1) {
      const year = 2000 + (i % 20); // 100 releases a year: a span of 10 holds 1,000
      frequency.add({
        date: `${year}-01-01`,
        title: `t${i}`,
        body: i % 2 === 0 ? 'of the' : `the of w${i % 7}`,
      });
    }
    const derived = frequency.stopList();
    expect(derived.span).toBe(10);
    // 12,000 releases in a year: a month holds 1,000.
    const busy = new DocumentFrequency();
    for (let i = 0; i < 12_000; i += 1) busy.add({ date: '2024-05-05', title: 't', body: `w${i % 3}` });
    expect(busy.stopList().span).toBe(1 / 12);
    expect(derived.commonPairs?.has(commonPairBucket('of', 'the'))).toBe(true);
    expect(derived.commonPairs?.has(commonPairBucket('the', 'of'))).toBe(true);
    expect(derived.commonPairs?.has(commonPairBucket('of', 'w1'))).toBe(false);
  });

  it('takes a two-word phrase of stop words from its pair postings, proven without the text', () => {
    const query = parseSearchQuery('"of the" "new zealand" "the of the"');
    const parts = splitQuery(query, stop);
    expect(parts.indexed).toEqual(['of the', 'the of']);
    expect(parts.provenPhrases).toEqual([['of', 'the']]);
    const proven = decideQuery(parseSearchQuery('"of the" -"zealand the"'), {
      has: () => true,
      phrase: () => 'present',
    });
    expect(proven).toBe('miss');
    expect(decideQuery(parseSearchQuery('"of the"'), { has: () => true, phrase: () => 'present' })).toBe(
      'match',
    );
  });
});

describe('stop-word bits', () => {
  const stop = stopListOf(['the', 'minister', 'of', 'new', 'zealand', 'and']);
  const title = 'The Minister of Finance';
  const body = 'Budget figures for New Zealand, released today.';
  const bits = textBitsOf(stop, { date: '2024-05-01', title, body });
  const decide = (q: string) => decideByBits(parseSearchQuery(q), stop, bits);

  it('records which stop words the title and body hold', () => {
    expect(bits?.version).toBe(stop.version);
    const held = stop.bitWords.filter((_word, i) => ((bits?.bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0);
    expect(held).toEqual(['minister', 'new', 'of', 'the', 'zealand']);
  });

  it('decides words and excluded words of the stop list, and agrees with the text', () => {
    const cases: Array<[string, 'match' | 'miss']> = [
      ['THE minister', 'match'],
      ['Zealand -and', 'match'],
      ['and', 'miss'],
      ['the -new', 'miss'],
      ['new -"and the"', 'match'],
    ];
    for (const [q, want] of cases) {
      expect(decide(q), q).toBe(want);
      expect(matchesText(parseSearchQuery(q), title, body), q).toBe(want === 'match');
    }
  });

  it('leaves to the text what bits cannot tell: phrases, prefixes, other words, other versions', () => {
    for (const q of ['"new zealand"', 'zeal*', 'the budget', 'the -budget', 'new -"the minister"']) {
      expect(decide(q), q).toBe('unknown');
    }
    // A phrase with a word the release lacks is ruled out all the same.
    expect(decide('"the and"')).toBe('miss');
    const other = stopListOf(['the', 'minister']);
    expect(decideByBits(parseSearchQuery('the'), other, bits)).toBe('unknown');
    expect(decideByBits(parseSearchQuery('the'), stop, undefined)).toBe('unknown');
    expect(textBitsOf(stopListOf([]), { date: '2024-05-01', title, body })).toBeUndefined();
  });
});

describe('pair filters', () => {
  const sequence = (text: string) => wordsOf(text);

  it('holds every adjacent pair of the title and of the body, and not the pair across them', () => {
    const title = sequence('Budget day arrives');
    const body = sequence('The minister of finance releases the budget figures for new zealand');
    const filter = pairFilterOf([title, body]);
    for (const words of [title, body]) {
      for (let i = 0; i + 1 < words.length; i += 1) {
        expect(pairFilterHas(filter, words[i] as string, words[i + 1] as string)).toBe(true);
      }
    }
    expect(pairFilterHas(filter, 'arrives', 'the')).toBe(false);
    expect(pairFilterHas(filter, 'zealand', 'new')).toBe(false);
    expect(phraseInFilter(filter, ['new', 'zealand'])).toBe('maybe');
    expect(phraseInFilter(filter, ['the', 'budget', 'figures'])).toBe('maybe');
    expect(phraseInFilter(filter, ['the', 'finance'])).toBe('absent');
    expect(phraseInFilter(filter, ['figures', 'for', 'zealand'])).toBe('absent');
  });

  it('decodes to the sorted distinct hashes, and costs about two bytes a pair', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `w${(i * 7919) % 1700}`);
    const filter = pairFilterOf([words]);
    const hashes = [...decodePairFilter(filter)];
    const expected = new Set<number>();
    for (let i = 0; i + 1 < words.length; i += 1)
      expected.add(pairHash(words[i] as string, words[i + 1] as string));
    expect(hashes).toEqual([...expected].sort((a, b) => a - b));
    expect(filter.length).toBeLessThan(expected.size * 2);
    expect(pairFilterOf([[]]).length).toBeLessThan(8);
    expect(phraseInFilter(pairFilterOf([[]]), ['a', 'b'])).toBe('absent');
  });

  it('says nothing from a filter it cannot read', () => {
    const filter = pairFilterOf([sequence('a b c d e f')]);
    expect(pairFilterHas(Uint8Array.from([9, ...filter.slice(1)]), 'a', 'b')).toBeUndefined();
    expect(pairFilterHas(filter.slice(0, 4), 'x', 'y')).toBeUndefined();
    expect(phraseInFilter(Uint8Array.from([]), ['x', 'y'])).toBe('maybe');
  });

  it('never decides a query other than the text would (bits and pair filter, random texts and queries)', () => {
    const vocabulary = ['the', 'of', 'new', 'zealand', 'budget', 'day', 'minister', 'tax'];
    const stop = stopListOf(['the', 'of', 'new', 'zealand', 'minister']);
    const word = fc.constantFrom(...vocabulary);
    const part = fc.oneof(
      word,
      fc.array(word, { minLength: 2, maxLength: 3 }).map((ws) => `"${ws.join(' ')}"`),
    );
    const term = fc.tuple(fc.boolean(), part).map(([not, p]) => (not ? `-${p}` : p));
    fc.assert(
      fc.property(
        fc.array(word, { maxLength: 6 }),
        fc.array(word, { maxLength: 40 }),
        part,
        fc.array(term, { maxLength: 4 }),
        (titleWords, bodyWords, first, rest) => {
          const title = titleWords.join(' ');
          const body = bodyWords.join(' ');
          const query = parseSearchQuery([first, ...rest].join(' '));
          const bits = textBitsOf(stop, { date: '2024-05-01', title, body });
          const has = bitKnowledge(stop, bits);
          if (!has) throw new Error('bits expected');
          const filter = pairFilterOf([wordsOf(title), wordsOf(body)]);
          const decision = decideQuery(query, { has, phrase: (p) => phraseInFilter(filter, p) });
          if (decision !== 'unknown') expect(decision === 'match').toBe(matchesText(query, title, body));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('text versions of list items and search entries', () => {
  it('agree for the same text, cut folded copies included, so the scan can trust a search entry', () => {
    const stop = stopListOf(['the', 'of']);
    const long = 'The minister of many words. '.repeat(15_000);
    for (const r of [
      release('short', '2024-05-01', 'The Budget', 'The minister of finance.'),
      release('long', '2024-05-02', 'A long report', long),
    ]) {
      const plan = planSync(r, undefined, stop);
      expect(textBitsOf(stop, r)?.text).toBe(plan.searchEntry?.version);
      expect(textBitsOf(stop, { ...r, body: `${r.body} more` })?.text).not.toBe(plan.searchEntry?.version);
    }
    expect(
      planSync(release('long', '2024-05-02', 'A long report', long), undefined, stop).foldedCopy?.cut,
    ).toBe(true);
  });
});
