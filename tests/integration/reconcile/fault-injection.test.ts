/**
 * Derived state heals from faults, against DynamoDB Local and the S3 server. Uploads, edits,
 * deletes, a move to another key and two keys yielding one id run while the test drops a stream
 * batch (as if dead-lettered), kills the projector mid-batch, pauses it, loses an S3 event and runs
 * `reindex` during uploads. After the scheduled reconcile (the sweep, which repairs through the
 * projector), an in-memory computation from the bucket must equal `/releases` with every filter,
 * `/ministers`, `/portfolios`, `q`, and a mirror following `/changes` from the start and from a
 * saved token.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHandler } from '#handlers/api.js';
import { changePageSchema, entityListSchema, facetsSchema, releasePageSchema } from '#query/query-schemas.js';
import { dynamoReindexDeps, dynamoSweepDeps } from '#reconcile/aws/reindex-deps.js';
import { reindex } from '#reconcile/reindex.js';
import { sweep } from '#reconcile/sweep.js';
import { parseRelease } from '#release/parse-release.js';
import type { Release } from '#release/release.js';
import { encodeS3EventKey, Sequencer, s3EventRecord } from '../../../scripts/local/s3-events.js';
import type { StreamHandler } from '../../../scripts/local/stream-delivery.js';
import { invokedAs } from '../../support/aws-calls.js';
import { type DerivedState, releaseFile, sqsIngest, startProjector } from '../../support/ingest-harness.js';
import { freshServices, type TestServices } from '../../support/services.js';
import { asJson, httpEvent } from '../query/query-events.js';

process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const { makeHandler } = await import('#handlers/api.js');

const SECRET = 'fault-injection-test';
const LAG = 2_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Mode = 'normal' | 'drop' | 'crash' | 'pause';

/** Wraps the projector: drops, half-applies then crashes, or holds batches while told to. */
class Faults {
  mode: Mode = 'normal';
  dropped = 0;
  crashed = 0;
  private release: (() => void) | undefined;
  private gate: Promise<void> | undefined;

  pause(): void {
    this.mode = 'pause';
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  resume(): void {
    this.mode = 'normal';
    this.release?.();
  }

  wrap = (handler: StreamHandler): StreamHandler => {
    return async (event, context) => {
      if (this.mode === 'pause') await this.gate;
      if (this.mode === 'drop') {
        // As if its retries ran out and Lambda sent it to the on-failure destination.
        this.dropped += event.Records.length;
        return { batchItemFailures: [] };
      }
      if (this.mode === 'crash') {
        // The container dies mid-batch: the first half is applied, then the invocation fails.
        this.crashed += 1;
        this.mode = 'normal';
        const half: DynamoDBStreamEvent = {
          Records: event.Records.slice(0, Math.ceil(event.Records.length / 2)),
        };
        await handler(half, context);
        throw new Error('killed mid-batch');
      }
      return handler(event, context);
    };
  };
}

let services: TestServices;
let derived: DerivedState;
let api: ApiHandler;
const faults = new Faults();
const sequencer = new Sequencer();
let ingest: ReturnType<typeof sqsIngest>;

beforeAll(async () => {
  services = await freshServices();
  ingest = sqsIngest({ doc: services.doc, s3: services.s3, tableName: services.tableName });
  derived = await startProjector(services, { wrapProjector: faults.wrap });
  api = makeHandler({
    doc: services.doc,
    tableName: services.tableName,
    textSearch: true,
    cursorSecret: SECRET,
    changeLagMillis: LAG,
  });
}, 120_000);

afterAll(async () => {
  faults.resume();
  await derived?.stop();
});

function event(key: string, kind: 'created' | 'removed') {
  return {
    Records: [
      s3EventRecord({
        bucket: services.bucket,
        eventName: kind === 'created' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
        eventTime: new Date().toISOString(),
        object: { key: encodeS3EventKey(key), size: 0, eTag: '', sequencer: sequencer.next() },
      }),
    ],
  };
}

/** Uploads a file; its event is delivered unless `lose` (a lost S3 notification). */
async function put(key: string, text: string, lose = false): Promise<void> {
  await services.s3.send(new PutObjectCommand({ Bucket: services.bucket, Key: key, Body: text }));
  if (!lose) await ingest(event(key, 'created'));
}

async function remove(key: string): Promise<void> {
  await services.s3.send(new DeleteObjectCommand({ Bucket: services.bucket, Key: key }));
  await ingest(event(key, 'removed'));
}

/** A release file whose title carries a word of its own (`zq<n>`), to find it by `q`. */
function file(
  n: number,
  fields: { date?: string; minister?: string; portfolio?: string; url?: string } = {},
) {
  return releaseFile({
    title: `Release zq${n}`,
    date: fields.date ?? `2024-0${(n % 9) + 1}-1${n % 10}`,
    ministers: [fields.minister ?? `Hon Minister ${n % 4}`],
    portfolios: [fields.portfolio ?? `Portfolio ${n % 3}`],
    ...(fields.url ? { url: fields.url } : {}),
    body: `Body of release ${n}: harbour works and zq${n}.`,
  });
}

/** What the bucket says: every object parsed, by id (the test leaves no id to two keys). */
async function fromBucket(): Promise<Map<string, Release>> {
  const releases = new Map<string, Release>();
  const { Contents = [] } = await services.s3.send(new ListObjectsV2Command({ Bucket: services.bucket }));
  for (const object of Contents) {
    const key = object.Key as string;
    const body = await services.s3.send(new GetObjectCommand({ Bucket: services.bucket, Key: key }));
    const parsed = parseRelease(await (body.Body?.transformToString() ?? ''), key);
    if (!parsed.ok) continue;
    expect(releases.has(parsed.release.id), `two keys yield ${parsed.release.id}`).toBe(false);
    releases.set(parsed.release.id, parsed.release);
  }
  return releases;
}

async function get(path: string) {
  const result = asJson(await api(httpEvent(path)));
  expect(result.status, `${path}: ${JSON.stringify(result.json)}`).toBe(200);
  return result.json;
}

async function listed(query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = releasePageSchema.parse(
      await get(`/releases?limit=7${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
    );
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/** A mirror that follows `/changes` from `after` (undefined: the start) until a page is empty. */
async function follow(mirror: Set<string>, after?: string): Promise<string> {
  let token = after;
  for (;;) {
    const page = changePageSchema.parse(await get(`/changes?limit=5${token ? `&after=${token}` : ''}`));
    token = page.nextToken;
    if (page.items.length === 0) return token;
    for (const change of page.items) {
      if (change.type === 'delete') mirror.delete(change.id);
      else mirror.add(change.id);
    }
  }
}

const newestFirst = (a: Release, b: Release) =>
  a.date === b.date ? (a.id < b.id ? 1 : -1) : a.date < b.date ? 1 : -1;

describe('derived state under faults', () => {
  it('converges to what the bucket holds after the reconcile', async () => {
    for (let n = 0; n < 12; n++) await put(`r${n}.md`, file(n));
    await derived.settled();
    await sleep(LAG + 100);
    const early = new Set<string>();
    const saved = await follow(early);
    expect(early.size).toBe(12);

    // A dropped stream batch: an edit that moves a release to another date and minister, and a
    // delete, never reach the projector.
    faults.mode = 'drop';
    await put('r1.md', file(1, { date: '2019-05-05', minister: 'Hon Someone Else' }));
    await remove('r2.md');
    await derived.settled();
    faults.mode = 'normal';
    expect(faults.dropped).toBeGreaterThan(0);
    // The fault shows: the deleted release is still listed, the edited one where it was.
    expect(await listed('')).toContain('r2');
    expect(await listed('&minister=someone-else')).toEqual([]);

    // Killed mid-batch: half a batch applied, then the invocation fails and is retried.
    faults.mode = 'crash';
    await Promise.all(Array.from({ length: 6 }, (_, i) => put(`r${12 + i}.md`, file(12 + i))));
    await derived.settled();
    expect(faults.crashed).toBe(1);

    // Paused while uploads, a move to another key and two keys for one id go on; a lost event.
    faults.pause();
    await put('r3-moved.md', (await readObject('r3.md')) ?? '');
    await remove('r3.md');
    await put('twin-a.md', file(40, { url: 'https://example.org/r/twin' }));
    await put('twin-b.md', file(41, { url: 'https://example.org/r/twin' }));
    await remove('twin-b.md');
    await put('r18.md', file(18), true);
    faults.resume();

    // reindex while uploads go on.
    const uploads = (async () => {
      for (let n = 19; n < 25; n++) await put(`r${n}.md`, file(n));
      await put('r4.md', file(4, { portfolio: 'Portfolio Moved' }));
    })();
    const [, during] = await Promise.all([
      uploads,
      invokedAs('reconcile', () => reindex(dynamoReindexDeps(services), { concurrency: 4 }))(),
    ]);
    await derived.settled();

    // The scheduled reconcile (the sweep, run until it has passed over the whole table and bucket):
    // markers left by the dropped batch are repaired through the projector.
    const summary = { repairsRequested: 0, added: 0 };
    for (let table = false, bucket = false, runs = 0; !(table && bucket) && runs < 20; runs++) {
      const run = await invokedAs('reconcile', () =>
        sweep(dynamoSweepDeps(services), { concurrency: 4, pendingGraceSeconds: 0 }),
      )();
      summary.repairsRequested += run.repairsRequested;
      summary.added += run.added;
      table ||= run.sweep.tablePassDone;
      bucket ||= run.sweep.bucketPassDone;
    }
    // What the dropped batch left behind was found by one run or the other, and the lost event too.
    expect(during.repairsRequested + summary.repairsRequested).toBeGreaterThan(0);
    expect(during.added + summary.added).toBeGreaterThan(0);
    await derived.settled();
    await sleep(LAG + 100);

    const expected = await fromBucket();
    const all = [...expected.values()].sort(newestFirst);
    expect(await listed('')).toEqual(all.map((r) => r.id));
    const ministers = new Map<string, number>();
    const portfolios = new Map<string, number>();
    for (const r of all) {
      for (const m of r.ministers) ministers.set(m.slug, (ministers.get(m.slug) ?? 0) + 1);
      for (const p of r.portfolios) portfolios.set(p.slug, (portfolios.get(p.slug) ?? 0) + 1);
    }
    for (const [slug] of ministers) {
      expect(await listed(`&minister=${slug}`), slug).toEqual(
        all.filter((r) => r.ministers.some((m) => m.slug === slug)).map((r) => r.id),
      );
    }
    for (const [slug] of portfolios) {
      expect(await listed(`&portfolio=${slug}`), slug).toEqual(
        all.filter((r) => r.portfolios.some((p) => p.slug === slug)).map((r) => r.id),
      );
    }
    const counts = (json: unknown) =>
      new Map(
        entityListSchema
          .parse(json)
          .items.filter((e) => e.count > 0)
          .map((e) => [e.slug, e.count]),
      );
    expect(counts(await get('/ministers'))).toEqual(ministers);
    expect(counts(await get('/portfolios'))).toEqual(portfolios);
    // The facet aggregates (every release's, each minister's and portfolio's, by year and month)
    // healed with the lists: /facets from them equals the count over the bucket.
    const byYear = (rs: typeof all) => {
      const years = new Map<string, number>();
      for (const r of rs) years.set(r.date.slice(0, 4), (years.get(r.date.slice(0, 4)) ?? 0) + 1);
      return years;
    };
    const facetsOf = async (query: string) => {
      const json = facetsSchema.parse(await get(`/facets?size=100${query}`));
      expect(json.exact, query).toBe(true);
      return {
        total: json.total,
        ministers: new Map(json.ministers.items.map((v) => [v.slug, v.count])),
        years: new Map(json.periods.filter((p) => p.count > 0).map((p) => [p.period, p.count])),
      };
    };
    expect(await facetsOf('')).toEqual({ total: all.length, ministers, years: byYear(all) });
    for (const [slug] of portfolios) {
      const mine = all.filter((r) => r.portfolios.some((p) => p.slug === slug));
      expect((await facetsOf(`&portfolio=${slug}`)).years, slug).toEqual(byYear(mine));
    }
    // Every release is found by its own word; the deleted one by none.
    for (const r of all) {
      const word = /zq\d+/.exec(r.title)?.[0] ?? '';
      expect(await listed(`&q=${word}`), word).toEqual([r.id]);
    }
    expect(await listed('&q=zq2')).toEqual([]);

    const fromStart = new Set<string>();
    await follow(fromStart);
    expect([...fromStart].sort()).toEqual([...expected.keys()].sort());
    await follow(early, saved);
    expect([...early].sort()).toEqual([...expected.keys()].sort());
  }, 600_000);
});

async function readObject(key: string): Promise<string | undefined> {
  const body = await services.s3.send(new GetObjectCommand({ Bucket: services.bucket, Key: key }));
  return body.Body?.transformToString();
}
