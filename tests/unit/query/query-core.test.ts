import { describe, expect, it } from 'vitest';
import { BadParameterError } from '#platform/errors.js';
import { decodeCursor, encodeCursor, queryFingerprint } from '#query/query-cursor.js';
import { parseParams, releasesParamsSchema } from '#query/query-params.js';
import { planReleasesQuery } from '#query/query-plan.js';
import { matchesRelease, parseTextQuery } from '#query/query-text.js';

function badParameter(run: () => unknown): BadParameterError {
  try {
    run();
  } catch (error) {
    if (error instanceof BadParameterError) return error;
    throw error;
  }
  throw new Error('expected a BadParameterError');
}

const parse = (params: Record<string, string>) => parseParams(releasesParamsSchema, params);

describe('query parameters', () => {
  it('accepts every documented parameter and converts limit to a number', () => {
    const params = parse({
      minister: 'Rt Hon Christopher Luxon',
      portfolio: 'prime-minister',
      from: '2024-01-01',
      to: '2024-12-31',
      q: 'nato',
      limit: '5',
    });
    expect(params.limit).toBe(5);
  });

  it.each([
    [{ foo: '1' }, 'foo'],
    [{ Limit: '1' }, 'Limit'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '101' }, 'limit'],
    [{ limit: '1.5' }, 'limit'],
    [{ limit: '' }, 'limit'],
    [{ limit: '-1' }, 'limit'],
    [{ from: '2024-13-01' }, 'from'],
    [{ from: '2024-02-30' }, 'from'],
    [{ to: '24-01-01' }, 'to'],
    [{ to: '2024-01-01T00:00:00Z' }, 'to'],
    [{ from: '2024-02-01', to: '2024-01-01' }, 'from'],
    [{ minister: '' }, 'minister'],
    [{ minister: '!!!' }, 'minister'],
    [{ portfolio: ' ' }, 'portfolio'],
    [{ minister: 'x'.repeat(301) }, 'minister'],
    [{ cursor: '' }, 'cursor'],
  ])('rejects %j naming %s', (params, name) => {
    const error = badParameter(() => parse(params));
    expect(error.parameter).toBe(name);
    expect(error.issues[0]?.detail).toContain(`"${name}"`);
  });
});

describe('query planner', () => {
  it('picks the partition from minister and portfolio, as slugs', () => {
    const plan = (params: Record<string, string>) => planReleasesQuery(parse(params)).scope;
    expect(plan({})).toEqual({ kind: 'all' });
    expect(plan({ minister: 'Rt Hon Tāmati  Luxon' })).toEqual({
      kind: 'minister',
      minister: 'tamati-luxon',
    });
    expect(plan({ portfolio: 'Māori Development' })).toEqual({
      kind: 'portfolio',
      portfolio: 'maori-development',
    });
    expect(plan({ minister: 'HON A B', portfolio: 'c-d' })).toEqual({
      kind: 'minister-portfolio',
      minister: 'a-b',
      portfolio: 'c-d',
    });
  });

  it('turns from/to into an inclusive sort-key range over date#id', () => {
    const { range } = planReleasesQuery(parse({ from: '2024-01-01', to: '2024-01-31' }));
    expect(range.lower).toBe('2024-01-01');
    expect(range.upper).toBe('2024-01-31#\uffff');
    expect('2024-01-31#zzz-999' <= (range.upper ?? '')).toBe(true);
    expect('2024-02-01#a' <= (range.upper ?? '')).toBe(false);
  });

  it('gives the same identity to the same filter written differently, and ignores the page size', () => {
    const a = planReleasesQuery(parse({ minister: 'Hon Tāmati Luxon', q: 'b a', limit: '5' })).identity;
    const b = planReleasesQuery(parse({ minister: 'tamati-luxon', q: 'A  B', limit: '50' })).identity;
    expect(queryFingerprint(a)).toBe(queryFingerprint(b));
    const c = planReleasesQuery(parse({ minister: 'tamati-luxon', q: 'a' })).identity;
    expect(queryFingerprint(c)).not.toBe(queryFingerprint(a));
  });
});

describe('cursors', () => {
  const secret = 'test-secret';
  it('round-trips the position for the same query', () => {
    const cursor = encodeCursor(secret, 'fp1', '2024-07-02#abc');
    expect(decodeCursor(secret, 'fp1', cursor)).toBe('2024-07-02#abc');
  });

  it('rejects another query, another secret, an altered or a made-up cursor', () => {
    const cursor = encodeCursor(secret, 'fp1', '2024-07-02#abc');
    const flipped = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;
    for (const run of [
      () => decodeCursor(secret, 'fp2', cursor),
      () => decodeCursor('other', 'fp1', cursor),
      () => decodeCursor(secret, 'fp1', flipped),
      () => decodeCursor(secret, 'fp1', 'abc'),
      () =>
        decodeCursor(
          secret,
          'fp1',
          `${Buffer.from('{"v":1,"f":"fp1","a":"x"}').toString('base64url')}.${'A'.repeat(22)}`,
        ),
    ]) {
      expect(badParameter(run).parameter).toBe('cursor');
    }
  });
});

describe('text filter', () => {
  it('splits words and "quoted phrases", folding case, accents and quotes', () => {
    expect(parseTextQuery('NATO “Prime  Minister” Māori, ')).toMatchObject({
      words: ['maori', 'nato'],
      phrases: [['prime', 'minister']],
    });
    expect(parseTextQuery('"unterminated phrase')).toMatchObject({
      words: [],
      phrases: [['unterminated', 'phrase']],
    });
  });

  it('rejects a filter with nothing to look for', () => {
    for (const q of ['', '   ', '""', '- , .'])
      expect(badParameter(() => parseTextQuery(q)).parameter).toBe('q');
  });

  it('needs every term, and phrases as written, in title or body', () => {
    const body = 'The Prime\u00a0Minister will visit the United States.\n\nKia ora whānau.';
    const match = (q: string) => matchesRelease(parseTextQuery(q), 'Heads to NATO', body);
    expect(match('prime minister')).toBe(true);
    expect(match('"prime minister"')).toBe(true);
    expect(match('"PRIME MINISTER will visit"')).toBe(true);
    expect(match('"minister prime"')).toBe(false);
    expect(match('nato whanau')).toBe(true);
    expect(match('nato missing')).toBe(false);
    expect(match('"nato the prime"')).toBe(false);
  });
});
