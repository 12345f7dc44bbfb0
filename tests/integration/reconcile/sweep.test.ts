/**
 * The scheduled reconcile's sweep with a small per-run budget, against DynamoDB Local and the S3
 * server: faults spread over the table and the bucket (a lost delete, a lost create, a dropped
 * stream batch, a release removed under a key that still claims it, a list item lost, an orphan
 * list item, a wrong entity count) are healed by consecutive runs, although one run does not reach
 * them all, and every run stops within its budget by the read units DynamoDB reports.
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoSweepDeps } from '#reconcile/aws/reindex-deps.js';
import { fixesOf, type SweepDeps, type SweepSummary, type SweepTable, sweep } from '#reconcile/sweep.js';
import { monthFigures } from '#table/facet-figures.js';
import { facetMonthKey, facetYearKey } from '#table/facet-keys.js';
import {
  entityMonthKey,
  listItemSummary,
  listItemsFor,
  listPartition,
  listSortKey,
  pendingKey,
  type ReleaseItem,
  releaseKey,
  type StoredListItem,
  SWEEP_STATE_KEY,
  type TableKey,
} from '#table/table-layout.js';
import { encodeS3EventKey, Sequencer, s3EventRecord } from '../../../scripts/local/s3-events.js';
import type { StreamHandler } from '../../../scripts/local/stream-delivery.js';
import { invokedAs } from '../../support/aws-calls.js';
import {
  type DerivedState,
  queryAll,
  releaseFile,
  sqsIngest,
  startProjector,
} from '../../support/ingest-harness.js';
import { freshServices, type TestServices } from '../../support/services.js';

const BUDGET = { readUnits: 12, requests: 1_000, millis: 600_000 };
const OBJECTS_PER_RUN = 4;

let services: TestServices;
let derived: DerivedState;
let ingest: ReturnType<typeof sqsIngest>;
let dropping = false;
const sequencer = new Sequencer();

const dropWhileTold =
  (handler: StreamHandler): StreamHandler =>
  async (event, context) => {
    if (dropping) return { batchItemFailures: [] };
    return handler(event, context);
  };

beforeAll(async () => {
  services = await freshServices();
  ingest = sqsIngest({ doc: services.doc, s3: services.s3, tableName: services.tableName });
  derived = await startProjector(services, { wrapProjector: dropWhileTold });
}, 120_000);

afterAll(async () => {
  await derived?.stop();
});

function file(n: number, fields: { date?: string } = {}): string {
  return releaseFile({
    title: `Release ${n}`,
    date: fields.date ?? `2024-0${(n % 9) + 1}-1${n % 10}`,
    ministers: [`Hon Minister ${n % 3}`],
    portfolios: [`Portfolio ${n % 2}`],
    body: `Body of release ${n}.`,
  });
}

async function upload(key: string, text: string, deliver = true): Promise<void> {
  await services.s3.send(new PutObjectCommand({ Bucket: services.bucket, Key: key, Body: text }));
  if (!deliver) return;
  await ingest({
    Records: [
      s3EventRecord({
        bucket: services.bucket,
        eventName: 'ObjectCreated:Put',
        eventTime: new Date().toISOString(),
        object: { key: encodeS3EventKey(key), size: 0, eTag: '', sequencer: sequencer.next() },
      }),
    ],
  });
}

async function exists(key: TableKey): Promise<boolean> {
  const { Item } = await services.doc.send(
    new GetCommand({ TableName: services.tableName, Key: key, ConsistentRead: true }),
  );
  return Item !== undefined;
}

/**
 * The sweep's table port, recording the read units of every request it makes, and whether the
 * request is one the budget gates (a scan page, or a read of the bucket slice's key states).
 */
function recording(table: SweepTable, requests: Array<{ units: number; gated: boolean }>): SweepTable {
  return {
    loadState: () => table.loadState(),
    saveState: (state, previous) => table.saveState(state, previous),
    async page(after, limit) {
      const page = await table.page(after, limit);
      requests.push({ units: page.readUnits, gated: true });
      return page;
    },
    async read<T extends TableKey>(keys: readonly TableKey[], options?: { consistent?: boolean }) {
      const result = await table.read<T>(keys, options);
      requests.push({ units: result.readUnits, gated: keys.every((key) => key.pk.startsWith('K#')) });
      return result;
    },
    async partition(pk, prefix, options) {
      const result = await table.partition(pk, prefix, options);
      requests.push({ units: result.readUnits, gated: false });
      return result;
    },
  };
}

describe('the reconcile sweep', () => {
  it('heals, over consecutive runs each within its budget, faults one run does not reach', async () => {
    for (let n = 0; n < 16; n++) await upload(`r${String(n).padStart(2, '0')}.md`, file(n));
    await derived.settled();
    const all = await queryAll(services, listPartition({ kind: 'all' }));
    expect(all).toHaveLength(16);

    // A lost delete: the object goes, its event never comes.
    await services.s3.send(new DeleteObjectCommand({ Bucket: services.bucket, Key: 'r05.md' }));
    // A lost create, last in the bucket's order: the bucket slices reach it after a few runs.
    await upload('z-late.md', file(40), false);
    // A dropped stream batch: the edit never reaches the projector; its marker stays.
    dropping = true;
    await upload('r03.md', file(3, { date: '2019-05-05' }));
    await derived.settled();
    dropping = false;
    // A release gone while a key still claims it (the claimants' re-apply was lost).
    await services.doc.send(new DeleteCommand({ TableName: services.tableName, Key: releaseKey('r09') }));
    await derived.settled();
    // A list item lost, an orphan list item, a wrong month count.
    const meta07 = (await queryAll<ReleaseItem>(services, 'R#r07')).find((item) => item.sk === 'META');
    if (!meta07) throw new Error('r07 has no release item');
    const minister = meta07.ministers[0]?.slug ?? '';
    const lost = {
      pk: listPartition({ kind: 'minister', minister }),
      sk: listSortKey(meta07.date, 'r07'),
    };
    expect(await exists(lost)).toBe(true);
    await services.doc.send(new DeleteCommand({ TableName: services.tableName, Key: lost }));
    const r08 = (await queryAll<Record<string, unknown>>(services, 'R#r08')).find((i) => i.sk === 'META');
    const orphan = {
      ...(listItemsFor({
        id: 'r08',
        title: 'Release 8',
        date: '2001-01-01',
        url: null,
        ministers: [{ slug: 'hon-nobody', name: 'Hon Nobody' }],
        portfolios: [],
        summary: 'Stale',
      })[1] as TableKey),
    };
    expect(r08).toBeDefined();
    await services.doc.send(
      new PutCommand({ TableName: services.tableName, Item: { ...orphan, t: 'Stale' } }),
    );
    const portfolio = meta07.portfolios[0]?.slug ?? '';
    const month = entityMonthKey('portfolio', portfolio, meta07.date.slice(0, 7));
    expect(await exists(month)).toBe(true);
    await services.doc.send(
      new UpdateCommand({
        TableName: services.tableName,
        Key: month,
        UpdateExpression: 'SET #count = :wrong',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':wrong': 99 },
      }),
    );
    // Facet aggregates gone wrong: every release's month (`EM#all`) and a portfolio's year.
    const allMonth = facetMonthKey({ kind: 'all' }, '2024-03');
    const portfolioYear = facetYearKey({ kind: 'portfolio', slug: portfolio }, meta07.date.slice(0, 4));
    for (const key of [allMonth, portfolioYear]) {
      expect(await exists(key), key.pk).toBe(true);
      await services.doc.send(
        new UpdateCommand({
          TableName: services.tableName,
          Key: key,
          UpdateExpression: 'SET #count = :wrong',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':wrong': 99 },
        }),
      );
    }
    // A month item with its count only, as written before facet figures: recounted to hold them.
    const countOnly = entityMonthKey('minister', minister, meta07.date.slice(0, 7));
    await services.doc.send(
      new UpdateCommand({ TableName: services.tableName, Key: countOnly, UpdateExpression: 'REMOVE m, p' }),
    );
    await derived.settled();
    expect(await exists(releaseKey('r05'))).toBe(true);
    expect(await exists(releaseKey('z-late'))).toBe(false);

    const requests: Array<{ units: number; gated: boolean }> = [];
    const base = dynamoSweepDeps(services);
    const deps: SweepDeps = { ...base, sweep: recording(base.sweep, requests) };
    const runs: SweepSummary[] = [];
    const run = invokedAs('reconcile', () =>
      sweep(deps, { budget: BUDGET, objectsPerRun: OBJECTS_PER_RUN, pageItems: 10, pendingGraceSeconds: 0 }),
    );
    let table = false;
    let bucket = false;
    while (!(table && bucket) && runs.length < 200) {
      requests.length = 0;
      const summary = await run();
      runs.push(summary);
      table ||= summary.sweep.tablePassDone;
      bucket ||= summary.sweep.bucketPassDone;
      // Within its budget: every scan page and slice read began while the budget was not spent
      // (a page's own checks complete once it is read), and the meter counts every read unit.
      let spent = 0;
      for (const request of requests) {
        if (request.gated && spent > 0) expect(spent).toBeLessThan(BUDGET.readUnits);
        spent += request.units;
      }
      expect(spent).toBeGreaterThan(0);
      expect(summary.sweep.readUnits).toBeGreaterThanOrEqual(spent);
      expect(summary.sweep.readUnits).toBeLessThan(BUDGET.readUnits * 3);
      expect(summary.sweep.saved).toBe(true);
      await derived.settled();
      if (runs.length === 1) {
        // One run: the stuck marker is repaired (every run does that), but it has not reached
        // the whole table, nor the lost create at the end of the bucket.
        expect(summary.pendingRepaired).toBe(1);
        expect(summary.sweep.tablePassDone).toBe(false);
        expect(summary.sweep.bucketPassDone).toBe(false);
        expect(await exists(releaseKey('z-late'))).toBe(false);
      }
    }
    expect(table && bucket).toBe(true);
    expect(runs.length).toBeGreaterThan(3);
    console.log(
      `sweep: ${runs.length} runs for a pass; read units per run ${runs.map((r) => r.sweep.readUnits).join(', ')}; items scanned ${runs.reduce((n, r) => n + r.sweep.itemsScanned, 0)}`,
    );
    // The budget is what stops a run before the pass ends.
    const stopped = runs.filter((summary) => !summary.sweep.tablePassDone && summary.sweep.readUnits > 0);
    expect(stopped.length).toBeGreaterThan(0);
    for (const summary of stopped)
      expect(summary.sweep.readUnits).toBeGreaterThanOrEqual(BUDGET.readUnits - 2);
    const total = (field: 'added' | 'removed') => runs.reduce((sum, summary) => sum + summary[field], 0);
    expect(total('added')).toBe(2);
    expect(total('removed')).toBe(1);

    const { Item: state } = await services.doc.send(
      new GetCommand({ TableName: services.tableName, Key: SWEEP_STATE_KEY, ConsistentRead: true }),
    );
    expect(state).toMatchObject({ runs: runs.length, tablePasses: 1, bucketPasses: 1 });

    await derived.settled();
    const ids = (await queryAll<{ sk: string }>(services, listPartition({ kind: 'all' }))).map((i) =>
      i.sk.slice(11),
    );
    expect(ids.sort()).toEqual(
      [...Array.from({ length: 16 }, (_, n) => `r${String(n).padStart(2, '0')}`), 'z-late']
        .filter((id) => id !== 'r05')
        .sort(),
    );
    expect(await exists({ pk: 'L#ALL', sk: listSortKey('2019-05-05', 'r03') })).toBe(true);
    expect(await exists(lost)).toBe(true);
    expect(await exists({ pk: orphan.pk, sk: orphan.sk })).toBe(false);
    const { Item: counted } = await services.doc.send(
      new GetCommand({ TableName: services.tableName, Key: month, ConsistentRead: true }),
    );
    expect(counted?.count).not.toBe(99);
    const count = async (key: TableKey) =>
      (
        await services.doc.send(
          new GetCommand({ TableName: services.tableName, Key: key, ConsistentRead: true }),
        )
      ).Item?.count;
    const inMonth = (await queryAll<{ sk: string }>(services, listPartition({ kind: 'all' }))).filter((i) =>
      i.sk.startsWith('2024-03-'),
    ).length;
    expect(await count(allMonth)).toBe(inMonth);
    const { Item: refigured } = await services.doc.send(
      new GetCommand({ TableName: services.tableName, Key: countOnly, ConsistentRead: true }),
    );
    expect(refigured?.m).toMatchObject({ [minister]: refigured?.count });
    const months = await queryAll<{ sk: string; count?: number }>(
      services,
      portfolioYear.pk.replace('EY#', 'EM#'),
    );
    expect(await count(portfolioYear)).toBe(
      months.filter((m) => m.sk.startsWith(portfolioYear.sk)).reduce((n, m) => n + Number(m.count ?? 0), 0),
    );
    // On a healed table, figures whose count is right but whose breakdown is wrong (a day item of
    // every release's month, a month's ministers, a year's portfolios) and a portfolio's lost day
    // item: the sweep recounts them, with no release repair to do it on the way.
    const fullPass = async () => {
      const runs = [await run()];
      while (!runs.at(-1)?.sweep.tablePassDone && runs.length < 200) runs.push(await run());
      return runs;
    };
    // Where the first phase left the scan: to the end of that pass.
    await fullPass();
    const allScope = { kind: 'all' } as const;
    const breakdown = async (key: TableKey, field: string, value: unknown) => {
      await services.doc.send(
        new UpdateCommand({
          TableName: services.tableName,
          Key: key,
          UpdateExpression: 'SET #f = :value',
          ExpressionAttributeNames: { '#f': field },
          ExpressionAttributeValues: { ':value': value },
        }),
      );
    };
    // A wrong figure while a change is in flight (a pending marker younger than the grace) may be
    // a recount the projector has yet to land: recounted, not counted as drift (no alarm).
    const inFlight = pendingKey('change-in-flight');
    await services.doc.send(
      new PutCommand({
        TableName: services.tableName,
        Item: { ...inFlight, id: 'change-in-flight', at: '2999-01-01T00:00:00.000Z' },
      }),
    );
    await breakdown(facetMonthKey(allScope, '2024-05'), 'm', { 'hon-in-flight': 1 });
    const racing = await fullPass();
    expect(racing.reduce((n, r) => n + r.sweep.figuresRecounted, 0)).toBeGreaterThanOrEqual(1);
    expect(racing.reduce((n, r) => n + r.sweep.figuresDrifted, 0)).toBe(0);
    expect(racing.map(fixesOf)).toEqual(racing.map(() => 0));
    await services.doc.send(new DeleteCommand({ TableName: services.tableName, Key: inFlight }));
    const allDays = await queryAll<TableKey>(services, 'ED#all');
    const wrongDay = allDays.find((day) => day.sk.startsWith('2024-04-'));
    const lostDay = allDays.find((day) => !day.sk.startsWith('2024-04-') && !day.sk.startsWith('2024-05-'));
    if (!wrongDay || !lostDay) throw new Error('the corpus has no day item to break');
    const wrongFigures: Array<[TableKey, string, unknown]> = [
      [{ pk: wrongDay.pk, sk: wrongDay.sk }, 'p', { 'hon-nobody': 7 }],
      [facetMonthKey(allScope, '2024-05'), 'm', { 'hon-nobody': 1 }],
      [facetYearKey(allScope, '2024'), 'p', {}],
    ];
    for (const [key, field, wrong] of wrongFigures) {
      expect(await exists(key), key.pk).toBe(true);
      await breakdown(key, field, wrong);
    }
    const lostDays = { pk: lostDay.pk, sk: lostDay.sk };
    await services.doc.send(new DeleteCommand({ TableName: services.tableName, Key: lostDays }));
    const healing = await fullPass();
    expect(healing.reduce((n, r) => n + r.repairsRequested, 0)).toBe(0);
    expect(healing.reduce((n, r) => n + r.sweep.figuresRecounted, 0)).toBeGreaterThanOrEqual(4);
    // With nothing in flight, each is confirmed by a consistent re-read: drift, a fix (the alarm).
    expect(healing.reduce((n, r) => n + r.sweep.figuresDrifted, 0)).toBe(4);
    expect(healing.reduce((n, r) => n + fixesOf(r), 0)).toBe(4);
    // Every figure is what a count of the lists gives, breakdowns and days included.
    const item = async (key: TableKey) =>
      (
        await services.doc.send(
          new GetCommand({ TableName: services.tableName, Key: key, ConsistentRead: true }),
        )
      ).Item;
    const listed = async (pk: string, prefix: string) =>
      (await queryAll<StoredListItem>(services, pk))
        .filter((i) => i.sk.startsWith(prefix))
        .map(listItemSummary);
    const allList = listPartition({ kind: 'all' });
    expect((await item({ pk: wrongDay.pk, sk: wrongDay.sk }))?.p).toEqual(
      monthFigures(await listed(allList, `${wrongDay.sk}#`)).p,
    );
    expect((await item(facetMonthKey(allScope, '2024-05')))?.m).toEqual(
      monthFigures(await listed(allList, '2024-05-')).m,
    );
    expect((await item(facetYearKey(allScope, '2024')))?.p).toEqual(
      monthFigures(await listed(allList, '2024-')).p,
    );
    expect((await item(lostDays))?.count).toBe((await listed(allList, `${lostDays.sk}#`)).length);
    // A further pass over a healed table fixes nothing, and recounts nothing.
    for (const again of await fullPass()) {
      expect(again.added + again.updated + again.removed + again.repairsRequested).toBe(0);
      expect(again.sweep.figuresRecounted).toBe(0);
      expect(fixesOf(again)).toBe(0);
    }
  }, 300_000);
});
