/**
 * The change log behind `GET /changes`: a compacted log holding each release's latest change, in
 * the order the projector logged them. Written only by the projector (a ReleaseProjection), with
 * plain idempotent writes; see docs/data-model.md ("Change log") for why this layout and the
 * bound on how far behind the present a reader stays.
 *
 * Positions are the sort keys of change items: `<ISO time, ms>#<id>`, in partitions by day
 * `C#<yyyy-mm-dd>`. The time is the projector's clock when it logs the change, never earlier than
 * the release's previous change item, so a release's changes never go backwards; a reader hands
 * out positions only up to a watermark (its clock minus a lag larger than the time a logged write
 * may take to land), so every change item it has not yet passed lands after its position.
 */

import type { Release } from '#release/release.js';
import { storedReleaseBytes } from '#release/response-size.js';
import type { ReleaseImageChange } from '#table/release-change.js';
import type { ReleaseItem, TableKey } from '#table/table-layout.js';

/** Deletions are kept this long; tokens stay valid for less (TOKEN_VALIDITY_MILLIS). */
export const CHANGE_TOMBSTONE_TTL_SECONDS = 35 * 24 * 3600;
/** A token whose position is older than this is refused with 410: its deletions may be gone. */
export const TOKEN_VALIDITY_MILLIS = 30 * 24 * 3600 * 1000;
/**
 * A change item must land within this long of its position's time; a write that took longer is
 * logged again at a new position (the reader's lag must exceed it, with room for clock skew).
 */
export const DEFAULT_WRITE_BOUND_MILLIS = 2_000;
/** How far behind its clock a reader hands out positions: the write bound plus 3 s for skew. */
export const DEFAULT_READ_LAG_MILLIS = 5_000;

/** The partition listing the days that have change partitions. */
export const CHANGE_DAYS_PARTITION = 'C#DAYS';

export type ChangeType = 'upsert' | 'delete';

/** One change item: the release's latest change. */
export interface ChangeItem extends TableKey {
  id: string;
  type: ChangeType;
  /** The commit time of the change (the stream's approximate creation time). */
  at: string;
  /** The stream sequence number of the change ('' for a reindex's reprojection). */
  seq: string;
  /** The release item's revision the upsert logged: a reader serves it only while it is current. */
  rev?: number;
  /**
   * Upserts: UTF-8 bytes of that revision's JSON as `/changes` serves it, so a reader cuts its
   * page before reading any body. Absent on items logged before sizes were recorded.
   */
  bytes?: number;
  /** Tombstones only: epoch seconds when DynamoDB may remove it. */
  expiresAt?: number;
}

/** The release's own pointer to its change item (`R#<id>` / `C`). */
export interface ChangePointerItem extends TableKey {
  /** The sort key of the release's change item (its partition follows from its day). */
  cur: string;
  seq: string;
  /** Change items of this release superseded by `cur`, deleted once `cur` has landed. */
  stale?: string[];
  /** Set when the release is deleted: the pointer goes with its tombstone. */
  expiresAt?: number;
  /**
   * The release state `cur` logged: its `updatedAt`, or `deleted`. A repair of a release whose
   * state is already logged logs nothing; one whose change never reached the log logs it now.
   */
  state?: string;
}

/** UTF-8 bytes of the release's JSON as `/changes` and `/releases/{id}` serve this revision. */
export function servedReleaseJsonBytes(release: Release, item: ReleaseItem): number {
  return storedReleaseBytes({
    ...release,
    // A release item may lack `extra`; the reader serves it as `{}`.
    extra: release.extra ?? {},
    source: { key: item.sourceKey },
    updatedAt: item.updatedAt,
  });
}

export function changePartition(day: string): string {
  return `C#${day}`;
}

export function changeDayKey(day: string): TableKey {
  return { pk: CHANGE_DAYS_PARTITION, sk: day };
}

export function changePointerKey(id: string): TableKey {
  return { pk: `R#${id}`, sk: 'C' };
}

/** The key of a change item from its position (`<ISO time>#<id>`). */
export function changeItemKey(position: string): TableKey {
  return { pk: changePartition(dayOf(position)), sk: position };
}

export function changePosition(time: number, id: string): string {
  return `${new Date(time).toISOString()}#${id}`;
}

/** `yyyy-mm-dd` of a position (every position starts with an ISO time). */
export function dayOf(position: string): string {
  return position.slice(0, 10);
}

/** Milliseconds of a position's time. */
export function timeOf(position: string): number {
  return Date.parse(position.slice(0, 24));
}

/**
 * Compares stream sequence numbers: decimal strings of varying length, increasing per release.
 * '' (a reprojection) sorts before every real one.
 */
export function compareSequence(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The writes the change log needs; the DynamoDB implementation is dynamodb-change-log.ts. */
export interface ChangeLogStore {
  /** Consistent read of the release's pointer. */
  pointer(id: string): Promise<ChangePointerItem | undefined>;
  /** Whether a change item exists (consistent). */
  hasItem(position: string): Promise<boolean>;
  putPointer(item: ChangePointerItem): Promise<void>;
  putItem(item: ChangeItem): Promise<void>;
  deleteItems(positions: readonly string[]): Promise<void>;
  /** Lists a day in the day partition (idempotent). */
  putDay(day: string): Promise<void>;
}

export interface ChangeLogOptions {
  /** @default Date.now */
  now?: () => number;
  /** @default DEFAULT_WRITE_BOUND_MILLIS */
  writeBoundMillis?: number;
}

/**
 * The change log as a projection. For each change of a release (in order, possibly replayed):
 *
 * 1. Read the release's pointer. A change older than the one it names was logged and superseded:
 *    nothing to do. The same change whose item exists: only finish deleting what it superseded.
 * 2. Otherwise pick a position (now, or just after the previous one), record it in the pointer
 *    first (with the previous item as stale), then put the item, then delete the stale items. A
 *    crash anywhere leaves a pointer that names every item of the release, so a replay cleans up.
 * 3. If the item took longer than the write bound to land, a reader may already have passed its
 *    position: log it again at a new position (the slow one becomes stale).
 */
export class ChangeLogProjection {
  readonly name = 'change log';
  private readonly days = new Set<string>();
  private readonly now: () => number;
  private readonly bound: number;

  constructor(
    private readonly store: ChangeLogStore,
    options: ChangeLogOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.bound = options.writeBoundMillis ?? DEFAULT_WRITE_BOUND_MILLIS;
  }

  async apply(change: ReleaseImageChange, release: Release | undefined): Promise<void> {
    const seq = change.sequenceNumber;
    let pointer = await this.store.pointer(change.id);
    const type: ChangeType = change.after && release ? 'upsert' : 'delete';
    const state = type === 'upsert' ? change.after?.updatedAt : 'deleted';
    const bytes = change.after && release ? servedReleaseJsonBytes(release, change.after) : undefined;
    if (
      pointer?.state !== undefined &&
      pointer.state === state &&
      compareSequence(pointer.seq, seq) <= 0 &&
      (await this.store.hasItem(pointer.cur))
    ) {
      // Already logged (a repair, or a record that changed nothing a reader of the log sees).
      if (pointer.stale?.length) await this.store.deleteItems(pointer.stale);
      return;
    }
    if (pointer) {
      const order = compareSequence(pointer.seq, seq);
      // A reprojection ('') only fills in releases the log has never seen.
      if (order > 0 || (seq === '' && pointer.seq !== '')) return;
      if (order === 0 && (await this.store.hasItem(pointer.cur))) {
        if (pointer.stale?.length) await this.store.deleteItems(pointer.stale);
        return;
      }
    }
    for (;;) {
      const clock = this.now();
      const previous = pointer ? timeOf(pointer.cur) + 1 : 0;
      const position = changePosition(Math.max(clock, previous), change.id);
      // Stale items of an earlier change were deleted when it completed (a release's changes are
      // projected in order, each to the end); those of this change's interrupted or slow attempts not.
      const unfinished = pointer && pointer.seq === seq ? (pointer.stale ?? []) : [];
      const stale = [...new Set([...unfinished, ...(pointer ? [pointer.cur] : [])])].filter(
        (p) => p !== position,
      );
      const expiresAt =
        type === 'delete' ? Math.floor(timeOf(position) / 1000) + CHANGE_TOMBSTONE_TTL_SECONDS : undefined;
      const next: ChangePointerItem = {
        ...changePointerKey(change.id),
        cur: position,
        seq,
        state,
        ...(stale.length > 0 ? { stale } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      };
      const day = dayOf(position);
      // The day is listed before its first item, so a reader never finds an item in an unlisted day.
      if (!this.days.has(day)) {
        await this.store.putDay(day);
        this.days.add(day);
      }
      await this.store.putPointer(next);
      await this.store.putItem({
        ...changeItemKey(position),
        id: change.id,
        type,
        at: change.at,
        seq,
        ...(type === 'upsert' && change.after ? { rev: change.after.rev } : {}),
        ...(bytes !== undefined ? { bytes } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      });
      pointer = next;
      if (this.now() - timeOf(position) <= this.bound) break;
    }
    if (pointer.stale?.length) await this.store.deleteItems(pointer.stale);
  }
}
