import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BadParameterError } from '#platform/errors.js';
import { decodeCursor, decodePosition, encodeCursor, MAX_CURSOR_LENGTH } from '#query/query-cursor.js';
import type { PrefixProgress } from '#search/prefix-progress.js';

const SECRET = 'cursor-progress-test';
const NOW = Date.UTC(2025, 6, 1, 12);
const THIT: PrefixProgress = { s: 'thitat', w: ['thitaa', 'thitak'], h: 'AbCdEfGh' };
const TAM: PrefixProgress = { s: 'tamab', w: [], h: 'HgFeDcBa' };

function payloadOf(cursor: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(cursor.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** A cursor with this payload, signed as the API signs (for payloads the API would not write). */
function signed(payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = createHmac('sha256', SECRET).update(body).digest().subarray(0, 16).toString('base64url');
  return `${body}.${signature}`;
}

function rejected(run: () => unknown): void {
  expect(run).toThrow(BadParameterError);
  try {
    run();
  } catch (error) {
    expect((error as BadParameterError).parameter).toBe('cursor');
  }
}

describe('version 3 cursors', () => {
  it('carry the prefix progress, signed and bound to the query', () => {
    const progress = new Map([
      ['thit', THIT],
      ['tam', TAM],
    ]);
    const cursor = encodeCursor(SECRET, 'fp', '2024-07-02#a', NOW, progress);
    expect(payloadOf(cursor)).toMatchObject({ v: 3, a: '2024-07-02#a', p: { thit: THIT, tam: TAM } });
    expect(decodePosition(SECRET, 'fp', cursor, NOW)).toEqual({ after: '2024-07-02#a', progress });
    expect(decodeCursor(SECRET, 'fp', cursor, NOW)).toBe('2024-07-02#a');
    rejected(() => decodePosition(SECRET, 'other-query', cursor, NOW));
  });

  it('are written only with progress: without, a cursor is version 2 as before, and either is read', () => {
    for (const cursor of [
      encodeCursor(SECRET, 'fp', '2024-07-02#a', NOW, new Map()),
      encodeCursor(SECRET, 'fp', '2024-07-02#a', NOW),
    ]) {
      expect(payloadOf(cursor)).toEqual({ v: 2, f: 'fp', a: '2024-07-02#a', t: NOW / 1000 });
      expect(decodePosition(SECRET, 'fp', cursor, NOW)).toEqual({ after: '2024-07-02#a' });
    }
    const empty = signed({ v: 3, f: 'fp', a: '2024-07-02#a', t: NOW / 1000 });
    expect(decodePosition(SECRET, 'fp', empty, NOW)).toEqual({ after: '2024-07-02#a' });
  });

  it('reject progress that was altered', () => {
    const cursor = encodeCursor(SECRET, 'fp', '2024-07-02#a', NOW, new Map([['thit', THIT]]));
    const [, signature] = cursor.split('.');
    const body = payloadOf(cursor);
    const fewer = { ...body, p: { thit: { ...THIT, w: ['thitaa'] } } };
    rejected(() =>
      decodePosition(
        SECRET,
        'fp',
        `${Buffer.from(JSON.stringify(fewer)).toString('base64url')}.${signature}`,
        NOW,
      ),
    );
  });

  it('reject malformed progress even when signed', () => {
    for (const p of [
      [THIT],
      { thit: { s: 'thitat', w: 'thitaa', h: 'x' } },
      { thit: { s: 'thitat', w: [1], h: 'x' } },
      { thit: { s: 'thitat', w: [] } },
      null,
    ]) {
      rejected(() => decodePosition(SECRET, 'fp', signed({ v: 3, f: 'fp', a: 'x', t: NOW / 1000, p }), NOW));
    }
    // Progress is a version 3 field: in a version 2 cursor it is ignored, in a version 4 one refused.
    expect(
      decodePosition(SECRET, 'fp', signed({ v: 2, f: 'fp', a: 'x', t: NOW / 1000, p: { thit: THIT } }), NOW),
    ).toEqual({
      after: 'x',
    });
    rejected(() => decodePosition(SECRET, 'fp', signed({ v: 4, f: 'fp', a: 'x', t: NOW / 1000 }), NOW));
  });
});

describe('version 2 cursors', () => {
  it('are still read, as cursors without progress', () => {
    const v2 = signed({ v: 2, f: 'fp', a: '2024-07-02#a', t: Math.floor(NOW / 1000) });
    expect(decodePosition(SECRET, 'fp', v2, NOW)).toEqual({ after: '2024-07-02#a' });
    expect(decodeCursor(SECRET, 'fp', v2, NOW)).toBe('2024-07-02#a');
    rejected(() => decodePosition('another-key', 'fp', v2, NOW));
  });
});

describe('the length cap', () => {
  const many = (stem: string, count: number): PrefixProgress => ({
    s: `${stem}zz`,
    w: Array.from({ length: count }, (_, i) => `${stem}${String(i).padStart(4, '0')}`),
    h: 'AbCdEfGh',
  });

  it('leaves out the prefixes with the most words until the cursor fits', () => {
    const progress = new Map([
      ['small', many('small', 3)],
      ['large', many('large', 150)],
    ]);
    const cursor = encodeCursor(SECRET, 'fp', '2024-07-02#a', NOW, progress);
    expect(cursor.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
    expect(decodePosition(SECRET, 'fp', cursor, NOW).progress).toEqual(
      new Map([['small', many('small', 3)]]),
    );
  });

  it('leaves out all progress when nothing else fits, and keeps what fits whole', () => {
    const huge = encodeCursor(SECRET, 'fp', '2024-07-02#a', NOW, new Map([['large', many('large', 400)]]));
    expect(huge.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
    expect(decodePosition(SECRET, 'fp', huge, NOW)).toEqual({ after: '2024-07-02#a' });
    const fits = encodeCursor(SECRET, 'fp', '2024-07-02#a', NOW, new Map([['large', many('large', 100)]]));
    expect(fits.length).toBeGreaterThan(1024);
    expect(decodePosition(SECRET, 'fp', fits, NOW).progress?.get('large')?.w).toHaveLength(100);
  });

  it('rejects a token longer than any cursor issued', () => {
    const body = Buffer.from(
      JSON.stringify({ v: 3, f: 'fp', a: 'x'.repeat(MAX_CURSOR_LENGTH), t: 1 }),
    ).toString('base64url');
    rejected(() => decodePosition(SECRET, 'fp', `${body}.${'A'.repeat(22)}`, NOW));
    rejected(() =>
      decodePosition(SECRET, 'fp', signed({ v: 3, f: 'fp', a: 'x'.repeat(MAX_CURSOR_LENGTH), t: 1 }), NOW),
    );
  });
});
