/**
 * Ports of the ingestion use case: where release files come from and where releases go. The
 * DynamoDB and S3 implementations live in aws/; the use case (apply-object-event.ts) only
 * sees these interfaces.
 */
import type { Release } from '#release/release.js';
import type { ReleaseItem, SourceItem } from '#table/table-layout.js';

export type ObjectRead =
  | { status: 'found'; text: string; etag: string; lastModified: string }
  | { status: 'missing' }
  /** Present but unusable as text: too large, or not UTF-8. The reason names the problem. */
  | { status: 'unreadable'; etag: string; lastModified: string; field: string; reason: string };

export interface ObjectListing {
  key: string;
  etag: string;
  lastModified: string;
}

export interface ReleaseFileSource {
  /** The object's current state: its content, or that it is gone. */
  read(key: string): Promise<ObjectRead>;
  list(): AsyncIterable<ObjectListing>;
}

/** The next state of a source key, written together with the release change. */
export type SourceState = Omit<SourceItem, 'pk' | 'sk' | 'rev' | 'updatedAt'>;

/**
 * One ingestion step, committed atomically. It only ever touches items owned by this key or by
 * the releases it yields (source state, problem, release items): nothing shared by many releases,
 * so concurrent ingests of different files never contend. List items, entity figures, the word
 * index and the change log follow from the release items through the table's stream.
 */
export interface ReleaseChange {
  key: string;
  /** The id the key yielded before this change (its claim on it goes if it yields no longer). */
  previousReleaseId?: string;
  /** Revision of the source-key item read before deciding; `null` when it did not exist. */
  expectSourceRev: number | null;
  source: SourceState;
  /** Record this reason for the key, or clear its problem. */
  problem: { reason: string } | null;
  /**
   * The key state read recorded a problem, so its problem item exists (the two are only ever
   * written together). Clearing a problem that was never recorded writes nothing.
   */
  hadProblem: boolean;
  /** Write this release; `previous` is its item as read (the write is conditional on it). */
  put?: { release: Release; previous: ReleaseItem | undefined; sourceTime: string };
  /** Remove this release, which the key was the source of. */
  remove?: { previous: ReleaseItem };
}

export interface ReleaseStore {
  getSource(key: string): Promise<SourceItem | undefined>;
  getRelease(id: string): Promise<ReleaseItem | undefined>;
  /** The keys that claim an id (yield it, as its source or shadowed), read consistently. */
  claimants(id: string): Promise<string[]>;
  /** Applies the change atomically; `conflict` when a condition failed (someone wrote first). */
  commit(change: ReleaseChange): Promise<'committed' | 'conflict'>;
}

/** Thrown when concurrent writers kept winning; transient, so the event is retried. */
export class ContentionError extends Error {}
