/**
 * Ingestion where real AWS differs from the emulators: DynamoDB's transaction conflicts and
 * throttling (emulated from its documentation over DynamoDB Local, tests/support/
 * dynamodb-semantics.ts), S3 object versions (moto's server), races between reindex and uploads,
 * suffixes of any case, and moves of identical content.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Event } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as makeApiHandler } from '#handlers/api.js';
import { dynamoReindexDeps } from '#reconcile/aws/reindex-deps.js';
import { reindex } from '#reconcile/reindex.js';
import { entityKey } from '#table/table-layout.js';
import {
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '../../../scripts/local/dynamodb-local.js';
import { freePort } from '../../../scripts/local/free-port.js';
import { ensureTable } from '../../../scripts/local/provision.js';
import { withDynamoDbSemantics } from '../../support/dynamodb-semantics.js';
import { ingestHarness, releaseFile, sqsIngest } from '../../support/ingest-harness.js';
import { type MotoS3, motoSkipReason, startMotoS3 } from '../../support/moto-s3.js';
import { documentClient, freshServices, type TestServices } from '../../support/services.js';

let services: TestServices;
beforeEach(async () => {
  services = await freshServices();
});

describe('bulk load under real DynamoDB semantics', () => {
  let h: ReturnType<typeof ingestHarness>;
  afterEach(async () => {
    await h?.close();
  });

  /**
   * 2,000 in `npm test` (it must stay within CI's budget on two cores); the full 5,000 with
   * RELEASES_BULK_RELEASES=5000 npx vitest run tests/integration/ingest/ingest-real-aws.test.ts
   */
  const total = Number(process.env.RELEASES_BULK_RELEASES ?? 2_000);

  // A DynamoDB Local of its own: by the time this runs, the shared one holds the stream records of
  // every other file's tables, and DynamoDB Local reads all the records of older streams on every
  // request to a table with a stream (docs/benchmark.md, "Old stream records").
  let own: DynamoDbLocal | undefined;
  afterAll(async () => {
    await own?.stop();
  });

  it(`ingests ${total.toLocaleString('en-US')} releases sharing one minister and one portfolio at concurrency 100: none lost, exact counts`, async () => {
    own = await startDynamoDbLocal({ port: await freePort() });
    const dynamo = localDynamoDbClient(own.endpoint);
    await ensureTable(dynamo, services.tableName);
    services = { ...services, dynamo, doc: documentClient(dynamo), dynamoEndpoint: own.endpoint };
    // Conflicts as DynamoDB documents them, and throttling past 400 write units a second.
    const { client, semantics } = withDynamoDbSemantics(services.dynamo, {
      transactionHoldMs: 5,
      writeUnitsPerSecond: 400,
      burstSeconds: 2,
    });
    const emulated = { ...services, doc: documentClient(client) };
    let raceRetries = 0;
    h = ingestHarness(emulated, { onConflict: () => raceRetries++ });
    await h.project();

    const events = [];
    for (let i = 0; i < total; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      events.push(
        h.upload(
          `bulk/${i}.md`,
          releaseFile({
            title: `Bulk ${i}`,
            date: `20${10 + (i % 15)}-${String(1 + (i % 12)).padStart(2, '0')}-${day}`,
            ministers: [i % 2 ? 'Rt Hon Christopher Luxon' : 'Hon Christopher Luxon'],
            portfolios: ['Prime Minister'],
          }),
        ),
      );
      if (events.length % 500 === 0) await Promise.all(events.slice(-500));
    }
    const uploaded = await Promise.all(events);

    const deadLettered: unknown[] = [];
    // Every 50th notification arrives twice at once (S3 delivers at least once): the two
    // deliveries race for the same key's items, which is where transaction conflicts belong.
    const queue = uploaded.flatMap((event, i) => (i % 50 === 0 ? [event, event] : [event]));
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        for (let event = queue.shift(); event; event = queue.shift()) {
          // As SQS would: redeliver a failed message up to its receive limit, then dead-letter it.
          let delivered = false;
          for (let attempt = 0; attempt < 5 && !delivered; attempt++) {
            try {
              await h.handler(event);
              delivered = true;
            } catch {
              // redelivered
            }
          }
          if (!delivered) deadLettered.push(event);
        }
      }),
    );
    const ingested = Date.now();
    await h.settled();
    const settledAt = Date.now();
    const projector = await h.project();
    console.log(
      `bulk ${total}: ingest ${ingested - started} ms, projection settled ${settledAt - ingested} ms later; ` +
        `conflicts ${semantics.counters.conflicts} (transactions ${semantics.counters.transactionConflicts}, ` +
        `single items ${semantics.counters.singleItemConflicts}), ingest race retries ${raceRetries}, ` +
        `throttles ${semantics.counters.throttles}, SDK attempts ${JSON.stringify(semantics.counters.attempts)}, ` +
        `projector batches ${projector.stats.batches}, retried ${projector.stats.retried}`,
    );

    expect(deadLettered).toEqual([]);
    expect(projector.stats.deadLettered).toBe(0);
    expect(await h.list()).toHaveLength(total);
    expect(await h.list({ kind: 'minister', minister: 'christopher-luxon' })).toHaveLength(total);
    expect(await h.entities('minister')).toMatchObject([
      { sk: 'christopher-luxon', count: total, name: 'Rt Hon Christopher Luxon', latestDate: '2024-12-28' },
    ]);
    expect(await h.entities('portfolio')).toMatchObject([{ sk: 'prime-minister', count: total }]);
  }, 1_800_000);
});

describe('ingest under throttling', () => {
  let h: ReturnType<typeof ingestHarness>;
  afterEach(async () => {
    await h?.close();
  });

  it('loses nothing when writes are throttled and throttled transactions are cancelled', async () => {
    // A low write rate with little burst, so that throttling happens on any machine. Throttled
    // transactions are cancelled with a throttling reason per item, which the SDK does not retry:
    // the store retries them with backoff. A message that still fails comes back as SQS would
    // redeliver it, after a pause; plain writes are retried by the SDK.
    const { client, semantics } = withDynamoDbSemantics(services.dynamo, {
      writeUnitsPerSecond: 40,
      burstSeconds: 0.5,
    });
    h = ingestHarness({ ...services, doc: documentClient(client) });
    await h.project();
    const uploaded: S3Event[] = [];
    for (let i = 0; i < 30; i++) {
      uploaded.push(
        await h.upload(
          `throttled/${i}.md`,
          releaseFile({
            title: `Throttled ${i}`,
            date: `2024-0${1 + (i % 3)}-1${i % 10}`,
            ministers: ['Hon Nicola Willis'],
            portfolios: ['Finance'],
          }),
        ),
      );
    }
    const deadLettered: unknown[] = [];
    let redeliveries = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let event = uploaded.shift(); event; event = uploaded.shift()) {
          let delivered = false;
          for (let attempt = 0; attempt < 5 && !delivered; attempt++) {
            if (attempt > 0) {
              redeliveries++;
              await new Promise((r) => setTimeout(r, 500 * attempt));
            }
            try {
              await h.handler(event);
              delivered = true;
            } catch {
              // redelivered after the pause, as after a visibility timeout
            }
          }
          if (!delivered) deadLettered.push(event);
        }
      }),
    );
    await h.settled();
    console.log(
      `throttled ingest: throttles ${semantics.counters.throttles}, redeliveries ${redeliveries}, ` +
        `dead-lettered ${deadLettered.length}`,
    );
    expect(semantics.counters.throttles).toBeGreaterThan(0);
    expect(deadLettered).toEqual([]);
    expect(await h.list()).toHaveLength(30);
    expect(await h.entities('minister')).toMatchObject([{ sk: 'nicola-willis', count: 30 }]);
  }, 300_000);
});

describe('races between reindex and uploads', () => {
  let h: ReturnType<typeof ingestHarness>;
  beforeEach(() => {
    h = ingestHarness(services);
  });
  afterEach(async () => {
    await h.close();
  });

  it('never removes a release whose file is in the bucket while reindex runs again and again', async () => {
    const deps = dynamoReindexDeps({ ...services });
    // Stable files: present from start to end.
    for (let i = 0; i < 20; i++) await h.put(`stable-${i}.md`, releaseFile({ title: `Stable ${i}` }));
    let stop = false;
    const reindexing = (async () => {
      let runs = 0;
      while (!stop) {
        await reindex(deps, { concurrency: 4 });
        runs++;
      }
      return runs;
    })();
    // Churn: uploads whose events are delivered late or never, and deletes.
    const lateEvents = [];
    for (let i = 0; i < 40; i++) {
      const key = `churn-${i}.md`;
      const created = await h.upload(key, releaseFile({ title: `Churn ${i}` }));
      if (i % 3 === 0) lateEvents.push(created);
      else await h.handler(created);
      // Every release whose file is in the bucket must stay readable.
      for (let j = 0; j < 20; j += 7) expect((await h.release(`stable-${j}`))?.title).toBe(`Stable ${j}`);
      if (i % 4 === 1) await h.handler(await h.remove(`churn-${i - 1}.md`));
    }
    for (const event of lateEvents) await h.handler(event);
    stop = true;
    const runs = await reindexing;
    await reindex(deps);
    await h.settled();

    const expected = new Set<string>();
    for (let i = 0; i < 20; i++) expected.add(`Stable ${i}`);
    for (let i = 0; i < 40; i++) if (!(i % 4 === 0 && i + 1 < 40)) expected.add(`Churn ${i}`);
    expect((await h.list()).map((item) => item.title).sort()).toEqual([...expected].sort());
    expect(runs).toBeGreaterThan(0);
  }, 300_000);

  it('keeps the body when identical large content moves between keys concurrently', async () => {
    const body = `${'Kia ora koutou. '.repeat(40_000)}end`;
    const url = 'https://www.beehive.govt.nz/release/moved-large';
    const text = releaseFile({ title: 'Large and moving', url, body });
    const first = await h.upload('a/large.md', text);
    const second = await h.upload('b/large.md', text);
    await Promise.all([h.handler(first), h.handler(second)]);
    await Promise.all([h.handler(await h.remove('a/large.md')), h.handler(second)]);
    await h.settled();
    const api = makeApiHandler({ ...services, textSearch: true, cursorSecret: 'test' });
    const response = await api(getEvent('/releases/moved-large'));
    expect(response.statusCode).toBe(200);
    const release = JSON.parse(String(response.body)) as { body: string; source: { key: string } };
    expect(release.body).toBe(body);
    expect(release.source.key).toBe('b/large.md');
  }, 120_000);

  it('removes the old release when a key is re-uploaded with an id another, newer key holds', async () => {
    await h.put('mine.md', releaseFile({ title: 'Mine', url: 'https://example.org/release/mine' }));
    await h.put('theirs.md', releaseFile({ title: 'Theirs', url: 'https://example.org/release/taken' }));
    // mine.md now yields `taken`, which theirs.md holds with a newer upload (this event is older):
    // the file is fine but shadowed, and the release mine.md yielded before must not linger.
    const late = await h.upload(
      'mine.md',
      releaseFile({ title: 'Mine now', url: 'https://example.org/release/taken' }),
    );
    await h.handler({ Records: late.Records.map((r) => ({ ...r, eventTime: '2000-01-01T00:00:00.000Z' })) });
    expect(await h.release('mine')).toBeUndefined();
    expect((await h.release('taken'))?.sourceKey).toBe('theirs.md');
    expect((await h.list()).map((item) => item.id)).toEqual(['taken']);
  });
});

describe('release file suffixes of any case', () => {
  it('ingests .MD, .Markdown and .TXT keys and ignores other objects', async () => {
    const h = ingestHarness(services);
    for (const key of ['upper.MD', 'mixed.Markdown', 'shout.TXT'])
      await h.put(key, releaseFile({ title: key }));
    await h.put('photo.JPG', 'not a release');
    expect((await h.list()).map((item) => item.title).sort()).toEqual([
      'mixed.Markdown',
      'shout.TXT',
      'upper.MD',
    ]);
    await h.close();
  });
});

describe('readers never fail on a concurrent write', () => {
  it('lists ministers while an entity item exists only as a version bump, without figures', async () => {
    await services.doc.send(
      new PutCommand({
        TableName: services.tableName,
        Item: { ...entityKey('minister', 'half-made'), ver: 1 },
      }),
    );
    const api = makeApiHandler({ ...services, textSearch: true, cursorSecret: 'test' });
    const response = await api(getEvent('/ministers'));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ items: [] });
    const { Item } = await services.doc.send(
      new GetCommand({ TableName: services.tableName, Key: entityKey('minister', 'half-made') }),
    );
    expect(Item).toBeDefined();
  });
});

const motoSkip = motoSkipReason();
describe.skipIf(motoSkip !== undefined)(
  `S3 object versions (moto)${motoSkip ? ` (skipped: ${motoSkip})` : ''}`,
  () => {
    let moto: MotoS3;
    beforeAll(async () => {
      moto = await startMotoS3();
    });
    afterAll(async () => {
      await moto?.stop();
    });

    it('keeps the release when a non-current version is deleted, and serves the previous version when the current one is', async () => {
      const h = ingestHarness({ ...services, s3: moto.s3, bucket: moto.bucket });
      const ingest = sqsIngest({ doc: services.doc, s3: moto.s3, tableName: services.tableName });
      const key = 'versions/kept release.md';
      const v1 = await moto.versioned.put(key, releaseFile({ title: 'Version one' }));
      await ingest(v1.event);
      const v2 = await moto.versioned.put(key, releaseFile({ title: 'Version two' }));
      await ingest(v2.event);
      expect((await h.release('kept-release'))?.title).toBe('Version two');

      // Deleting v1 (not current) says ObjectRemoved:Delete with a newer sequencer: v2 stays.
      await ingest((await moto.versioned.deleteVersion(key, v1.versionId)).event);
      expect((await h.release('kept-release'))?.title).toBe('Version two');

      const v3 = await moto.versioned.put(key, releaseFile({ title: 'Version three' }));
      await ingest(v3.event);
      // Deleting the current version makes v2 current again: its content is served.
      await ingest((await moto.versioned.deleteVersion(key, v3.versionId)).event);
      expect((await h.release('kept-release'))?.title).toBe('Version two');
      expect((await h.list()).map((item) => item.title)).toEqual(['Version two']);

      // A plain delete adds a delete marker: the release goes; removing the marker brings v2 back.
      const marker = await moto.versioned.delete(key);
      await ingest(marker.event);
      expect(await h.release('kept-release')).toBeUndefined();
      await ingest((await moto.versioned.deleteVersion(key, marker.versionId)).event);
      expect((await h.release('kept-release'))?.title).toBe('Version two');
      await h.close();
    }, 120_000);
  },
);

function getEvent(path: string) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'localhost' },
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'test',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  } as Parameters<ReturnType<typeof makeApiHandler>>[0];
}
