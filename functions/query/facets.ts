/**
 * Facets as pure rules: which aggregates a date range reads (whole years, whole months, and the
 * days of a month the range cuts), and how their figures become the response: counts by minister
 * and portfolio, sorted and cut to `size`, and every period in range, in date order.
 */

import type { EntityKind } from '#release/release.js';
import { addFigures, emptyFigures, type PeriodFigures } from '#table/facet-figures.js';
import { compareNames } from './name-order.js';

export type FacetInterval = 'year' | 'month';

/** The aggregates a range reads: each an inclusive sort-key range of one kind of item. */
export interface FacetReads {
  /** Year items (`YYYY`), first and last. */
  years?: [string, string];
  /** Month items (`YYYY-MM`), at most two ranges (the ends of a range not on year boundaries). */
  months: Array<[string, string]>;
  /** Months the range cuts: each read by its days in range, or as its whole less the days outside. */
  days: CutMonth[];
}

/**
 * A month the range cuts, and its first and last day (`DD`) in range. With `outside`, it is read
 * as the month's item less those ranges of days (the days of the month out of range), because
 * they are fewer: a range from the 3rd reads the month and two days, not 26 days. Only where the
 * days are list items (a minister's or a portfolio's), whose reads grow with the corpus; every
 * release's days are small day items, for which the month item and a second `Query` cost about
 * what they spare (measured at 500,000: half a unit more).
 */
export interface CutMonth {
  month: string;
  first: string;
  last: string;
  outside?: Array<[string, string]>;
}

const FIRST_DAY = '0000-01-01';
const LAST_DAY = '9999-12-31';

function lastDayOf(month: string): string {
  const [year, mm] = month.split('-').map(Number) as [number, number];
  return String(new Date(Date.UTC(year, mm, 0)).getUTCDate()).padStart(2, '0');
}

function shiftMonth(month: string, by: number): string {
  const [year, mm] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (mm - 1) + by;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

const pad = (day: number) => String(day).padStart(2, '0');

/**
 * A month cut to `first`..`last`: with `complement`, read by whichever of its two sides holds
 * fewer days; else by its days in range.
 */
function cutMonth(month: string, first: string, last: string, complement: boolean): CutMonth {
  if (!complement) return { month, first, last };
  const end = Number(lastDayOf(month));
  const outside: Array<[string, string]> = [];
  if (Number(first) > 1) outside.push(['01', pad(Number(first) - 1)]);
  if (Number(last) < end) outside.push([pad(Number(last) + 1), pad(end)]);
  const outsideDays = outside.reduce((sum, [a, b]) => sum + Number(b) - Number(a) + 1, 0);
  const insideDays = Number(last) - Number(first) + 1;
  // The month's own item weighs about as much as a couple of days.
  return outsideDays + 2 < insideDays ? { month, first, last, outside } : { month, first, last };
}

/**
 * The aggregates that cover `from`..`to` (calendar dates, inclusive; absent: unbounded).
 * `complement`: a cut month may be read as its month less the days outside (see CutMonth).
 */
export function facetReads(
  from: string | undefined,
  to: string | undefined,
  complement: boolean,
): FacetReads {
  const first = from ?? FIRST_DAY;
  const last = to ?? LAST_DAY;
  const reads: FacetReads = { months: [], days: [] };
  const startMonth = first.slice(0, 7);
  const endMonth = last.slice(0, 7);
  if (startMonth === endMonth) {
    reads.days.push(cutMonth(startMonth, first.slice(8), last.slice(8), complement));
    return reads;
  }
  let fullFirst = startMonth;
  if (first.slice(8) !== '01') {
    reads.days.push(cutMonth(startMonth, first.slice(8), lastDayOf(startMonth), complement));
    fullFirst = shiftMonth(startMonth, 1);
  }
  let fullLast = endMonth;
  if (last.slice(8) !== lastDayOf(endMonth)) {
    reads.days.push(cutMonth(endMonth, '01', last.slice(8), complement));
    fullLast = shiftMonth(endMonth, -1);
  }
  if (fullFirst > fullLast) return reads;
  const firstYear = fullFirst.slice(0, 4);
  const lastYear = fullLast.slice(0, 4);
  if (firstYear === lastYear && !(fullFirst.endsWith('-01') && fullLast.endsWith('-12'))) {
    reads.months.push([fullFirst, fullLast]);
    return reads;
  }
  let yearsFirst = Number(firstYear);
  let yearsLast = Number(lastYear);
  if (!fullFirst.endsWith('-01')) {
    reads.months.push([fullFirst, `${firstYear}-12`]);
    yearsFirst += 1;
  }
  if (!fullLast.endsWith('-12')) {
    reads.months.push([`${lastYear}-01`, fullLast]);
    yearsLast -= 1;
  }
  if (yearsFirst <= yearsLast) {
    reads.years = [String(yearsFirst).padStart(4, '0'), String(yearsLast).padStart(4, '0')];
  }
  return reads;
}

/** Figures gathered from the aggregates, with releases per month (`YYYY-MM`). */
export class FacetTally {
  readonly total: PeriodFigures = emptyFigures();
  readonly perMonth = new Map<string, number>();

  add(figures: PeriodFigures, months: Record<string, number>): void {
    addFigures(this.total, figures);
    for (const [month, count] of Object.entries(months)) {
      this.perMonth.set(month, (this.perMonth.get(month) ?? 0) + count);
    }
  }
}

export interface FacetValue {
  slug: string;
  name: string;
  count: number;
}

export interface FacetValues {
  items: FacetValue[];
  /** The values left out by `size`: how many, and their releases together. */
  others: { values: number; count: number };
}

export interface FacetPeriod {
  /** `YYYY`, or `YYYY-MM` with `interval=month`. */
  period: string;
  count: number;
}

/** Values by count, then by name (with `sortName` for ministers' honorifics), then slug; the top `size`. */
export function topValues(
  counts: Record<string, number>,
  names: ReadonlyMap<string, string>,
  size: number,
  sortName: (name: string) => string = (name) => name,
): FacetValues {
  const all = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([slug, count]) => ({ slug, name: names.get(slug) ?? slug, count }))
    .sort((a, b) => b.count - a.count || compareNames(a, b, sortName));
  const left = all.slice(size);
  return {
    items: all.slice(0, size),
    others: { values: left.length, count: left.reduce((sum, value) => sum + value.count, 0) },
  };
}

/**
 * Every period from the first to the last in range, in date order, zero where no release is.
 * Unbounded ends start and stop at the first and last period with releases.
 */
/** Periods one response lists at most: a century of months. */
export const MAX_FACET_PERIODS = 1200;

/**
 * Every period from `from` (else the first with releases) to `to` (else the last), or undefined
 * when that is more than MAX_FACET_PERIODS: the range is too long for the interval.
 */
export function periodsInRange(
  perMonth: ReadonlyMap<string, number>,
  interval: FacetInterval,
  from?: string,
  to?: string,
): FacetPeriod[] | undefined {
  const counts = new Map<string, number>();
  for (const [month, count] of perMonth) {
    const period = interval === 'year' ? month.slice(0, 4) : month;
    counts.set(period, (counts.get(period) ?? 0) + count);
  }
  const present = [...counts.keys()].filter((period) => (counts.get(period) ?? 0) > 0).sort();
  const cut = (date: string) => (interval === 'year' ? date.slice(0, 4) : date.slice(0, 7));
  const first = from !== undefined ? cut(from) : present[0];
  const last = to !== undefined ? cut(to) : present.at(-1);
  if (first === undefined || last === undefined || first > last) return [];
  const periods: FacetPeriod[] = [];
  for (let period = first; period <= last; period = nextPeriod(period, interval)) {
    if (periods.length === MAX_FACET_PERIODS) return undefined;
    periods.push({ period, count: counts.get(period) ?? 0 });
  }
  return periods;
}

function nextPeriod(period: string, interval: FacetInterval): string {
  return interval === 'year' ? String(Number(period) + 1).padStart(4, '0') : shiftMonth(period, 1);
}

/** Which facet of a response an entity kind fills. */
export const FACET_OF: Readonly<Record<EntityKind, 'ministers' | 'portfolios'>> = {
  minister: 'ministers',
  portfolio: 'portfolios',
};
