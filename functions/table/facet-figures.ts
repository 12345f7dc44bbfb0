/**
 * The figures of facet aggregates, as pure rules: a month's from the list entries of its scope,
 * a year's from its months. The projector recounts them (aws/dynamodb-entity-figures.ts), so
 * a replay or a repair lands the same figures again instead of adding to them.
 */
import type { ReleaseSummary } from '#release/release.js';

/** Releases per slug. */
export type SlugCounts = Record<string, number>;

/** A period's figures: releases, and how many of them each minister and portfolio has. */
export interface PeriodFigures {
  count: number;
  m: SlugCounts;
  p: SlugCounts;
}

/** A month's figures, and the same by day (`DD`). */
export interface MonthFigures extends PeriodFigures {
  days: Record<string, PeriodFigures>;
}

/** A year's figures, with each month's count (`MM`). */
export interface YearFigures extends PeriodFigures {
  months: Record<string, number>;
}

export function emptyFigures(): PeriodFigures {
  return { count: 0, m: {}, p: {} };
}

function addSlugs(into: SlugCounts, from: SlugCounts): void {
  for (const [slug, n] of Object.entries(from)) into[slug] = (into[slug] ?? 0) + n;
}

/** A period's figures as an aggregate item stores them (missing breakdowns read as empty). */
export function storedPeriodFigures(item: Record<string, unknown>): PeriodFigures {
  const counts = (value: unknown): SlugCounts =>
    value && typeof value === 'object' ? (value as SlugCounts) : {};
  return { count: Number(item.count ?? 0), m: counts(item.m), p: counts(item.p) };
}

/** Adds one release, or another period's figures, to `into`. */
export function addRelease(
  into: PeriodFigures,
  release: Pick<ReleaseSummary, 'ministers' | 'portfolios'>,
): void {
  into.count += 1;
  for (const { slug } of release.ministers) into.m[slug] = (into.m[slug] ?? 0) + 1;
  for (const { slug } of release.portfolios) into.p[slug] = (into.p[slug] ?? 0) + 1;
}

export function addFigures(into: PeriodFigures, from: PeriodFigures): void {
  into.count += from.count;
  addSlugs(into.m, from.m);
  addSlugs(into.p, from.p);
}

/**
 * Takes `from` (a part of the period) out of `into`: a count read apart from the whole may lag
 * it, so none goes below zero, and a value left at zero is dropped.
 */
export function subtractFigures(into: PeriodFigures, from: PeriodFigures): void {
  into.count = Math.max(0, into.count - from.count);
  for (const [counts, less] of [
    [into.m, from.m],
    [into.p, from.p],
  ] as const) {
    for (const [slug, n] of Object.entries(less)) {
      const left = (counts[slug] ?? 0) - n;
      if (left > 0) counts[slug] = left;
      else delete counts[slug];
    }
  }
}

/** A month's figures from the list entries of its scope (each release once). */
export function monthFigures(
  entries: Iterable<Pick<ReleaseSummary, 'date' | 'ministers' | 'portfolios'>>,
): MonthFigures {
  const month: MonthFigures = { ...emptyFigures(), days: {} };
  for (const entry of entries) {
    addRelease(month, entry);
    const day = entry.date.slice(8, 10);
    const figures = month.days[day] ?? emptyFigures();
    addRelease(figures, entry);
    month.days[day] = figures;
  }
  return month;
}

/**
 * A period's figures summed from stored figures of its parts (a month's from its day items): the
 * count is always whole; when a part kept only its count (`overflow`), so does the sum.
 */
export function sumOfStored(parts: Iterable<Record<string, unknown>>): PeriodFigures | OverflowFigures {
  const figures = emptyFigures();
  let overflow = false;
  for (const part of parts) {
    addFigures(figures, storedPeriodFigures(part));
    if (part.overflow === true) overflow = true;
  }
  return overflow ? { ...figures, m: {}, p: {}, overflow: true } : storedFigures(figures);
}

/** A year's figures from its months' (`YYYY-MM` -> figures). */
export function yearFigures(months: Iterable<[string, PeriodFigures]>): YearFigures {
  const year: YearFigures = { ...emptyFigures(), months: {} };
  for (const [month, figures] of months) {
    addFigures(year, figures);
    if (figures.count > 0) year.months[month.slice(5, 7)] = figures.count;
  }
  return year;
}

/**
 * Bytes of `m` and `p` an aggregate holds at most (an item holds 400 KB): past it the item keeps
 * its count and says `overflow`, and facets count that period from the matches instead.
 */
export const FACET_MAX_BYTES = 300_000;

/** Figures that kept only their count: the breakdowns did not fit in an item. */
export type OverflowFigures = PeriodFigures & { overflow: true };

/** What an aggregate item stores of its figures: all of them, or its count when they do not fit. */
export function storedFigures<T extends PeriodFigures>(
  figures: T,
): T | (Omit<T, 'm' | 'p'> & { m: SlugCounts; p: SlugCounts; overflow: true }) {
  return JSON.stringify(figures.m).length + JSON.stringify(figures.p).length > FACET_MAX_BYTES
    ? { ...figures, m: {}, p: {}, overflow: true }
    : figures;
}
