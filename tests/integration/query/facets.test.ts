/**
 * `GET /facets` against DynamoDB Local: random filter combinations (with and without `q`, ranges
 * across month and year boundaries, ministers with accents and honorifics) compared with an
 * in-memory count over the same corpus, before and after edits that move releases across months
 * and years, and deletes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHandler } from '#handlers/api.js';
import { facetsSchema } from '#query/query-schemas.js';
import { ministerSlug, portfolioSlug, withoutHonorific } from '#release/slug.js';
import { makeRandom } from '../../../scripts/corpus/generate.js';
import { ingestHarness, releaseFile } from '../../support/ingest-harness.js';
import { freshServices, type TestServices } from '../../support/services.js';
import { asJson, httpEvent } from './query-events.js';

process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const { makeHandler } = await import('#handlers/api.js');

const MINISTERS = [
  'Rt Hon Christopher Luxon',
  'Hon Nicola Willis',
  'Hon Tama Pōtaka',
  'Hon Chloé Swarbrick',
  'Hon Shane Jones',
  'Rt Hon Winston Peters',
  'Hon Erica Stanford',
];
const PORTFOLIOS = ['Finance', 'Māori Development', 'Education', 'Health', 'Regional Development', 'Oceans'];
const WORDS = ['quokka', 'tuatara', 'kererū'];
/** Dates on and near month and year boundaries, over 35 years. */
const DAYS = ['01', '02', '14', '15', '28', '30', '31'];

interface Modelled {
  key: string;
  id: string;
  date: string;
  ministers: string[];
  portfolios: string[];
  word: string;
}

let services: TestServices;
let harness: ReturnType<typeof ingestHarness>;
let api: ApiHandler;
const model = new Map<string, Modelled>();
const random = makeRandom(2026);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const some = <T>(list: readonly T[]): T[] => [
  ...new Set([pick(list), pick(list), pick(list)].slice(0, 1 + Math.floor(random() * 3))),
];

function randomDate(): string {
  const year = 1990 + Math.floor(random() * 36);
  const month = String(1 + Math.floor(random() * 12)).padStart(2, '0');
  let day = pick(DAYS);
  const last = new Date(Date.UTC(year, Number(month), 0)).getUTCDate();
  if (Number(day) > last) day = String(last);
  return `${year}-${month}-${day}`;
}

function randomRelease(n: number, date = randomDate()): Modelled {
  return {
    key: `r${n}.md`,
    id: `release-${n}`,
    date,
    ministers: some(MINISTERS),
    portfolios: some(PORTFOLIOS),
    word: pick(WORDS),
  };
}

async function upload(release: Modelled): Promise<void> {
  model.set(release.id, release);
  await harness.put(
    release.key,
    releaseFile({
      title: `Release ${release.id}`,
      date: release.date,
      url: `https://example.org/release/${release.id}`,
      ministers: release.ministers,
      portfolios: release.portfolios,
      body: `Announcement about ${release.word} and harbour works.`,
    }),
  );
}

interface FacetsQuery {
  minister?: string;
  portfolio?: string;
  from?: string;
  to?: string;
  q?: string;
  interval?: 'year' | 'month';
  size?: number;
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

function expected(query: FacetsQuery) {
  const size = query.size ?? 10;
  const matches = [...model.values()].filter(
    (r) =>
      (query.minister === undefined ||
        r.ministers.some((m) => ministerSlug(m) === ministerSlug(query.minister as string))) &&
      (query.portfolio === undefined ||
        r.portfolios.some((p) => portfolioSlug(p) === portfolioSlug(query.portfolio as string))) &&
      (query.from === undefined || r.date >= query.from) &&
      (query.to === undefined || r.date <= query.to) &&
      (query.q === undefined || r.word === query.q),
  );
  const facet = (
    names: (r: Modelled) => string[],
    slug: (name: string) => string,
    sortName: (n: string) => string,
  ) => {
    const counts = new Map<string, { slug: string; name: string; count: number }>();
    for (const r of matches) {
      for (const name of names(r)) {
        const entry = counts.get(slug(name)) ?? { slug: slug(name), name, count: 0 };
        entry.count += 1;
        counts.set(slug(name), entry);
      }
    }
    const sorted = [...counts.values()].sort(
      (a, b) =>
        b.count - a.count ||
        collator.compare(sortName(a.name), sortName(b.name)) ||
        collator.compare(a.name, b.name) ||
        a.slug.localeCompare(b.slug),
    );
    const left = sorted.slice(size);
    return {
      items: sorted.slice(0, size),
      others: { values: left.length, count: left.reduce((s, v) => s + v.count, 0) },
    };
  };
  const cut = (date: string) => (query.interval === 'month' ? date.slice(0, 7) : date.slice(0, 4));
  const perPeriod = new Map<string, number>();
  for (const r of matches) perPeriod.set(cut(r.date), (perPeriod.get(cut(r.date)) ?? 0) + 1);
  const present = [...perPeriod.keys()].sort();
  const first = query.from !== undefined ? cut(query.from) : present[0];
  const last = query.to !== undefined ? cut(query.to) : present.at(-1);
  const periods: Array<{ period: string; count: number }> = [];
  if (first !== undefined && last !== undefined) {
    for (let period = first; period <= last; ) {
      periods.push({ period, count: perPeriod.get(period) ?? 0 });
      if (query.interval === 'month') {
        const [y, m] = period.split('-').map(Number) as [number, number];
        period = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
      } else period = String(Number(period) + 1);
    }
  }
  return {
    total: matches.length,
    exact: true,
    interval: query.interval ?? 'year',
    ministers: facet((r) => r.ministers, ministerSlug, withoutHonorific),
    portfolios: facet(
      (r) => r.portfolios,
      portfolioSlug,
      (n) => n,
    ),
    periods,
  };
}

function randomQuery(): FacetsQuery {
  const query: FacetsQuery = {};
  const roll = random();
  if (roll < 0.3) query.minister = pick(MINISTERS);
  else if (roll < 0.55) query.portfolio = pick(PORTFOLIOS);
  else if (roll < 0.65) {
    query.minister = pick(MINISTERS);
    query.portfolio = pick(PORTFOLIOS);
  }
  if (random() < 0.25) query.q = pick(WORDS);
  if (random() < 0.6) query.from = randomDate();
  if (random() < 0.6) query.to = randomDate();
  if (query.from && query.to && query.from > query.to) [query.from, query.to] = [query.to, query.from];
  if (random() < 0.4) query.interval = 'month';
  if (random() < 0.5) query.size = 1 + Math.floor(random() * 5);
  return query;
}

async function facets(query: FacetsQuery) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) params.set(name, String(value));
  const path = `/facets?${params}`;
  const result = asJson(await api(httpEvent(path)));
  expect(result.status, `${path}: ${JSON.stringify(result.json)}`).toBe(200);
  return facetsSchema.parse(result.json);
}

async function compareRandom(runs: number): Promise<void> {
  for (let n = 0; n < runs; n++) {
    const query = randomQuery();
    expect(await facets(query), JSON.stringify(query)).toEqual(expected(query));
  }
}

beforeAll(async () => {
  services = await freshServices();
  harness = ingestHarness(services);
  api = makeHandler({
    doc: services.doc,
    tableName: services.tableName,
    textSearch: true,
    cursorSecret: 'facets',
    // Counts compared exactly: no time bound, which a loaded machine would reach (the read
    // budgets stay; the time bound is tested with the query API).
    textBudget: { maxMillis: Number.MAX_SAFE_INTEGER },
  });
  for (let n = 0; n < 90; n++) await upload(randomRelease(n));
  // Both ends of a year and of a month, and a leap day.
  await upload(randomRelease(90, '2024-01-01'));
  await upload(randomRelease(91, '2023-12-31'));
  await upload(randomRelease(92, '2024-02-29'));
  await harness.settled();
}, 240_000);

afterAll(async () => {
  await harness?.close();
});

describe('GET /facets', () => {
  it('counts every release by minister, portfolio and year without filters', async () => {
    expect(await facets({})).toEqual(expected({}));
    expect(await facets({ interval: 'month', size: 100 })).toEqual(
      expected({ interval: 'month', size: 100 }),
    );
  });

  it('matches an in-memory count for random filters, ranges and intervals', async () => {
    await compareRandom(60);
  }, 120_000);

  it('follows edits that move releases across months and years, and deletes', async () => {
    const ids = [...model.keys()];
    for (const id of ids.slice(0, 12)) {
      const before = model.get(id) as Modelled;
      await upload({ ...randomRelease(Number(id.slice(8))), key: before.key, id, date: randomDate() });
    }
    for (const id of ids.slice(12, 20)) {
      const gone = model.get(id) as Modelled;
      model.delete(id);
      await harness.handler(await harness.remove(gone.key));
    }
    await harness.settled();
    expect(await facets({})).toEqual(expected({}));
    await compareRandom(40);
  }, 180_000);

  it('counts a month cut near its ends as the month less the days outside the range', async () => {
    let n = 200;
    for (const day of ['01', '02', '02', '15', '29', '30']) {
      await upload({ ...randomRelease(n), date: `2019-06-${day}`, ministers: ['Hon Shane Jones'] });
      n += 1;
    }
    await harness.settled();
    for (const query of [
      { from: '2019-06-02', to: '2019-06-29' },
      { from: '2019-06-03', to: '2019-07-20', interval: 'month' as const },
      { minister: 'Hon Shane Jones', from: '2019-06-02', to: '2019-06-29' },
      { minister: 'Hon Shane Jones', from: '2018-11-11', to: '2019-06-28', interval: 'month' as const },
      { portfolio: PORTFOLIOS[0], from: '2019-06-02', to: '2019-06-30' },
    ]) {
      expect(await facets(query), JSON.stringify(query)).toEqual(expected(query));
    }
  });

  it('says which parameter is wrong', async () => {
    for (const [path, name] of [
      ['/facets?interval=week', 'interval'],
      ['/facets?size=0', 'size'],
      ['/facets?size=101', 'size'],
      ['/facets?from=2024-02-30', 'from'],
      ['/facets?colour=red', 'colour'],
      // 1,201 months: a response of periods without end.
      ['/facets?from=1900-01-01&to=2000-01-31&interval=month', 'from'],
      ['/facets?to=3000-01-01&interval=month', 'to'],
    ] as const) {
      const result = asJson(await api(httpEvent(path)));
      expect(result.status, path).toBe(400);
      expect(JSON.stringify(result.json), path).toContain(name);
    }
    // A century of months is answered.
    expect(asJson(await api(httpEvent('/facets?from=1900-01-01&to=1999-12-31&interval=month'))).status).toBe(
      200,
    );
  });

  it('reads a bounded number of units without q, whatever the range', async () => {
    let units = 0;
    const metered = makeHandler({
      doc: services.doc,
      tableName: services.tableName,
      textSearch: true,
      cursorSecret: 'facets',
      onConsumedCapacity: (capacity) => {
        units += capacity.CapacityUnits ?? 0;
      },
    });
    for (const path of [
      '/facets',
      '/facets?from=1990-01-15&to=2025-11-14&interval=month',
      '/facets?minister=Tama+Potaka&from=1991-03-03&to=2024-10-10',
    ]) {
      units = 0;
      expect(asJson(await metered(httpEvent(path))).status).toBe(200);
      // 36 years of year items, 22 month items, two day items and the entity names at most.
      expect(units, path).toBeLessThanOrEqual(50);
      expect(units, path).toBeGreaterThan(0);
    }
  });
});
