/**
 * The sweep's checks of stored figures (see sweep-checks.ts for the rest): every figure is
 * compared, whole, with what the projector's recount would write from the same list items, and a
 * difference is recounted through the projector's own recount (version-ordered, so a check that
 * read an old state costs a needless recount, never a wrong figure).
 *
 * - a month of a list scanned here (`L#ALL`, a minister's, a portfolio's) against its month item
 *   (`EM#`: count, minister and portfolio figures) and, for every release's, its day items
 *   (`ED#all`: the same by day);
 * - a month item or a day item scanned here against its list month (a `Query` of that month);
 * - a year item (`EY#`) against its months, and an entity's total (`E#`) against its months.
 */
import type { EntityFigureStore } from '#projection/project-release-changes.js';
import { type EntityMonth, newestOf, scopeOf } from '#projection/projection.js';
import type { EntityKind, ReleaseSummary } from '#release/release.js';
import {
  emptyFigures,
  monthFigures,
  type PeriodFigures,
  type SlugCounts,
  storedFigures,
  storedPeriodFigures,
  sumOfStored,
  yearFigures,
} from '#table/facet-figures.js';
import {
  type FacetScope,
  facetDaysKey,
  facetDaysPartition,
  facetListPartition,
  facetMonthKey,
  facetMonthPartition,
  facetYearKey,
  keepsDays,
} from '#table/facet-keys.js';
import {
  entityKey,
  entityMonthPartition,
  listItemSummary,
  listPartition,
  listSortKey,
  type StoredListItem,
  type TableKey,
} from '#table/table-layout.js';

/** An item as the sweep scans it. */
type ScannedItem = TableKey & Record<string, unknown>;

/** What these checks need of the sweep's check context (sweep-checks.ts's `FigureContext`). */
interface FigureContext {
  deps: { entities: EntityFigureStore };
  /** Items by key, eventually consistent unless told; metered by the caller. */
  read<T extends TableKey>(keys: readonly TableKey[], options?: { consistent?: boolean }): Promise<T[]>;
  /** A partition's items (or those whose sort key begins with `prefix`); metered. */
  partition(pk: string, prefix?: string, options?: { consistent?: boolean }): Promise<ScannedItem[]>;
  findings: { entitiesRecounted: number; figuresRecounted: number };
}

/** The scope whose months a list partition's items are counted in, if any: `L#ALL`, `L#M#`, `L#P#`. */
export function monthScopeOfList(pk: string): FacetScope | undefined {
  if (pk === listPartition({ kind: 'all' })) return { kind: 'all' };
  if (pk.startsWith('L#M#')) return { kind: 'minister', slug: pk.slice(4) };
  if (pk.startsWith('L#P#')) return { kind: 'portfolio', slug: pk.slice(4) };
  return undefined;
}

/** The scope of a facet aggregate's partition (`EM#all`, `ED#minister#<slug>`, `EY#...`). */
function scopeOfAggregate(pk: string): FacetScope | undefined {
  const [, kind = '', ...rest] = pk.split('#');
  if (kind === 'all') return { kind: 'all' };
  if (kind === 'minister' || kind === 'portfolio') return { kind, slug: rest.join('#') };
  return undefined;
}

/** Whether a partition holds figures this module checks. */
export function isFigureItem(pk: string): boolean {
  return ['EM#', 'ED#', 'EY#', 'E#'].some((prefix) => pk.startsWith(prefix));
}

/** JSON with object keys sorted at every level: equal figures give equal strings. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const counts = (value: unknown): SlugCounts =>
  value && typeof value === 'object' ? (value as SlugCounts) : {};

/** A period item's figures as the recount writes them (`overflow` only when set). */
function periodOf(figures: object | undefined): string {
  const item = figures as Record<string, unknown> | undefined;
  return canonical({
    count: Number(item?.count ?? 0),
    m: counts(item?.m),
    p: counts(item?.p),
    overflow: item?.overflow === true || undefined,
    ...(item && 'months' in item ? { months: counts(item.months) } : {}),
  });
}

/** What a month's recount writes, from its list items: its month item, and its day items by date. */
interface ExpectedMonth {
  month: string;
  days: Map<string, string>;
  /** A minister's or a portfolio's newest release, `<latestDate>|<name>`, as the month names it. */
  newest?: string;
}

/**
 * Whether a month item with releases names another newest release than its list month. An item
 * that names none was written before months named one (the entity recount then reads the list
 * itself), and one without releases keeps the name of its last, which no entity reads.
 */
function staleNewest(item: ScannedItem | undefined, expected: ExpectedMonth): boolean {
  if (item?.latestDate === undefined || Number(item.count ?? 0) === 0) return false;
  return `${item.latestDate}|${item.name}` !== expected.newest;
}

/** What the recount of a scope's month writes, from the month's list items. */
function expectedMonth(
  scope: FacetScope,
  month: string,
  summaries: readonly ReleaseSummary[],
): ExpectedMonth {
  const { days, ...period } = monthFigures(summaries);
  if (!keepsDays(scope)) {
    const key = (entry: ReleaseSummary) => listSortKey(entry.date, entry.id);
    const inOrder = [...summaries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const newest = scope.kind === 'all' ? undefined : newestOf(inOrder, scope);
    return {
      month: periodOf(storedFigures(period)),
      days: new Map(),
      ...(newest ? { newest: `${newest.latestDate}|${newest.name}` } : {}),
    };
  }
  const stored = Object.entries(days).map(([day, figures]) => [day, storedFigures(figures)] as const);
  return {
    month: periodOf(sumOfStored(stored.map(([, figures]) => ({ ...figures })))),
    days: new Map(stored.map(([day, figures]) => [`${month}-${day}`, periodOf(figures)])),
  };
}

/** A day the recount found no releases in: its item holds a count of 0. */
const EMPTY_DAY = periodOf(storedFigures(emptyFigures()));

/** Months, years and entities to recount (consistent counts, version-ordered writes). */
export class Recounts {
  readonly months = new Map<string, EntityMonth>();
  readonly years = new Map<string, EntityMonth>();
  readonly entities = new Map<string, { kind: EntityKind; slug: string }>();

  month(scope: FacetScope, month: string): void {
    const slug = scope.kind === 'all' ? '' : scope.slug;
    this.months.set(`${scope.kind}#${slug}#${month}`, { kind: scope.kind, slug, month });
    this.year(scope, month.slice(0, 4));
    if (scope.kind !== 'all') this.entity(scope.kind, scope.slug);
  }

  /** A year's aggregate, summed from its months. */
  year(scope: FacetScope, year: string): void {
    const slug = scope.kind === 'all' ? '' : scope.slug;
    this.years.set(`${scope.kind}#${slug}#${year}`, { kind: scope.kind, slug, month: `${year}-01` });
  }

  entity(kind: EntityKind, slug: string): void {
    this.entities.set(`${kind}#${slug}`, { kind, slug });
  }

  async run(ctx: FigureContext): Promise<void> {
    // Months first: a year's figures and an entity's are sums of its months.
    await ctx.deps.entities.recountMonths([...this.months.values()]);
    await ctx.deps.entities.recountYearsAndEntities(
      [...this.years.values()].map(({ kind, slug, month }) => ({ kind, slug, year: month.slice(0, 4) })),
      [...this.entities.values()],
    );
    ctx.findings.entitiesRecounted += this.entities.size;
    ctx.findings.figuresRecounted += this.months.size + this.years.size + this.entities.size;
  }
}

/**
 * Months of lists scanned whole here (orphans left out) against their month and day items, read
 * by key: a month whose stored figures differ from the recount's is recounted.
 */
export async function checkMonths(
  ctx: FigureContext,
  lists: readonly StoredListItem[],
  recount: Recounts,
): Promise<void> {
  const months = new Map<string, { scope: FacetScope; month: string; summaries: ReleaseSummary[] }>();
  for (const item of lists) {
    const scope = monthScopeOfList(item.pk);
    if (!scope) continue;
    const month = item.sk.slice(0, 7);
    const id = `${item.pk}|${month}`;
    const known = months.get(id) ?? { scope, month, summaries: [] };
    known.summaries.push(listItemSummary(item));
    months.set(id, known);
  }
  const expected = [...months.values()].map(({ scope, month, summaries }) => ({
    scope,
    month,
    expected: expectedMonth(scope, month, summaries),
  }));
  const keys = expected.flatMap(({ scope, month, expected }) => [
    facetMonthKey(scope, month),
    ...[...expected.days.keys()].map((day) => facetDaysKey(scope, day)),
  ]);
  const stored = await ctx.read<ScannedItem>(keys);
  const byKey = new Map(stored.map((item) => [`${item.pk}|${item.sk}`, item]));
  const at = (key: TableKey) => byKey.get(`${key.pk}|${key.sk}`);
  for (const { scope, month, expected: figures } of expected) {
    if (
      periodOf(at(facetMonthKey(scope, month))) !== figures.month ||
      staleNewest(at(facetMonthKey(scope, month)), figures) ||
      [...figures.days].some(([day, want]) => periodOf(at(facetDaysKey(scope, day))) !== want)
    )
      recount.month(scope, month);
  }
}

/**
 * Stored figures of this stretch against what they count: a month or day item against its list
 * month, a year's against its months, an entity's total against the sum of its months.
 */
export async function checkFigures(
  ctx: FigureContext,
  figures: readonly ScannedItem[],
  recount: Recounts,
): Promise<void> {
  // A list month read once for its month item and its day items.
  const listMonths = new Map<string, Promise<ExpectedMonth>>();
  const expectedOf = (scope: FacetScope, month: string) => {
    const id = `${facetListPartition(scope)}|${month}`;
    let known = listMonths.get(id);
    if (!known) {
      known = ctx.partition(facetListPartition(scope), `${month}-`).then((items) =>
        expectedMonth(
          scope,
          month,
          items.map((item) => listItemSummary(item as StoredListItem)),
        ),
      );
      listMonths.set(id, known);
    }
    return known;
  };
  for (const item of figures) {
    const scope = scopeOfAggregate(item.pk);
    if (item.pk.startsWith('EM#') && scope) {
      const expected = await expectedOf(scope, item.sk);
      if (periodOf(item) !== expected.month || staleNewest(item, expected)) recount.month(scope, item.sk);
    } else if (item.pk.startsWith('ED#') && scope && keepsDays(scope)) {
      const month = item.sk.slice(0, 7);
      if (periodOf(item) !== ((await expectedOf(scope, month)).days.get(item.sk) ?? EMPTY_DAY))
        recount.month(scope, month);
    } else if (item.pk.startsWith('EY#') && scope) {
      const months = await ctx.partition(facetMonthPartition(scope), item.sk);
      const figures = yearFigures(
        months.map((month): [string, PeriodFigures] => [month.sk, storedPeriodFigures(month)]),
      );
      const overflow = months.some((month) => month.overflow === true);
      const expected = overflow ? { ...storedFigures(figures), overflow: true } : storedFigures(figures);
      if (periodOf(item) !== periodOf(expected)) recount.year(scope, item.sk);
    } else if (item.pk.startsWith('E#')) {
      const kind = item.pk.slice(2) as EntityKind;
      const months = await ctx.partition(entityMonthPartition(kind, item.sk));
      const sum = months.reduce((total, month) => total + Number(month.count ?? 0), 0);
      if (sum !== Number(item.count ?? 0)) recount.entity(kind, item.sk);
    }
  }
}

/**
 * How many of the figures `recount` holds are still wrong when their items and what they count
 * are read again, consistently: the eventually consistent scan may have seen a list write whose
 * figure item had not caught up yet. (A recount the projector has still to land is told apart by
 * the caller, from the pending markers.) A missing item counts as an empty one.
 */
export async function confirmDrift(ctx: FigureContext, recount: Recounts): Promise<number> {
  const keys: TableKey[] = [];
  const consistent = { consistent: true };
  const days: ScannedItem[] = [];
  for (const { kind, slug, month } of recount.months.values()) {
    const scope = scopeOf({ kind, slug });
    keys.push(facetMonthKey(scope, month));
    if (keepsDays(scope)) days.push(...(await storedDays(ctx, scope, month)));
  }
  for (const { kind, slug, month } of recount.years.values())
    keys.push(facetYearKey(scopeOf({ kind, slug }), month.slice(0, 4)));
  for (const { kind, slug } of recount.entities.values()) keys.push(entityKey(kind, slug));
  const stored = new Map(
    (await ctx.read<ScannedItem>(keys, consistent)).map((item) => [`${item.pk}|${item.sk}`, item]),
  );
  const items = [
    ...keys.map((key) => stored.get(`${key.pk}|${key.sk}`) ?? { pk: key.pk, sk: key.sk }),
    ...days,
  ];
  const consistentCtx: FigureContext = {
    ...ctx,
    partition: (pk, prefix) => ctx.partition(pk, prefix, consistent),
  };
  // Each kind on its own, so that a year or an entity counts when its own item is wrong, not
  // because one of its months is.
  const wrongOf = async (prefixes: readonly string[], count: (confirmed: Recounts) => number) => {
    const confirmed = new Recounts();
    const ofKind = items.filter((item) => prefixes.some((prefix) => item.pk.startsWith(prefix)));
    await checkFigures(consistentCtx, ofKind, confirmed);
    return count(confirmed);
  };
  return (
    (await wrongOf(['EM#', 'ED#'], (r) => r.months.size)) +
    (await wrongOf(['EY#'], (r) => r.years.size)) +
    (await wrongOf(['E#'], (r) => r.entities.size))
  );
}

/**
 * A month's day items read consistently, with an empty stand-in for each day whose list items
 * have no day item (a lost item is drift too).
 */
async function storedDays(ctx: FigureContext, scope: FacetScope, month: string): Promise<ScannedItem[]> {
  const consistent = { consistent: true };
  const stored = await ctx.partition(facetDaysPartition(scope), `${month}-`, consistent);
  const listed = await ctx.partition(facetListPartition(scope), `${month}-`, consistent);
  const expected = expectedMonth(
    scope,
    month,
    listed.map((item) => listItemSummary(item as StoredListItem)),
  );
  const have = new Set(stored.map((item) => item.sk));
  const pk = facetDaysPartition(scope);
  return [...stored, ...[...expected.days.keys()].filter((day) => !have.has(day)).map((sk) => ({ pk, sk }))];
}
