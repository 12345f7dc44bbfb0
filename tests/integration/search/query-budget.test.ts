/**
 * The `q` budget against DynamoDB Local: whatever `q` is, one request makes at most
 * DEFAULT_TEXT_BUDGET.maxRequests DynamoDB requests and consumes at most maxReadUnits read units
 * (as DynamoDB reports them); a page the budget cut short says `partial` and its cursor moves on;
 * paging through such pages still gives the whole answer. The corpus holds the costly shapes:
 * prefixes of 30 to 45 words, two prefixes whose words are spread thin, words over 64 characters.
 */
import { createHmac } from 'node:crypto';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiHandler } from '#handlers/api.js';
import { DEFAULT_TEXT_BUDGET } from '#query/query-releases.js';
import { releasePageSchema } from '#query/query-schemas.js';
import type { StoredRelease } from '#release/release.js';
import { searchItemsForBulk } from '#search/bulk-index.js';
import type { StopList } from '#search/keys.js';
import type { PrefixProgress } from '#search/prefix-progress.js';
import { matchesText, parseSearchQuery } from '#search/query.js';
import { DocumentFrequency } from '#search/stop-list.js';
import { listSortKey } from '#table/table-layout.js';
import { localDynamoDbClient } from '../../../scripts/local/dynamodb-local.js';
import { asFunction, recordAwsCalls } from '../../support/aws-calls.js';
import { seedReleases, storedCorpus, writeItems } from '../../support/corpus-seed.js';
import { freshServices, type TestServices } from '../../support/services.js';
import { asJson, httpEvent } from '../query/query-events.js';

process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const makeHandler = asFunction('api', (await import('#handlers/api.js')).makeHandler);

const { maxReadUnits, maxRequests } = DEFAULT_TEXT_BUDGET;

/** Deterministic pseudo-random numbers (mulberry32), for the corpus. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** `count` words of `stem` and two more letters. */
function family(stem: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${stem}${LETTERS[Math.floor(i / 26)]}${LETTERS[i % 26]}`);
}

/** 20 prefixes of 30 to 39 words each. */
const STEMS = Array.from({ length: 20 }, (_, i) => `zq${LETTERS[i]}`);
const FAMILIES = STEMS.map((stem, i) => family(stem, 30 + (i % 10)));
/** Two prefixes of 20 words each (the corpus adds a few words of its own). */
const THIT = family('thit', 20);
const TAM = family('tam', 20);
/** More words than a prefix may expand to (MAX_PREFIX_WORDS), five of them `accel…`. */
const ACCE = [...family('acce', 42), ...family('accel', 5)];
const LONG_WORD = `${'x'.repeat(60)}lorem`;
const LONGER_WORD = `${'x'.repeat(60)}loremipsum`;

/** The costly shapes, by name. */
const SHAPES: Record<string, string> = {
  'acce* -accel*': 'acce* -accel*',
  '65-character word': LONG_WORD,
  '20 prefixes': STEMS.map((stem) => `${stem}*`).join(' '),
  '20-word phrase': `"${Array.from({ length: 20 }, (_, i) => FAMILIES[i]?.[0]).join(' ')}"`,
  'thit* tam*': 'thit* tam*',
  'rare word': FAMILIES[3]?.[4] ?? '',
  'stop words': 'the and',
};

const SECRET = 'query-budget-test';

let services: TestServices;
let releases: StoredRelease[];
let stop: StopList;

beforeAll(async () => {
  services = await freshServices({ stream: false });
  const next = random(17);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  releases = storedCorpus({
    seed: 31,
    count: 250,
    endDate: '2025-06-30',
    bodyBytes: { min: 300, max: 1200 },
  }).map((release, i) => {
    const extra = [
      ...Array.from({ length: 6 }, () => pick(pick(FAMILIES))),
      ...(next() < 0.15 ? [pick(THIT)] : []),
      ...(next() < 0.15 ? [pick(TAM)] : []),
      ...(next() < 0.3 ? [pick(ACCE)] : []),
      ...(i % 97 === 0 ? [LONG_WORD] : []),
      ...(i % 89 === 0 ? [LONGER_WORD] : []),
    ];
    return { ...release, body: `${release.body}\n\n${extra.join(' ')}.\n` };
  });
  const documents = new DocumentFrequency();
  for (const release of releases) documents.add(release);
  stop = documents.stopList();
  await seedReleases(services.doc, services.tableName, releases, { stopList: stop });
  await writeItems(services.doc, services.tableName, searchItemsForBulk(releases, { stopList: stop }));
}, 300_000);

interface Cost {
  requests: number;
  units: number;
}

/** A handler whose every DynamoDB request, and the read units it consumed, are counted into `cost`. */
function measuredHandler(cost: Cost): ApiHandler {
  const doc = DynamoDBDocumentClient.from(recordAwsCalls(localDynamoDbClient(services.dynamoEndpoint)));
  doc.middlewareStack.add(
    (next) => async (args) => {
      cost.requests += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return makeHandler({
    doc,
    tableName: services.tableName,
    textSearch: true,
    cursorSecret: SECRET,
    onConsumedCapacity: (capacity: ConsumedCapacity) => {
      cost.units += capacity.CapacityUnits ?? 0;
    },
  });
}

interface Page {
  status: number;
  ids: string[];
  nextCursor: string | null;
  partial: boolean;
  cost: Cost;
}

async function page(
  handler: ApiHandler,
  cost: Cost,
  q: string,
  limit: number,
  cursor?: string | null,
): Promise<Page> {
  cost.requests = 0;
  cost.units = 0;
  const params = new URLSearchParams({ q, limit: String(limit) });
  if (cursor) params.set('cursor', cursor);
  const result = asJson(await handler(httpEvent(`/releases?${params.toString()}`)));
  if (result.status !== 200)
    return { status: result.status, ids: [], nextCursor: null, partial: false, cost: { ...cost } };
  const body = releasePageSchema.parse(result.json);
  return {
    status: 200,
    ids: body.items.map((item) => item.id),
    nextCursor: body.nextCursor,
    partial: body.partial === true,
    cost: { ...cost },
  };
}

interface Payload {
  f: string;
  a: string;
  p?: Record<string, PrefixProgress>;
}

/** A cursor's payload (readable: signed, not encrypted). */
function payloadOf(cursor: string): Payload {
  return JSON.parse(Buffer.from(cursor.split('.')[0] ?? '', 'base64url').toString('utf8')) as Payload;
}

/** The position a cursor continues after. */
function positionOf(cursor: string): string {
  return payloadOf(cursor).a;
}

function expectedIds(q: string): string[] {
  const query = parseSearchQuery(q);
  return releases
    .filter((r) => matchesText(query, r.title, r.body))
    .map((r) => ({ id: r.id, sk: listSortKey(r.date, r.id) }))
    .sort((a, b) => (a.sk < b.sk ? 1 : -1))
    .map((r) => r.id);
}

/**
 * Every page of `q`: each within the budget, each partial one's cursor further on. `rewrite`
 * changes each cursor before it is passed on.
 */
async function walkAll(
  q: string,
  limit: number,
  rewrite: (cursor: string) => string = (cursor) => cursor,
): Promise<{ ids: string[]; pages: Page[] }> {
  const cost: Cost = { requests: 0, units: 0 };
  const handler = measuredHandler(cost);
  const pages: Page[] = [];
  let cursor: string | null = null;
  let position: string | undefined;
  do {
    const current = await page(handler, cost, q, limit, cursor);
    expect(current.status, q).toBe(200);
    expect(current.cost.requests, q).toBeLessThanOrEqual(maxRequests);
    expect(current.cost.units, q).toBeLessThanOrEqual(maxReadUnits);
    if (current.partial) expect(current.nextCursor, q).not.toBeNull();
    if (current.nextCursor) {
      const next = positionOf(current.nextCursor);
      if (position !== undefined) expect(next < position, `${q}: ${next} after ${position}`).toBe(true);
      position = next;
    }
    pages.push(current);
    cursor = current.nextCursor && rewrite(current.nextCursor);
    expect(pages.length, q).toBeLessThan(400);
  } while (cursor);
  return { ids: pages.flatMap((p) => p.ids), pages };
}

describe('the q budget', () => {
  it('bounds each costly shape, and its pages still give the whole answer', async () => {
    const figures: Record<string, unknown> = {};
    for (const [name, q] of Object.entries(SHAPES)) {
      const limit = name === 'thit* tam*' ? 1 : 20;
      const { ids, pages } = await walkAll(q, limit);
      expect(ids, name).toEqual(expectedIds(q));
      const first = pages[0] as Page;
      figures[name] = {
        firstPage: first.cost,
        mostUnits: Math.max(...pages.map((p) => p.cost.units)),
        mostRequests: Math.max(...pages.map((p) => p.cost.requests)),
        pages: pages.length,
        partialPages: pages.filter((p) => p.partial).length,
        totalRequests: pages.reduce((n, p) => n + p.cost.requests, 0),
        totalUnits: Math.round(pages.reduce((n, p) => n + p.cost.units, 0) * 10) / 10,
        results: ids.length,
      };
    }
    // Shown in the test output so the figures can be quoted.
    process.stdout.write(`${JSON.stringify(figures, null, 1)}\n`);
    expect(expectedIds('thit* tam*').length).toBeGreaterThan(5);
  }, 120_000);

  it('bounds /facets with q by the same budget, over all the pages it counts', async () => {
    const cost: Cost = { requests: 0, units: 0 };
    const handler = measuredHandler(cost);
    const figures: Record<string, unknown> = {};
    for (const [name, q] of Object.entries(SHAPES)) {
      cost.requests = 0;
      cost.units = 0;
      const result = asJson(await handler(httpEvent(`/facets?${new URLSearchParams({ q }).toString()}`)));
      expect(result.status, name).toBe(200);
      const body = result.json as { total: number; exact: boolean; bound?: number };
      figures[name] = { ...cost, total: body.total, exact: body.exact };
      expect(cost.requests, name).toBeLessThanOrEqual(maxRequests);
      expect(cost.units, name).toBeLessThanOrEqual(maxReadUnits);
      const expected = expectedIds(q).length;
      if (body.exact) expect(body.total, name).toBe(expected);
      else {
        expect(body.bound, name).toBe(body.total);
        expect(body.total, name).toBeLessThanOrEqual(expected);
      }
    }
    process.stdout.write(`facets ${JSON.stringify(figures)}\n`);
  }, 120_000);

  it('holds for any q: at most maxRequests requests and maxReadUnits read units, partial pages move on', async () => {
    const cost: Cost = { requests: 0, units: 0 };
    const handler = measuredHandler(cost);
    const word = fc.constantFrom(
      ...FAMILIES.flat().filter((_, i) => i % 7 === 0),
      ...THIT.slice(0, 5),
      ...TAM.slice(0, 5),
      ...ACCE.slice(0, 5),
      'the',
      'and',
      'of',
      'minister',
      'government',
      LONG_WORD,
      LONGER_WORD,
    );
    const prefix = fc
      .constantFrom(...STEMS, 'thit', 'tam', 'acce', 'accel', 'gov', 'the', 'min', 'xxx')
      .map((p) => `${p}*`);
    const part = fc.oneof(
      word,
      prefix,
      word.map((w) => `-${w}`),
      prefix.map((p) => `-${p}`),
      fc.array(word, { minLength: 2, maxLength: 6 }).map((ws) => `"${ws.join(' ')}"`),
      fc.array(word, { minLength: 2, maxLength: 4 }).map((ws) => `-"${ws.join(' ')}"`),
      fc.string({ minLength: 1, maxLength: 12 }),
    );
    const q = fc.array(part, { minLength: 1, maxLength: 14 }).map((parts) => parts.join(' ').slice(0, 300));
    await fc.assert(
      fc.asyncProperty(q, fc.integer({ min: 1, max: 100 }), async (text, limit) => {
        let valid = true;
        try {
          parseSearchQuery(text);
        } catch {
          valid = false;
        }
        const first = await page(handler, cost, text, limit);
        expect(first.status).toBe(valid ? 200 : 400);
        expect(first.cost.requests).toBeLessThanOrEqual(maxRequests);
        expect(first.cost.units).toBeLessThanOrEqual(maxReadUnits);
        if (!first.partial) return;
        expect(first.nextCursor).not.toBeNull();
        const second = await page(handler, cost, text, limit, first.nextCursor);
        expect(second.status).toBe(200);
        expect(second.cost.requests).toBeLessThanOrEqual(maxRequests);
        expect(second.cost.units).toBeLessThanOrEqual(maxReadUnits);
        if (second.nextCursor)
          expect(positionOf(second.nextCursor) < positionOf(first.nextCursor as string)).toBe(true);
      }),
      { numRuns: 60, seed: 20261205 },
    );
  }, 120_000);
});

/** The same cursor without its prefix progress: a version 2 cursor, signed as the API signs. */
function withoutProgress(cursor: string): string {
  const { f, a } = payloadOf(cursor);
  const payload = Buffer.from(JSON.stringify({ v: 2, f, a, t: Math.floor(Date.now() / 1000) })).toString(
    'base64url',
  );
  return `${payload}.${createHmac('sha256', SECRET).update(payload).digest().subarray(0, 16).toString('base64url')}`;
}

function totals(pages: readonly Page[]): Cost & { pages: number } {
  return {
    pages: pages.length,
    requests: pages.reduce((n, p) => n + p.cost.requests, 0),
    units: Math.round(pages.reduce((n, p) => n + p.cost.units, 0) * 10) / 10,
  };
}

describe('the prefix walk carried in the cursor', () => {
  it('gives the same ids page by page at limit 1 as at limit 50 and as without progress, for fewer requests', async () => {
    const figures: Record<string, unknown> = {};
    for (const q of ['thit* tam*', 'thit*', 'tam* -thit*', 'acce*', 'zqc* zqd*']) {
      const carried = await walkAll(q, 1);
      const bare = await walkAll(q, 1, withoutProgress);
      const large = await walkAll(q, 50);
      expect(carried.ids, q).toEqual(expectedIds(q));
      expect(bare.ids, q).toEqual(carried.ids);
      expect(large.ids, q).toEqual(carried.ids);
      const withProgress = totals(carried.pages);
      const without = totals(bare.pages);
      figures[q] = { results: carried.ids.length, withProgress, without, limit50: totals(large.pages) };
      expect(withProgress.requests, q).toBeLessThanOrEqual(without.requests);
      // The cursors of a walk with progress carry it, and stay within the cap.
      for (const page of carried.pages) {
        if (page.nextCursor) expect(page.nextCursor.length).toBeLessThanOrEqual(2048);
      }
    }
    process.stdout.write(`prefix progress ${JSON.stringify(figures, null, 1)}\n`);
    const main = figures['thit* tam*'] as { withProgress: Cost; without: Cost };
    expect(main.withProgress.requests).toBeLessThan(main.without.requests * 0.9);
  }, 300_000);

  it('finds a release indexed after the cursor was issued, dated before its position, under a new word of the prefix', async () => {
    const cost: Cost = { requests: 0, units: 0 };
    const handler = measuredHandler(cost);
    const q = 'thit*';
    const ids: string[] = [];
    let cursor: string | null = null;
    // Walk until the progress skips a word of the prefix: then a word added up to its position
    // would be skipped too if the progress did not notice the vocabulary had changed.
    for (let i = 0; i < 100; i += 1) {
      const current = await page(handler, cost, q, 1, cursor);
      ids.push(...current.ids);
      cursor = current.nextCursor;
      const thit = cursor ? payloadOf(cursor).p?.thit : undefined;
      if (!cursor || (thit && thit.s > 'thitaaa' && !thit.w.includes('thitaa'))) break;
    }
    expect(cursor).not.toBeNull();
    const position = positionOf(cursor as string);
    const oldest = releases.map((r) => r.date).sort()[0] as string;
    expect(oldest < position).toBe(true);
    const late: StoredRelease = {
      ...(releases[0] as StoredRelease),
      id: 'zz-late-release',
      date: oldest,
      title: 'Zzlate',
      body: 'thitaaa',
    };
    await seedReleases(services.doc, services.tableName, [late], { stopList: stop, entities: false });
    await writeItems(services.doc, services.tableName, searchItemsForBulk([late], { stopList: stop }));
    releases.push(late);
    do {
      const current = await page(handler, cost, q, 1, cursor);
      expect(current.status).toBe(200);
      ids.push(...current.ids);
      cursor = current.nextCursor;
    } while (cursor);
    expect(ids).toContain(late.id);
    expect(ids).toEqual(expectedIds(q));
  }, 300_000);
});
