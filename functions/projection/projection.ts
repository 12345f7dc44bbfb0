/**
 * What one committed change of a release item does to the items derived from it: the rules are
 * pure so they can be tested without a table. The projector (project-release-changes.ts) applies
 * them with plain, idempotent writes.
 */
import type { EntityKind } from '#release/release.js';
import type { ReleaseImageChange } from '#table/release-change.js';
import type { TextBits } from '#table/table-layout.js';
import {
  type ListItem,
  listItemsFor,
  monthOf,
  type ReleaseItem,
  type TableKey,
} from '#table/table-layout.js';

/**
 * Which list items to write and which to delete so the lists match `after` (with `bits`, the
 * release's stop-word bits, when known).
 */
export function listChanges(
  change: Pick<ReleaseImageChange, 'before' | 'after'>,
  bits?: TextBits,
): {
  put: ListItem[];
  remove: TableKey[];
} {
  // Every list item of `after` is written, not only new ones: the summary in them may have changed,
  // and a replayed older change may have removed them.
  const put = change.after ? listItemsFor(change.after, bits) : [];
  const keep = new Set(put.map((item) => `${item.pk}|${item.sk}`));
  const remove = (change.before ? listItemsFor(change.before) : [])
    .filter((item) => !keep.has(`${item.pk}|${item.sk}`))
    .map(({ pk, sk }) => ({ pk, sk }));
  return { put, remove };
}

/** One entity's count of releases in one month: the unit that is recounted. */
export interface EntityMonth {
  kind: EntityKind;
  slug: string;
  month: string;
}

function entityMonthsOf(item: ReleaseItem | undefined): EntityMonth[] {
  if (!item) return [];
  const month = monthOf(item.date);
  return [
    ...item.ministers.map((m) => ({ kind: 'minister' as const, slug: m.slug, month })),
    ...item.portfolios.map((p) => ({ kind: 'portfolio' as const, slug: p.slug, month })),
  ];
}

/**
 * The entity months whose figures this change may alter: every one the release was or is in,
 * unless nothing an entity shows (membership, date, id, display names) changed.
 */
export function touchedEntityMonths(change: Pick<ReleaseImageChange, 'before' | 'after'>): EntityMonth[] {
  const { before, after } = change;
  if (before && after && sameEntityFacts(before, after)) return [];
  const seen = new Map<string, EntityMonth>();
  for (const touched of [...entityMonthsOf(before), ...entityMonthsOf(after)]) {
    seen.set(`${touched.kind}#${touched.slug}#${touched.month}`, touched);
  }
  return [...seen.values()];
}

function sameEntityFacts(a: ReleaseItem, b: ReleaseItem): boolean {
  const refs = (item: ReleaseItem) =>
    JSON.stringify([
      item.ministers.map((m) => [m.slug, m.name]),
      item.portfolios.map((p) => [p.slug, p.name]),
    ]);
  return a.id === b.id && a.date === b.date && refs(a) === refs(b);
}

/** The large-body version `before` named and `after` no longer does: its chunks can go. */
export function abandonedBody(change: Pick<ReleaseImageChange, 'before' | 'after'>): string | undefined {
  const old = change.before?.bodyHash;
  return old !== undefined && old !== change.after?.bodyHash ? old : undefined;
}
