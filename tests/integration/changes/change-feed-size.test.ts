/**
 * `GET /changes` over large releases, end to end (real ingest and projector on DynamoDB Local): a
 * page reads the bodies of the releases it serves and no more, decided from the sizes change items
 * record; items logged before sizes were recorded are still served, with a bounded read; a release
 * over the page's limit is served alone on its page, compressed when it must be.
 */
import { gunzipSync } from 'node:zlib';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_DAYS_PARTITION, type ChangeItem, changePartition } from '#changes/change-log.js';
import type { ApiHandler } from '#handlers/api.js';
import { CHANGES_MAX_BYTES, CHANGES_MAX_UNKNOWN_SIZES } from '#query/query-changes.js';
import { changePageSchema, releasePageSchema, releaseSchema } from '#query/query-schemas.js';
import type { StoredRelease } from '#release/release.js';
import { localDynamoDbClient } from '../../../scripts/local/dynamodb-local.js';
import { ingestHarness, queryAll, releaseFile } from '../../support/ingest-harness.js';
import { documentClient, freshServices, type TestServices } from '../../support/services.js';
import { asJson, httpEvent } from '../query/query-events.js';

process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const { makeHandler } = await import('#handlers/api.js');

const LAG = 2_500;
const LARGE = 12;
/** ~600 KB of UTF-8 with characters JSON escapes: each body is stored in chunks. */
const largeBody = (i: number) => `Release ${i}: ${'Größe "zählt" \\ mehr. '.repeat(25_000)}`;

type Change = ReturnType<typeof changePageSchema.parse>['items'][number];

let services: TestServices;
let harness: ReturnType<typeof ingestHarness>;
let api: ApiHandler;
/** What the API function reads from DynamoDB: requests and bytes of the items returned. */
const reads = { requests: 0, bytes: 0 };

/** Bytes of an item as returned (strings as UTF-8, binary as is). */
function sizeOf(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + sizeOf(v), 0);
  if (value && typeof value === 'object')
    return Object.entries(value).reduce((sum, [k, v]) => sum + k.length + sizeOf(v), 0);
  return 8;
}

type Next = (args: unknown) => Promise<{ output: unknown }>;
const countReads = (next: Next) => async (args: unknown) => {
  const result = await next(args);
  const output = result.output as { Items?: unknown[]; Responses?: Record<string, unknown[]> };
  reads.requests += 1;
  reads.bytes += sizeOf(output.Items ?? []) + sizeOf(Object.values(output.Responses ?? {}));
  return result;
};

beforeAll(async () => {
  services = await freshServices();
  harness = ingestHarness(services);
  // The API reads through its own client, so only its reads are counted.
  const dynamo = localDynamoDbClient(services.dynamoEndpoint);
  dynamo.middlewareStack.add(countReads as never, { step: 'initialize', name: 'countReads' });
  api = makeHandler({
    doc: documentClient(dynamo),
    tableName: services.tableName,
    textSearch: true,
    cursorSecret: 'change-feed-size-secret',
    changeLagMillis: LAG,
  });
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function caughtUp(): Promise<void> {
  await harness.settled();
  await sleep(LAG + 100);
}

async function get(path: string, headers: Record<string, string> = {}) {
  const result = await api(httpEvent(path, { headers }));
  if (result.isBase64Encoded) {
    const json = JSON.parse(gunzipSync(Buffer.from(result.body ?? '', 'base64')).toString('utf8'));
    return { status: result.statusCode ?? 0, json };
  }
  return asJson(result);
}

interface PageRead {
  items: Change[];
  requests: number;
  bytes: number;
}

/** Follows the feed from the start, page by page, with what each page read. */
async function drain(): Promise<PageRead[]> {
  const pages: PageRead[] = [];
  let token: string | undefined;
  for (;;) {
    const before = { ...reads };
    const result = await get(`/changes${token ? `?after=${encodeURIComponent(token)}` : ''}`, {
      'accept-encoding': 'gzip',
    });
    expect(result.status, JSON.stringify(result.json).slice(0, 300)).toBe(200);
    const page = changePageSchema.parse(result.json);
    token = page.nextToken;
    if (page.items.length === 0) return pages;
    pages.push({
      items: page.items,
      requests: reads.requests - before.requests,
      bytes: reads.bytes - before.bytes,
    });
  }
}

async function changeItems(): Promise<ChangeItem[]> {
  const days = await queryAll<{ sk: string }>(services, CHANGE_DAYS_PARTITION);
  const items: ChangeItem[] = [];
  for (const day of days) items.push(...(await queryAll<ChangeItem>(services, changePartition(day.sk))));
  return items;
}

/** Every release as `/releases/{id}` serves it. */
async function served(): Promise<Map<string, StoredRelease>> {
  const all = new Map<string, StoredRelease>();
  const page = releasePageSchema.parse((await get('/releases?limit=100')).json);
  for (const summary of page.items) {
    const one = await get(`/releases/${summary.id}`, { 'accept-encoding': 'gzip' });
    all.set(summary.id, releaseSchema.parse(one.json));
  }
  return all;
}

function mirrorOf(pages: readonly PageRead[]): Map<string, StoredRelease> {
  const mirror = new Map<string, StoredRelease>();
  for (const change of pages.flatMap((p) => p.items)) {
    if (change.type === 'delete') mirror.delete(change.id);
    else if (change.release) mirror.set(change.id, change.release);
  }
  return mirror;
}

const releaseBytes = (release: StoredRelease | undefined) =>
  Buffer.byteLength(JSON.stringify(release), 'utf8');

function report(label: string, pages: readonly PageRead[]): void {
  const lines = pages.map(
    (p, i) =>
      `  page ${i + 1}: ${p.items.length} items, ${p.items.reduce((s, c) => s + releaseBytes(c.release), 0)} bytes served, ` +
      `${p.bytes} bytes read in ${p.requests} requests`,
  );
  console.log(`${label}\n${lines.join('\n')}`);
}

describe('GET /changes over large releases', () => {
  let expected: Map<string, StoredRelease>;

  it('records each upsert size, and a page reads no more bodies than it serves', async () => {
    for (let i = 0; i < LARGE; i++) {
      await harness.put(
        `large/release-${i}.md`,
        releaseFile({ title: `Large ${i}`, date: '2024-03-01', body: largeBody(i) }),
      );
    }
    await caughtUp();
    expected = await served();
    expect(expected.size).toBe(LARGE);
    // The recorded size is the served JSON's, exactly.
    for (const item of await changeItems()) {
      expect(item.bytes, item.id).toBe(releaseBytes(expected.get(item.id)));
    }

    const pages = await drain();
    report('recorded sizes', pages);
    expect(mirrorOf(pages)).toEqual(expected);
    expect(
      pages
        .flatMap((p) => p.items)
        .map((c) => c.id)
        .sort(),
    ).toEqual([...expected.keys()].sort());
    for (const page of pages) {
      const servedBytes = page.items.reduce((s, c) => s + releaseBytes(c.release), 0);
      expect(servedBytes).toBeLessThanOrEqual(CHANGES_MAX_BYTES);
      // What it reads beyond the bodies it serves: change items, day list, release item keys.
      expect(page.bytes).toBeLessThanOrEqual(servedBytes * 1.01 + 20_000);
    }
  }, 300_000);

  it('serves change items without a recorded size, reading one at a time and at most one body it does not serve', async () => {
    for (const item of await changeItems()) {
      await services.doc.send(
        new UpdateCommand({
          TableName: services.tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'REMOVE #bytes',
          ExpressionAttributeNames: { '#bytes': 'bytes' },
        }),
      );
    }
    expect((await changeItems()).every((item) => item.bytes === undefined)).toBe(true);
    const pages = await drain();
    report('no recorded sizes', pages);
    expect(mirrorOf(pages)).toEqual(expected);
    const largest = Math.max(...[...expected.values()].map(releaseBytes));
    for (const page of pages) {
      expect(page.items.length).toBeLessThanOrEqual(CHANGES_MAX_UNKNOWN_SIZES);
      expect(page.bytes).toBeLessThanOrEqual(CHANGES_MAX_BYTES + largest + 20_000);
    }
  }, 300_000);

  it('serves a release over the page limit alone on its page, compressed when it must be', async () => {
    // 5 MiB of quotes: over the page limit, and over Lambda's response limit unless compressed.
    const head = '---\ntitle: Quotes\ndate: 2024-03-02\n---\n';
    const body = '"'.repeat(5 * 1024 * 1024 - head.length);
    await harness.put('large/quotes.md', head + body);
    await harness.put('large/after.md', releaseFile({ title: 'After', date: '2024-03-03' }));
    await caughtUp();
    const pages = await drain();
    report('with a 5 MiB release', pages);
    const alone = pages.find((p) => p.items.some((c) => c.id === 'quotes'));
    expect(alone?.items.map((c) => c.id)).toEqual(['quotes']);
    expect(alone?.items[0]?.release?.body).toBe(body);
    expect(mirrorOf(pages)).toEqual(await served());
    // Without gzip the page cannot be sent, as /releases/quotes cannot: 406 asks for it.
    const position = pages.indexOf(alone as PageRead);
    const previous = pages[position - 1]?.items.at(-1)?.token;
    const plain = await get(`/changes${previous ? `?after=${encodeURIComponent(previous)}` : ''}`);
    expect(plain.status).toBe(406);
    expect((await get('/releases/quotes')).status).toBe(406);
  }, 300_000);
});
