/**
 * The projector use case: keeps everything derived from release items (list items, body chunk
 * clean-up, entity figures, and the projections plugged in: word index, change log) in step with
 * the committed changes the table's stream reports.
 *
 * Stream records arrive at least once, in commit order per release, possibly replayed from any
 * point, while other invocations project other releases. So every write here is plain (no
 * transaction, no condition that concurrent projectors contend for) and idempotent, and replaying
 * changes in order converges on the last one. Entity figures are *recounted* rather than
 * incremented, which is what makes them exact after replays: see EntityFigureStore.
 */

import { runLimited } from '#platform/run-limited.js';
import type { EntityKind, Release } from '#release/release.js';
import type { ReleaseImageChange } from '#table/release-change.js';
import type { ListItem, ReleaseItem, TableKey, TextBits } from '#table/table-layout.js';
import { abandonedBody, type EntityMonth, listChanges, touchedEntityMonths } from './projection.js';

export interface ListItemStore {
  write(put: ListItem[], remove: TableKey[]): Promise<void>;
}

export interface BodyStore {
  /** The release with its body (reassembled from chunks); undefined when that version is gone. */
  releaseOf(item: ReleaseItem): Promise<Release | undefined>;
  deleteChunks(id: string, bodyId: string): Promise<void>;
}

export interface EntityFigureStore {
  /** Recounts one entity's releases in one month from its list partition. */
  recountMonth(entity: EntityMonth): Promise<void>;
  /** Sums an entity's months and takes its name and latest date from its newest release. */
  recountEntity(kind: EntityKind, slug: string): Promise<void>;
}

/** A projection plugged into the projector (word index, change log). */
export interface ReleaseProjection {
  readonly name: string;
  /**
   * Brings the projection in line with one release's newest state (`release` undefined: the
   * release is gone), given the change that led there. Must be idempotent and convergent.
   */
  apply(change: ReleaseImageChange, release: Release | undefined): Promise<void>;
}

export interface ProjectorPorts {
  lists: ListItemStore;
  bodies: BodyStore;
  entities: EntityFigureStore;
  projections?: readonly ReleaseProjection[];
  /** The release's stop-word bits, written into its list items (none: list items without bits). */
  textBits?: (release: Release) => Promise<TextBits | undefined>;
  /** At most this many releases projected at once. @default 8 */
  concurrency?: number;
  /** Told of each change that failed (it will be retried). */
  onError?: (error: unknown, change: ReleaseImageChange) => void;
}

export interface ProjectionResult {
  /** Sequence numbers of changes that could not be projected (retry from the earliest). */
  failed: string[];
  releases: number;
  entityMonths: number;
}

/**
 * Projects a batch of changes: each release's changes in order, releases concurrently, then the
 * entity figures they touched. A failure stops that release's remaining changes; the caller
 * retries from the earliest failed change.
 */
export async function projectReleaseChanges(
  ports: ProjectorPorts,
  changes: readonly ReleaseImageChange[],
): Promise<ProjectionResult> {
  const byRelease = new Map<string, ReleaseImageChange[]>();
  for (const change of changes) {
    const list = byRelease.get(change.id) ?? [];
    list.push(change);
    byRelease.set(change.id, list);
  }
  const failed: string[] = [];
  const touched = new Map<string, EntityMonth>();
  await runLimited([...byRelease.values()], ports.concurrency ?? 8, async (group) => {
    for (const [index, change] of group.entries()) {
      try {
        await projectOne(ports, change);
        for (const entity of touchedEntityMonths(change)) {
          touched.set(`${entity.kind}#${entity.slug}#${entity.month}`, entity);
        }
      } catch (error) {
        failed.push(...group.slice(index).map((c) => c.sequenceNumber));
        ports.onError?.(error, change);
        return;
      }
    }
  });
  // Recounts follow the changes that were projected, also when others failed: the retried batch
  // starts at the earliest failure and would not bring the earlier ones' months back.
  // Months first, then the entities summing them: see EntityFigureStore for why this order and a
  // version bump before each recount make the last recount right.
  const months = [...touched.values()];
  await runLimited(months, 8, (entity) => ports.entities.recountMonth(entity));
  const entities = new Map(months.map((m) => [`${m.kind}#${m.slug}`, m]));
  await runLimited([...entities.values()], 8, (entity) =>
    ports.entities.recountEntity(entity.kind, entity.slug),
  );
  return { failed, releases: byRelease.size, entityMonths: months.length };
}

async function projectOne(ports: ProjectorPorts, change: ReleaseImageChange): Promise<void> {
  const projections = ports.projections ?? [];
  const needsText = projections.length > 0 || ports.textBits !== undefined;
  // Undefined also when the body version was already replaced by a later change: that later
  // change projects it (and writes the list items again, with bits).
  const release = change.after && needsText ? await ports.bodies.releaseOf(change.after) : undefined;
  const bits = release && ports.textBits ? await ports.textBits(release) : undefined;
  const { put, remove } = listChanges(change, bits);
  await ports.lists.write(put, remove);
  if (!change.after || release) {
    for (const projection of projections) await projection.apply(change, release);
  }
  const old = abandonedBody(change);
  if (old) await ports.bodies.deleteChunks(change.id, old);
}
