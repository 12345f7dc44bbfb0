/**
 * The index-growth model: held at the largest size's figures when its posting buckets are already
 * one month wide; otherwise log-linear per item kind from the smallest size to the largest, capped
 * at what a release writes when it shares no fragment (its single uploads' units).
 */
import { describe, expect, it } from 'vitest';
import { indexGrowth } from '../../../bench/report/index-growth.js';
import type { SizeResult } from '../../../bench/report/results.js';

type Kinds = Record<string, number>;

function sized(size: number, bulk: Kinds, singles: number, bucketYears = 10): SizeResult {
  const byKind = Object.fromEntries(Object.entries(bulk).map(([k, units]) => [k, { writes: units, units }]));
  const indexer = Object.values(bulk).reduce((a, b) => a + b, 0);
  return {
    size,
    index: { bucketYears },
    eventPath: {
      bulk: { writeUnits: { indexer, indexerByKind: byKind } },
      singles: { writeUnits: { indexer: singles } },
    },
  } as unknown as SizeResult;
}

describe('indexGrowth', () => {
  it('grows a kind that grew by as much again per tenfold corpus, holds one that shrank', () => {
    // 5,000 -> 50,000 is one decade; 50,000 -> 500,000 one more.
    const growth = indexGrowth([
      sized(5_000, { pair: 300, word: 180, vocabulary: 2 }, 900),
      sized(50_000, { pair: 400, word: 200, vocabulary: 1 }, 900),
    ]);
    // pair 400 + 100, word 200 + 20, vocabulary 1 (shrank: held).
    expect(growth).toMatchObject({ from: 5_000, to: 50_000, fromUnits: 482, toUnits: 601, growth: 1.247 });
    expect(growth?.modelled).toBe(721);
    expect(growth?.basis).toBe('log-linear');
    expect(growth?.ceiling).toBe(900);
    expect(growth?.uncapped).toBeUndefined();
  });

  it('caps the model at the units of a release that shares no fragment', () => {
    const growth = indexGrowth([
      sized(5_000, { pair: 300, word: 180 }, 560),
      sized(50_000, { pair: 430, word: 230 }, 690),
    ]);
    // Uncapped: 430 + 130 + 230 + 50 = 840.
    expect(growth).toMatchObject({ modelled: 690, ceiling: 690, uncapped: 840 });
  });

  it('takes the bulk figure as the ceiling when the single uploads wrote less', () => {
    const growth = indexGrowth([
      sized(5_000, { pair: 300, word: 180 }, 500),
      sized(50_000, { pair: 430, word: 230 }, 600),
    ]);
    expect(growth).toMatchObject({ modelled: 660, ceiling: 660, uncapped: 840 });
  });

  it('holds the largest size figure when its buckets are already one month wide', () => {
    const growth = indexGrowth([
      sized(5_000, { pair: 300, word: 180 }, 560, 10),
      sized(50_000, { pair: 430, word: 230 }, 690, 1 / 12),
    ]);
    expect(growth).toMatchObject({ modelled: 660, basis: 'shortest-span' });
    expect(growth?.uncapped).toBeUndefined();
  });

  it('models nothing from one size', () => {
    const growth = indexGrowth([sized(5_000, { pair: 300 }, 400)]);
    expect(growth).toMatchObject({ growth: 1 });
    expect(growth?.modelled).toBeUndefined();
  });
});
