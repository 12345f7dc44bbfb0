/**
 * Reconciles the table with the bucket: adds what is missing, updates what is stale, removes what
 * no longer has a source, and has the projector repair whatever derived state it left behind
 * (lists, entity figures, the change log, the word index), so that nothing is lost even after
 * events or stream batches were dead-lettered.
 *
 * Safe while uploads go on, because no repair writes derived state from what it read:
 * - every fix of a key goes through applyObjectEvent, which reads the object's current state and
 *   commits under the revisions it read, so a file uploaded after the listing is never taken for
 *   deleted and an event applied meanwhile wins;
 * - derived state is repaired by repair requests: the projector projects the release again, in
 *   the stream's order after every change before the request, from a consistent read; list items
 *   the scan found without a release to explain them are named in the request and removed only if
 *   the release's state at that moment does not have them;
 * - entity figures are recounted from their list partitions (consistent reads, version-ordered
 *   writes: see the projector's EntityFigureStore);
 * - a release whose pending marker has outlived the grace period (its change never got through
 *   every derived state: a dead-lettered batch, an expired record, a poison release) is repaired.
 *
 * Unreferenced body chunks are removed only past a grace period, since a write in flight may be
 * about to name them.
 */
import { type ApplyDeps, applyObjectEvent, type ObjectEvent } from '#ingest/apply-object-event.js';
import type { ObjectListing } from '#ingest/ingest-ports.js';
import { runLimited } from '#platform/run-limited.js';
import type { BodyStore, EntityFigureStore } from '#projection/project-release-changes.js';
import type { EntityMonth } from '#projection/projection.js';
import type { EntityKind } from '#release/release.js';
import type { StopList } from '#search/keys.js';
import { DocumentFrequency } from '#search/stop-list.js';
import { EntityTally } from '#table/release-items.js';
import {
  type EntityItem,
  type EntityMonthItem,
  type ListItem,
  listItemSummary,
  listItemsFor,
  monthOf,
  ORPHAN_GRACE_SECONDS,
  type PendingItem,
  type ReleaseItem,
  type SourceItem,
  type StoredListItem,
  type TableKey,
} from '#table/table-layout.js';

/** A pending marker this much older than the reconcile is repaired (its change is stuck). */
export const PENDING_GRACE_SECONDS = 15 * 60;

/** What reindex compares, from one scan of the table (release items without bodies). */
export interface TableState {
  sources: SourceItem[];
  releases: ReleaseItem[];
  /** List items as stored, in either form (see `StoredListItem`); bits left out. */
  lists: StoredListItem[];
  /** Body chunk sets by `id#bodyId`, with the newest chunk's write time. */
  chunks: Map<string, { id: string; bodyId: string; createdAt: number }>;
  entities: Array<EntityItem & { kind: EntityKind }>;
  /** Month items of every scope (`EM#all` too), with `m` when they hold facet figures. */
  entityMonths: Array<EntityMonthItem & { m?: unknown }>;
  /** Year items (`EY#`): their counts. */
  facetYears: EntityMonthItem[];
}

export interface TableStateReader {
  read(): Promise<TableState>;
}

/** A request that the projector project a release again (see the comment at the top). */
export interface RepairRequest {
  id: string;
  /** List items no release state explains: removed unless the release has them then. */
  removeKeys?: readonly TableKey[];
}

export interface ReindexDeps extends ApplyDeps {
  state: TableStateReader;
  bodies: Pick<BodyStore, 'releaseOf' | 'deleteChunks'>;
  entities: EntityFigureStore;
  /** Repair requests to the projector. */
  repairs: { request(requests: readonly RepairRequest[]): Promise<void> };
  /** The pending markers of releases not yet through every derived state. */
  pending?: { list(): AsyncIterable<PendingItem> };
  /** Where `deriveStopList` writes the stop list it derives. */
  stopLists?: { write(stop: StopList): Promise<void> };
}

export interface ReindexSummary {
  objects: number;
  added: number;
  updated: number;
  removed: number;
  problems: number;
  unchanged: number;
  orphanChunks: number;
  listItemsFixed: number;
  entitiesRecounted: number;
  /** Releases whose pending marker outlived the grace period (repaired). */
  pendingRepaired: number;
  /** Repair requests sent to the projector, all causes together. */
  repairsRequested: number;
  reprojected: number;
  /** The stop list `deriveStopList` wrote: its version, words, common pairs and span. */
  stopList?: { version: string; words: number; commonPairs: number; span: number };
}

export interface ReindexOptions {
  /** Parallel applies. @default 8 */
  concurrency?: number;
  /** Also have the projector project every release again (and so index it). @default false */
  reproject?: boolean;
  /** A pending marker older than this is repaired. @default PENDING_GRACE_SECONDS */
  pendingGraceSeconds?: number;
  /**
   * Derive the word index's stop list from every release (words and adjacent pairs in more than a
   * tenth of them, and the posting span), write it, then reproject (which re-syncs every release
   * under it). @default false
   */
  deriveStopList?: boolean;
  /** Fewer releases than this derive an empty stop list (every word indexed). @default 1000 */
  stopListMinReleases?: number;
  onProgress?: (done: number, total: number) => void;
  now?: () => Date;
}

/** A key fix: the event that re-applies the key, and what it counts as. */
export type Work = { event: ObjectEvent; counts: 'added' | 'updated' | 'removed' };

/** The keys whose state disagrees with the bucket, each with the event that re-applies it. */
export function reconciliationWork(
  objects: ReadonlyMap<string, ObjectListing>,
  state: Pick<TableState, 'sources' | 'releases'>,
  now: string,
): { work: Work[]; unchanged: number } {
  const sources = new Map(state.sources.map((source) => [source.key, source]));
  const releases = new Map(state.releases.map((release) => [release.id, release]));
  const work: Work[] = [];
  let unchanged = 0;
  for (const object of objects.values()) {
    const source = sources.get(object.key);
    const event: ObjectEvent = { key: object.key, kind: 'created', eventTime: object.lastModified };
    if (!source || source.deleted) work.push({ event, counts: 'added' });
    else if (source.etag !== object.etag) work.push({ event, counts: 'updated' });
    else if (!source.problem && source.releaseId && !releases.has(source.releaseId))
      work.push({ event, counts: 'added' });
    else unchanged++;
  }
  // Gone from the listing: applyObjectEvent looks at the object again before removing anything.
  for (const source of sources.values()) {
    if (!source.deleted && !objects.has(source.key)) {
      work.push({ event: { key: source.key, kind: 'removed', eventTime: now }, counts: 'removed' });
    }
  }
  for (const release of releases.values()) {
    if (!objects.has(release.sourceKey) && !sources.has(release.sourceKey)) {
      work.push({
        event: { key: release.sourceKey, kind: 'removed', eventTime: now, releaseIdHint: release.id },
        counts: 'removed',
      });
    }
  }
  return { work, unchanged };
}

export async function reindex(deps: ReindexDeps, options: ReindexOptions = {}): Promise<ReindexSummary> {
  const now = options.now ?? (() => new Date());
  const objects = new Map<string, ObjectListing>();
  for await (const object of deps.files.list()) objects.set(object.key, object);
  const before = await deps.state.read();
  const { work, unchanged } = reconciliationWork(objects, before, now().toISOString());
  const summary: ReindexSummary = {
    objects: objects.size,
    added: 0,
    updated: 0,
    removed: 0,
    problems: 0,
    unchanged,
    orphanChunks: 0,
    listItemsFixed: 0,
    entitiesRecounted: 0,
    pendingRepaired: 0,
    repairsRequested: 0,
    reprojected: 0,
  };

  let done = 0;
  options.onProgress?.(0, work.length);
  await runLimited(work, options.concurrency ?? 8, async (item) => {
    const result = await applyObjectEvent(deps, item.event);
    if (result.outcome === 'problem') summary.problems++;
    else if (result.outcome === 'removed' || result.outcome === 'stored' || result.outcome === 'shadowed')
      summary[item.counts]++;
    options.onProgress?.(++done, work.length);
  });

  // Fixed keys reach the projector through the stream like any write. What is checked here is the
  // projector's own output, against the state read before the fixes: a projection in flight may
  // look stale, which costs a rewrite but changes nothing (every write is idempotent).
  const releases = work.length > 0 ? await deps.state.read() : before;
  summary.orphanChunks = await sweepChunks(deps, releases, now());
  const repairs = new Map<string, RepairRequest>();
  const request = (id: string, removeKey?: TableKey) => {
    const known = repairs.get(id) ?? { id };
    if (removeKey) known.removeKeys = [...(known.removeKeys ?? []), removeKey];
    repairs.set(id, known);
  };
  const repair = await repairProjections(deps, releases, request);
  summary.listItemsFixed = repair.listItemsFixed;
  summary.entitiesRecounted = repair.entitiesRecounted;
  if (deps.pending) {
    const cutoff = new Date(now().getTime() - (options.pendingGraceSeconds ?? PENDING_GRACE_SECONDS) * 1000);
    for await (const marker of deps.pending.list()) {
      if (marker.at < cutoff.toISOString()) {
        request(marker.id);
        summary.pendingRepaired++;
      }
    }
  }
  if (options.deriveStopList) {
    if (!deps.stopLists) throw new Error('deriveStopList needs a stop list store');
    const frequency = new DocumentFrequency(options.stopListMinReleases);
    await runLimited(releases.releases, options.concurrency ?? 8, async (listed) => {
      const item = await deps.store.getRelease(listed.id);
      const release = item ? await deps.bodies.releaseOf(item) : undefined;
      if (release) frequency.add(release);
    });
    const stop = frequency.stopList();
    await deps.stopLists.write(stop);
    summary.stopList = {
      version: stop.version,
      words: stop.words.size,
      commonPairs: stop.commonPairs?.size ?? 0,
      span: stop.span,
    };
  }
  if (options.reproject || options.deriveStopList) {
    // Every release through the projector again: lists with the current stop list's bits, the
    // change log, and the word index under the current stop list.
    for (const release of releases.releases) request(release.id);
    summary.reprojected = releases.releases.length;
  }
  await deps.repairs.request([...repairs.values()]);
  summary.repairsRequested = repairs.size;
  return summary;
}

/** Chunk sets no release item names, older than the grace period. */
async function sweepChunks(deps: ReindexDeps, state: TableState, now: Date): Promise<number> {
  const named = new Set(state.releases.flatMap((r) => (r.bodyHash ? [`${r.id}#${r.bodyHash}`] : [])));
  const cutoff = Math.floor(now.getTime() / 1000) - ORPHAN_GRACE_SECONDS;
  let removed = 0;
  for (const [id, set] of state.chunks) {
    if (named.has(id) || set.createdAt > cutoff) continue;
    // Re-check: a write may have named this version since the scan.
    const current = await deps.store.getRelease(set.id);
    if (current?.bodyHash === set.bodyId) continue;
    await deps.bodies.deleteChunks(set.id, set.bodyId);
    removed++;
  }
  return removed;
}

/** List items and entity figures as the release items say they should be. */
async function repairProjections(
  deps: ReindexDeps,
  state: TableState,
  request: (id: string, removeKey?: TableKey) => void,
): Promise<{ listItemsFixed: number; entitiesRecounted: number }> {
  const expected = new Map<string, ListItem>();
  const tally = new EntityTally();
  for (const release of state.releases) {
    for (const item of listItemsFor(release)) expected.set(`${item.pk}|${item.sk}`, item);
    tally.add(release);
  }
  const actual = new Map(state.lists.map((item) => [`${item.pk}|${item.sk}`, item]));
  // Not written from here: what the scan read may already be old. The projector re-reads.
  const put = [...expected.entries()]
    .filter(([key, item]) => !sameListItem(actual.get(key), item))
    .map(([, item]) => item);
  const remove = [...actual.entries()]
    .filter(([key]) => !expected.has(key))
    .map(([, { pk, sk }]) => ({ pk, sk }));
  // A list item's sort key is `<date>#<id>`; the id may hold `#` itself.
  const idOf = (sk: string) => sk.slice(sk.indexOf('#') + 1);
  for (const item of put) request(idOf(item.sk));
  for (const { pk, sk } of remove) request(idOf(sk), { pk, sk });

  // Months (of each entity, and of every release) whose stored item disagrees with the releases,
  // or holds a count without facet figures (written before them, or by an older bulk load).
  const months = new Map<string, EntityMonth & { count: number }>();
  const monthId = (m: Pick<EntityMonth, 'kind' | 'slug' | 'month'>) => `${m.kind}#${m.slug}#${m.month}`;
  for (const entity of tally.all()) {
    for (const [month, count] of entity.months) {
      months.set(monthId({ ...entity, month }), { kind: entity.kind, slug: entity.slug, month, count });
    }
  }
  for (const release of state.releases) {
    const month = { kind: 'all' as const, slug: '', month: monthOf(release.date) };
    const known = months.get(monthId(month)) ?? { ...month, count: 0 };
    known.count += 1;
    months.set(monthId(month), known);
  }
  const storedMonths = new Map(
    state.entityMonths.flatMap((item) => {
      const scope = monthScopeOf(item.pk.slice(3));
      if (!scope) return [];
      const month = {
        ...scope,
        month: item.sk,
        count: Number(item.count ?? 0),
        figures: item.m !== undefined,
        newest: item.latestDate === undefined ? undefined : `${item.latestDate}|${item.name}`,
      };
      return [[monthId(month), month] as const];
    }),
  );
  // A month naming another newest release than its lists is recounted (the entity reads it).
  const newest = new Map<string, string>();
  for (const item of tally.items())
    if ('latestDate' in item && item.pk.startsWith('EM#'))
      newest.set(`${item.pk.slice(3)}#${item.sk}`, `${item.latestDate}|${item.name}`);
  const recountMonths: EntityMonth[] = [];
  for (const [key, month] of months) {
    const stored = storedMonths.get(key);
    const staleNewest = stored?.newest !== undefined && stored.newest !== newest.get(key);
    if (stored?.count !== month.count || !stored.figures || staleNewest) recountMonths.push(month);
  }
  for (const [key, month] of storedMonths)
    if (!months.has(key) && month.count !== 0) recountMonths.push(month);
  await deps.entities.recountMonths(recountMonths);
  // Years (sums of their months) of the months recounted, and any whose stored count is off.
  const yearId = (m: Pick<EntityMonth, 'kind' | 'slug' | 'month'>) =>
    `${m.kind}#${m.slug}#${m.month.slice(0, 4)}`;
  const expectedYears = new Map<string, EntityMonth & { count: number }>();
  for (const month of months.values()) {
    const known = expectedYears.get(yearId(month)) ?? { ...month, count: 0 };
    known.count += month.count;
    expectedYears.set(yearId(month), known);
  }
  const storedYears = new Map(
    state.facetYears.flatMap((item) => {
      const scope = monthScopeOf(item.pk.slice(3));
      return scope ? [[yearId({ ...scope, month: item.sk }), Number(item.count ?? 0)] as const] : [];
    }),
  );
  const years = new Map(recountMonths.map((m) => [yearId(m), m]));
  for (const [key, year] of expectedYears) if (storedYears.get(key) !== year.count) years.set(key, year);
  for (const [key, count] of storedYears) {
    if (!expectedYears.has(key) && count !== 0) {
      const [kind = '', slug = '', year = ''] = key.split('#');
      const scope = monthScopeOf(kind === 'all' ? 'all' : `${kind}#${slug}`);
      if (scope) years.set(key, { ...scope, month: `${year}-01` });
    }
  }
  const yearsToRecount = [...years.values()].map(({ kind, slug, month }) => ({
    kind,
    slug,
    year: month.slice(0, 4),
  }));

  const figures = new Map(tally.all().map((entity) => [`${entity.kind}#${entity.slug}`, entity]));
  const recount = new Map<string, { kind: EntityKind; slug: string }>();
  for (const { kind, slug } of recountMonths)
    if (kind !== 'all') recount.set(`${kind}#${slug}`, { kind, slug });
  for (const [key, entity] of figures) {
    const stored = state.entities.find((item) => item.kind === entity.kind && item.sk === entity.slug);
    if (
      !stored ||
      stored.count !== entity.count ||
      stored.name !== entity.name ||
      stored.latestDate !== entity.latestDate
    )
      recount.set(key, entity);
  }
  for (const stored of state.entities) {
    if (!figures.has(`${stored.kind}#${stored.sk}`) && Number(stored.count ?? 0) !== 0)
      recount.set(`${stored.kind}#${stored.sk}`, { kind: stored.kind, slug: stored.sk });
  }
  // Years and entities after the months, an entity's together with its years (one read of its months).
  await deps.entities.recountYearsAndEntities(yearsToRecount, [...recount.values()]);
  return { listItemsFixed: put.length + remove.length, entitiesRecounted: recount.size };
}

/** The scope a facet aggregate's key names after its prefix: `all`, `minister#<slug>`, `portfolio#<slug>`. */
function monthScopeOf(scopeId: string): Pick<EntityMonth, 'kind' | 'slug'> | undefined {
  if (scopeId === 'all') return { kind: 'all', slug: '' };
  const [kind = '', ...slug] = scopeId.split('#');
  return kind === 'minister' || kind === 'portfolio' ? { kind, slug: slug.join('#') } : undefined;
}

/**
 * Whether a stored list item holds the summary it should. Either stored form passes: an item of
 * the older form is rewritten in the current one by the projector or `reindex --reproject`, which
 * also write its stop-word bits (a repair put here has none).
 */
function sameListItem(a: StoredListItem | undefined, b: ListItem): boolean {
  // listItemSummary builds every summary with the same keys in the same order.
  return a !== undefined && JSON.stringify(listItemSummary(a)) === JSON.stringify(listItemSummary(b));
}
