/**
 * Opaque page cursors. A cursor carries the sort key of the last list item a page examined
 * (keyset paging on `date#id`, so releases added meanwhile cause no repeats and no losses) and,
 * for `q` with prefixes, how far their expansion got (search/prefix-progress.ts), bound to a
 * fingerprint of the normalised query and signed with HMAC-SHA256: an altered cursor, or one
 * from another query or route, is rejected as a bad `cursor` parameter.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BadParameterError } from '#platform/errors.js';
import type { PrefixProgress, WalkProgress } from '#search/prefix-progress.js';

/**
 * Version 3 carries prefix progress (`p`). A cursor with none is written as version 2, as before
 * (so change tokens and list cursors stay readable by the previous deployment); both are read.
 */
const VERSION = 3;
const PLAIN_VERSION = 2;
const VERSIONS_READ: readonly unknown[] = [PLAIN_VERSION, VERSION];
const SIGNATURE_BYTES = 16;
/** Characters of the signature, base64url. */
const SIGNATURE_LENGTH = 22;
/** The longest cursor issued (and accepted): progress that would make it longer is left out. */
export const MAX_CURSOR_LENGTH = 2048;
const MAX_PAYLOAD_LENGTH = MAX_CURSOR_LENGTH - SIGNATURE_LENGTH - 1;
const TOKEN = new RegExp(`^([A-Za-z0-9_-]{1,${MAX_PAYLOAD_LENGTH}})\\.([A-Za-z0-9_-]{${SIGNATURE_LENGTH}})$`);

/** Where a page continues: after the `date#id` `after`, with the prefix progress so far. */
export interface CursorPosition {
  after: string;
  progress?: WalkProgress;
}

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

/**
 * A cursor continuing after `after`, signed with the current key and stamped with `now`. With
 * `progress`, as much of it as keeps the cursor within MAX_CURSOR_LENGTH (the prefixes with the
 * most words are left out first; a page without progress only probes more).
 */
export function encodeCursor(
  secret: string | CursorKeys,
  fingerprint: string,
  after: string,
  now: number = Date.now(),
  progress?: WalkProgress,
): string {
  const issuedAt = Math.floor(now / 1000);
  const kept = [...(progress ?? new Map<string, PrefixProgress>())].sort(
    (a, b) => a[1].w.length - b[1].w.length,
  );
  for (;;) {
    const body =
      kept.length > 0
        ? { v: VERSION, f: fingerprint, a: after, t: issuedAt, p: Object.fromEntries(kept) }
        : { v: PLAIN_VERSION, f: fingerprint, a: after, t: issuedAt };
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    if (payload.length <= MAX_PAYLOAD_LENGTH || kept.length === 0)
      return `${payload}.${sign(keysOf(secret).current, payload).toString('base64url')}`;
    kept.pop();
  }
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

/** The position a cursor continues after (its `after` alone); see {@link decodePosition}. */
export function decodeCursor(...args: Parameters<typeof decodePosition>): string {
  return decodePosition(...args).after;
}

function isProgress(value: unknown): value is PrefixProgress {
  return (
    typeof value === 'object' &&
    value !== null &&
    's' in value &&
    'w' in value &&
    'h' in value &&
    typeof value.s === 'string' &&
    typeof value.h === 'string' &&
    Array.isArray(value.w) &&
    value.w.every((word: unknown) => typeof word === 'string')
  );
}

/** The prefix progress of a payload (absent: none), or undefined when it is malformed. */
function progressOf(decoded: object): WalkProgress | undefined {
  if (!('p' in decoded)) return new Map();
  const p = decoded.p;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return undefined;
  const entries = Object.entries(p);
  return entries.every(([, value]) => isProgress(value))
    ? new Map(entries as Array<[string, PrefixProgress]>)
    : undefined;
}

/**
 * Where a cursor continues: after its position, with its prefix progress; throws a 400 for
 * anything this API did not issue for this query, and for a cursor signed with the previous key
 * more than a day ago.
 */
export function decodePosition(
  secret: string | CursorKeys,
  fingerprint: string,
  token: string,
  now: number = Date.now(),
  /** How long the previous key's signatures stay good (change tokens live 30 days). */
  previousKeyGraceMs: number = PREVIOUS_KEY_GRACE_MS,
): CursorPosition {
  const keys = keysOf(secret);
  const match = TOKEN.exec(token);
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
    !VERSIONS_READ.includes(decoded.v) ||
    decoded.f !== fingerprint ||
    typeof decoded.a !== 'string' ||
    typeof decoded.t !== 'number'
  ) {
    throw invalid();
  }
  if (byPrevious && now - decoded.t * 1000 > previousKeyGraceMs) throw invalid();
  const progress = decoded.v === VERSION ? progressOf(decoded) : new Map<string, PrefixProgress>();
  if (!progress) throw invalid();
  return { after: decoded.a, ...(progress.size > 0 ? { progress } : {}) };
}
