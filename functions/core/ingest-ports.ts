/**
 * Ports of the ingestion use case: where release files come from and where releases go. The
 * DynamoDB and S3 implementations live in adapters/; the use case (apply-object-event.ts) only
 * sees these interfaces.
 */
import type { EntityKind, Release } from './release.js';
import type { EntityItem, ReleaseItem, SourceItem } from './table-layout.js';

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
  read(key: string): Promise<ObjectRead>;
  list(): AsyncIterable<ObjectListing>;
}

/** The next state of a source key, written together with the release change. */
export type SourceState = Omit<SourceItem, 'pk' | 'sk' | 'rev' | 'updatedAt'>;

export interface ReleaseChange {
  key: string;
  /** Revision of the source-key item read before deciding; `null` when it did not exist. */
  expectSourceRev: number | null;
  source: SourceState;
  /** Record this reason for the key, or clear its problem. */
  problem: { reason: string } | null;
  /** Write this release; `previous` is its item as read (the write is conditional on it). */
  put?: { release: Release; previous: ReleaseItem | undefined; sourceTime: string };
  /** Remove this release, which the key was the source of. */
  remove?: { previous: ReleaseItem };
  /** Entity items already read (consistently) while deciding, by `kind#slug`; the rest are read by commit. */
  entities?: ReadonlyMap<string, EntityItem>;
}

export interface EntityRefKey {
  kind: EntityKind;
  slug: string;
}

/** What reindex needs to know about the whole table, from one scan. */
export interface StoreSnapshot {
  sources: SourceItem[];
  releases: Array<Pick<ReleaseItem, 'id' | 'sourceKey' | 'bodyHash'>>;
  chunks: Array<{ id: string; hash: string }>;
  entities: EntityRefKey[];
}

export interface ReleaseStore {
  getSource(key: string): Promise<SourceItem | undefined>;
  getRelease(id: string): Promise<ReleaseItem | undefined>;
  /** The release item and the entity items of the given refs (missing ones absent), in one consistent read. */
  getReleaseWithEntities(
    id: string,
    entities: EntityRefKey[],
  ): Promise<{ release: ReleaseItem | undefined; entities: Map<string, EntityItem> }>;
  /**
   * Applies the change atomically, counts and entity names included; `conflict` when a condition
   * failed (someone wrote first).
   */
  commit(change: ReleaseChange): Promise<'committed' | 'conflict'>;
  /** Re-derives each entity's display name and latest date from its newest release. */
  refreshEntities(entities: EntityRefKey[]): Promise<void>;
  /** Reads the whole table (reindex only). */
  snapshot(): Promise<StoreSnapshot>;
  /** Removes the body chunks of one body version. */
  deleteChunks(id: string, hash: string): Promise<void>;
}

/** Thrown when a change cannot be committed in one transaction; recorded as a problem. */
export class ChangeTooLargeError extends Error {
  constructor(readonly writes: number) {
    super(`the change needs ${writes} writes, more than one DynamoDB transaction holds (100)`);
  }
}

/** Thrown when concurrent writers kept winning; transient, so the event is retried. */
export class ContentionError extends Error {}
