/**
 * Opaque page cursors. A cursor carries the sort key of the last list item a page examined
 * (keyset paging on `date#id`, so releases added meanwhile cause no repeats and no losses),
 * bound to a fingerprint of the normalised query and signed with HMAC-SHA256: an altered cursor,
 * or one from another query or route, is rejected as a bad `cursor` parameter.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BadParameterError } from './query-errors.js';

const VERSION = 1;
const SIGNATURE_BYTES = 16;

/** A stable digest of a normalised query (plain JSON data, keys in a fixed order by construction). */
export function queryFingerprint(normalisedQuery: unknown): string {
  return createHash('sha256').update(JSON.stringify(normalisedQuery)).digest('base64url').slice(0, 22);
}

function sign(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest().subarray(0, SIGNATURE_BYTES);
}

export function encodeCursor(secret: string, fingerprint: string, after: string): string {
  const payload = Buffer.from(JSON.stringify({ v: VERSION, f: fingerprint, a: after })).toString('base64url');
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
}

function invalid(): BadParameterError {
  return BadParameterError.of(
    'cursor',
    'Query parameter "cursor" is not a cursor this API issued for this query; ' +
      'pass the nextCursor of the previous page with the same other parameters.',
  );
}

/** The position a cursor continues after; throws a 400 for anything this API did not issue for this query. */
export function decodeCursor(secret: string, fingerprint: string, token: string): string {
  const match = /^([A-Za-z0-9_-]{1,1000})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!match) throw invalid();
  const [, payload = '', signature = ''] = match;
  const given = Buffer.from(signature, 'base64url');
  const expected = sign(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    typeof decoded !== 'object' ||
    decoded === null ||
    !('v' in decoded) ||
    !('f' in decoded) ||
    !('a' in decoded) ||
    decoded.v !== VERSION ||
    decoded.f !== fingerprint ||
    typeof decoded.a !== 'string'
  ) {
    throw invalid();
  }
  return decoded.a;
}
