/**
 * The query API end to end through its handlers, against DynamoDB Local holding a generated
 * corpus of a few thousand releases. Expected answers are computed in memory from the same corpus.
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps, ApiHandler } from '#handlers/api.js';
import { OPERATIONS } from '#query/query-openapi.js';
import {
  entityListSchema,
  problemDetailsSchema,
  releasePageSchema,
  releaseSchema,
} from '#query/query-schemas.js';
import { ROUTES } from '#query/routes.js';
import { parseRelease } from '#release/parse-release.js';
import type { EntitySummary, StoredRelease } from '#release/release.js';
import { listSortKey } from '#table/table-layout.js';
import { asFunction, bindLocalName } from '../../support/aws-calls.js';
import {
  entitySummaries,
  problemItem,
  seedReleases,
  stored,
  storedCorpus,
  writeItems,
} from '../../support/corpus-seed.js';
import { freshServices, type TestServices } from '../../support/services.js';
import { asJson, httpEvent, type JsonResult } from './query-events.js';

const CORPUS_SIZE = 2500;
const SECRET = 'query-api-test-secret';

// The handler modules build their production handler at import; give them a configuration.
process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const makeHandler = asFunction('api', (await import('#handlers/api.js')).makeHandler);
const makeProblems = asFunction('problems', (await import('#handlers/problems.js')).makeHandler);

function mustParse(text: string, key: string): StoredRelease {
  const parsed = parseRelease(text, key);
  if (!parsed.ok) throw new Error(`fixture ${key} does not parse: ${JSON.stringify(parsed.problem)}`);
  return stored(parsed.release, key);
}

/** Hand-written releases for the text filter: the seed (no-break spaces), accents, a chunked body. */
function fixtures(): StoredRelease[] {
  const seedKey = '000_bfcbecb155f087da.txt';
  const seed = mustParse(readFileSync(`seeds/${seedKey}`, 'utf8'), seedKey);
  const maori = mustParse(
    '---\ntitle: Whānau Ora commissioning changes\ndate: 2023-03-04T10:00:00+13:00\nministers: Hon Tāmati Kōtare\nportfolios: [Whānau Ora]\n---\n\nSupport for whānau in Tairāwhiti and Ōtautahi continues.\n',
    'fixtures/whanau-ora.md',
  );
  const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(12_000);
  const big = mustParse(
    `---\ntitle: A very long report\ndate: 2021-05-06\nportfolios: [Statistics]\n---\n\n${filler}\n\nThe zebracorn appendix closes the report: ē ā ō.\n`,
    'fixtures/long-report.md',
  );
  return [seed, maori, big];
}

const bySkDesc = (a: StoredRelease, b: StoredRelease) => {
  const x = listSortKey(a.date, a.id);
  const y = listSortKey(b.date, b.id);
  return x < y ? 1 : x > y ? -1 : 0;
};

/** A plain, independent word split: no accents, lower case, anything but letters and digits separates. */
function naiveWords(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

/** Whether the words of `needle` occur consecutively in `words` (a word is a phrase of one). */
function hasRun(words: readonly string[], needle: readonly string[]): boolean {
  for (let i = 0; i + needle.length <= words.length; i += 1) {
    if (needle.every((w, j) => words[i + j] === w)) return true;
  }
  return false;
}

interface Filter {
  minister?: string;
  portfolio?: string;
  from?: string;
  to?: string;
  words?: string[];
}

function expectedIds(releases: readonly StoredRelease[], filter: Filter): string[] {
  return releases
    .filter((r) => filter.minister === undefined || r.ministers.some((m) => m.slug === filter.minister))
    .filter((r) => filter.portfolio === undefined || r.portfolios.some((p) => p.slug === filter.portfolio))
    .filter((r) => filter.from === undefined || r.date >= filter.from)
    .filter((r) => filter.to === undefined || r.date <= filter.to)
    .filter((r) => {
      if (!filter.words) return true;
      const title = naiveWords(r.title);
      const body = naiveWords(r.body);
      return filter.words.every((w) => hasRun(title, naiveWords(w)) || hasRun(body, naiveWords(w)));
    })
    .sort(bySkDesc)
    .map((r) => r.id);
}

async function get(handler: ApiHandler, url: string, headers?: Record<string, string>): Promise<JsonResult> {
  return asJson(await handler(httpEvent(url, headers ? { headers } : {})));
}

/** Walks every page of a query; fails on a repeated cursor so a bug cannot loop forever. */
async function walk(handler: ApiHandler, query: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url = `/releases?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const result = await get(handler, url);
    expect(result.status, JSON.stringify(result.json)).toBe(200);
    const page = releasePageSchema.parse(result.json);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
    if (cursor) {
      expect(seen.has(cursor)).toBe(false);
      seen.add(cursor);
    }
    pages += 1;
  } while (cursor);
  return { ids, pages };
}

let services: TestServices;
let releases: StoredRelease[];
let api: ApiHandler;
let deps: ApiDeps;

beforeAll(async () => {
  services = await freshServices({ stream: false });
  releases = [
    ...storedCorpus({
      seed: 7,
      count: CORPUS_SIZE,
      endDate: '2025-06-30',
      bodyBytes: { min: 300, max: 2500 },
    }),
    ...fixtures(),
  ];
  await seedReleases(services.doc, services.tableName, releases);
  deps = { doc: services.doc, tableName: services.tableName, textSearch: true, cursorSecret: SECRET };
  api = makeHandler(deps);
}, 600_000);

function busiest(kind: 'minister' | 'portfolio'): EntitySummary {
  const [top] = entitySummaries(releases, kind).sort((a, b) => b.count - a.count);
  if (!top) throw new Error('empty corpus');
  return top;
}

describe('GET /releases filters', () => {
  it('returns exactly the expected ids, newest first, for each filter and combination', async () => {
    const minister = busiest('minister');
    const portfolio = busiest('portfolio');
    const pair = releases.find((r) => r.ministers.length > 0 && r.portfolios.length > 0) as StoredRelease;
    const [pm, pp] = [pair.ministers[0]?.slug ?? '', pair.portfolios[0]?.slug ?? ''];
    const macron = releases.flatMap((r) => r.ministers).find((m) => /[āēīōū]/i.test(m.name));
    expect(macron).toBeDefined();
    const cases: [string, Filter][] = [
      ['limit=100', {}],
      [`minister=${minister.slug}&limit=100`, { minister: minister.slug }],
      [`minister=${encodeURIComponent(minister.name.toUpperCase())}&limit=100`, { minister: minister.slug }],
      [
        `minister=${encodeURIComponent(
          (macron?.name ?? '')
            .normalize('NFD')
            .replace(/[\u0300-\u036f]/g, '')
            .replace(/^(Rt )?Hon /, ''),
        )}`,
        { minister: macron?.slug ?? '' },
      ],
      [`portfolio=${encodeURIComponent(portfolio.name)}&limit=100`, { portfolio: portfolio.slug }],
      [
        `portfolio=${portfolio.slug}&minister=${minister.slug}`,
        { portfolio: portfolio.slug, minister: minister.slug },
      ],
      [`minister=${pm}&portfolio=${pp}`, { minister: pm, portfolio: pp }],
      ['from=2020-01-01&limit=100', { from: '2020-01-01' }],
      ['to=1994-12-31&limit=100', { to: '1994-12-31' }],
      ['from=2001-02-03&to=2003-04-05&limit=50', { from: '2001-02-03', to: '2003-04-05' }],
      ['from=2024-07-02&to=2024-07-02', { from: '2024-07-02', to: '2024-07-02' }],
      [
        `minister=${minister.slug}&from=2000-01-01&to=2015-12-31`,
        { minister: minister.slug, from: '2000-01-01', to: '2015-12-31' },
      ],
      [`portfolio=${portfolio.slug}&to=2010-06-30&limit=13`, { portfolio: portfolio.slug, to: '2010-06-30' }],
      [
        `minister=${minister.slug}&portfolio=${portfolio.slug}&from=1995-01-01&to=2024-12-31&limit=3`,
        { minister: minister.slug, portfolio: portfolio.slug, from: '1995-01-01', to: '2024-12-31' },
      ],
      ['minister=nobody-at-all', { minister: 'nobody-at-all' }],
    ];
    for (const [query, filter] of cases) {
      const expected = expectedIds(releases, filter);
      const { ids } = await walk(api, query);
      expect(ids, query).toEqual(expected);
    }
    expect(expectedIds(releases, {}).length).toBe(CORPUS_SIZE + 3);
  });

  it('serves summaries exactly as stored, and the default page of 20', async () => {
    const result = await get(api, '/releases');
    const page = releasePageSchema.parse(result.json);
    expect(page.items).toHaveLength(20);
    const newest = [...releases].sort(bySkDesc).slice(0, 20);
    expect(page.items).toEqual(
      newest.map(({ id, title, date, url, ministers, portfolios, summary }) => ({
        id,
        title,
        date,
        url,
        ministers,
        portfolios,
        summary,
      })),
    );
  });
});

describe('paging', () => {
  it('loses and repeats nothing when walking page by page, also while releases are added', async () => {
    const own = await freshServices({ stream: false });
    const base = storedCorpus({
      seed: 11,
      count: 240,
      endDate: '2025-06-30',
      bodyBytes: { min: 200, max: 400 },
    });
    await seedReleases(own.doc, own.tableName, base);
    const handler = makeHandler({
      doc: own.doc,
      tableName: own.tableName,
      textSearch: true,
      cursorSecret: SECRET,
    });
    const expected = [...base].sort(bySkDesc).map((r) => r.id);
    const later = storedCorpus({
      seed: 12,
      count: 40,
      endDate: '2025-06-30',
      bodyBytes: { min: 200, max: 400 },
    });

    const ids: string[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const result = await get(
        handler,
        `/releases?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const body = releasePageSchema.parse(result.json);
      ids.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
      // Meanwhile, new releases land anywhere in the order, before and after the cursor.
      const batch = later.slice(page * 4, page * 4 + 4);
      if (batch.length > 0) await seedReleases(own.doc, own.tableName, batch);
      page += 1;
    } while (cursor);

    expect(new Set(ids).size).toBe(ids.length);
    const original = new Set(expected);
    expect(ids.filter((id) => original.has(id))).toEqual(expected);
    const all = new Map([...base, ...later].map((r) => [r.id, listSortKey(r.date, r.id)]));
    const keys = ids.map((id) => all.get(id) ?? '');
    expect(keys).toEqual([...keys].sort().reverse());
  });
});

describe('bad parameters', () => {
  it.each([
    ['/releases?foo=1', 'foo'],
    ['/releases?limit=0', 'limit'],
    ['/releases?limit=101', 'limit'],
    ['/releases?limit=ten', 'limit'],
    ['/releases?from=2024-02-30', 'from'],
    ['/releases?to=2024/01/01', 'to'],
    ['/releases?from=2024-03-01&to=2024-02-01', 'from'],
    ['/releases?minister=%21%21', 'minister'],
    ['/releases?portfolio=', 'portfolio'],
    ['/releases?q=', 'q'],
    ['/releases?q=%22%22', 'q'],
    [
      `/releases?q=${encodeURIComponent(`"${Array.from({ length: 21 }, (_, i) => `w${i}`).join(' ')}"`)}`,
      'q',
    ],
    ['/releases?cursor=not-a-cursor', 'cursor'],
    ['/releases?minister=a&minister=b', 'minister'],
    ['/ministers?sort=name', 'sort'],
    ['/releases/abc?x=1', 'x'],
    ['/openapi.json?v=2', 'v'],
  ])('%s is a 400 problem naming %s', async (url, parameter) => {
    const result = await get(api, url);
    expect(result.status).toBe(400);
    expect(result.headers['content-type']).toContain('application/problem+json');
    expect(result.headers['access-control-allow-origin']).toBe('*');
    const problem = problemDetailsSchema.parse(result.json);
    expect(problem).toMatchObject({ status: 400, parameter });
    expect(problem.detail).toContain(parameter);
  });

  it('rejects an altered cursor and a cursor of another query, naming cursor', async () => {
    const first = releasePageSchema.parse((await get(api, '/releases?limit=5&from=2000-01-01')).json);
    const cursor = first.nextCursor ?? '';
    const altered = `${cursor.slice(0, 10)}${cursor[10] === 'x' ? 'y' : 'x'}${cursor.slice(11)}`;
    const payload = JSON.parse(Buffer.from(cursor.split('.')[0] ?? '', 'base64url').toString()) as {
      a: string;
    };
    const forged = `${Buffer.from(JSON.stringify({ ...payload, a: '1999-01-01#x' })).toString('base64url')}.${cursor.split('.')[1]}`;
    for (const url of [
      `/releases?limit=5&from=2000-01-01&cursor=${encodeURIComponent(altered)}`,
      `/releases?limit=5&from=2000-01-01&cursor=${encodeURIComponent(forged)}`,
      `/releases?limit=5&from=2001-01-01&cursor=${encodeURIComponent(cursor)}`,
      `/releases?limit=5&minister=someone&from=2000-01-01&cursor=${encodeURIComponent(cursor)}`,
      `/releases?limit=5&from=2000-01-01&q=nato&cursor=${encodeURIComponent(cursor)}`,
    ]) {
      const result = await get(api, url);
      expect(result.status, url).toBe(400);
      expect(problemDetailsSchema.parse(result.json).parameter).toBe('cursor');
    }
    // The page size may change between pages of the same query.
    expect(
      (await get(api, `/releases?limit=9&from=2000-01-01&cursor=${encodeURIComponent(cursor)}`)).status,
    ).toBe(200);
  });

  it('answers q with a 400 that says text search is off when the stage switches it off', async () => {
    const off = makeHandler({ ...deps, textSearch: false });
    const result = await get(off, '/releases?q=nato');
    expect(result.status).toBe(400);
    const problem = problemDetailsSchema.parse(result.json);
    expect(problem.parameter).toBe('q');
    expect(problem.detail).toMatch(/switched off/);
    expect((await get(off, '/releases?limit=1')).status).toBe(200);
  });

  it('never answers a random query string with a 5xx', async () => {
    const names = ['minister', 'portfolio', 'from', 'to', 'q', 'limit', 'cursor', 'x', 'Limit', ''];
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom(
        '2024-01-01',
        '0000-00-00',
        '9999-12-31',
        '1',
        '100',
        '-0',
        '%',
        '"',
        '"a',
        'Hon',
        '\u00a0',
        '#\uffff',
      ),
      fc.integer({ min: -5, max: 500 }).map(String),
    );
    const pair = fc.tuple(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })), value);
    const raw = fc.oneof(
      fc.array(pair, { maxLength: 5 }).map((pairs) => new URLSearchParams(pairs).toString()),
      fc.string({ maxLength: 60 }),
      fc.array(pair, { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
    );
    const bounded = makeHandler({ ...deps, textBudget: { maxExamined: 150 } });
    await fc.assert(
      fc.asyncProperty(raw, async (query) => {
        const result = await bounded(httpEvent(`/releases?${query}`));
        expect(result.statusCode ?? 0).toBeLessThan(500);
        expect([200, 400]).toContain(result.statusCode);
      }),
      { numRuns: 250 },
    );
  });
});

describe('q, the text filter', () => {
  const seedId = 'prime-minister-heads-united-states-nato';

  it('needs every term, phrases as written, and folds case, accents and no-break spaces', async () => {
    // Every page: a page the budget cut short (`partial`) need not hold what a later one does.
    const ids = async (q: string, extra = '') =>
      (await walk(api, `q=${encodeURIComponent(q)}${extra}&limit=100`)).ids;
    expect(await ids('"Prime Minister Christopher Luxon will visit"')).toContain(seedId);
    expect(await ids('"new zealand’s profile"')).toContain(seedId);
    expect(await ids('NATO california "indo-pacific four"')).toEqual([seedId]);
    expect(await ids('nato zebracorn')).toEqual([]);
    expect(await ids('"luxon christopher"')).not.toContain(seedId);
    expect(await ids('WHANAU "tairawhiti and otautahi"')).toEqual(['whanau-ora']);
    expect(await ids('"Ōtautahi continues"')).toEqual(['whanau-ora']);
    expect(await ids('zebracorn', '&portfolio=statistics&from=2021-05-06&to=2021-05-06')).toEqual([
      'long-report',
    ]);
    // Eight walks of every page, each page within the q budget: slow on a loaded 2-core machine.
  }, 180_000);

  it('matches the in-memory answer over the corpus, continuing across bounded pages', async () => {
    const bounded = makeHandler({ ...deps, textBudget: { maxExamined: 120, listBatch: 50, fetchBatch: 20 } });
    const portfolio = busiest('portfolio');
    const cases: [string, Filter][] = [
      ['q=kaumatua%20exporters&limit=10', { words: ['kaumatua', 'exporters'] }],
      [
        `q=${encodeURIComponent('"rules-based"')}&portfolio=${portfolio.slug}&limit=5`,
        { words: ['rules-based'], portfolio: portfolio.slug },
      ],
      [
        'q=WHĀNAU%20Rangatahi&from=2015-01-01&to=2019-12-31',
        { words: ['whanau', 'rangatahi'], from: '2015-01-01', to: '2019-12-31' },
      ],
    ];
    for (const [query, filter] of cases) {
      const expected = expectedIds(releases, filter);
      expect(expected.length, query).toBeGreaterThan(0);
      const { ids, pages } = await walk(bounded, query);
      expect(ids, query).toEqual(expected);
      expect(pages).toBeGreaterThan(1);
    }
    // Walks the whole corpus three times in small bounded pages: minutes on a loaded 2-core machine.
  }, 300_000);

  it('returns short or empty pages with a cursor when the work budget runs out', async () => {
    const bounded = makeHandler({ ...deps, textBudget: { maxExamined: 40, listBatch: 40 } });
    const result = releasePageSchema.parse((await get(bounded, '/releases?q=zebracorn')).json);
    expect(result.items).toEqual([]);
    expect(result.nextCursor).not.toBeNull();
    expect(result.partial).toBe(true);
    // A full page is not partial.
    const full = releasePageSchema.parse((await get(api, '/releases?limit=3')).json);
    expect(full.items).toHaveLength(3);
    expect(full.partial).toBeUndefined();
  });

  it('stops on the time budget too', async () => {
    let clock = 0;
    const slow = makeHandler({
      ...deps,
      now: () => (clock += 1_000),
      textBudget: { maxMillis: 2_500, listBatch: 10, fetchBatch: 5 },
    });
    const result = releasePageSchema.parse((await get(slow, '/releases?q=zebracorn')).json);
    expect(result.nextCursor).not.toBeNull();
    expect(result.partial).toBe(true);
  });
});

describe('GET /releases/{id}', () => {
  it('serves the release in full with its source key and update time', async () => {
    const expected = releases[0] as StoredRelease;
    const result = await get(api, `/releases/${expected.id}`);
    expect(result.status).toBe(200);
    expect(releaseSchema.parse(result.json)).toEqual(expected);
    expect(result.headers['cache-control']).toMatch(/max-age/);
  });

  it('joins a body stored in chunks', async () => {
    const big = releases.find((r) => r.id === 'long-report') as StoredRelease;
    expect(Buffer.byteLength(big.body)).toBeGreaterThan(300 * 1024);
    const result = await get(api, '/releases/long-report');
    expect(releaseSchema.parse(result.json).body).toBe(big.body);
  });

  it.each(['no-such-release', 'x'.repeat(3000), '%F0%9F%98%80', 'Prime%20Minister'])(
    'answers %s with a 404 problem',
    async (id) => {
      const result = await get(api, `/releases/${id}`);
      expect(result.status).toBe(404);
      expect(result.headers['content-type']).toContain('application/problem+json');
    },
  );
});

describe('GET /ministers and /portfolios', () => {
  const collator = new Intl.Collator('en', { sensitivity: 'base' });
  it.each(['minister', 'portfolio'] as const)(
    'lists every %s with count and latest date, sorted by name',
    async (kind) => {
      const result = await get(api, `/${kind}s`);
      expect(result.status).toBe(200);
      const { items } = entityListSchema.parse(result.json);
      const bySlug = (a: EntitySummary, b: EntitySummary) => (a.slug < b.slug ? -1 : 1);
      expect([...items].sort(bySlug)).toEqual(entitySummaries(releases, kind).sort(bySlug));
      const sortName = (name: string) => name.replace(/^(Rt Hon|Hon)\s+/, '');
      for (let i = 1; i < items.length; i += 1) {
        expect(
          collator.compare(sortName(items[i - 1]?.name ?? ''), sortName(items[i]?.name ?? '')),
        ).toBeLessThanOrEqual(0);
      }
    },
  );
});

describe('HTTP behaviour', () => {
  it('carries ETag and Cache-Control, and answers If-None-Match with 304', async () => {
    for (const url of [
      '/releases?limit=3',
      `/releases/${releases[1]?.id}`,
      '/ministers',
      '/facets?interval=month',
      '/openapi.json',
    ]) {
      const first = await get(api, url);
      expect(first.status).toBe(200);
      expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
      expect(first.headers['cache-control']).toBeTruthy();
      // Each route's own policy, from the route table.
      const path = new URL(url, 'http://x').pathname;
      const route = ROUTES.find((r) => new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path));
      expect(first.headers['cache-control']).toBe(route?.cacheControl);
      expect(first.headers['access-control-allow-origin']).toBe('*');
      const again = await get(api, url, { 'if-none-match': first.headers.etag ?? '' });
      expect(again.status).toBe(304);
      expect(again.raw.body ?? '').toBe('');
      expect(again.headers.etag).toBe(first.headers.etag);
      expect((await get(api, url, { 'if-none-match': '"stale"' })).status).toBe(200);
    }
  });

  it('answers unknown routes, and /problems on the public function, with a 404 problem', async () => {
    for (const url of ['/nope', '/releases/a/b', '/problems', '/']) {
      const result = asJson(await api(httpEvent(url, { viaDefault: true })));
      expect(result.status, url).toBe(404);
      expect(problemDetailsSchema.parse(result.json).status).toBe(404);
      expect(result.headers['access-control-allow-origin']).toBe('*');
    }
    expect(asJson(await api(httpEvent('/releases', { method: 'POST', viaDefault: true }))).status).toBe(405);
  });

  it('never shows internals in a 500', async () => {
    // The stack's table, as if it were gone.
    bindLocalName('table', 'no-such-table');
    const broken = makeHandler({ ...deps, tableName: 'no-such-table' });
    const result = await get(broken, '/releases');
    expect(result.status).toBe(500);
    expect(JSON.stringify(result.json)).not.toMatch(/no-such-table|ResourceNotFound|at /);
  });
});

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3.1 document, and every route in it answers as it says', async () => {
    const served = await get(api, '/openapi.json');
    expect(served.status).toBe(200);
    const validation = await new Validator().validate(served.json as Record<string, unknown>);
    expect(validation.errors ?? []).toEqual([]);
    const document = served.json as {
      paths: Record<
        string,
        Record<string, { operationId: string; responses: { '200': { content: Record<string, unknown> } } }>
      >;
    };
    const problems = makeProblems({
      doc: services.doc,
      tableName: services.tableName,
      cursorSecret: SECRET,
    });
    let answered = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const route = ROUTES.find((r) => r.operationId === operation.operationId);
        expect(route?.path).toBe(path);
        const url = path.replace('{id}', releases[2]?.id ?? '');
        const handler = route?.function === 'problems' ? problems : api;
        const raw = await handler(httpEvent(url, { method: method.toUpperCase() }));
        expect(raw.statusCode, url).toBe(200);
        const [mediaType] = Object.keys(operation.responses['200'].content);
        expect(String(raw.headers?.['content-type']).split(';')[0], url).toBe(mediaType);
        const body = mediaType === 'application/json' ? JSON.parse(raw.body ?? '') : raw.body;
        OPERATIONS[operation.operationId]?.response.parse(body);
        answered += 1;
      }
    }
    expect(answered).toBe(ROUTES.length);
  });
});

describe('GET /problems', () => {
  it('pages through the problems in key order with a cursor bound to /problems', async () => {
    const own = await freshServices({ stream: false });
    const keys = Array.from({ length: 45 }, (_, i) => `bad/${String(i).padStart(3, '0')}.md`);
    await writeItems(
      own.doc,
      own.tableName,
      keys.map((key) =>
        problemItem(key, `date: is not a calendar date (line 3)`, '2025-07-01T00:00:00.000Z'),
      ),
    );
    const problems = makeProblems({
      doc: own.doc,
      tableName: own.tableName,
      cursorSecret: SECRET,
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const result = asJson(
        await problems(
          httpEvent(`/problems?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
        ),
      );
      expect(result.status).toBe(200);
      const page = OPERATIONS.listProblems?.response.parse(result.json) as {
        items: { key: string }[];
        nextCursor: string | null;
      };
      seen.push(...page.items.map((item) => item.key));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(keys);

    const releasesCursor =
      releasePageSchema.parse((await get(api, '/releases?limit=1')).json).nextCursor ?? '';
    const crossed = asJson(
      await problems(httpEvent(`/problems?cursor=${encodeURIComponent(releasesCursor)}`)),
    );
    expect(crossed.status).toBe(400);
    expect(problemDetailsSchema.parse(crossed.json).parameter).toBe('cursor');
    expect(asJson(await problems(httpEvent('/problems?limit=500'))).status).toBe(400);
    expect(asJson(await problems(httpEvent('/releases', { viaDefault: true }))).status).toBe(404);
  });
});
