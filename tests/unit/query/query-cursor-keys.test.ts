import { describe, expect, it } from 'vitest';
import { BadParameterError } from '#platform/errors.js';
import { decodeCursor, encodeCursor, PREVIOUS_KEY_GRACE_MS } from '#query/query-cursor.js';

const ISSUED = Date.UTC(2025, 6, 1, 12);
const HOUR = 60 * 60 * 1000;

function rejects(decode: () => string): void {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(BadParameterError);
    expect((error as BadParameterError).parameter).toBe('cursor');
    return;
  }
  throw new Error('expected the cursor to be rejected');
}

describe('cursor keys across a rotation', () => {
  const before = { current: 'key-1' };
  const after = { current: 'key-2', previous: 'key-1' };

  it('signs with the current key: a cursor made after rotation fails under the old key alone', () => {
    const cursor = encodeCursor(after, 'fp', '2024-07-02#a', ISSUED);
    expect(decodeCursor(after, 'fp', cursor, ISSUED)).toBe('2024-07-02#a');
    rejects(() => decodeCursor(before, 'fp', cursor, ISSUED));
    rejects(() => decodeCursor({ current: 'key-1', previous: 'key-0' }, 'fp', cursor, ISSUED));
  });

  it('accepts a cursor signed with the previous key for a day after it was issued', () => {
    const cursor = encodeCursor(before, 'fp', '2024-07-02#a', ISSUED);
    expect(decodeCursor(after, 'fp', cursor, ISSUED + HOUR)).toBe('2024-07-02#a');
    expect(decodeCursor(after, 'fp', cursor, ISSUED + PREVIOUS_KEY_GRACE_MS - 1000)).toBe('2024-07-02#a');
    rejects(() => decodeCursor(after, 'fp', cursor, ISSUED + PREVIOUS_KEY_GRACE_MS + 1000));
  });

  it('puts no age limit on cursors signed with the current key', () => {
    const cursor = encodeCursor(after, 'fp', '2024-07-02#a', ISSUED);
    expect(decodeCursor(after, 'fp', cursor, ISSUED + 30 * PREVIOUS_KEY_GRACE_MS)).toBe('2024-07-02#a');
  });

  it('rejects a cursor signed two rotations ago, and one whose issue time was altered', () => {
    const old = encodeCursor({ current: 'key-0' }, 'fp', '2024-07-02#a', ISSUED);
    rejects(() => decodeCursor(after, 'fp', old, ISSUED));
    const cursor = encodeCursor(before, 'fp', '2024-07-02#a', ISSUED);
    const [payload = '', signature = ''] = cursor.split('.');
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { t: number };
    const younger = Buffer.from(JSON.stringify({ ...body, t: body.t + 86_400 })).toString('base64url');
    rejects(() => decodeCursor(after, 'fp', `${younger}.${signature}`, ISSUED + 2 * PREVIOUS_KEY_GRACE_MS));
  });

  it('still binds the cursor to its query under the previous key', () => {
    const cursor = encodeCursor(before, 'fp', '2024-07-02#a', ISSUED);
    rejects(() => decodeCursor(after, 'other-query', cursor, ISSUED));
  });
});
