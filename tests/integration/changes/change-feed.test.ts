/**
 * `GET /changes` end to end: files uploaded to s3rver, ingested by the real ingest handler, logged
 * by the real projector on DynamoDB Local's stream, read through the API handler. A consumer that
 * follows the feed must end up holding exactly what `/releases` serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHandler } from '#handlers/api.js';
import {
  changePageSchema,
  problemDetailsSchema,
  releasePageSchema,
  releaseSchema,
} from '#query/query-schemas.js';
import type { StoredRelease } from '#release/release.js';
import { asFunction } from '../../support/aws-calls.js';
import { ingestHarness, releaseFile } from '../../support/ingest-harness.js';
import { freshServices, type TestServices } from '../../support/services.js';
import { asJson, httpEvent } from '../query/query-events.js';

process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const makeHandler = asFunction('api', (await import('#handlers/api.js')).makeHandler);

const SECRET = 'change-feed-test-secret';
/** The read lag of these tests: above the projector's write bound (2 s), small enough to wait for. */
const LAG = 2_500;
const DAY = 24 * 3600 * 1000;

type Harness = ReturnType<typeof ingestHarness>;
type Change = ReturnType<typeof changePageSchema.parse>['items'][number];

let services: TestServices;
let harness: Harness;
let api: ApiHandler;

beforeAll(async () => {
  services = await freshServices();
  harness = ingestHarness(services);
  api = makeHandler({
    doc: services.doc,
    tableName: services.tableName,
    textSearch: true,
    cursorSecret: SECRET,
    changeLagMillis: LAG,
  });
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function get(handler: ApiHandler, path: string) {
  return asJson(await handler(httpEvent(path)));
}

async function changesPage(after: string | undefined, limit?: number) {
  const query = new URLSearchParams();
  if (after !== undefined) query.set('after', after);
  if (limit !== undefined) query.set('limit', String(limit));
  const result = await get(api, `/changes${query.size > 0 ? `?${query}` : ''}`);
  expect(result.status, JSON.stringify(result.json)).toBe(200);
  return changePageSchema.parse(result.json);
}

/** Waits until every change so far is projected and the watermark has passed it. */
async function caughtUp(): Promise<void> {
  await harness.settled();
  await sleep(LAG + 100);
}

/** Follows the feed from `after` until a page comes back empty. */
async function drain(
  after: string | undefined,
  limit?: number,
): Promise<{ changes: Change[]; token: string }> {
  const changes: Change[] = [];
  let token = after;
  for (;;) {
    const page = await changesPage(token, limit);
    token = page.nextToken;
    if (page.items.length === 0) return { changes, token };
    changes.push(...page.items);
  }
}

/** What a mirror does with a change. */
function applyTo(mirror: Map<string, StoredRelease>, change: Change): void {
  if (change.type === 'delete') mirror.delete(change.id);
  else if (change.release) mirror.set(change.id, change.release);
  else throw new Error(`upsert of ${change.id} without a release`);
}

/** Every release as the API serves it: ids from /releases, each from /releases/{id}. */
async function served(): Promise<Map<string, StoredRelease>> {
  const all = new Map<string, StoredRelease>();
  let cursor: string | null = null;
  do {
    const page = releasePageSchema.parse(
      (await get(api, `/releases?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json,
    );
    for (const summary of page.items) {
      const one = await get(api, `/releases/${summary.id}`);
      expect(one.status).toBe(200);
      all.set(summary.id, releaseSchema.parse(one.json));
    }
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

function sorted(map: Map<string, StoredRelease>): StoredRelease[] {
  return [...map.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

describe('GET /changes', () => {
  let saved: string;

  it('from nothing, gives every release as an upsert, as /releases/{id} serves it', async () => {
    for (let i = 0; i < 12; i++) {
      await harness.put(
        `start/release-${i}.md`,
        releaseFile({
          title: `Release ${i}`,
          date: `2024-02-${String(i + 1).padStart(2, '0')}`,
          ministers: [`Hon Minister ${i % 3}`],
          body: `Body of release ${i}.`,
        }),
      );
    }
    await caughtUp();
    const first = await get(api, '/changes?limit=5');
    expect(first.headers['cache-control']).toBe('public, max-age=5');
    expect(first.headers.etag).toBeTruthy();
    const { changes, token } = await drain(undefined, 5);
    saved = token;
    expect(changes.every((c) => c.type === 'upsert')).toBe(true);
    const mirror = new Map<string, StoredRelease>();
    for (const change of changes) applyTo(mirror, change);
    expect(new Set(changes.map((c) => c.id)).size).toBe(changes.length);
    expect(sorted(mirror)).toEqual(sorted(await served()));
    expect(mirror.size).toBe(12);
    // Tokens of items resume right after them.
    const third = changes[2];
    if (!third) throw new Error('expected changes');
    const rest = await drain(third.token);
    expect(rest.changes.map((c) => c.id)).toEqual(changes.slice(3).map((c) => c.id));
  });

  it('from a saved token, gives exactly the later edits, deletions, moves and re-uploads', async () => {
    const before = await drain(saved);
    expect(before.changes).toEqual([]);
    // An edit, a deletion, a move to another key (another id), a deletion then a re-upload.
    await harness.put(
      'start/release-0.md',
      releaseFile({ title: 'Release 0, corrected', date: '2024-02-01', body: 'Corrected.' }),
    );
    await harness.handler(await harness.remove('start/release-1.md'));
    await harness.put(
      'moved/release-2-moved.md',
      releaseFile({
        title: 'Release 2',
        date: '2024-02-03',
        ministers: ['Hon Minister 2'],
        body: 'Body of release 2.',
      }),
    );
    await harness.handler(await harness.remove('start/release-2.md'));
    await harness.handler(await harness.remove('start/release-3.md'));
    await harness.put('start/release-3.md', releaseFile({ title: 'Release 3 again', date: '2024-02-04' }));
    await caughtUp();

    const { changes } = await drain(saved, 2);
    const byId = new Map(changes.map((c) => [c.id, c]));
    expect(byId.size, 'each release once: its latest change').toBe(changes.length);
    expect([...byId].map(([id, c]) => `${c.type} ${id}`).sort()).toEqual(
      [
        'upsert release-0',
        'delete release-1',
        'delete release-2',
        'upsert release-2-moved',
        'upsert release-3',
      ].sort(),
    );
    expect(byId.get('release-0')?.release?.title).toBe('Release 0, corrected');
    expect(byId.get('release-3')?.release?.title).toBe('Release 3 again');
    expect(byId.get('release-2-moved')?.release?.source.key).toBe('moved/release-2-moved.md');
    // No order between release-2's delete and release-2-moved's upsert is promised: they are
    // different items, and DynamoDB orders stream records per item only. Each id comes once, so a
    // mirror ends the same in any order.

    // Starting over now: every release that exists, and the deletions still kept.
    const fresh = await drain(undefined);
    const mirror = new Map<string, StoredRelease>();
    for (const change of fresh.changes) applyTo(mirror, change);
    expect(sorted(mirror)).toEqual(sorted(await served()));
    expect(
      fresh.changes
        .filter((c) => c.type === 'delete')
        .map((c) => c.id)
        .sort(),
    ).toEqual(['release-1', 'release-2']);
  });

  it('a mirror following the feed while uploads, edits, deletions and moves run holds what /releases serves, from any saved token', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `mirror/item-${i}.md`);
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const file = (n: number, title: string) =>
      releaseFile({
        title,
        date: `2023-0${1 + (n % 9)}-1${n % 10}`,
        ministers: [`Hon Mirror ${n % 4}`],
        portfolios: n % 2 ? ['Mirrors'] : [],
        body: `Version ${title}.`,
      });

    // The mirror starts from nothing and saves every token with a copy of its state.
    const mirror = new Map<string, StoredRelease>();
    const checkpoints: Array<{ token: string; state: Map<string, StoredRelease> }> = [];
    let token: string | undefined;
    let stop = false;
    const follower = (async () => {
      for (;;) {
        const ending = stop;
        const page = await changesPage(token, 3);
        for (const change of page.items) applyTo(mirror, change);
        token = page.nextToken;
        checkpoints.push({ token, state: new Map(mirror) });
        if (ending && page.items.length === 0) return;
        if (page.items.length === 0) await sleep(50);
      }
    })();

    const worker = async (w: number) => {
      for (let step = 0; step < 12; step++) {
        const key = keys[random(keys.length)] ?? 'mirror/item-0.md';
        const op = random(4);
        if (op === 0) await harness.handler(await harness.remove(key));
        else if (op === 1) {
          // A move: the same content under another key (so another id), then the old key removed.
          const target = `mirror/moved-${w}-${step}.md`;
          await harness.put(target, file(step, `moved ${w}.${step}`));
          await harness.handler(await harness.remove(key));
          keys.push(target);
        } else await harness.put(key, file(step + w, `edit ${w}.${step}`));
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));
    await caughtUp();
    stop = true;
    await follower;

    const expected = await served();
    expect(sorted(mirror)).toEqual(sorted(expected));

    // Resuming from any saved token, with the state held then, loses nothing.
    const picks = checkpoints.filter((_, i) => i % Math.max(1, Math.floor(checkpoints.length / 8)) === 0);
    for (const checkpoint of picks) {
      const resumed = new Map(checkpoint.state);
      for (const change of (await drain(checkpoint.token, 4)).changes) applyTo(resumed, change);
      expect(sorted(resumed)).toEqual(sorted(expected));
    }
  }, 240_000);

  it('answers 410 for a token older than 30 days, telling the consumer to start over', async () => {
    const { token } = await drain(undefined);
    const later = makeHandler({
      doc: services.doc,
      tableName: services.tableName,
      textSearch: true,
      cursorSecret: SECRET,
      changeLagMillis: LAG,
      now: () => Date.now() + 31 * DAY,
    });
    const result = await get(later, `/changes?after=${encodeURIComponent(token)}`);
    expect(result.status).toBe(410);
    expect(result.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = problemDetailsSchema.parse(result.json);
    expect(problem.parameter).toBe('after');
    expect(problem.detail).toMatch(/start over/);
    // 29 days on, the same token is still good.
    const earlier = makeHandler({
      doc: services.doc,
      tableName: services.tableName,
      textSearch: true,
      cursorSecret: SECRET,
      changeLagMillis: LAG,
      now: () => Date.now() + 29 * DAY,
    });
    expect((await get(earlier, `/changes?after=${encodeURIComponent(token)}`)).status).toBe(200);
  });

  it('answers 400 naming the parameter for altered or foreign tokens and bad limits', async () => {
    const { token } = await drain(undefined);
    const [payload = '', signature = ''] = token.split('.');
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    decoded.a = '2000-01-01T00:00:00.000Z';
    const altered = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
    const foreign = makeHandler({
      doc: services.doc,
      tableName: services.tableName,
      textSearch: true,
      cursorSecret: 'another-secret',
    });
    const foreignToken = changePageSchema.parse((await get(foreign, '/changes')).json).nextToken;
    const releasesCursor = releasePageSchema.parse((await get(api, '/releases?limit=1')).json).nextCursor;
    for (const [value, parameter] of [
      [altered, 'after'],
      [foreignToken, 'after'],
      [releasesCursor ?? 'x', 'after'],
      ['not-a-token', 'after'],
      ['', 'after'],
    ] as const) {
      const result = await get(api, `/changes?after=${encodeURIComponent(value)}`);
      expect(result.status, value).toBe(400);
      expect(problemDetailsSchema.parse(result.json).parameter).toBe(parameter);
    }
    for (const limit of ['0', '101', 'ten', '-1']) {
      const result = await get(api, `/changes?limit=${limit}`);
      expect(result.status).toBe(400);
      expect(problemDetailsSchema.parse(result.json).parameter).toBe('limit');
    }
    const unknown = await get(api, '/changes?cursor=x');
    expect(unknown.status).toBe(400);
    expect(problemDetailsSchema.parse(unknown.json).parameter).toBe('cursor');
  });
});
