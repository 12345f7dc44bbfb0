/**
 * What bringing a release's derived items in line with its current state writes, as pure rules
 * tested without a table: which list items to put and delete, which entity months to recount,
 * which body version's chunks to drop. The projector (project-release-changes.ts) applies them.
 *
 * The rules diff the release's new state against what the projector last projected for it (its
 * state item, `Projected`), not against the stream's old image: a change the projector never saw
 * (a dead-lettered batch, a record that expired while it was stopped) is then still undone by the
 * next change or repair of that release.
 */
import type { EntityKind, EntityRef, ReleaseSummary } from '#release/release.js';
import type { FacetScope } from '#table/facet-keys.js';
import {
  type ListItem,
  listItemsFor,
  listPartition,
  listScopesFor,
  listSortKey,
  monthOf,
  type ReleaseItem,
  type TableKey,
  type TextBits,
} from '#table/table-layout.js';

/** What the projector last projected for a release: the facts its derived items follow from. */
export interface Projected {
  id: string;
  date: string;
  ministers: EntityRef[];
  portfolios: EntityRef[];
  /** The chunked body version the release named, if any. */
  bodyHash?: string;
  /** The release item's `updatedAt` and `rev` of that state. */
  at: string;
  rev: number;
}

/** The projected state of a release item. */
export function projectedOf(item: ReleaseItem): Projected {
  const { id, date, ministers, portfolios, bodyHash, updatedAt, rev } = item;
  return {
    id,
    date,
    ministers: ministers.map(({ slug, name }) => ({ slug, name })),
    portfolios: portfolios.map(({ slug, name }) => ({ slug, name })),
    ...(bodyHash !== undefined ? { bodyHash } : {}),
    at: updatedAt,
    rev,
  };
}

/** The keys of the list items a projected state put. */
export function listKeysOf(state: Pick<Projected, 'id' | 'date' | 'ministers' | 'portfolios'>): TableKey[] {
  const sk = listSortKey(state.date, state.id);
  return listScopesFor(state).map((scope) => ({ pk: listPartition(scope), sk }));
}

/** The projector's state and the release's new state (undefined: gone). */
export interface ProjectionStep {
  before?: Pick<Projected, 'id' | 'date' | 'ministers' | 'portfolios' | 'bodyHash'>;
  after?: ReleaseItem;
}

/**
 * Which list items to write and which to delete so the lists match `after` (with `bits`, the
 * release's stop-word bits, when known).
 */
export function listChanges(step: ProjectionStep, bits?: TextBits): { put: ListItem[]; remove: TableKey[] } {
  // Every list item of `after` is written, not only new ones: the summary in them may have changed,
  // and a replayed older change may have removed them.
  const put = step.after ? listItemsFor(step.after, bits) : [];
  const keep = new Set(put.map((item) => `${item.pk}|${item.sk}`));
  const remove = (step.before ? listKeysOf(step.before) : []).filter(
    (key) => !keep.has(`${key.pk}|${key.sk}`),
  );
  return { put, remove };
}

/**
 * One entity's releases in one month, or every release's (`kind: 'all'`, `slug: ''`): the unit
 * that is recounted, with its facet figures (facet-figures.ts).
 */
export interface EntityMonth {
  kind: EntityKind | 'all';
  slug: string;
  month: string;
  /**
   * The days (`DD`) whose releases changed, for scopes that keep day figures; absent: any day may
   * have (a repair recounts them all).
   */
  days?: readonly string[];
}

/** The key an entity month is deduplicated by. */
export function entityMonthId(month: Pick<EntityMonth, 'kind' | 'slug' | 'month'>): string {
  return `${month.kind}#${month.slug}#${month.month}`;
}

/**
 * Adds an entity month to `into` (by {@link entityMonthId}), joining the days of both: a month
 * that any addition names without days is recounted whole.
 */
export function addEntityMonth(into: Map<string, EntityMonth>, month: EntityMonth): void {
  const id = entityMonthId(month);
  const known = into.get(id);
  if (!known) {
    into.set(id, month);
    return;
  }
  const days = known.days && month.days ? [...new Set([...known.days, ...month.days])].sort() : undefined;
  const { days: _days, ...rest } = known;
  into.set(id, days ? { ...rest, days } : rest);
}

/** The facet scope of an entity month. */
export function scopeOf(month: Pick<EntityMonth, 'kind' | 'slug'>): FacetScope {
  return month.kind === 'all' ? { kind: 'all' } : { kind: month.kind, slug: month.slug };
}

function entityMonthsOf(
  state: Pick<Projected, 'date' | 'ministers' | 'portfolios'> | undefined,
): EntityMonth[] {
  if (!state) return [];
  const month = monthOf(state.date);
  return [
    { kind: 'all' as const, slug: '', month, days: [state.date.slice(8, 10)] },
    ...state.ministers.map((m) => ({ kind: 'minister' as const, slug: m.slug, month })),
    ...state.portfolios.map((p) => ({ kind: 'portfolio' as const, slug: p.slug, month })),
  ];
}

/**
 * The entity months whose figures this step may alter: every one the release was or is in,
 * unless nothing an entity shows (membership, date, id, display names) changed.
 */
export function touchedEntityMonths(step: ProjectionStep, options: { always?: boolean } = {}): EntityMonth[] {
  const { before, after } = step;
  if (!options.always && before && after && sameEntityFacts(before, after)) return [];
  const seen = new Map<string, EntityMonth>();
  for (const touched of [...entityMonthsOf(before), ...entityMonthsOf(after)]) addEntityMonth(seen, touched);
  return [...seen.values()];
}

type EntityFacts = Pick<Projected, 'id' | 'date' | 'ministers' | 'portfolios'>;

function sameEntityFacts(a: EntityFacts, b: EntityFacts): boolean {
  const refs = (state: EntityFacts) =>
    JSON.stringify([
      state.ministers.map((m) => [m.slug, m.name]),
      state.portfolios.map((p) => [p.slug, p.name]),
    ]);
  return a.id === b.id && a.date === b.date && refs(a) === refs(b);
}

/** The large-body version `before` named and `after` no longer does: its chunks can go. */
export function abandonedBody(step: ProjectionStep): string | undefined {
  const old = step.before?.bodyHash;
  return old !== undefined && old !== step.after?.bodyHash ? old : undefined;
}

/** An entity's name as its newest release gives it, and that release's date. */
export interface Newest {
  latestDate: string;
  name: string;
}

/**
 * The newest of a minister's or a portfolio's list entries (in list order, oldest first) as
 * `latestDate` and `name`; undefined for every release's scope, or without entries.
 */
export function newestOf(
  entries: readonly ReleaseSummary[],
  entity: Pick<EntityMonth, 'kind' | 'slug'>,
): Newest | undefined {
  const newest = entries.at(-1);
  if (!newest || entity.kind === 'all') return undefined;
  const ref = (entity.kind === 'minister' ? newest.ministers : newest.portfolios).find(
    (r) => r.slug === entity.slug,
  );
  return ref ? { latestDate: newest.date, name: ref.name } : undefined;
}
