import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoTableState } from '#reconcile/aws/dynamodb-table-state.js';
import { dynamoReindexDeps } from '#reconcile/aws/reindex-deps.js';
import { reindex } from '#reconcile/reindex.js';
import { DEFAULT_STOP_WORDS } from '#search/default-stop-words.js';
import { bucketOfFragment, fragmentEntries } from '#search/fragments.js';
import { archivedStopListKey, foldedCopyKey, type StopList } from '#search/keys.js';
import { stopListItem, stopListOf } from '#search/stop-list.js';
import { INLINE_BODY_MAX_BYTES } from '#table/table-layout.js';
import { freePort } from '../../../scripts/local/free-port.js';
import { recordedCalls } from '../../support/aws-calls.js';
import { ingestHarness, type ListedItem, releaseFile, sqsIngest } from '../../support/ingest-harness.js';
import { documentClient, freshServices, type TestServices } from '../../support/services.js';

const SEED_KEY = '000_bfcbecb155f087da.txt';
const SEED_ID = 'prime-minister-heads-united-states-nato';
const seed = readFileSync(`seeds/${SEED_KEY}`, 'utf8');

let services: TestServices;
let h: ReturnType<typeof ingestHarness>;
beforeEach(async () => {
  services = await freshServices();
  h = ingestHarness(services);
});
afterEach(async () => {
  await h.close();
});

const reindexDeps = () => dynamoReindexDeps({ ...services, tableName: services.tableName });
const writeStopList = (stop: StopList) =>
  services.doc.send(new PutCommand({ TableName: services.tableName, Item: stopListItem(stop) }));

describe('ingest: the seed file', () => {
  it('becomes a release with exactly the right fields, lists and entities', async () => {
    await h.put(SEED_KEY, seed);

    const item = await h.release(SEED_ID);
    expect(item).toMatchObject({
      id: SEED_ID,
      title: 'Prime Minister heads to United States for NATO',
      date: '2024-07-02',
      url: 'https://www.beehive.govt.nz/release/prime-minister-heads-united-states-nato',
      ministers: [{ slug: 'christopher-luxon', name: 'Rt Hon Christopher Luxon' }],
      portfolios: [{ slug: 'prime-minister', name: 'Prime Minister' }],
      extra: {},
      sourceKey: SEED_KEY,
      rev: 1,
    });
    expect(item?.body).toContain('NATO Summit');
    expect((await h.list()).map((l) => l.id)).toEqual([SEED_ID]);
    expect(
      await h.list({
        kind: 'minister-portfolio',
        minister: 'christopher-luxon',
        portfolio: 'prime-minister',
      }),
    ).toHaveLength(1);
    expect(await h.entities('minister')).toMatchObject([
      { sk: 'christopher-luxon', name: 'Rt Hon Christopher Luxon', count: 1, latestDate: '2024-07-02' },
    ]);
    expect(await h.problems()).toEqual([]);
  });

  it('has its facet aggregates rebuilt by reindex when they are missing or count-only', async () => {
    await h.put(SEED_KEY, seed);
    await h.entities('minister'); // the projector has settled
    const get = async (key: { pk: string; sk: string }) =>
      (
        await services.doc.send(
          new GetCommand({ TableName: services.tableName, Key: key, ConsistentRead: true }),
        )
      ).Item;
    const month = { pk: 'EM#minister#christopher-luxon', sk: '2024-07' };
    const allMonth = { pk: 'EM#all', sk: '2024-07' };
    const year = { pk: 'EY#portfolio#prime-minister', sk: '2024' };
    expect(await get(month)).toMatchObject({ count: 1, m: { 'christopher-luxon': 1 } });
    expect(await get(year)).toMatchObject({ count: 1, months: { '07': 1 } });
    // As a table from before facets holds them: months with counts only, no EM#all, no years.
    await services.doc.send(
      new UpdateCommand({ TableName: services.tableName, Key: month, UpdateExpression: 'REMOVE m, p' }),
    );
    await services.doc.send(new DeleteCommand({ TableName: services.tableName, Key: allMonth }));
    await services.doc.send(new DeleteCommand({ TableName: services.tableName, Key: year }));
    await reindex(reindexDeps());
    expect(await get(month)).toMatchObject({
      count: 1,
      m: { 'christopher-luxon': 1 },
      p: { 'prime-minister': 1 },
    });
    expect(await get(allMonth)).toMatchObject({ count: 1 });
    expect(await get(year)).toMatchObject({ count: 1, months: { '07': 1 } });
    expect(await get({ pk: 'EY#all', sk: '2024' })).toMatchObject({ count: 1 });
  });

  it('gets list items with the stop-word bits of the stop list, refreshed by reindex --reproject', async () => {
    const bitsOf = (item: ListedItem | undefined, stop: StopList, word: string) => {
      const i = stop.bitWords.indexOf(word);
      return ((item?.bits?.bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
    };
    const first = stopListOf(['nato', 'summit', 'zebra']);
    await writeStopList(first);
    await h.put(SEED_KEY, seed);
    const [item] = await h.list();
    expect(item?.bits?.version).toBe(first.version);
    expect(['nato', 'summit', 'zebra'].map((w) => bitsOf(item, first, w))).toEqual([true, true, false]);

    // A new stop list: reindex --reproject writes the list items again under it, and re-syncs the
    // word index from the whole release (the table state it starts from has no bodies).
    const second = stopListOf(['luxon', 'zebra']);
    await writeStopList(second);
    await reindex(dynamoReindexDeps(services), { reproject: true });
    // The repairs it asked for go through the projector and the indexer, as live changes do.
    await h.settled();
    const { Item: folded } = await services.doc.send(
      new GetCommand({ TableName: services.tableName, Key: foldedCopyKey(SEED_ID), ConsistentRead: true }),
    );
    expect(folded?.body).toContain('will begin his visit');
    for (const scope of [
      { kind: 'all' as const },
      { kind: 'minister' as const, minister: 'christopher-luxon' },
    ]) {
      const [again] = await h.list(scope);
      expect(again?.bits?.version).toBe(second.version);
      expect(['luxon', 'zebra'].map((w) => bitsOf(again, second, w))).toEqual([true, false]);
    }
  });

  it('derives the stop list from the releases with reindex --derive-stop-list, and re-syncs the index under it', async () => {
    // 40 releases of 2001-2020: "the", "of", "and" (and "release") in all of them; the pairs
    // "the of", "of the", "the and" in all; "and of" in 3 (under a tenth): it gets postings.
    for (let i = 0; i < 40; i += 1) {
      const extra = i % 16 === 0 ? ` x${i} and of y${i}` : '';
      await h.put(
        `r${i}.md`,
        releaseFile({
          title: `Release ${i}`,
          date: `${2001 + (i % 20)}-03-04`,
          body: `the of the and${extra}`,
        }),
      );
    }
    // The projector has indexed them under the default stop list (listing waits for it).
    expect(await h.list()).toHaveLength(40);
    const summary = await reindex(dynamoReindexDeps(services), {
      deriveStopList: true,
      stopListMinReleases: 10,
    });
    await h.settled();
    expect(summary.reprojected).toBe(40);
    expect(summary.stopList).toMatchObject({ words: 4, span: 10 });
    expect(summary.stopList?.commonPairs).toBeGreaterThanOrEqual(3);
    const get = async (key: { pk: string; sk: string }) =>
      (
        await services.doc.send(
          new GetCommand({ TableName: services.tableName, Key: key, ConsistentRead: true }),
        )
      ).Item;
    const stop = await get({ pk: 'SEARCH', sk: 'STOP' });
    expect(stop).toMatchObject({
      version: summary.stopList?.version,
      words: ['and', 'of', 'release', 'the'],
      span: 10,
    });
    // Posted under the derived list: the rare pair in decade buckets with whole dates, the common
    // ones and the stop words not at all; the folded copies say which list and span they follow.
    const entries = async (term: string, bucket: string) => {
      const { Items = [] } = await services.doc.send(
        new QueryCommand({
          TableName: services.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :bucket)',
          ExpressionAttributeValues: { ':pk': `W#${term}`, ':bucket': bucket },
          ConsistentRead: true,
        }),
      );
      return Items.filter((item) => bucketOfFragment(String(item.sk)) === bucket).flatMap(fragmentEntries);
    };
    const rare = [...(await entries('and of', '2000')), ...(await entries('and of', '2010'))];
    expect(rare.map((e) => e.split('#')[0]).sort()).toEqual(['2001-03-04', '2013-03-04', '2017-03-04']);
    expect(await entries('the of', '2000')).toEqual([]);
    expect(await entries('the', '2000')).toEqual([]);
    // The word is posted in its decade; what the default list posted in year buckets stays, of
    // another span, and readers skip it.
    expect(await entries('x16', '2010')).toEqual([expect.stringMatching(/^2017-03-04#r16#/)]);
    const folded = await get(foldedCopyKey('r16'));
    expect(folded).toMatchObject({ stopVersion: summary.stopList?.version, span: 10 });
    // Both lists are archived by version: a sync under a later list removes exactly what they posted.
    expect(await get(archivedStopListKey(summary.stopList?.version ?? ''))).toMatchObject({ span: 10 });
    expect(await get(archivedStopListKey(stopListOf(DEFAULT_STOP_WORDS).version))).toBeDefined();

    // Derived again from too few releases (an empty list, year buckets): the decade entries go,
    // and no DELETE touches a term the derived list never posted, so no item of one appears.
    const again = await reindex(dynamoReindexDeps(services), { deriveStopList: true });
    await h.settled();
    expect(again.stopList).toMatchObject({ version: 'empty', span: 1 });
    // Year buckets again: the word's entry in its year, and every pair and stop word posted.
    expect(await entries('x16', '2017')).toEqual([expect.stringMatching(/^03-04#r16#/)]);
    expect((await entries('the', '2017')).length).toBeGreaterThan(0);
    expect(await get(foldedCopyKey('r16'))).toMatchObject({ stopVersion: 'empty', span: 1 });
  });

  it('ignores objects that are not release files', async () => {
    await services.s3.send(new PutObjectCommand({ Bucket: services.bucket, Key: 'image.png', Body: 'x' }));
    await h.handler(h.event('image.png', 'created', h.nextSequencer()));
    expect(await h.list()).toEqual([]);
  });
});

describe('ingest: problems', () => {
  it('records a bad upload with its reason and keeps serving the last good version', async () => {
    await h.put('r.md', releaseFile({ title: 'Good', ministers: ['Hon A'] }));
    await h.put('r.md', releaseFile({ title: 'Bad', date: '2024-02-30' }));

    expect((await h.release('r'))?.title).toBe('Good');
    const problems = await h.problems();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ key: 'r.md' });
    expect(problems[0]?.reason).toMatch(/^date: "2024-02-30" is not a calendar date .*\(line 3\)$/);
    expect(await h.entities('minister')).toMatchObject([{ sk: 'a', count: 1 }]);

    await h.put('r.md', releaseFile({ title: 'Fixed' }));
    expect((await h.release('r'))?.title).toBe('Fixed');
    expect(await h.problems()).toEqual([]);
  });

  it.each([
    ['js front matter', '---js\n{ title: "x", date: "2024-01-01" }\n---\n', /front matter/],
    ['no front matter', 'Just a body', /front matter/],
    ['missing title', '---\ndate: 2024-01-01\n---\n', /^title: is required/],
    ['invalid UTF-8', Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0xff, 0xfe, 0x0a]), /^file: is not valid UTF-8/],
  ])('records %s as a problem and stores nothing', async (_name, body, reason) => {
    await services.s3.send(new PutObjectCommand({ Bucket: services.bucket, Key: 'bad.md', Body: body }));
    await h.handler(h.event('bad.md', 'created', h.nextSequencer()));
    expect(await h.list()).toEqual([]);
    expect((await h.problems())[0]?.reason).toMatch(reason);
  });

  it('rejects a file over 5 MiB without removing the good version', async () => {
    await h.put('big.md', releaseFile({ title: 'Small' }));
    await h.put('big.md', releaseFile({ title: 'Huge', body: 'x'.repeat(5 * 1024 * 1024) }));
    expect((await h.release('big'))?.title).toBe('Small');
    expect((await h.problems())[0]?.reason).toMatch(/^file: is \d+ bytes; the limit is/);
  });

  it('ingests a release with 10 ministers and 10 portfolios (121 list items) whole', async () => {
    const many = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix} ${i}`);
    await h.put('wide.md', releaseFile({ title: 'Wide', ministers: many('Hon M'), portfolios: many('P') }));
    expect((await h.release('wide'))?.title).toBe('Wide');
    expect(await h.problems()).toEqual([]);
    expect(await h.list({ kind: 'minister-portfolio', minister: 'm-9', portfolio: 'p-9' })).toHaveLength(1);
    expect(await h.entities('minister')).toHaveLength(10);
    // And a date change of it (every list item moves) still goes through.
    await h.put(
      'wide.md',
      releaseFile({ title: 'Wide', date: '2025-01-01', ministers: many('Hon M'), portfolios: many('P') }),
    );
    expect((await h.list()).map((l) => l.sk)).toEqual(['2025-01-01#wide']);
    expect((await h.entities('portfolio')).map((e) => e.latestDate)).toEqual(Array(10).fill('2025-01-01'));
  });

  it('clears a problem when the key is deleted', async () => {
    await h.put('p.md', 'no front matter');
    expect(await h.problems()).toHaveLength(1);
    await h.handler(await h.remove('p.md'));
    expect(await h.problems()).toEqual([]);
  });
});

describe('ingest: S3 delivery semantics', () => {
  it('changes nothing when the same event is delivered twice', async () => {
    const created = await h.upload('d.md', releaseFile({ title: 'Once', ministers: ['Hon A'] }));
    await h.handler(created);
    const first = await h.release('d');
    await h.handler(created);
    expect(await h.release('d')).toEqual(first);
    expect(await h.entities('minister')).toMatchObject([{ sk: 'a', count: 1 }]);
  });

  it('never lets an older event overwrite a newer one', async () => {
    const v1 = await h.upload('o.md', releaseFile({ title: 'v1' }));
    const v2 = await h.upload('o.md', releaseFile({ title: 'v2' }));
    await h.handler(v2);
    await h.handler(v1);
    expect((await h.release('o'))?.title).toBe('v2');

    const removed = await h.remove('o.md');
    await h.handler(removed);
    await h.handler(v2); // a late redelivery of the create
    expect(await h.release('o')).toBeUndefined();
  });

  it('ends in the state of the newest event when creates and deletes interleave out of order', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}.md`);
    const events = [];
    const expectedAlive = new Set<string>();
    for (const [i, key] of keys.entries()) {
      events.push(await h.upload(key, releaseFile({ title: `${key} v1`, ministers: ['Hon Shared'] })));
      if (i % 3 === 0) {
        events.push(await h.remove(key));
      } else if (i % 3 === 1) {
        events.push(await h.remove(key));
        events.push(await h.upload(key, releaseFile({ title: `${key} v2`, ministers: ['Hon Shared'] })));
        expectedAlive.add(key);
      } else {
        events.push(await h.upload(key, releaseFile({ title: `${key} v2`, ministers: ['Hon Shared'] })));
        expectedAlive.add(key);
      }
    }
    // Deterministic shuffle, each event delivered twice, concurrently.
    const deliveries = [...events, ...events].sort((a, b) =>
      (a.Records[0]?.s3.object.sequencer ?? '').split('').reverse().join('') <
      (b.Records[0]?.s3.object.sequencer ?? '').split('').reverse().join('')
        ? -1
        : 1,
    );
    await Promise.all(deliveries.map((e) => h.handler(e)));

    const alive = (await h.list()).map((l) => l.title).sort();
    expect(alive).toEqual([...expectedAlive].map((k) => `${k} v2`).sort());
    expect(await h.entities('minister')).toMatchObject([{ sk: 'shared', count: expectedAlive.size }]);
  });

  it('decodes keys with spaces, +, % and macrons', async () => {
    const key = 'releases/Te Pāti Māori + 100% ready.md';
    await h.put(key, releaseFile({ title: 'Difficult key' }));
    const item = await h.release('te-pati-maori-100-ready');
    expect(item?.sourceKey).toBe(key);
    await h.handler(await h.remove(key));
    expect(await h.release('te-pati-maori-100-ready')).toBeUndefined();
  });

  it('keeps a release moved to another key when the old key is deleted', async () => {
    const url = 'https://www.beehive.govt.nz/release/moved-release';
    await h.put('old.md', releaseFile({ title: 'Old place', url }));
    await new Promise((r) => setTimeout(r, 5)); // a later upload has a later event time
    await h.put('new.md', releaseFile({ title: 'New place', url }));
    expect((await h.release('moved-release'))?.sourceKey).toBe('new.md');

    await h.handler(await h.remove('old.md'));
    const item = await h.release('moved-release');
    expect(item).toMatchObject({ title: 'New place', sourceKey: 'new.md' });
    expect(await h.list()).toHaveLength(1);
  });

  it('updates lists and counts when a release changes date, ministers and portfolios', async () => {
    await h.put(
      'c.md',
      releaseFile({ date: '2020-01-01', ministers: ['Hon A', 'Hon B'], portfolios: ['X'] }),
    );
    await h.put('c.md', releaseFile({ date: '2021-01-01', ministers: ['Rt Hon B'], portfolios: ['Y'] }));
    expect((await h.list()).map((l) => l.sk)).toEqual(['2021-01-01#c']);
    expect(await h.list({ kind: 'minister', minister: 'a' })).toEqual([]);
    expect(await h.list({ kind: 'minister-portfolio', minister: 'b', portfolio: 'x' })).toEqual([]);
    expect(await h.list({ kind: 'minister-portfolio', minister: 'b', portfolio: 'y' })).toHaveLength(1);
    expect(await h.entities('minister')).toMatchObject([
      { sk: 'b', name: 'Rt Hon B', count: 1, latestDate: '2021-01-01' },
    ]);
    expect(await h.entities('portfolio')).toMatchObject([{ sk: 'y', count: 1 }]);
  });

  it('keeps entity name and latest date from the newest release through deletes', async () => {
    await h.put('older.md', releaseFile({ date: '2020-05-01', ministers: ['Hon Ngaire Te Ao'] }));
    await h.put('newer.md', releaseFile({ date: '2022-05-01', ministers: ['Rt Hon Ngaire Te Ao'] }));
    await h.put('oldest.md', releaseFile({ date: '2019-05-01', ministers: ['Ngaire Te Ao'] }));
    expect(await h.entities('minister')).toMatchObject([
      { sk: 'ngaire-te-ao', name: 'Rt Hon Ngaire Te Ao', count: 3, latestDate: '2022-05-01' },
    ]);

    await h.handler(await h.remove('newer.md'));
    expect(await h.entities('minister')).toMatchObject([
      { sk: 'ngaire-te-ao', name: 'Hon Ngaire Te Ao', count: 2, latestDate: '2020-05-01' },
    ]);

    await h.handler(await h.remove('older.md'));
    await h.handler(await h.remove('oldest.md'));
    expect(await h.entities('minister')).toEqual([]);
  });

  it('brings back the release another key still yields when the key that won its id is deleted', async () => {
    const file = (title: string) => releaseFile({ title, url: 'https://example.org/r/shared-id' });
    await h.put('a.md', file('From a'));
    await h.put('b.md', file('From b'));
    expect((await h.release('shared-id'))?.sourceKey).toBe('b.md');

    await h.handler(await h.remove('b.md'));
    const revived = await h.release('shared-id');
    expect(revived?.sourceKey).toBe('a.md');
    expect(revived?.title).toBe('From a');
    expect((await h.list()).map((item) => item.title)).toEqual(['From a']);

    await h.handler(await h.remove('a.md'));
    expect(await h.release('shared-id')).toBeUndefined();
  });

  it('stores and replaces a body larger than one item can hold', async () => {
    const body = `${'Ngā mihi. '.repeat(60_000)}end`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(INLINE_BODY_MAX_BYTES);
    await h.put('large.md', releaseFile({ title: 'Large', body }));
    // The chunks go in by BatchWriteItem, which the IAM check (tests/support/iam-check.ts) sees.
    expect(recordedCalls()).toContainEqual(
      expect.objectContaining({ fn: 'ingest', action: 'dynamodb:BatchWriteItem' }),
    );
    const item = await h.release('large');
    expect(item?.body).toBeUndefined();
    expect(item?.bodyChunks).toBeGreaterThan(1);
    const state = new DynamoTableState(services.doc, services.tableName);
    expect((await state.read()).chunks.size).toBe(1);

    await h.put('large.md', releaseFile({ title: 'Small again' }));
    expect((await h.release('large'))?.body).toBe('Body text.');
    // The projector removes the chunks no release item names any more.
    await h.settled();
    expect((await state.read()).chunks.size).toBe(0);
  });
});

describe('ingest: scale and faults', () => {
  // Mixed ministers, portfolios and dates; the bulk test (ingest-real-aws.test.ts) goes to 2,000+.
  it('ingests 500 files concurrently with exact counts', async () => {
    const ministers = ['Hon Aroha', 'Hon Bill', 'Rt Hon Carmel', 'Hon Dāvid'];
    const portfolios = ['Health', 'Education', 'Finance'];
    const expected = new Map<string, number>();
    const events = [];
    for (let i = 0; i < 500; i++) {
      const m = [ministers[i % 4] as string, ...(i % 5 === 0 ? [ministers[(i + 1) % 4] as string] : [])];
      const p = [portfolios[i % 3] as string];
      for (const name of m) {
        const slug = name
          .replace(/^(Rt )?Hon /, '')
          .normalize('NFKD')
          .replace(/\p{M}/gu, '')
          .toLowerCase();
        expected.set(slug, (expected.get(slug) ?? 0) + 1);
      }
      events.push(
        h.upload(
          `bulk/${i}.md`,
          releaseFile({ title: `R${i}`, date: `20${10 + (i % 15)}-01-01`, ministers: m, portfolios: p }),
        ),
      );
    }
    const t0 = Date.now();
    const uploaded = await Promise.all(events);
    const t1 = Date.now();
    const queue = [...uploaded];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let e = queue.shift(); e; e = queue.shift()) await h.handler(e);
      }),
    );
    const t2 = Date.now();
    await h.settled();
    console.log(
      `500 files: upload ${t1 - t0} ms, ingest ${t2 - t1} ms, projection settled ${Date.now() - t2} ms later`,
    );
    expect(await h.list()).toHaveLength(500);
    const counts = Object.fromEntries((await h.entities('minister')).map((e) => [e.sk, e.count]));
    expect(counts).toEqual(Object.fromEntries(expected));
    const portfolioTotal = (await h.entities('portfolio')).reduce((sum, e) => sum + e.count, 0);
    expect(portfolioTotal).toBe(500);
  }, 300_000);

  it('fails while DynamoDB is unavailable, and reindex then makes the table match the bucket', async () => {
    await h.put('kept.md', releaseFile({ title: 'Kept' }));
    await h.put('gone.md', releaseFile({ title: 'Gone' }));

    // A real fault: nothing listens on this port.
    const deadDynamo = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${await freePort()}`,
      region: 'ap-southeast-2',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const down = sqsIngest({
      doc: documentClient(deadDynamo),
      s3: services.s3,
      tableName: services.tableName,
    });
    const changed = await h.upload('kept.md', releaseFile({ title: 'Kept v2' }));
    const added = await h.upload('new.md', releaseFile({ title: 'New' }));
    const removed = await h.remove('gone.md');
    for (const event of [changed, added, removed]) await expect(down(event)).rejects.toThrow();

    // The events were lost (their retries also failed); reindex repairs the drift.
    const summary = await reindex(reindexDeps());
    expect(summary).toMatchObject({ objects: 2, added: 1, updated: 1, removed: 1, problems: 0 });
    expect((await h.list()).map((l) => l.title).sort()).toEqual(['Kept v2', 'New']);

    await h.settled();
    const again = await reindex(reindexDeps());
    expect(again).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 2 });
  });
});

describe('npm run reindex (the command)', () => {
  it('reconciles the local services with a progress bar and prints a summary', async () => {
    await services.s3.send(new PutObjectCommand({ Bucket: services.bucket, Key: SEED_KEY, Body: seed }));
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/reindex.ts', '--table', services.tableName, '--bucket', services.bucket],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          RELEASES_DYNAMODB_PORT: new URL(services.dynamoEndpoint).port,
          RELEASES_S3_PORT: new URL(services.s3Endpoint).port,
        },
      },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toMatch(/reindex \|.*\| 1\/1 fixes/);
    expect(child.stdout).toMatch(/added\s*│\s*1/);
    expect((await h.release(SEED_ID))?.title).toBe('Prime Minister heads to United States for NATO');
  });
});
