/**
 * The projector use case: brings everything derived from a release (list items, entity figures,
 * body chunk clean-up, the change log) in line with the release's state, for each release the
 * table's stream reports changed or a repair asks for, and hands the release on to the indexer.
 *
 * Each release is diffed against the projector's own record of what it last projected (its state
 * item, `Projected`), so a change the projector never saw is undone by the next one, and a repair
 * is the same step as a live change. The stream delivers a release's records in order, one batch
 * at a time, so nothing else projects the same release meanwhile. Every write is plain (no
 * transaction, no condition that concurrent projectors contend for) and idempotent, and entity
 * figures are recounted rather than incremented (see EntityFigureStore), so replays converge.
 *
 * Derived state, and what may lag (docs/data-model.md, "Derived state"):
 * - lists and list bits, entity figures, the change log: written here, before the batch returns;
 * - the word index: indexed by the indexer from the requests sent here, and may trail;
 * - the pending marker of the release is removed by the indexer, the last stage.
 */
import { runLimited } from '#platform/run-limited.js';
import type { EntityKind, Release } from '#release/release.js';
import type { ReleaseImageChange } from '#table/release-change.js';
import type { ListItem, ReleaseItem, TableKey, TextBits } from '#table/table-layout.js';
import {
  abandonedBody,
  addEntityMonth,
  type EntityMonth,
  listChanges,
  type Projected,
  type ProjectionStep,
  projectedOf,
  touchedEntityMonths,
} from './projection.js';

/** One stream record the projector is given, as the stream adapter reads it. */
export interface ProjectorRecord {
  id: string;
  /** A change of the release item, or a repair request (project the current state again). */
  kind: 'change' | 'repair';
  /** The release item after a change (absent for a removal, and for repairs). */
  after?: ReleaseItem;
  /** The release item before a change, used only while the projector has no state for it. */
  before?: ReleaseItem;
  /**
   * With a repair: list items the reconcile found and no release state explains; removed unless
   * the current state has them.
   */
  removeKeys?: TableKey[];
  /** The record's sequence number: its position in this release's history. */
  sequenceNumber: string;
  /** When the record was written (ISO 8601, the stream's approximate creation time). */
  at: string;
}

export interface ListItemStore {
  write(put: ListItem[], remove: TableKey[]): Promise<void>;
}

export interface BodyStore {
  /** The release with its body (reassembled from chunks); undefined when that version is gone. */
  releaseOf(item: ReleaseItem): Promise<Release | undefined>;
  deleteChunks(id: string, bodyId: string): Promise<void>;
}

/** A year (`YYYY`) of an entity's (or every release's) facet figures. */
export interface EntityYear extends Pick<EntityMonth, 'kind' | 'slug'> {
  year: string;
}

/** A minister or a portfolio, by kind and slug. */
export interface EntityId {
  kind: EntityKind;
  slug: string;
}

/** Recounts, each call a set of items at once (so a store can read and write them in batches). */
export interface EntityFigureStore {
  /** Recounts entities' (or every release's) months from their list partitions, facets included. */
  recountMonths(months: readonly EntityMonth[]): Promise<void>;
  /** Recounts years' facet figures from their months. */
  recountYears(years: readonly EntityYear[]): Promise<void>;
  /** Sums entities' months and takes each one's name and latest date from its newest release. */
  recountEntities(entities: readonly EntityId[]): Promise<void>;
  /** Both, after the months: `recountYears(years)`, then `recountEntities(entities)`, or as one. */
  recountYearsAndEntities(years: readonly EntityYear[], entities: readonly EntityId[]): Promise<void>;
}

export interface ProjectorStateStore {
  /** The projector's state of each release, read consistently. */
  states(ids: readonly string[]): Promise<Map<string, Projected>>;
  /** The current release items, read consistently (repairs project what is there now). */
  currentReleases(ids: readonly string[]): Promise<Map<string, ReleaseItem>>;
  /** Writes states (and removes those of releases that are gone), after their derived items. */
  writeStates(put: readonly Projected[], remove: readonly string[]): Promise<void>;
}

/** A projection plugged into the projector (the change log). */
export interface ReleaseProjection {
  readonly name: string;
  /**
   * Brings the projection in line with one release's newest state (`release` undefined: the
   * release is gone), given the change that led there. Must be idempotent and convergent.
   */
  apply(change: ReleaseImageChange, release: Release | undefined): Promise<void>;
}

/** A release for the indexer: its id and the time of the state the projector saw. */
export interface IndexRequest {
  id: string;
  at: string;
}

export interface ProjectorPorts {
  lists: ListItemStore;
  bodies: BodyStore;
  entities: EntityFigureStore;
  state: ProjectorStateStore;
  projections?: readonly ReleaseProjection[];
  /** Where releases go to be indexed (none: no word index). */
  index?: { request(requests: readonly IndexRequest[]): Promise<void> };
  /** The release's stop-word bits, written into its list items (none: list items without bits). */
  textBits?: (release: Release) => Promise<TextBits | undefined>;
  /** Whether an error may pass on a retry (throttling, a timeout); others are the release's own. */
  isTransient: (error: unknown) => boolean;
  /** Told of each release that failed, and whether it will be retried. */
  onError?: (error: unknown, id: string, retried: boolean) => void;
  /** Milliseconds the invocation has left; the projector stops starting releases when short. */
  remainingMillis?: () => number;
}

export interface ProjectorOptions {
  /** Releases projected at once. @default 8 */
  concurrency?: number;
  /** Releases whose state is read and whose items are written together. @default 100 */
  chunk?: number;
  /** Stop starting chunks with less time left than this. @default 10000 */
  reserveMillis?: number;
}

export interface ProjectionResult {
  /** Sequence numbers of records to retry (transient failures, and what time did not allow). */
  retry: string[];
  /** Releases whose projection failed for good here; their pending markers bring a repair. */
  skipped: string[];
  releases: number;
  entityMonths: number;
  /** Whether the projector stopped early for lack of time. */
  outOfTime: boolean;
}

interface Group {
  id: string;
  records: ProjectorRecord[];
}

/**
 * Projects a batch of records: releases in chunks (each release's last state counts), entity
 * figures they touched, then the index requests. A release that fails with a transient error has
 * its records retried; one that fails otherwise is skipped (logged) so it never holds up the
 * stream: its pending marker remains and the reconcile repairs it.
 */
export async function projectReleaseChanges(
  ports: ProjectorPorts,
  records: readonly ProjectorRecord[],
  options: ProjectorOptions = {},
): Promise<ProjectionResult> {
  const groups = new Map<string, Group>();
  for (const record of records) {
    const group = groups.get(record.id) ?? { id: record.id, records: [] };
    group.records.push(record);
    groups.set(record.id, group);
  }
  const all = [...groups.values()];
  const chunkSize = options.chunk ?? 100;
  const reserve = options.reserveMillis ?? 10_000;
  const retry = new Set<Group>();
  const skipped: string[] = [];
  const touched = new Map<string, EntityMonth>();
  const requests: IndexRequest[] = [];
  let outOfTime = false;
  const fail = (group: Group, error: unknown) => {
    const transient = ports.isTransient(error);
    ports.onError?.(error, group.id, transient);
    if (transient) retry.add(group);
    else skipped.push(group.id);
  };

  for (let start = 0; start < all.length; start += chunkSize) {
    const chunk = all.slice(start, start + chunkSize);
    if (ports.remainingMillis && ports.remainingMillis() < reserve) {
      outOfTime = true;
      for (const group of all.slice(start)) retry.add(group);
      break;
    }
    try {
      const done = await projectChunk(ports, chunk, options.concurrency ?? 8, fail);
      for (const step of done) {
        // A repair recounts every month the release is or was in: its counts may be what drifted.
        for (const entity of touchedEntityMonths(step.step, { always: step.repair }))
          addEntityMonth(touched, entity);
        requests.push({ id: step.id, at: step.at });
      }
    } catch (error) {
      // The chunk's shared writes failed: none of its releases is done.
      for (const group of chunk) if (!retry.has(group) && !skipped.includes(group.id)) fail(group, error);
    }
  }

  // Recounts follow the releases that were projected, also when others failed: the retried batch
  // starts at the earliest failure and would not bring the earlier ones' months back.
  // Months first, then the years and entities summing them (see EntityFigureStore).
  const months = [...touched.values()];
  try {
    await ports.entities.recountMonths(months);
    await recountYearsAndEntities(ports.entities, months);
    if (ports.index && requests.length > 0) await ports.index.request(requests);
  } catch (error) {
    // Recounts and index requests are the batch's: retry it whole (every step is idempotent).
    for (const group of all) if (!skipped.includes(group.id)) fail(group, error);
  }
  return {
    retry: [...retry].flatMap((group) => group.records.map((record) => record.sequenceNumber)),
    skipped,
    releases: all.length,
    entityMonths: months.length,
    outOfTime,
  };
}

/** The years and entities of recounted months, recounted after them. */
export async function recountYearsAndEntities(
  store: EntityFigureStore,
  months: readonly EntityMonth[],
): Promise<void> {
  const years = new Map<string, EntityYear>();
  for (const { kind, slug, month } of months)
    years.set(`${kind}#${slug}#${month.slice(0, 4)}`, { kind, slug, year: month.slice(0, 4) });
  const entities = new Map<string, EntityId>();
  for (const { kind, slug } of months) if (kind !== 'all') entities.set(`${kind}#${slug}`, { kind, slug });
  await store.recountYearsAndEntities([...years.values()], [...entities.values()]);
}

interface Done {
  id: string;
  at: string;
  step: ProjectionStep;
  repair: boolean;
}

async function projectChunk(
  ports: ProjectorPorts,
  chunk: readonly Group[],
  concurrency: number,
  fail: (group: Group, error: unknown) => void,
): Promise<Done[]> {
  const ids = chunk.map((group) => group.id);
  const repairs = chunk.filter((group) => group.records.some((r) => r.kind === 'repair')).map((g) => g.id);
  const [states, current] = await Promise.all([
    ports.state.states(ids),
    repairs.length > 0
      ? ports.state.currentReleases(repairs)
      : Promise.resolve(new Map<string, ReleaseItem>()),
  ]);

  interface Planned extends Done {
    group: Group;
    put: ListItem[];
    remove: TableKey[];
    release: Release | undefined;
    state: Projected | undefined;
  }
  const planned: Planned[] = [];
  await runLimited(chunk, concurrency, async (group) => {
    try {
      const last = group.records[group.records.length - 1] as ProjectorRecord;
      const repair = group.records.some((r) => r.kind === 'repair');
      const after = repair ? current.get(group.id) : last.after;
      // Without a state of its own (a release projected before states were kept), the first
      // record's old image says what was projected.
      const previous = states.get(group.id) ?? group.records[0]?.before;
      const step: ProjectionStep = { ...(previous ? { before: previous } : {}), ...(after ? { after } : {}) };
      // Undefined also when the body version was already replaced by a later change: that later
      // change projects it (and writes the list items again, with bits).
      const release = after ? await ports.bodies.releaseOf(after) : undefined;
      const bits = release && ports.textBits ? await ports.textBits(release) : undefined;
      const { put, remove } = listChanges(step, bits);
      if (repair) {
        const kept = new Set([...put, ...remove].map((key) => `${key.pk}|${key.sk}`));
        for (const record of group.records)
          for (const key of record.removeKeys ?? [])
            if (!kept.has(`${key.pk}|${key.sk}`)) remove.push({ pk: key.pk, sk: key.sk });
      }
      planned.push({
        id: group.id,
        repair,
        group,
        at: after?.updatedAt ?? last.at,
        step,
        put,
        remove,
        release,
        state: after ? projectedOf(after) : undefined,
      });
    } catch (error) {
      fail(group, error);
    }
  });

  // The lists of the whole chunk in shared batches; a failure here fails the chunk.
  await ports.lists.write(
    planned.flatMap((p) => p.put),
    planned.flatMap((p) => p.remove),
  );
  const done: Planned[] = [];
  await runLimited(planned, concurrency, async (p) => {
    try {
      const last = p.group.records[p.group.records.length - 1] as ProjectorRecord;
      if (!p.step.after || p.release) {
        const change: ReleaseImageChange = {
          id: p.id,
          ...(p.step.after ? { after: p.step.after } : {}),
          sequenceNumber: last.sequenceNumber,
          at: last.at,
        };
        for (const projection of ports.projections ?? []) await projection.apply(change, p.release);
      }
      // Every chunked body version this release named along the way and no longer names: the
      // state's, and those of changes in between (several may come in one batch).
      const named = [
        abandonedBody(p.step),
        ...p.group.records.flatMap((r) => [r.before?.bodyHash, r.after?.bodyHash]),
      ];
      const abandoned = new Set(
        named.filter((hash): hash is string => hash !== undefined && hash !== p.step.after?.bodyHash),
      );
      for (const old of abandoned) await ports.bodies.deleteChunks(p.id, old);
      done.push(p);
    } catch (error) {
      fail(p.group, error);
    }
  });
  // States last: until they land, a retry diffs against what was there before.
  await ports.state.writeStates(
    done.flatMap((p) => (p.state ? [p.state] : [])),
    done.filter((p) => !p.state).map((p) => p.id),
  );
  return done.map(({ id, at, step, repair }) => ({ id, at, step, repair }));
}
