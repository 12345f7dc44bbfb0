/**
 * The text rules on the index's side: prefixes (3 characters, 1 for Chinese, Japanese and Korean),
 * long words posted under a truncated term, queries of unspaced scripts, and the folding version
 * in each release's text version and folded copy.
 */
import { describe, expect, it } from 'vitest';
import { BadParameterError } from '#platform/errors.js';
import type { Release } from '#release/release.js';
import { MAX_INDEXED_WORD_LENGTH, TEXT_FOLDING_VERSION } from '#search/fold.js';
import { type FoldedCopyItem, textVersion, vocabularyPartition } from '#search/keys.js';
import { type DriverOption, needsFoldedCopy, provenPrefix, splitQuery } from '#search/planner.js';
import { matchesText, minPrefixLength, parseSearchQuery } from '#search/query.js';
import { stopListOf } from '#search/stop-list.js';
import { planSync } from '#search/sync-plan.js';
import { indexTerm, isIndexable, TRUNCATED_MARK, vocabularyPrefix } from '#search/terms.js';

function release(id: string, title: string, body: string): Release {
  return {
    id,
    title,
    date: '2024-07-02',
    url: null,
    ministers: [],
    portfolios: [],
    summary: '',
    body,
    extra: {},
  };
}

function rejects(q: string): string {
  try {
    parseSearchQuery(q);
  } catch (error) {
    if (error instanceof BadParameterError) return error.message;
    throw error;
  }
  throw new Error(`no error for ${q}`);
}

const copyItem = (plan: ReturnType<typeof planSync>) => plan.foldedCopy as unknown as FoldedCopyItem;
const stop = stopListOf(['the']);
/** A 70-character word, and a 70-character word sharing its first 64. */
const LONG = `pneumono${'ultramicroscopicsilicovolcano'.repeat(2)}coniosis`.slice(0, 70);
const TWIN = `${LONG.slice(0, MAX_INDEXED_WORD_LENGTH)}zzzzzz`;

describe('queries of scripts written without spaces', () => {
  it('makes a run of several words a phrase, and one word a word', () => {
    expect(parseSearchQuery('中国')).toMatchObject({ words: ['中国'], phrases: [] });
    expect(parseSearchQuery('中国政府')).toMatchObject({ words: [], phrases: [['中国', '政府']] });
    expect(parseSearchQuery('-中国政府 経済')).toMatchObject({ notPhrases: [['中国', '政府']] });
    expect(parseSearchQuery('Straße inter\u00ADnational')).toMatchObject({
      words: ['international', 'strasse'],
    });
  });

  it('matches the release text as the index does', () => {
    const body = '据报道，中国政府宣布新的经济政策。';
    expect(matchesText(parseSearchQuery('中国'), 'T', body)).toBe(true);
    expect(matchesText(parseSearchQuery('中国政府'), 'T', body)).toBe(true);
    expect(matchesText(parseSearchQuery('"政府 中国"'), 'T', body)).toBe(false);
    expect(matchesText(parseSearchQuery('strasse'), 'Die Straße', '')).toBe(true);
  });
});

describe('prefixes', () => {
  it('need 3 characters, or 1 of Chinese, Japanese or Korean', () => {
    expect(minPrefixLength('gov')).toBe(3);
    expect(minPrefixLength('ภาษา')).toBe(3);
    expect(minPrefixLength('中国')).toBe(1);
    expect(minPrefixLength('テスト')).toBe(1);
    expect(minPrefixLength('한국')).toBe(1);
    expect(parseSearchQuery('中*').prefixes).toEqual(['中']);
    expect(parseSearchQuery('ﾃ*').prefixes).toEqual(['テ']);
    expect(parseSearchQuery('한*').prefixes).toEqual(['한']);
    expect(rejects('go*')).toMatch(/at least 3 .*one is enough for a Chinese, Japanese or Korean/);
    expect(rejects('ภา*')).toMatch(/at least 3/);
    // A prefix is one word: a run that segments into several is not one.
    expect(rejects('中国政府*')).toMatch(/several words/);
  });

  it('share the vocabulary partition of the words they start', () => {
    expect(vocabularyPartition('government')).toBe('V#gov');
    expect(vocabularyPartition('gov')).toBe('V#gov');
    expect(vocabularyPartition('中国')).toBe('V#中');
    expect(vocabularyPartition('中')).toBe('V#中');
    expect(vocabularyPartition('𠀀𠀁')).toBe('V#𠀀');
  });

  it('give one-character CJK words a vocabulary item, and not one- or two-letter words', () => {
    const plan = planSync(release('a', 'T', '中国 政府 of ab abc'), undefined, stop);
    expect(plan.vocabulary.map((key) => key.sk).sort()).toEqual(['abc', '中国', '政府'].sort());
    const han = planSync(release('b', 'T', '年 x'), undefined, stop);
    expect(han.vocabulary).toEqual([{ pk: 'V#年', sk: '年' }]);
  });
});

describe('words longer than MAX_INDEXED_WORD_LENGTH', () => {
  it('are posted under their first 64 units and a mark, never cutting a surrogate pair', () => {
    expect(indexTerm('short')).toBe('short');
    expect(indexTerm(LONG)).toBe(`${LONG.slice(0, 64)}${TRUNCATED_MARK}`);
    expect(indexTerm(TWIN)).toBe(indexTerm(LONG));
    const astral = `a${'𠀀'.repeat(40)}`;
    expect(indexTerm(astral)).toBe(`a${'𠀀'.repeat(31)}${TRUNCATED_MARK}`);
    expect(isIndexable(LONG, stopListOf([LONG]))).toBe(false);
    expect(isIndexable(LONG, stopListOf([indexTerm(LONG)]))).toBe(false);
    expect(isIndexable(LONG, stop)).toBe(true);
  });

  it('get postings and a vocabulary item under that term, and the folded copy keeps them whole', () => {
    const plan = planSync(release('a', 'Report', `The ${LONG} appendix`), undefined, stop);
    expect(plan.adds.map((change) => change.word)).toContain(indexTerm(LONG));
    expect(plan.adds.map((change) => change.word)).not.toContain(LONG);
    expect(plan.vocabulary).toContainEqual({ pk: `V#${LONG.slice(0, 3)}`, sk: indexTerm(LONG) });
    expect(copyItem(plan).body.split(' ')).toContain(LONG);
    const gone = planSync(undefined, copyItem(plan), stop);
    expect(gone.foldedCopy).toBeUndefined();
  });

  it('are candidates by their term and proven by the folded copy', () => {
    const whole = parseSearchQuery(LONG);
    const parts = splitQuery(whole, stop);
    expect(parts.indexed).toEqual([indexTerm(LONG)]);
    expect(parts.unindexed).toEqual([LONG]);
    const driver: DriverOption = {
      kind: 'word',
      term: indexTerm(LONG),
      words: [indexTerm(LONG)],
      probe: { entries: 1, months: 1, complete: true },
    };
    expect(needsFoldedCopy(whole, parts, driver)).toBe(true);
    // Excluding one cannot subtract the postings of a term other words share.
    const excluded = splitQuery(parseSearchQuery(`report -${LONG}`), stop);
    expect(excluded.excludedIndexed).toEqual([]);
    expect(excluded.otherExclusions).toBe(true);
    // The text decides between two long words of one term.
    expect(matchesText(whole, 'T', TWIN)).toBe(false);
    expect(matchesText(whole, 'T', LONG)).toBe(true);
  });

  it('are found by a prefix: a walk proves prefixes of up to 64 units, a longer one is verified', () => {
    const short = LONG.slice(0, 10);
    const long = LONG.slice(0, 66);
    expect(vocabularyPrefix(short)).toBe(short);
    expect(vocabularyPrefix(long)).toBe(LONG.slice(0, 64));
    expect(indexTerm(LONG).startsWith(vocabularyPrefix(long))).toBe(true);
    const option = (term: string): DriverOption => ({
      kind: 'prefix',
      term,
      words: [indexTerm(LONG)],
      probe: { entries: 1, months: 1, complete: true },
    });
    expect(provenPrefix(option(short))).toBe(short);
    expect(provenPrefix(option(long))).toBeUndefined();
    const shortQuery = parseSearchQuery(`${short}*`);
    expect(needsFoldedCopy(shortQuery, splitQuery(shortQuery, stop), option(short))).toBe(false);
    const longQuery = parseSearchQuery(`${long}*`);
    expect(needsFoldedCopy(longQuery, splitQuery(longQuery, stop), option(long))).toBe(true);
    expect(matchesText(longQuery, 'T', TWIN)).toBe(false);
    expect(matchesText(longQuery, 'T', `x ${LONG}`)).toBe(true);
  });
});

describe('the folding version', () => {
  it('is part of the text version and recorded on the folded copy', () => {
    expect(TEXT_FOLDING_VERSION).not.toBe('1');
    const plan = planSync(release('a', 'Budget', 'grows'), undefined, stop);
    expect(copyItem(plan).folding).toBe(TEXT_FOLDING_VERSION);
    expect(copyItem(plan).version).toBe(textVersion('2024-07-02', 'budget', 'grows'));
  });

  it('re-derives a release folded by earlier rules: all entries anew, every vocabulary item put again', () => {
    const first = planSync(release('a', 'Budget', 'government grows 中国 strasse'), undefined, stop);
    const again = planSync(release('a', 'Budget', 'government grows 中国 strasse'), copyItem(first), stop);
    expect(again.adds).toEqual([]);
    expect(again.vocabulary).toEqual([]);
    // The same copy as written by the rules before: another version, and nothing taken as listed.
    const earlier: FoldedCopyItem = { ...copyItem(first), version: 'oldrules' };
    delete earlier.folding;
    const resynced = planSync(release('a', 'Budget', 'government grows 中国 strasse'), earlier, stop);
    expect(resynced.adds.map((change) => change.word).sort()).toEqual(
      ['budget', 'government', 'grows', 'strasse', '中国'].sort(),
    );
    // The entries of the earlier rules stay, of another version: readers skip them.
    expect(resynced.adds.every((change) => !change.entry.endsWith('#oldrules'))).toBe(true);
    expect(resynced.vocabulary.map((key) => key.sk).sort()).toEqual(
      ['budget', 'government', 'grows', 'strasse', '中国'].sort(),
    );
  });

  it('puts the vocabulary of a word a new stop list indexes, though the release had the word', () => {
    const under = stopListOf(['government']);
    const first = planSync(release('a', 'Budget', 'government grows'), undefined, under);
    expect(first.vocabulary.map((key) => key.sk)).not.toContain('government');
    const next = stopListOf(['grows']);
    const resynced = planSync(release('a', 'Budget', 'government grows'), copyItem(first), next, under);
    expect(resynced.vocabulary.map((key) => key.sk)).toEqual(['government']);
  });
});
