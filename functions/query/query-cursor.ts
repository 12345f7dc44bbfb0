/**
 * Opaque page cursors. A cursor carries the sort key of the last list item a page examined
 * (keyset paging on `date#id`, so releases added meanwhile cause no repeats and no losses),
 * bound to a fingerprint of the normalised query and signed with HMAC-SHA256: an altered cursor,
 * or one from another query or route, is rejected as a bad `cursor` parameter.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BadParameterError } from '#platform/errors.js';

const VERSION = 2;
const SIGNATURE_BYTES = 16;

/**
 * The signing keys: new cursors are signed with `current`; cursors signed with `previous` (the
 * key before the last rotation) are still accepted while they are younger than
 * {@link PREVIOUS_KEY_GRACE_MS}, so a rotation does not break a reader half way through a list.
 */
export interface CursorKeys {
  readonly current: string;
  readonly previous?: string;
}

/**
 * How long a cursor signed with the previous key stays good. Enforced by the issue time signed
 * into every cursor (not by the rotation schedule), so it holds however often the key rotates.
 */
export const PREVIOUS_KEY_GRACE_MS = 24 * 60 * 60 * 1000;

function keysOf(secret: string | CursorKeys): CursorKeys {
  return typeof secret === 'string' ? { current: secret } : secret;
}

/** A stable digest of a normalised query (plain JSON data, keys in a fixed order by construction). */
export function queryFingerprint(normalisedQuery: unknown): string {
  return createHash('sha256').update(JSON.stringify(normalisedQuery)).digest('base64url').slice(0, 22);
}

function sign(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest().subarray(0, SIGNATURE_BYTES);
}

/** A cursor continuing after `after`, signed with the current key and stamped with `now`. */
export function encodeCursor(
  secret: string | CursorKeys,
  fingerprint: string,
  after: string,
  now: number = Date.now(),
): string {
  const issuedAt = Math.floor(now / 1000);
  const payload = Buffer.from(JSON.stringify({ v: VERSION, f: fingerprint, a: after, t: issuedAt })).toString(
    'base64url',
  );
  return `${payload}.${sign(keysOf(secret).current, payload).toString('base64url')}`;
}

function invalid(): BadParameterError {
  return BadParameterError.of(
    'cursor',
    'Query parameter "cursor" is not a cursor this API issued for this query; ' +
      'pass the nextCursor of the previous page with the same other parameters.',
  );
}

function signedBy(secret: string, payload: string, given: Buffer): boolean {
  const expected = sign(secret, payload);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The position a cursor continues after; throws a 400 for anything this API did not issue for
 * this query, and for a cursor signed with the previous key more than a day ago.
 */
export function decodeCursor(
  secret: string | CursorKeys,
  fingerprint: string,
  token: string,
  now: number = Date.now(),
  /** How long the previous key's signatures stay good (change tokens live 30 days). */
  previousKeyGraceMs: number = PREVIOUS_KEY_GRACE_MS,
): string {
  const keys = keysOf(secret);
  const match = /^([A-Za-z0-9_-]{1,1000})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!match) throw invalid();
  const [, payload = '', signature = ''] = match;
  const given = Buffer.from(signature, 'base64url');
  const byCurrent = signedBy(keys.current, payload, given);
  const byPrevious = !byCurrent && keys.previous !== undefined && signedBy(keys.previous, payload, given);
  if (!byCurrent && !byPrevious) throw invalid();
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
    !('t' in decoded) ||
    decoded.v !== VERSION ||
    decoded.f !== fingerprint ||
    typeof decoded.a !== 'string' ||
    typeof decoded.t !== 'number'
  ) {
    throw invalid();
  }
  if (byPrevious && now - decoded.t * 1000 > previousKeyGraceMs) throw invalid();
  return decoded.a;
}
