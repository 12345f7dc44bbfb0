/**
 * Entity figures recounted by projectors running at once (several shards, or a shard's batches
 * retried while the next runs), against DynamoDB Local. DynamoDB Local answers fast and in order,
 * so the calls are delayed at random here (as a busy service delays them) to widen the windows
 * between a recount's read and its write: that is when a stale recount could land last.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoEntityFigures } from '#projection/aws/dynamodb-entity-figures.js';
import type { Release } from '#release/release.js';
import { facetDaysKey, facetMonthKey, facetYearKey } from '#table/facet-keys.js';
import { releaseItemFor } from '#table/release-items.js';
import { entityKey, entityMonthKey, listItemsFor, type TableKey } from '#table/table-layout.js';
import { localDynamoDbClient } from '../../../scripts/local/dynamodb-local.js';
import { queryAll } from '../../support/ingest-harness.js';
import { documentClient, freshServices, type TestServices } from '../../support/services.js';

let services: TestServices;
beforeEach(async () => {
  services = await freshServices({ stream: false });
});

/** A client whose every call waits up to `maxMs` before it is sent and again before it returns. */
function slowClient(endpoint: string, maxMs: number): DynamoDBClient {
  const client = localDynamoDbClient(endpoint);
  const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));
  client.middlewareStack.add(
    (next) => async (args) => {
      await pause();
      const output = await next(args);
      await pause();
      return output;
    },
    { step: 'finalizeRequest', name: 'randomDelay' },
  );
  return client;
}

function release(i: number, month: string): Release {
  return {
    id: `r-${i}`,
    title: `Release ${i}`,
    date: `${month}-${String(1 + (i % 28)).padStart(2, '0')}`,
    url: null,
    ministers: [{ slug: 'busy', name: 'Hon Busy' }],
    portfolios: [{ slug: 'finance', name: 'Finance' }],
    summary: 'S',
    body: 'B',
    extra: {},
  };
}

/** A client that holds its n-th UpdateItem (1-based) until `hold(n)` resolves. */
function gatedClient(endpoint: string, hold: (n: number) => Promise<void>): DynamoDBClient {
  const client = localDynamoDbClient(endpoint);
  let updates = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand') await hold(++updates);
      return next(args);
    },
    { step: 'initialize', name: 'gate' },
  );
  return client;
}

/** A promise to wait on, and the function that ends the wait. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire = () => {};
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

describe('entity recounts racing each other', () => {
  const month = { kind: 'minister' as const, slug: 'busy', month: '2024-07' };
  const putListItems = async (i: number, inMonth = month.month) => {
    const item = releaseItemFor(release(i, inMonth), {
      key: `k${i}.md`,
      sourceTime: 't',
      updatedAt: 't',
      rev: 1,
    });
    await services.doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [services.tableName]: listItemsFor(item).map((Item) => ({ PutRequest: { Item: { ...Item } } })),
        },
      }),
    );
  };
  const storedCount = async () =>
    (
      await services.doc.send(
        new GetCommand({
          TableName: services.tableName,
          Key: entityMonthKey(month.kind, month.slug, month.month),
          ConsistentRead: true,
        }),
      )
    ).Item?.count;

  /**
   * A (on a client that holds its first UpdateItem) runs `first`; while that write waits, a second
   * release arrives and B runs `later`; then A's write goes on. Returns A's contended recounts.
   */
  const heldFirstWrite = async (
    first: (a: DynamoEntityFigures) => Promise<void>,
    later: (b: DynamoEntityFigures) => Promise<void>,
  ): Promise<number> => {
    const reached = signal();
    const release_ = signal();
    const gated = gatedClient(services.dynamoEndpoint, async (n) => {
      if (n === 1) {
        reached.fire();
        await release_.promise;
      }
    });
    let contended = 0;
    const a = new DynamoEntityFigures(documentClient(gated), services.tableName, () => contended++);
    const b = new DynamoEntityFigures(services.doc, services.tableName);
    const running = first(a);
    await reached.promise;
    await putListItems(2);
    await later(b);
    release_.fire();
    await running;
    gated.destroy();
    return contended;
  };

  it('a recount that counted before another release arrived and writes after its recount leaves no stale count', async () => {
    // A counts one release, then waits at its write while a second release arrives and B
    // recounts it. A's write must not land over B's.
    await putListItems(1);
    const contended = await heldFirstWrite(
      (a) => a.recountMonths([month]),
      (b) => b.recountMonths([month]),
    );
    expect(await storedCount()).toBe(2);
    expect(contended).toBe(1);
  });

  it('a contended recount that claimed a version and counted before a later recount does not land over it', async () => {
    // A's optimistic write loses to a claim made meanwhile; A claims a version, counts one
    // release, and waits at its guarded write while a second release arrives and B recounts it.
    const reachedSettle = signal();
    const releaseSettle = signal();
    const gated = gatedClient(services.dynamoEndpoint, async (n) => {
      if (n === 1) await new DynamoEntityFigures(services.doc, services.tableName).recountMonths([month]);
      if (n === 3) {
        reachedSettle.fire();
        await releaseSettle.promise;
      }
    });
    let contended = 0;
    const a = new DynamoEntityFigures(documentClient(gated), services.tableName, () => contended++);
    const b = new DynamoEntityFigures(services.doc, services.tableName);
    await putListItems(1);
    const first = a.recountMonths([month]);
    await reachedSettle.promise;
    await putListItems(2);
    await b.recountMonths([month]);
    releaseSettle.fire();
    await first;
    gated.destroy();
    expect(contended).toBe(1);
    expect(await storedCount()).toBe(2);
  });

  it('end exact when projectors write list items and recount the same month and entity at once', async () => {
    const slow = slowClient(services.dynamoEndpoint, 40);
    const doc = documentClient(slow);
    let contended = 0;
    const projectors = Array.from(
      { length: 6 },
      () => new DynamoEntityFigures(doc, services.tableName, () => contended++),
    );
    const releases = 60;
    const months = ['2024-06', '2024-07'];
    await Promise.all(
      Array.from({ length: releases }, async (_, i) => {
        // Arrivals spread over the run, so that counts taken during it are partial.
        await new Promise((resolve) => setTimeout(resolve, i * 5));
        const month = months[i % months.length] as string;
        const item = releaseItemFor(release(i, month), {
          key: `k${i}.md`,
          sourceTime: 't',
          updatedAt: 't',
          rev: 1,
        });
        await doc.send(
          new BatchWriteCommand({
            RequestItems: {
              [services.tableName]: listItemsFor(item).map((Item) => ({ PutRequest: { Item: { ...Item } } })),
            },
          }),
        );
        // As a projector does after its batch: the month, then the entity that sums the months.
        const projector = projectors[i % projectors.length] as DynamoEntityFigures;
        await projector.recountMonths([{ kind: 'minister', slug: 'busy', month }]);
        await projector.recountYearsAndEntities(
          [{ kind: 'minister', slug: 'busy', year: '2024' }],
          [{ kind: 'minister', slug: 'busy' }],
        );
        // Every release's month: the release's day, then the month summed from its days.
        await projector.recountMonths([{ kind: 'all', slug: '', month, days: [item.date.slice(8, 10)] }]);
      }),
    );
    slow.destroy();

    const get = async (key: TableKey) =>
      (
        await services.doc.send(
          new GetCommand({ TableName: services.tableName, Key: key, ConsistentRead: true }),
        )
      ).Item;
    expect((await get(entityMonthKey('minister', 'busy', '2024-06')))?.count).toBe(releases / 2);
    expect((await get(entityMonthKey('minister', 'busy', '2024-07')))?.count).toBe(releases / 2);
    const entity = await get(entityKey('minister', 'busy'));
    expect(entity).toMatchObject({ count: releases, name: 'Hon Busy', latestDate: '2024-07-28' });
    expect(await get(facetYearKey({ kind: 'minister', slug: 'busy' }, '2024'))).toMatchObject({
      count: releases,
      months: { '06': releases / 2, '07': releases / 2 },
    });
    for (const month of months) {
      expect((await get(facetMonthKey({ kind: 'all' }, month)))?.count).toBe(releases / 2);
      const days = await queryAll<TableKey & { count: number }>(services, 'ED#all');
      const ofMonth = days.filter((day) => day.sk.startsWith(`${month}-`));
      expect(ofMonth.reduce((total, day) => total + day.count, 0)).toBe(releases / 2);
    }
    // The windows overlapped: some optimistic writes lost and took the version-ordered path.
    console.log(`entity recounts: ${releases * 2} recounts, ${contended} contended`);
    expect(contended).toBeGreaterThan(0);
  });

  it('a year and entity counted from a shared read of their months, then overtaken, land no stale count', async () => {
    // A reads the months once for the year and the entity; one of its writes waits while a
    // second release arrives and B recounts everything. A's held write must not land over B's.
    const years = [{ kind: 'minister' as const, slug: 'busy', year: '2024' }];
    const entities = [{ kind: 'minister' as const, slug: 'busy' }];
    await putListItems(1);
    await new DynamoEntityFigures(services.doc, services.tableName).recountMonths([month]);
    const contended = await heldFirstWrite(
      (a) => a.recountYearsAndEntities(years, entities),
      async (b) => {
        await b.recountMonths([month]);
        await b.recountYearsAndEntities(years, entities);
      },
    );
    const get = async (key: TableKey) =>
      (
        await services.doc.send(
          new GetCommand({ TableName: services.tableName, Key: key, ConsistentRead: true }),
        )
      ).Item;
    expect((await get(facetYearKey({ kind: 'minister', slug: 'busy' }, '2024')))?.count).toBe(2);
    expect((await get(entityKey('minister', 'busy')))?.count).toBe(2);
    expect(contended).toBe(1);
  });

  it("recounts entities and their years with one read of each entity's months", async () => {
    const client = localDynamoDbClient(services.dynamoEndpoint);
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'count' },
    );
    const shared = new DynamoEntityFigures(documentClient(client), services.tableName);
    const apart = new DynamoEntityFigures(services.doc, services.tableName);
    const people = [
      { kind: 'minister' as const, slug: 'busy' },
      { kind: 'portfolio' as const, slug: 'finance' },
    ];
    const months = ['2023-11', '2024-02', '2024-07'];
    for (const [i, m] of months.entries()) {
      await putListItems(10 + i, m);
      await apart.recountMonths([
        ...people.map((p) => ({ ...p, month: m })),
        { kind: 'all', slug: '', month: m },
      ]);
    }
    const years = [...people, { kind: 'all' as const, slug: '' }].flatMap((p) =>
      ['2023', '2024'].map((year) => ({ ...p, year })),
    );
    await shared.recountYearsAndEntities(years, people);
    client.destroy();
    const tally = (name: string) => commands.filter((command) => command === name).length;
    // 8 items in one group: their versions in one request, the months of each entity read once
    // (every release's years one read each), and a write per item.
    expect(tally('BatchGetItemCommand')).toBe(1);
    expect(tally('QueryCommand')).toBe(people.length + 2);
    expect(tally('UpdateItemCommand')).toBe(8);
    const figures = async () => {
      const keys = [
        ...years.map((y) => facetYearKey(y.kind === 'all' ? { kind: 'all' } : y, y.year)),
        ...people.map((p) => entityKey(p.kind, p.slug)),
      ];
      const out: Array<Record<string, unknown> | undefined> = [];
      for (const Key of keys) {
        const { Item } = await services.doc.send(
          new GetCommand({ TableName: services.tableName, Key, ConsistentRead: true }),
        );
        const { ver: _v, settledVer: _s, ...rest } = Item ?? {};
        out.push(rest);
      }
      return out;
    };
    const together = await figures();
    // The same figures as recounting years and entities apart, each from its own read.
    await apart.recountYears(years);
    await apart.recountEntities(people);
    expect(await figures()).toEqual(together);
    expect(together[0]).toMatchObject({ count: 1, months: { '11': 1 } });
    expect(together.at(-2)).toMatchObject({ count: 3, name: 'Hon Busy', latestDate: '2024-07-13' });
  });

  it('writes one item per uncontended recount', async () => {
    const figures = new DynamoEntityFigures(services.doc, services.tableName, () => {
      throw new Error('no recount runs concurrently here');
    });
    await figures.recountMonths([{ kind: 'portfolio', slug: 'empty', month: '2020-01' }]);
    await figures.recountMonths([{ kind: 'portfolio', slug: 'empty', month: '2020-01' }]);
    const { Item } = await services.doc.send(
      new GetCommand({ TableName: services.tableName, Key: entityMonthKey('portfolio', 'empty', '2020-01') }),
    );
    expect(Item).toMatchObject({ count: 0, ver: 2, settledVer: 2 });
  });

  it('reads the versions of the items it recounts together: one request per 16, then a count and a write each', async () => {
    const client = localDynamoDbClient(services.dynamoEndpoint);
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'count' },
    );
    const figures = new DynamoEntityFigures(documentClient(client), services.tableName);
    const months = Array.from({ length: 120 }, (_, i) => ({
      kind: 'portfolio' as const,
      slug: `p-${i}`,
      month: '2020-01',
    }));
    await figures.recountMonths(months);
    client.destroy();
    const tally = (name: string) => commands.filter((command) => command === name).length;
    expect(tally('BatchGetItemCommand')).toBe(8);
    expect(tally('GetItemCommand')).toBe(0);
    expect(tally('QueryCommand')).toBe(120);
    expect(tally('UpdateItemCommand')).toBe(120);
  });
});

describe('every release by day', () => {
  const all = { kind: 'all' as const, slug: '', month: '2024-07' };
  const scope = { kind: 'all' } as const;
  const write = async (put: Release[], remove: Release[] = []) => {
    const items = (r: Release) =>
      listItemsFor(releaseItemFor(r, { key: `${r.id}.md`, sourceTime: 't', updatedAt: 't', rev: 1 }));
    await services.doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [services.tableName]: [
            ...put.flatMap(items).map((Item) => ({ PutRequest: { Item: { ...Item } } })),
            ...remove.flatMap(items).map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } })),
          ],
        },
      }),
    );
  };
  const on = (i: number, date: string): Release => ({ ...release(i, '2024-07'), date });
  const get = async (key: TableKey) =>
    (
      await services.doc.send(
        new GetCommand({ TableName: services.tableName, Key: key, ConsistentRead: true }),
      )
    ).Item;

  it('recounts the days a change touched and sums the month from its day items', async () => {
    const figures = new DynamoEntityFigures(services.doc, services.tableName);
    const [a, b, c] = [on(1, '2024-07-02'), on(2, '2024-07-02'), on(3, '2024-07-09')];
    await write([a, b, c]);
    await figures.recountMonths([{ ...all, days: ['02', '09'] }]);
    expect(await get(facetDaysKey(scope, '2024-07-02'))).toMatchObject({ count: 2, m: { busy: 2 }, ver: 1 });
    expect(await get(facetDaysKey(scope, '2024-07-09'))).toMatchObject({ count: 1, ver: 1 });
    expect(await get(facetMonthKey(scope, '2024-07'))).toMatchObject({
      count: 3,
      m: { busy: 3 },
      p: { finance: 3 },
    });

    // b moves to the 15th: its two days are recounted, the 9th is left alone.
    await write([{ ...b, date: '2024-07-15' }], [b]);
    await figures.recountMonths([{ ...all, days: ['02', '15'] }]);
    expect(await get(facetDaysKey(scope, '2024-07-02'))).toMatchObject({ count: 1, ver: 2 });
    expect(await get(facetDaysKey(scope, '2024-07-15'))).toMatchObject({ count: 1, ver: 1 });
    expect(await get(facetDaysKey(scope, '2024-07-09'))).toMatchObject({ count: 1, ver: 1 });
    expect(await get(facetMonthKey(scope, '2024-07'))).toMatchObject({ count: 3 });

    // A repair names no days: every day with list items or a day item is recounted.
    await write([], [c]);
    await figures.recountMonths([all]);
    expect(await get(facetDaysKey(scope, '2024-07-09'))).toMatchObject({ count: 0, m: {}, p: {} });
    expect(await get(facetMonthKey(scope, '2024-07'))).toMatchObject({ count: 2, m: { busy: 2 } });
    // A minister's month keeps no day items: its cut months are read from its list items.
    await figures.recountMonths([{ kind: 'minister', slug: 'busy', month: '2024-07' }]);
    expect(await queryAll(services, 'ED#minister#busy')).toEqual([]);
    expect(await get(entityMonthKey('minister', 'busy', '2024-07'))).toMatchObject({ count: 2 });
  });
});
