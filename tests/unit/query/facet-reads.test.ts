/**
 * Which aggregates a `/facets` range reads: whole years, whole months, and the months it cuts,
 * each by its days in range or (where days are list items) as the month less the days outside,
 * whichever holds fewer days; and the subtraction that the second way needs.
 */
import { describe, expect, it } from 'vitest';
import { facetReads } from '#query/facets.js';
import { subtractFigures } from '#table/facet-figures.js';

describe('facetReads', () => {
  it('reads years, the months of cut years, and the cut months', () => {
    expect(facetReads('2011-02-03', '2023-11-29', true)).toEqual({
      years: ['2012', '2022'],
      months: [
        ['2011-03', '2011-12'],
        ['2023-01', '2023-10'],
      ],
      days: [
        { month: '2011-02', first: '03', last: '28', outside: [['01', '02']] },
        { month: '2023-11', first: '01', last: '29', outside: [['30', '30']] },
      ],
    });
  });

  it('reads a cut month by its days in range when they are fewer than those outside', () => {
    expect(facetReads('2015-07-20', '2015-08-10', true).days).toEqual([
      { month: '2015-07', first: '20', last: '31' },
      { month: '2015-08', first: '01', last: '10' },
    ]);
    // Half a month either way: the days in range.
    expect(facetReads('2015-07-16', '2015-07-31', true).days).toEqual([
      { month: '2015-07', first: '16', last: '31' },
    ]);
  });

  it('takes both ends out of a month cut at both', () => {
    expect(facetReads('2024-02-02', '2024-02-28', true).days).toEqual([
      {
        month: '2024-02',
        first: '02',
        last: '28',
        outside: [
          ['01', '01'],
          ['29', '29'],
        ],
      },
    ]);
    expect(facetReads('2023-02-02', '2023-02-28', true).days).toEqual([
      { month: '2023-02', first: '02', last: '28', outside: [['01', '01']] },
    ]);
  });

  it('reads every cut month by its days in range where days are small aggregates, not list items', () => {
    expect(facetReads('2011-02-03', '2023-11-29', false).days).toEqual([
      { month: '2011-02', first: '03', last: '28' },
      { month: '2023-11', first: '01', last: '29' },
    ]);
  });

  it('reads whole months and years without days', () => {
    expect(facetReads('2020-01-01', '2021-12-31', true)).toEqual({
      years: ['2020', '2021'],
      months: [],
      days: [],
    });
    expect(facetReads('2020-03-01', '2020-05-31', true)).toEqual({
      months: [['2020-03', '2020-05']],
      days: [],
    });
  });
});

describe('subtractFigures', () => {
  it('takes a part out of its whole, dropping values left at zero and never going below it', () => {
    const whole = { count: 10, m: { a: 6, b: 4 }, p: { x: 10 } };
    subtractFigures(whole, { count: 3, m: { a: 2, b: 4 }, p: { x: 3 } });
    expect(whole).toEqual({ count: 7, m: { a: 4 }, p: { x: 7 } });
    // A part read apart from its whole may be ahead of it.
    subtractFigures(whole, { count: 9, m: { a: 5, c: 1 }, p: {} });
    expect(whole).toEqual({ count: 0, m: {}, p: { x: 7 } });
  });
});
