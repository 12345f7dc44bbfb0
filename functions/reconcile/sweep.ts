/**
 * The scheduled reconcile, one bounded run at a time. Where reindex.ts reads the whole table and
 * the whole bucket at once (`npm run reindex`), a sweep run spends at most its budget (read units,
 * requests, time: sweep-budget.ts) and goes on where the last run stopped, so consecutive runs
 * make full passes over the table and over the bucket:
 *
 * 1. **Pending markers**, every run (16 small queries): a release whose change is stuck gets a
 *    repair request. This is all a dropped stream batch or a dead-lettered index request needs.
 * 2. **The table**, a stretch of it: a Scan from the saved position, page by page, each page's
 *    whole groups checked (sweep-checks.ts), until the budget is spent or the table ends (then
 *    the next run starts over). The position saved is the last item checked, never the middle of
 *    a group: a release's partition or a month of an entity's list is checked whole.
 * 3. **The bucket**: listed whole (1,000 keys a request), keeping only the objects the stretch's key
 *    states and release items name, and a slice of the next `objectsPerRun` objects after the
 *    saved key, whose key states are read by key (an object without a state is a lost event).
 * 4. **Fixes**, as reindex makes them: keys through the ingest use case (which reads the object
 *    and commits under the revisions it read), derived state through repair requests to the
 *    projector, so no fix can undo a newer change.
 */
import { applyObjectEvent } from '#ingest/apply-object-event.js';
import type { ObjectListing } from '#ingest/ingest-ports.js';
import { runLimited } from '#platform/run-limited.js';
import {
  ORPHAN_GRACE_SECONDS,
  type SourceItem,
  sourceKey as sourceStateKey,
  type TableKey,
} from '#table/table-layout.js';
import { PENDING_GRACE_SECONDS, type ReindexDeps, type ReindexSummary, type Work } from './reindex.js';
import { DEFAULT_SWEEP_BUDGET, Meter, type SweepBudget } from './sweep-budget.js';
import {
  type CheckContext,
  checkItems,
  type Findings,
  groupOf,
  noFindings,
  type ReadOptions,
  requestRepair,
  type ScannedItem,
} from './sweep-checks.js';

/** Where the sweep goes on, kept in one small item between runs. */
export interface SweepState {
  /** The last table item checked; absent: the next run starts at the table's start. */
  table?: TableKey;
  /** The last object whose key state was checked; absent: from the bucket's first object. */
  bucket?: string;
  /** Full passes completed over the table, and over the bucket. */
  tablePasses: number;
  bucketPasses: number;
  /** Runs so far (also what a save is conditioned on: two runs never both move the position). */
  runs: number;
  /** When the table pass under way began. */
  passStartedAt?: string;
}

export interface SweepTable {
  /** Up to `limit` items after `after` (undefined: the start), and the read units the page took. */
  page(
    after: TableKey | undefined,
    limit: number,
  ): Promise<{ items: ScannedItem[]; next?: TableKey; readUnits: number }>;
  /** Items by key (eventually consistent unless told), with the read units and requests they took. */
  read<T extends TableKey>(
    keys: readonly TableKey[],
    options?: ReadOptions,
  ): Promise<{ items: T[]; readUnits: number; requests: number }>;
  /**
   * A partition's items (those whose sort key begins with `prefix`), likewise. Whole items: a
   * `Query` costs the size of the items it reads whatever it returns of them.
   */
  partition(
    pk: string,
    prefix?: string,
    options?: ReadOptions,
  ): Promise<{ items: ScannedItem[]; readUnits: number; requests: number }>;
  loadState(): Promise<SweepState | undefined>;
  /** Saves the state unless another run saved since (`previousRuns` is the `runs` loaded); false then. */
  saveState(state: SweepState, previousRuns: number | undefined): Promise<boolean>;
}

export type SweepDeps = Omit<ReindexDeps, 'state' | 'stopLists'> & { sweep: SweepTable };

export interface SweepOptions {
  budget?: Partial<SweepBudget>;
  /** Objects of the bucket whose key state a run reads by key (0.5 read units each). @default 25,000 */
  objectsPerRun?: number;
  /** Items per scan page (a page also stops at 1 MB). @default 1,000 */
  pageItems?: number;
  /** Parallel key fixes. @default 8 */
  concurrency?: number;
  /** A pending marker, or a release change, older than this is taken as stuck. @default PENDING_GRACE_SECONDS */
  pendingGraceSeconds?: number;
  now?: () => Date;
  /** The meter's clock (milliseconds). @default Date.now */
  clock?: () => number;
}

export interface SweepSummary extends ReindexSummary {
  sweep: {
    readUnits: number;
    requests: number;
    millis: number;
    itemsScanned: number;
    objectsChecked: number;
    /** Months, years and entity totals recounted because their stored figures differed. */
    figuresRecounted: number;
    /**
     * Of those, the ones still wrong when re-read consistently while no change was in flight:
     * derived figures that went wrong (counted as fixes, so they raise the alarm).
     */
    figuresDrifted: number;
    /** Whether this run reached the table's end (a pass completed), and the bucket's. */
    tablePassDone: boolean;
    bucketPassDone: boolean;
    tablePasses: number;
    bucketPasses: number;
    /** False when another run saved its position first (this run's checks still stand). */
    saved: boolean;
  };
}

export const DEFAULT_OBJECTS_PER_RUN = 25_000;

/** S3 lists keys in the order of their UTF-8 bytes. */
function listedAfter(key: string, after: string): boolean {
  return Buffer.compare(Buffer.from(key, 'utf8'), Buffer.from(after, 'utf8')) > 0;
}

export async function sweep(deps: SweepDeps, options: SweepOptions = {}): Promise<SweepSummary> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const meter = new Meter({ ...DEFAULT_SWEEP_BUDGET, ...options.budget }, options.clock);
  const objectsPerRun = options.objectsPerRun ?? DEFAULT_OBJECTS_PER_RUN;
  const graceMs = (options.pendingGraceSeconds ?? PENDING_GRACE_SECONDS) * 1000;
  const findings = noFindings();
  let pendingRepaired = 0;
  const cutoff = new Date(started.getTime() - graceMs).toISOString();
  /** Whether a change is on its way through the projector (its marker is younger than the grace). */
  const changesInFlight = async (onStuck?: (id: string) => void): Promise<boolean> => {
    let inFlight = false;
    for await (const marker of deps.pending?.list() ?? []) {
      if (marker.at >= cutoff) inFlight = true;
      else onStuck?.(marker.id);
    }
    return inFlight;
  };
  // Without markers to tell, a figure found wrong cannot be told from a recount on its way.
  const quietAtStart =
    deps.pending !== undefined &&
    !(await changesInFlight((id) => {
      requestRepair(findings, id);
      pendingRepaired++;
    }));

  const loaded = await deps.sweep.loadState();
  const state: SweepState = loaded ? { ...loaded } : { tablePasses: 0, bucketPasses: 0, runs: 0 };
  state.passStartedAt ??= started.toISOString();
  const read = async <T extends TableKey>(keys: readonly TableKey[], options?: ReadOptions): Promise<T[]> => {
    if (keys.length === 0) return [];
    const result = await deps.sweep.read<T>(keys, options);
    meter.add(result.readUnits, result.requests);
    return result.items;
  };
  const ctx: CheckContext = {
    deps,
    read,
    async partition(pk, prefix, options) {
      const result = await deps.sweep.partition(pk, prefix, options);
      meter.add(result.readUnits, result.requests);
      return result.items;
    },
    findings,
    confirmDrift: quietAtStart,
    now: started.toISOString(),
    settledBefore: new Date(started.getTime() - graceMs).toISOString(),
    chunksBefore: Math.floor(started.getTime() / 1000) - ORPHAN_GRACE_SECONDS,
    projected: new Map(),
  };

  // The table: the bucket slice's reads are kept out of what the scan may spend.
  const reserve = { readUnits: objectsPerRun / 2, requests: Math.ceil(objectsPerRun / 100) };
  const table = await scanStretch(deps.sweep, ctx, meter, state.table, options.pageItems ?? 1000, reserve);
  // A change that began after the first listing may have written lists whose recount was not yet
  // in: drift counts only if nothing was in flight at either end of the checks.
  if (findings.figuresDrifted > 0 && (await changesInFlight())) findings.figuresDrifted = 0;
  const tablePassDone = table.position === undefined;
  if (tablePassDone) {
    state.tablePasses++;
    delete state.passStartedAt;
    delete state.table;
  } else state.table = table.position;

  // The bucket: what the stretch named, and the slice.
  const listing = await listBucket(deps, findings, state.bucket, objectsPerRun);
  keyStateWork(findings, listing.objects, ctx.now);
  for (const release of findings.releases) {
    if (listing.objects.has(release.sourceKey)) continue;
    const source = await deps.store.getSource(release.sourceKey);
    meter.add(1, 1);
    if (!source || source.deleted) {
      addWork(findings, {
        event: { key: release.sourceKey, kind: 'removed', eventTime: ctx.now, releaseIdHint: release.id },
        counts: 'removed',
      });
    }
  }
  let objectsChecked = 0;
  let checkedTo = state.bucket;
  for (let i = 0; i < listing.slice.length && meter.allows(); i += 100) {
    const chunk = listing.slice.slice(i, i + 100);
    const sources = await read<SourceItem>(chunk.map((object) => sourceStateKey(object.key)));
    sliceWork(findings, chunk, new Map(sources.map((source) => [source.key, source])));
    objectsChecked += chunk.length;
    checkedTo = chunk.at(-1)?.key;
  }
  const bucketPassDone = objectsChecked === listing.slice.length && listing.slice.length < objectsPerRun;
  if (bucketPassDone) {
    state.bucketPasses++;
    delete state.bucket;
  } else if (checkedTo !== undefined) state.bucket = checkedTo;

  const summary: SweepSummary = {
    objects: listing.count,
    added: 0,
    updated: 0,
    removed: 0,
    problems: 0,
    unchanged: 0,
    orphanChunks: findings.orphanChunks,
    listItemsFixed: findings.listItemsFixed,
    entitiesRecounted: findings.entitiesRecounted,
    pendingRepaired,
    repairsRequested: 0,
    reprojected: 0,
    sweep: {
      readUnits: meter.readUnits,
      requests: meter.requests,
      millis: meter.millis,
      itemsScanned: table.items,
      objectsChecked,
      figuresRecounted: findings.figuresRecounted,
      figuresDrifted: findings.figuresDrifted,
      tablePassDone,
      bucketPassDone,
      tablePasses: state.tablePasses,
      bucketPasses: state.bucketPasses,
      saved: false,
    },
  };
  await runLimited([...findings.work.values()], options.concurrency ?? 8, async (item) => {
    const result = await applyObjectEvent(deps, item.event);
    if (result.outcome === 'problem') summary.problems++;
    else if (result.outcome === 'removed' || result.outcome === 'stored' || result.outcome === 'shadowed')
      summary[item.counts]++;
    else summary.unchanged++;
  });
  await deps.repairs.request([...findings.repairs.values()]);
  summary.repairsRequested = findings.repairs.size;
  state.runs++;
  summary.sweep.saved = await deps.sweep.saveState(state, loaded?.runs);
  return summary;
}

/**
 * Scans from `after` until the budget (less `reserve`) is spent or the table ends, checking whole
 * groups. Returns the last item checked (undefined: the table's end was reached).
 */
async function scanStretch(
  table: SweepTable,
  ctx: CheckContext,
  meter: Meter,
  after: TableKey | undefined,
  pageItems: number,
  reserve: { readUnits: number; requests: number },
): Promise<{ position: TableKey | undefined; items: number }> {
  let position = after;
  let next = after;
  let carry: ScannedItem[] = [];
  let checked = false;
  let items = 0;
  // At least one group a run, so a group larger than the budget cannot hold the sweep still.
  while (!checked || meter.allows(reserve)) {
    const page = await table.page(next, pageItems);
    meter.add(page.readUnits, 1);
    items += page.items.length;
    let whole = [...carry, ...page.items];
    carry = [];
    if (page.next) {
      // The page may end inside a group: its items wait for the rest of the group.
      const last = whole.at(-1);
      const group = last && groupOf(last);
      if (group !== undefined) {
        let cut = whole.length;
        while (cut > 0 && groupOf(whole[cut - 1] as ScannedItem) === group) cut--;
        carry = whole.slice(cut);
        whole = whole.slice(0, cut);
      }
    }
    await checkItems(ctx, whole);
    const last = whole.at(-1);
    if (last) {
      position = { pk: last.pk, sk: last.sk };
      checked = true;
    }
    if (!page.next) return { position: undefined, items };
    next = page.next;
  }
  return { position, items };
}

async function listBucket(
  deps: SweepDeps,
  findings: Findings,
  after: string | undefined,
  objectsPerRun: number,
): Promise<{ objects: Map<string, ObjectListing>; slice: ObjectListing[]; count: number }> {
  const wanted = new Set([
    ...findings.sources.map((source) => source.key),
    ...findings.releases.map((release) => release.sourceKey),
  ]);
  const objects = new Map<string, ObjectListing>();
  const slice: ObjectListing[] = [];
  let count = 0;
  for await (const object of deps.files.list()) {
    count++;
    if (wanted.has(object.key)) objects.set(object.key, object);
    if (slice.length < objectsPerRun && (after === undefined || listedAfter(object.key, after)))
      slice.push(object);
  }
  return { objects, slice, count };
}

function addWork(findings: Findings, work: Work): void {
  findings.work.set(work.event.key, work);
}

/** Key states of the stretch against the objects the listing holds for them. */
function keyStateWork(findings: Findings, objects: ReadonlyMap<string, ObjectListing>, now: string): void {
  for (const source of findings.sources) {
    const object = objects.get(source.key);
    if (object) {
      const event = { key: source.key, kind: 'created' as const, eventTime: object.lastModified };
      if (source.deleted) addWork(findings, { event, counts: 'added' });
      else if (source.etag !== object.etag) addWork(findings, { event, counts: 'updated' });
    } else if (!source.deleted) {
      // applyObjectEvent reads the object again before removing anything.
      addWork(findings, {
        event: { key: source.key, kind: 'removed', eventTime: now },
        counts: 'removed',
      });
    }
  }
}

/** Objects of the slice against their key states. */
function sliceWork(
  findings: Findings,
  objects: readonly ObjectListing[],
  sources: ReadonlyMap<string, SourceItem>,
): void {
  for (const object of objects) {
    const source = sources.get(object.key);
    const event = { key: object.key, kind: 'created' as const, eventTime: object.lastModified };
    if (!source || source.deleted) addWork(findings, { event, counts: 'added' });
    else if (source.etag !== object.etag) addWork(findings, { event, counts: 'updated' });
  }
}

/** Everything a run changed: keys fixed, repairs requested, and figures that had drifted. */
export function fixesOf(
  summary: ReindexSummary & { sweep?: Pick<SweepSummary['sweep'], 'figuresDrifted'> },
): number {
  return (
    summary.added +
    summary.updated +
    summary.removed +
    summary.orphanChunks +
    summary.repairsRequested +
    (summary.sweep?.figuresDrifted ?? 0)
  );
}
