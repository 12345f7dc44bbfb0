/**
 * The checks the reconcile sweep makes on one stretch of the table it has scanned (see sweep.ts).
 * A stretch holds whole groups only: a release's partition (its item, projector state, claims and
 * body chunks) and a month of a minister's or portfolio's list are never split between two checks,
 * so what a group says about itself is checked without reading anything else. What a group says
 * about items elsewhere in the table is checked by small point reads:
 *
 * - a release item against its projector state (same partition): the projector has projected the
 *   release as it is, or a repair is asked for; and against its list items (read by key): each is
 *   there with the summary it should hold, or a repair is asked for;
 * - a claim (`R#<id>/K#<key>`) without a release item: the key yields the id but the release is
 *   gone (a delete of another key whose re-apply of the claimants was lost): the key is applied
 *   again, if its state (a consistent read) still says it yields the id;
 * - a projector state without a release item: the projector has not projected the delete;
 * - a list item against its release's projector state (read by key, one read per release per
 *   run): an item that state does not explain is named in a repair request, which removes it
 *   unless the release has it by then;
 * - the stored figures (months, days, years, entity totals) against what they count, and the
 *   months of lists scanned here against their figures (figure-checks.ts);
 * - body chunk sets the partition's release does not name, past the grace period (re-read first).
 *
 * Every repair goes through the projector and every key fix through the ingest use case, as in
 * reindex.ts, so a check that read an old state costs a needless repair, never a wrong write.
 */
import type { Projected } from '#projection/projection.js';
import {
  CLAIM_PREFIX,
  type ListItem,
  listItemSummary,
  listItemsFor,
  listPartition,
  listScopesFor,
  listSortKey,
  PROJECTED_SORT_KEY,
  projectedKey,
  RELEASE_SORT_KEY,
  type ReleaseItem,
  type SourceItem,
  type StoredListItem,
  type TableKey,
} from '#table/table-layout.js';
import {
  checkFigures,
  checkMonths,
  confirmDrift,
  isFigureItem,
  monthScopeOfList,
  Recounts,
} from './figure-checks.js';
import type { ReindexDeps, RepairRequest, Work } from './reindex.js';

export type ScannedItem = TableKey & Record<string, unknown>;

/**
 * The group an item belongs to, for the sweep to keep whole: a release's partition, or a month of
 * a minister's or portfolio's list. Undefined: the item is checked on its own.
 */
export function groupOf(item: TableKey): string | undefined {
  if (item.pk.startsWith('R#')) return item.pk;
  if (monthScopeOfList(item.pk)) return `${item.pk}|${item.sk.slice(0, 7)}`;
  return undefined;
}

export interface ReadOptions {
  /** A strongly consistent read (twice the read units). @default false */
  consistent?: boolean;
}

/** What the checks found, gathered over a run. */
export interface Findings {
  /** Key fixes, by key (applied after the run has listed the bucket). */
  work: Map<string, Work>;
  repairs: Map<string, RepairRequest>;
  /** Key states seen, checked against the bucket listing after the scan. */
  sources: SourceItem[];
  /** Release items seen (id and source key), checked against the listing after the scan. */
  releases: Array<{ id: string; sourceKey: string }>;
  orphanChunks: number;
  listItemsFixed: number;
  entitiesRecounted: number;
  /** Months, years and entity totals recounted because their stored figures differed. */
  figuresRecounted: number;
  /** Of those, the ones a consistent re-read confirmed wrong (see `CheckContext.confirmDrift`). */
  figuresDrifted: number;
}

export function noFindings(): Findings {
  return {
    work: new Map(),
    repairs: new Map(),
    sources: [],
    releases: [],
    orphanChunks: 0,
    listItemsFixed: 0,
    entitiesRecounted: 0,
    figuresRecounted: 0,
    figuresDrifted: 0,
  };
}

export function requestRepair(findings: Findings, id: string, removeKey?: TableKey): void {
  const known = findings.repairs.get(id) ?? { id };
  if (removeKey) known.removeKeys = [...(known.removeKeys ?? []), removeKey];
  findings.repairs.set(id, known);
}

export interface CheckContext {
  deps: Pick<ReindexDeps, 'store' | 'bodies' | 'entities'>;
  /** Items by key, eventually consistent unless told; the caller meters them. */
  read<T extends TableKey>(keys: readonly TableKey[], options?: ReadOptions): Promise<T[]>;
  /** A partition's items (or those whose sort key begins with `prefix`); metered. */
  partition(pk: string, prefix?: string, options?: ReadOptions): Promise<ScannedItem[]>;
  findings: Findings;
  /**
   * Whether figures found wrong are re-read consistently, to tell drift from a recount the
   * projector has yet to land (false while changes are in flight: their recounts are pending).
   */
  confirmDrift: boolean;
  /** The run's time (ISO), the event time of the key fixes it makes. */
  now: string;
  /** Release items changed at or after this ISO time may still be on their way through the projector. */
  settledBefore: string;
  /** Chunk sets written after this (epoch seconds) may be about to be named. */
  chunksBefore: number;
  /** Projector states read this run (null: none), so a release is read once however many lists hold it. */
  projected: Map<string, Projected | null>;
}

interface Partition {
  id: string;
  release?: ReleaseItem;
  projected?: Projected;
  claims: string[];
  chunks: Map<string, number>;
}

/** The list keys a release's state (its date, ministers and portfolios) explains. */
function listKeysOf(state: Pick<Projected, 'id' | 'date' | 'ministers' | 'portfolios'>): Set<string> {
  const sk = listSortKey(state.date, state.id);
  return new Set(listScopesFor(state).map((scope) => `${listPartition(scope)}|${sk}`));
}

function sameSummary(a: StoredListItem, b: ListItem): boolean {
  // listItemSummary builds every summary with the same keys in the same order.
  return JSON.stringify(listItemSummary(a)) === JSON.stringify(listItemSummary(b));
}

/** Checks whole groups of scanned items (see the comment at the top). */
export async function checkItems(ctx: CheckContext, items: readonly ScannedItem[]): Promise<void> {
  const partitions = new Map<string, Partition>();
  const lists: StoredListItem[] = [];
  const figures: ScannedItem[] = [];
  for (const item of items) {
    const { pk, sk } = item;
    if (pk.startsWith('K#')) {
      if (sk === 'K') ctx.findings.sources.push(item as unknown as SourceItem);
    } else if (pk.startsWith('R#')) {
      const id = pk.slice(2);
      const partition: Partition = partitions.get(id) ?? { id, claims: [], chunks: new Map() };
      partitions.set(id, partition);
      if (sk === RELEASE_SORT_KEY) partition.release = item as unknown as ReleaseItem;
      else if (sk === PROJECTED_SORT_KEY && item.date !== undefined)
        partition.projected = item as unknown as Projected;
      else if (sk.startsWith(CLAIM_PREFIX)) partition.claims.push(sk.slice(CLAIM_PREFIX.length));
      else if (sk.startsWith('B#')) {
        const bodyId = sk.split('#')[1] ?? '';
        partition.chunks.set(
          bodyId,
          Math.max(partition.chunks.get(bodyId) ?? 0, Number(item.createdAt ?? 0)),
        );
      }
    } else if (pk.startsWith('L#')) {
      lists.push(item as unknown as StoredListItem);
    } else if (isFigureItem(pk)) {
      figures.push(item);
    }
  }
  const expected = await checkPartitions(ctx, [...partitions.values()]);
  const orphans = await checkLists(ctx, lists, partitions, expected);
  const recount = new Recounts();
  await checkMonths(
    ctx,
    lists.filter((item) => !orphans.has(`${item.pk}|${item.sk}`)),
    recount,
  );
  await checkFigures(ctx, figures, recount);
  if (ctx.confirmDrift) ctx.findings.figuresDrifted += await confirmDrift(ctx, recount);
  await recount.run(ctx);
}

/** Release partitions; returns the list items each settled release should have, by `pk|sk`. */
async function checkPartitions(
  ctx: CheckContext,
  partitions: readonly Partition[],
): Promise<Map<string, ListItem>> {
  const { findings } = ctx;
  const expected = new Map<string, ListItem>();
  for (const partition of partitions) {
    const { id, release, projected } = partition;
    if (release) {
      findings.releases.push({ id, sourceKey: release.sourceKey });
      if (release.updatedAt >= ctx.settledBefore) continue;
      if (!projected || projected.rev !== release.rev || projected.at !== release.updatedAt) {
        requestRepair(findings, id);
      } else {
        for (const item of listItemsFor(release)) expected.set(`${item.pk}|${item.sk}`, item);
      }
    } else {
      if (projected) requestRepair(findings, id);
      for (const key of partition.claims) {
        const source = await ctx.deps.store.getSource(key);
        if (source && !source.deleted && !source.problem && source.releaseId === id)
          findings.work.set(key, {
            event: { key, kind: 'created', eventTime: ctx.now },
            counts: 'added',
          });
      }
    }
    for (const [bodyId, createdAt] of partition.chunks) {
      if (bodyId === release?.bodyHash || createdAt > ctx.chunksBefore) continue;
      // Re-check: a write may have named this version since the scan.
      const current = await ctx.deps.store.getRelease(id);
      if (current?.bodyHash === bodyId) continue;
      await ctx.deps.bodies.deleteChunks(id, bodyId);
      findings.orphanChunks++;
    }
  }
  return expected;
}

/**
 * List items both ways: those settled releases of this stretch should have (read by key, unless
 * scanned here), and those scanned here, against their release's projector state.
 */
async function checkLists(
  ctx: CheckContext,
  lists: readonly StoredListItem[],
  partitions: ReadonlyMap<string, Partition>,
  expected: ReadonlyMap<string, ListItem>,
): Promise<Set<string>> {
  const { findings } = ctx;
  const orphans = new Set<string>();
  const idOf = (sk: string) => sk.slice(sk.indexOf('#') + 1);
  const scanned = new Map(lists.map((item) => [`${item.pk}|${item.sk}`, item]));
  const missing = [...expected.entries()].filter(([key]) => !scanned.has(key));
  const found = await ctx.read<StoredListItem>(missing.map(([, item]) => ({ pk: item.pk, sk: item.sk })));
  const actual = new Map([...scanned, ...found.map((item) => [`${item.pk}|${item.sk}`, item] as const)]);
  for (const [key, item] of expected) {
    const stored = actual.get(key);
    if (!stored || !sameSummary(stored, item)) {
      requestRepair(findings, idOf(item.sk));
      findings.listItemsFixed++;
    }
  }

  const unknown = [
    ...new Set(
      lists.map((item) => idOf(item.sk)).filter((id) => !partitions.has(id) && !ctx.projected.has(id)),
    ),
  ];
  const states = await ctx.read<Projected & TableKey>(unknown.map((id) => projectedKey(id)));
  for (const id of unknown) ctx.projected.set(id, null);
  for (const state of states) if (state.date !== undefined) ctx.projected.set(state.id, state);
  for (const item of lists) {
    const id = idOf(item.sk);
    const partition = partitions.get(id);
    const release = partition?.release;
    // A release of this stretch may still be on its way through the projector: left for later.
    if (release && release.updatedAt >= ctx.settledBefore) continue;
    const state = release ?? (partition ? partition.projected : ctx.projected.get(id));
    if (state && listKeysOf(state).has(`${item.pk}|${item.sk}`)) continue;
    requestRepair(findings, id, { pk: item.pk, sk: item.sk });
    orphans.add(`${item.pk}|${item.sk}`);
    findings.listItemsFixed++;
  }
  return orphans;
}
