/**
 * `GET /releases.atom` end to end through the API handler against DynamoDB Local, read back with
 * an independent feed parser: every field of the seed release, special characters, hostile
 * bodies, and the same releases in the same order as the JSON first page of the same query.
 */
import { readFileSync } from 'node:fs';
import { parseFeed } from '@rowanmanning/feed-parser';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiHandler } from '#handlers/api.js';
import { fromApiGatewayResult, toApiGatewayEvent } from '#local/http-adapter.js';
import { problemDetailsSchema, releasePageSchema } from '#query/query-schemas.js';
import { parseRelease } from '#release/parse-release.js';
import type { StoredRelease } from '#release/release.js';
import { renderMarkdown } from '#release/render-markdown.js';
import { asFunction } from '../../support/aws-calls.js';
import {
  entitySummaries,
  seedReleases,
  stored,
  storedCorpus,
  UPDATED_AT,
} from '../../support/corpus-seed.js';
import { freshServices } from '../../support/services.js';
import { asJson, httpEvent } from './query-events.js';

process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const makeHandler = asFunction('api', (await import('#handlers/api.js')).makeHandler);

const BASE = 'https://api.example.test';
const SEED_KEY = '000_bfcbecb155f087da.txt';
const SEED_ID = 'prime-minister-heads-united-states-nato';
const ENTRY_PREFIX = 'urn:releases:release:';

const SPECIAL_TITLE = `Fish & Chips <Tasting> "Quoted" 'single' 😀 in Ōtautahi`;
const SPECIAL_BODY = `Fish & chips: 4 > 3 and 5 < 6, "quotes", 'apostrophes', 😀 and te reo: whānau.\n\nA **bold** claim & more.`;

const HOSTILE_BODY = [
  'The minister said <script>alert("stolen")</script> nothing.',
  '<img src="chart.png" onerror="alert(1)"> <svg onload="alert(2)"></svg>',
  '[Read more](javascript:alert(3)) and <a href="JAVASCRIPT:alert(4)">this</a>.',
  '<iframe src="https://evil.example/"></iframe>',
].join('\n\n');

function mustParse(text: string, key: string): StoredRelease {
  const parsed = parseRelease(text, key);
  if (!parsed.ok) throw new Error(`fixture ${key} does not parse: ${JSON.stringify(parsed.problem)}`);
  return stored(parsed.release, key);
}

function fixtures(): StoredRelease[] {
  const seed = mustParse(readFileSync(`seeds/${SEED_KEY}`, 'utf8'), SEED_KEY);
  const special = mustParse(
    [
      '---',
      `title: ${JSON.stringify(SPECIAL_TITLE)}`,
      'date: 2024-07-03',
      'url: https://www.example.test/release/fish-and-chips?x=1&y=2',
      'ministers: [Hon Tāmati Kōtare]',
      'portfolios: ["Food & Fibre"]',
      '---',
      '',
      SPECIAL_BODY,
      '',
    ].join('\n'),
    'fixtures/fish-and-chips.md',
  );
  const hostile = mustParse(
    `---\ntitle: Hostile markup\ndate: 2024-07-04\nportfolios: [Security]\n---\n\n${HOSTILE_BODY}\n`,
    'fixtures/hostile-markup.md',
  );
  return [seed, special, hostile];
}

interface TextResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function asText(result: APIGatewayProxyStructuredResultV2): TextResult {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  return { status: result.statusCode ?? 0, headers, body: result.body ?? '' };
}

let api: ApiHandler;
let releases: StoredRelease[];

async function getFeed(url: string, headers?: Record<string, string>): Promise<TextResult> {
  return asText(await api(httpEvent(url, headers ? { headers } : {})));
}

/** The release ids of a feed's entries, in document order. */
function entryIds(xml: string): string[] {
  return parseFeed(xml).items.map((item) => {
    expect(item.id?.startsWith(ENTRY_PREFIX), item.id ?? '').toBe(true);
    return decodeURIComponent((item.id ?? '').slice(ENTRY_PREFIX.length));
  });
}

function byId(id: string): StoredRelease {
  const found = releases.find((r) => r.id === id);
  if (!found) throw new Error(`no release ${id}`);
  return found;
}

function itemOf(xml: string, id: string) {
  const item = parseFeed(xml).items.find((candidate) => candidate.id === `${ENTRY_PREFIX}${id}`);
  if (!item) throw new Error(`no entry ${id}`);
  return item;
}

/** Text of a child element after XML decoding only (the parser's `content` also decodes HTML entities). */
function rawText(
  element: { findElementWithName(name: string): { textContent: string } | null },
  name: string,
) {
  return element.findElementWithName(name)?.textContent;
}

beforeAll(async () => {
  const services = await freshServices({ stream: false });
  releases = [
    ...storedCorpus({ seed: 21, count: 400, endDate: '2025-06-30', bodyBytes: { min: 200, max: 1500 } }),
    ...fixtures(),
  ];
  await seedReleases(services.doc, services.tableName, releases);
  api = makeHandler({
    doc: services.doc,
    tableName: services.tableName,
    textSearch: true,
    cursorSecret: 'query-feed-test-secret',
  });
}, 300_000);

describe('GET /releases.atom', () => {
  it('serves the seed release with every field an Atom reader needs', async () => {
    const seed = byId(SEED_ID);
    expect(seed.body).toContain('\u00a0');
    const result = await getFeed('/releases.atom?minister=christopher-luxon&portfolio=Prime%20Minister');
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('application/atom+xml; charset=utf-8');

    const feed = parseFeed(result.body);
    expect(feed.meta).toEqual({ type: 'atom', version: '1.0' });
    expect(feed.title).toBe('Releases by Christopher Luxon in Prime Minister');
    expect(rawText(feed.element, 'id')).toBe(
      'urn:releases:feed:minister=christopher-luxon;portfolio=prime-minister',
    );
    expect(feed.self).toBe(`${BASE}/releases.atom?minister=christopher-luxon&portfolio=Prime+Minister`);
    expect(feed.url).toBe(`${BASE}/releases?minister=christopher-luxon&portfolio=Prime+Minister&limit=50`);
    expect(feed.updated?.toISOString()).toBe(UPDATED_AT);

    const item = itemOf(result.body, SEED_ID);
    expect(item.title).toBe('Prime Minister heads to United States for NATO');
    expect(item.published?.toISOString()).toBe('2024-07-02T00:00:00.000Z');
    expect(item.updated?.toISOString()).toBe(UPDATED_AT);
    expect(item.authors).toEqual([{ name: 'Rt Hon Christopher Luxon', email: null, url: null }]);
    expect(item.categories).toEqual([{ term: 'prime-minister', label: 'Prime Minister', url: null }]);
    expect(item.description).toBe(seed.summary);
    expect(item.url).toBe(seed.url);

    const links = item.element.findElementsWithName('link').map((link) => ({
      rel: link.getAttribute('rel'),
      type: link.getAttribute('type'),
      href: link.getAttribute('href'),
    }));
    expect(links).toEqual([
      { rel: 'alternate', type: 'text/html', href: seed.url },
      { rel: 'alternate', type: 'application/json', href: `${BASE}/releases/${SEED_ID}` },
    ]);
    const content = item.element.findElementWithName('content');
    expect(content?.getAttribute('type')).toBe('html');
    // The body's no-break spaces and curly quotes reach the reader unchanged.
    expect(content?.textContent).toBe(renderMarkdown(seed.body));
    expect(content?.textContent).toContain('<p>Prime\u00a0Minister Christopher Luxon will visit');
    expect(content?.textContent).toContain('“The United States is the world’s largest economy');

    // The linked API resource is the same release.
    const resource = asJson(await api(httpEvent(`/releases/${SEED_ID}`)));
    expect(resource.status).toBe(200);
  });

  it('keeps &, <, quotes, emoji and macrons intact', async () => {
    const special = releases.find((r) => r.title === SPECIAL_TITLE) as StoredRelease;
    const result = await getFeed('/releases.atom?portfolio=food-fibre');
    const item = itemOf(result.body, special.id);
    expect(item.title).toBe(SPECIAL_TITLE);
    expect(item.description).toBe(special.summary);
    expect(item.description).toContain(`Fish & chips: 4 > 3 and 5 < 6, "quotes", 'apostrophes', 😀`);
    expect(item.authors.map((a) => a.name)).toEqual(['Hon Tāmati Kōtare']);
    expect(item.categories).toEqual([{ term: 'food-fibre', label: 'Food & Fibre', url: null }]);
    expect(item.url).toBe('https://www.example.test/release/fish-and-chips?x=1&y=2');
    const html = rawText(item.element, 'content') ?? '';
    expect(html).toContain(
      'Fish &amp; chips: 4 &gt; 3 and 5 &lt; 6, &quot;quotes&quot;, &#39;apostrophes&#39;',
    );
    expect(html).toContain('😀 and te reo: whānau.');
    expect(html).toContain('<strong>bold</strong> claim &amp; more.');
    expect(parseFeed(result.body).title).toBe('Releases in Food & Fibre');
  });

  it('never lets a script, an event handler or a javascript: link through', async () => {
    const hostile = releases.find((r) => r.title === 'Hostile markup') as StoredRelease;
    expect(hostile.body).toContain('<script>');
    const result = await getFeed('/releases.atom?portfolio=security&from=2024-07-04&to=2024-07-04');
    expect(entryIds(result.body)).toEqual([hostile.id]);
    const item = itemOf(result.body, hostile.id);
    for (const html of [rawText(item.element, 'content') ?? '', item.content ?? '']) {
      expect(html).toContain('The minister said');
      expect(html).not.toMatch(/<\s*script/i);
      expect(html).not.toMatch(/\bon[a-z]+\s*=/i);
      expect(html).not.toMatch(/javascript:/i);
      expect(html).not.toMatch(/<\s*(iframe|svg)/i);
    }
    expect(result.body).not.toMatch(/javascript:/i);
  });

  it('holds exactly the ids, in the same order, of the JSON first page of the same query', async () => {
    const [minister] = entitySummaries(releases, 'minister').sort((a, b) => b.count - a.count);
    const [portfolio] = entitySummaries(releases, 'portfolio').sort((a, b) => b.count - a.count);
    const pair = releases.find((r) => r.ministers.length > 0 && r.portfolios.length > 0) as StoredRelease;
    const queries = [
      '',
      `minister=${minister?.slug}`,
      `minister=${encodeURIComponent(minister?.name ?? '')}&limit=7`,
      `portfolio=${encodeURIComponent(portfolio?.name ?? '')}&limit=100`,
      `minister=${pair.ministers[0]?.slug}&portfolio=${pair.portfolios[0]?.slug}`,
      'from=2010-01-01&to=2015-12-31&limit=100',
      'q=whanau&limit=30',
      'minister=nobody-at-all',
    ];
    let nonEmpty = 0;
    for (const query of queries) {
      const json = releasePageSchema.parse(
        asJson(await api(httpEvent(`/releases?${query}${/limit=/.test(query) ? '' : '&limit=50'}`))).json,
      );
      const feed = await getFeed(`/releases.atom?${query}`);
      expect(feed.status, query).toBe(200);
      expect(entryIds(feed.body), query).toEqual(json.items.map((item) => item.id));
      if (json.items.length > 1) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThanOrEqual(6);
    expect(entryIds((await getFeed('/releases.atom')).body)).toHaveLength(50);
  });

  it('answers an empty query with a valid feed dated at the epoch', async () => {
    const result = await getFeed('/releases.atom?minister=nobody-at-all');
    const feed = parseFeed(result.body);
    expect(feed.items).toEqual([]);
    expect(feed.updated?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(feed.title).toBe('Releases by nobody-at-all');
  });

  it('carries ETag, Cache-Control and CORS, and answers If-None-Match with 304', async () => {
    const first = await getFeed('/releases.atom?limit=5');
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['cache-control']).toBe('public, max-age=60');
    expect(first.headers['access-control-allow-origin']).toBe('*');
    const again = await getFeed('/releases.atom?limit=5', { 'if-none-match': first.headers.etag ?? '' });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect((await getFeed('/releases.atom?limit=5', { 'if-none-match': '"stale"' })).status).toBe(200);
    const head = asText(await api(httpEvent('/releases.atom?limit=5', { method: 'HEAD' })));
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers.etag).toBe(first.headers.etag);
  });

  it.each([
    ['/releases.atom?foo=1', 'foo'],
    ['/releases.atom?limit=0', 'limit'],
    ['/releases.atom?limit=101', 'limit'],
    ['/releases.atom?from=2024-02-30', 'from'],
    ['/releases.atom?from=2024-03-01&to=2024-02-01', 'from'],
    ['/releases.atom?minister=%21%21', 'minister'],
    ['/releases.atom?q=', 'q'],
    ['/releases.atom?cursor=abc', 'cursor'],
    ['/releases.atom?minister=a&minister=b', 'minister'],
  ])('%s is a 400 problem naming %s', async (url, parameter) => {
    const result = asJson(await api(httpEvent(url)));
    expect(result.status).toBe(400);
    expect(result.headers['content-type']).toContain('application/problem+json');
    expect(result.headers['access-control-allow-origin']).toBe('*');
    const problem = problemDetailsSchema.parse(result.json);
    expect(problem).toMatchObject({ status: 400, parameter });
    expect(problem.detail).toContain(parameter);
  });

  it('is its own route in the local stack too, with links to the local origin', async () => {
    const { function: fn, event } = toApiGatewayEvent(
      {
        method: 'GET',
        url: '/releases.atom?minister=christopher-luxon',
        rawHeaders: ['Host', '127.0.0.1:3000'],
        httpVersion: '1.1',
        sourceIp: '127.0.0.1',
      },
      new Date(Date.UTC(2025, 6, 1)),
      'req-feed',
    );
    expect(fn).toBe('api');
    expect(event.routeKey).toBe('GET /releases.atom');
    const response = fromApiGatewayResult(await api(event));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const feed = parseFeed(response.body.toString('utf8'));
    expect(feed.self).toBe('http://127.0.0.1:3000/releases.atom?minister=christopher-luxon');
    expect(entryIds(response.body.toString('utf8'))).toContain(SEED_ID);
  });
});
