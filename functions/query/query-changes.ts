/**
 * `GET /changes`: every change to the archive in the order the change log holds them (see
 * change-log.ts), for consumers that mirror the archive. A token is a signed log position; the
 * walk goes day partition by day partition up to the watermark (now minus the read lag), so a
 * position handed out is never passed by a change item that lands later.
 */

// A namespace import lets esbuild drop what is unused (zod's locales).
import * as z from 'zod';
import {
  type ChangeItem,
  type ChangeType,
  DEFAULT_READ_LAG_MILLIS,
  dayOf,
  TOKEN_VALIDITY_MILLIS,
  timeOf,
} from '#changes/change-log.js';
import { BadParameterError, GoneError } from '#platform/errors.js';
import type { StoredRelease } from '#release/release.js';
import { storedReleaseBytes } from '#release/response-size.js';
import { cutChangePage } from './change-page.js';
import { type CursorKeys, decodeCursor, encodeCursor, queryFingerprint } from './query-cursor.js';
import { limitParam, parseParams } from './query-params.js';

export const CHANGES_MAX_LIMIT = 100;
/** Day partitions examined per request at most: a page may end early with a token to go on. */
export const CHANGES_MAX_DAYS = 60;
/**
 * Releases' JSON per page at most (UTF-8 bytes), well inside Lambda's 6 MB response. A page's
 * first item is served whatever its size: a release larger than this is alone on its page, which
 * fits one response as `/releases/{id}` does (compressed when the client accepts gzip).
 */
export const CHANGES_MAX_BYTES = 4_000_000;
/**
 * Upserts logged before change items recorded their size, read one by one to measure them, at
 * most this many per page (the page then reads at most one body it does not serve).
 */
export const CHANGES_MAX_UNKNOWN_SIZES = 20;

export const changesParamsSchema = z.strictObject({
  after: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(1024, { error: 'is not a token this API issued' })
    .meta({ description: 'The nextToken (or an item token) of an earlier response; leave out to start' })
    .optional(),
  limit: limitParam(CHANGES_MAX_LIMIT, CHANGES_MAX_LIMIT, 'Changes per page').optional(),
});

/** The read port of the change feed; dynamodb-change-log.ts implements it. */
export interface ChangeReader {
  /** Days with change partitions, from `from` to `to` inclusive, oldest first, at most `limit`. */
  changeDays(request: { from?: string; to: string; limit: number }): Promise<string[]>;
  /** A day's change items strictly between `after` and `before`, oldest first (consistent reads). */
  changes(request: {
    day: string;
    after?: string;
    before: string;
    limit: number;
  }): Promise<{ items: ChangeItem[]; hasMore: boolean }>;
  /**
   * The current release and its revision of each id that exists (consistent reads); the body is
   * read only for a release still at one of the revisions asked for.
   */
  currentReleases(
    wanted: readonly { id: string; rev: number }[],
  ): Promise<Map<string, { rev: number; release: StoredRelease }>>;
}

export interface ChangesContext {
  changes: ChangeReader;
  /** HMAC keys of tokens (a plain string is a current key with no previous one). */
  cursorSecret: string | CursorKeys;
  now: () => number;
  /** @default DEFAULT_READ_LAG_MILLIS */
  lagMillis?: number;
}

export interface ChangeEntry {
  token: string;
  type: ChangeType;
  id: string;
  at: string;
  release?: StoredRelease;
}

export interface ChangePage {
  items: ChangeEntry[];
  nextToken: string;
}

const FINGERPRINT = queryFingerprint({ route: 'changes' });

function encodeToken(secret: string | CursorKeys, position: string): string {
  return encodeCursor(secret, FINGERPRINT, position);
}

/**
 * Tokens live 30 days, longer than a cursor: one signed with the key before the last rotation
 * stays good as long as the token does (the key rotates every 30 days, so a token's key is always
 * the current or the previous one).
 */
const TOKEN_PREVIOUS_KEY_GRACE_MS = 31 * 24 * 3600 * 1000;

/** A position of the log, or a 400 naming `after` / a 410 when it is older than tokens live. */
function decodeToken(ctx: ChangesContext, token: string): string {
  let position: string;
  try {
    position = decodeCursor(ctx.cursorSecret, FINGERPRINT, token, ctx.now(), TOKEN_PREVIOUS_KEY_GRACE_MS);
  } catch (error) {
    if (!(error instanceof BadParameterError)) throw error;
    throw BadParameterError.of(
      'after',
      'Query parameter "after" is not a token this API issued; pass a nextToken or item token of /changes, ' +
        'or leave it out to start from the beginning.',
    );
  }
  const time = timeOf(position);
  if (Number.isNaN(time))
    throw BadParameterError.of('after', 'Query parameter "after" is not a valid token.');
  if (ctx.now() - time > TOKEN_VALIDITY_MILLIS) {
    throw new GoneError(
      'after',
      'The token in "after" is older than 30 days, and deletions are kept only that long: ' +
        'start over without after (you get every release again) and replace your copy.',
    );
  }
  return position;
}

/** A position after every item of a day (`~` sorts after `Z#…` and before the next day). */
function endOfDay(day: string): string {
  return `${day}T23:59:59.999Z~`;
}

export async function listChanges(
  ctx: ChangesContext,
  rawParams: Record<string, string>,
): Promise<ChangePage> {
  const params = parseParams(changesParamsSchema, rawParams);
  const limit = params.limit ?? CHANGES_MAX_LIMIT;
  const start = params.after === undefined ? undefined : decodeToken(ctx, params.after);
  const watermark = new Date(ctx.now() - (ctx.lagMillis ?? DEFAULT_READ_LAG_MILLIS)).toISOString();
  if (start !== undefined && start >= watermark) {
    return { items: [], nextToken: encodeToken(ctx.cursorSecret, start) };
  }
  const days = await ctx.changes.changeDays({
    ...(start !== undefined ? { from: dayOf(start) } : {}),
    to: dayOf(watermark),
    limit: CHANGES_MAX_DAYS,
  });
  // Read one more item than the page holds to know whether the log goes on.
  const read: ChangeItem[] = [];
  let position = start;
  let complete = true;
  for (const day of days) {
    const page = await ctx.changes.changes({
      day,
      ...(position !== undefined && dayOf(position) === day ? { after: position } : {}),
      before: watermark,
      limit: limit - read.length,
    });
    read.push(...page.items);
    if (page.hasMore || read.length >= limit) {
      complete = false;
      break;
    }
    position = day === dayOf(watermark) ? watermark : endOfDay(day);
  }
  const walkedToWatermark = complete && (days.length < CHANGES_MAX_DAYS || days.at(-1) === dayOf(watermark));

  // Where the page stops is decided from the items' recorded sizes, before any body is read.
  const cut = await cutChangePage(
    read,
    { maxBytes: CHANGES_MAX_BYTES, maxUnknownSizes: CHANGES_MAX_UNKNOWN_SIZES },
    (wanted) => ctx.changes.currentReleases(wanted),
    storedReleaseBytes,
  );
  const items: ChangeEntry[] = [];
  for (const item of cut.examined) {
    const token = encodeToken(ctx.cursorSecret, item.sk);
    const release = cut.releases.get(item.sk);
    if (item.type === 'delete') items.push({ token, type: 'delete', id: item.id, at: item.at });
    else if (release) items.push({ token, type: 'upsert', id: item.id, at: item.at, release });
  }
  const last = cut.examined.at(-1)?.sk;
  const exhausted = last === read.at(-1)?.sk;
  let next: string;
  if (exhausted && walkedToWatermark) next = watermark;
  else if (exhausted && complete && days.length > 0) next = endOfDay(days.at(-1) ?? '');
  else next = last ?? position ?? start ?? watermark;
  return { items, nextToken: encodeToken(ctx.cursorSecret, next) };
}
