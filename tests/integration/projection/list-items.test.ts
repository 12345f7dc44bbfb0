/**
 * List items of both stored forms on DynamoDB Local: the slim form `listItemsFor` writes and the
 * older form (the whole summary under its own names, with `id` and `date`) that a deployed table
 * still holds. The reader, the entity recount and the reindex repair read both alike.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoEntityFigures } from '#projection/aws/dynamodb-entity-figures.js';
import { DynamoReleaseReader } from '#query/aws/dynamodb-release-reader.js';
import { dynamoReindexDeps, dynamoSweepDeps } from '#reconcile/aws/reindex-deps.js';
import { reindex } from '#reconcile/reindex.js';
import { sweep } from '#reconcile/sweep.js';
import type { ReleaseSummary } from '#release/release.js';
import {
  entityKey,
  type ListItem,
  listItemsFor,
  listPartition,
  listSortKey,
  type StoredListItem,
  summaryOf,
} from '#table/table-layout.js';
import { ingestHarness, queryAll, releaseFile } from '../../support/ingest-harness.js';
import { freshServices, type TestServices } from '../../support/services.js';

const bits = { version: 'v1234567', bits: new Uint8Array([1, 2, 3]) };

function summary(id: string, date: string, fields: Partial<ReleaseSummary> = {}): ReleaseSummary {
  return {
    id,
    title: `Title of ${id}`,
    date,
    url: `https://www.beehive.govt.nz/release/${id}`,
    ministers: [{ slug: 'a', name: `Hon A (${id})` }],
    portfolios: [{ slug: 'x', name: 'X' }],
    summary: `Summary of ${id}.`,
    ...fields,
  };
}

/** The older form of a release's list items: the whole summary under its own names. */
function olderForm(release: ReleaseSummary, withBits: boolean): StoredListItem[] {
  return listItemsFor(release).map(({ pk, sk }) => ({
    pk,
    sk,
    ...summaryOf(release),
    ...(withBits ? { tbv: bits.version, tb: bits.bits } : {}),
  }));
}

let services: TestServices;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const put = (items: ReadonlyArray<StoredListItem | ListItem>) =>
  Promise.all(
    items.map((Item) =>
      services.doc.send(new PutCommand({ TableName: services.tableName, Item: { ...Item } })),
    ),
  );

describe('list items of the older and the current form', () => {
  it('are read as the same summaries and bits by the list reader', async () => {
    services = await freshServices({ stream: false });
    const old = [summary('old-no-bits', '2024-01-01', { url: null }), summary('old-bits', '2024-02-01')];
    const slim = [
      summary('slim-no-bits', '2024-03-01', { url: 'https://example.org/r?id=7' }),
      summary('slim-bits', '2024-04-01', { ministers: [] }),
    ];
    await put([
      ...olderForm(old[0] as ReleaseSummary, false),
      ...olderForm(old[1] as ReleaseSummary, true),
      ...listItemsFor(slim[0] as ReleaseSummary),
      ...listItemsFor(slim[1] as ReleaseSummary, bits),
    ]);
    const reader = new DynamoReleaseReader(services.doc, services.tableName);
    const page = await reader.listReleases({ scope: { kind: 'all' }, range: {}, limit: 3 });
    expect(page.hasMore).toBe(true);
    const rest = await reader.listReleases({
      scope: { kind: 'all' },
      range: {},
      limit: 3,
      after: page.entries.at(-1)?.sk,
    });
    expect(rest.hasMore).toBe(false);
    const entries = [...page.entries, ...rest.entries];
    const newestFirst = [...old, ...slim].reverse();
    expect(entries.map((entry) => entry.sk)).toEqual(newestFirst.map((s) => listSortKey(s.date, s.id)));
    expect(entries.map((entry) => entry.summary)).toEqual(newestFirst.map(summaryOf));
    expect(entries.map((entry) => entry.bits)).toEqual([bits, undefined, bits, undefined]);

    const minister = await reader.listReleases({
      scope: { kind: 'minister', minister: 'a' },
      range: {},
      limit: 10,
    });
    expect(minister.entries.map((entry) => entry.summary.id)).toEqual([
      'slim-no-bits',
      'old-bits',
      'old-no-bits',
    ]);
  });

  it('give the entity recount the name and date of the newest release in either form', async () => {
    services = await freshServices({ stream: false });
    const figures = new DynamoEntityFigures(services.doc, services.tableName);
    const entity = async () =>
      (
        await services.doc.send(
          new GetCommand({
            TableName: services.tableName,
            Key: entityKey('minister', 'a'),
            ConsistentRead: true,
          }),
        )
      ).Item;
    await put(olderForm(summary('first', '2024-01-01'), true));
    await figures.recountEntities([{ kind: 'minister', slug: 'a' }]);
    expect(await entity()).toMatchObject({ name: 'Hon A (first)', latestDate: '2024-01-01' });
    await put(listItemsFor(summary('second', '2024-02-01'), bits));
    await figures.recountEntities([{ kind: 'minister', slug: 'a' }]);
    expect(await entity()).toMatchObject({ name: 'Hon A (second)', latestDate: '2024-02-01' });
  });

  it('give their month items the newest release, which the entity recount then reads instead of the list', async () => {
    services = await freshServices({ stream: false });
    const commands: string[] = [];
    services.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'count' },
    );
    const figures = new DynamoEntityFigures(services.doc, services.tableName);
    const minister = { kind: 'minister' as const, slug: 'a' };
    await put(listItemsFor(summary('older', '2024-01-09'), bits));
    await put(listItemsFor(summary('jan', '2024-01-20'), bits));
    await put(olderForm(summary('feb', '2024-02-03'), true));
    await figures.recountMonths([
      { ...minister, month: '2024-01' },
      { ...minister, month: '2024-02' },
    ]);
    const get = async (pk: string, sk: string) =>
      (await services.doc.send(new GetCommand({ TableName: services.tableName, Key: { pk, sk } }))).Item;
    expect(await get('EM#minister#a', '2024-01')).toMatchObject({
      count: 2,
      latestDate: '2024-01-20',
      name: 'Hon A (jan)',
    });
    commands.length = 0;
    await figures.recountEntities([minister]);
    expect(commands.filter((command) => command === 'QueryCommand')).toHaveLength(1);
    expect(await get('E#minister', 'a')).toMatchObject({
      count: 3,
      name: 'Hon A (feb)',
      latestDate: '2024-02-03',
    });

    // A month item from before months kept their newest release: the list partition says.
    await services.doc.send(
      new PutCommand({
        TableName: services.tableName,
        Item: { pk: 'EM#minister#a', sk: '2024-03', count: 1, m: {}, p: {} },
      }),
    );
    await put(listItemsFor(summary('mar', '2024-03-05'), bits));
    commands.length = 0;
    await figures.recountEntities([minister]);
    expect(commands.filter((command) => command === 'QueryCommand')).toHaveLength(2);
    expect(await get('E#minister', 'a')).toMatchObject({
      count: 4,
      name: 'Hon A (mar)',
      latestDate: '2024-03-05',
    });
  });

  it('give a month naming another newest release to the reindex and the sweep, which recount it and its entity', async () => {
    services = await freshServices();
    const h = ingestHarness(services);
    close = () => h.close();
    await h.put('one.md', releaseFile({ title: 'One', date: '2024-05-01', ministers: ['Hon A'] }));
    await h.settled();
    const [minister] = await queryAll(services, 'E#minister');
    const slug = String(minister?.sk);
    const month = { pk: `EM#minister#${slug}`, sk: '2024-05' };
    const entity = entityKey('minister', slug);
    const get = async (Key: { pk: string; sk: string }) =>
      (await services.doc.send(new GetCommand({ TableName: services.tableName, Key, ConsistentRead: true })))
        .Item;
    const name = (await get(month))?.name;
    expect(name).toBe('Hon A');
    expect(minister?.name).toBe(name);
    // A recount lost after an edit of the minister's name: the month and the entity name the old one.
    const stale = async () => {
      for (const Key of [month, entity])
        await services.doc.send(
          new UpdateCommand({
            TableName: services.tableName,
            Key,
            UpdateExpression: 'SET #name = :stale',
            ExpressionAttributeNames: { '#name': 'name' },
            ExpressionAttributeValues: { ':stale': 'Hon Stale' },
          }),
        );
    };

    await stale();
    await reindex(dynamoReindexDeps({ ...services, tableName: services.tableName }));
    expect((await get(month))?.name).toBe(name);
    expect((await get(entity))?.name).toBe(name);

    await stale();
    const deps = dynamoSweepDeps(services);
    for (let runs = 0; runs < 20; runs += 1)
      if ((await sweep(deps, { pendingGraceSeconds: 0 })).sweep.tablePassDone) break;
    expect((await get(month))?.name).toBe(name);
    expect((await get(entity))?.name).toBe(name);
  });

  it('pass the reindex repair when they hold the right summary; a wrong one is rewritten in the current form', async () => {
    services = await freshServices();
    const h = ingestHarness(services);
    close = () => h.close();
    await h.put(
      'one.md',
      releaseFile({
        title: 'One',
        date: '2024-05-01',
        url: 'https://example.org/r/one',
        ministers: ['Hon A'],
      }),
    );
    await h.put('two.md', releaseFile({ title: 'Two', date: '2024-06-01', ministers: ['Hon B'] }));
    const listed = await h.list();
    const one = listed.find((item) => item.title === 'One');
    expect(one).toBeDefined();
    const release = summaryOf(one as ReleaseSummary);

    // The table as it was before the slim form: release one's list items in the older form.
    await put(olderForm(release, true));
    const deps = () => dynamoReindexDeps({ ...services, tableName: services.tableName });
    expect(await reindex(deps())).toMatchObject({ listItemsFixed: 0, entitiesRecounted: 0 });
    expect(await h.list()).toEqual(listed.map((item) => (item.id === release.id ? { ...item, bits } : item)));

    // A stale one (another title) is put right, in the current form.
    const key = { pk: listPartition({ kind: 'all' }), sk: listSortKey(release.date, release.id) };
    await put([{ ...(olderForm(release, false)[0] as StoredListItem), title: 'Stale' }]);
    expect(await reindex(deps())).toMatchObject({ listItemsFixed: 1, repairsRequested: 1 });
    // The repair goes through the projector, which writes the release's list items again.
    await h.settled();
    const { Item } = await services.doc.send(
      new GetCommand({ TableName: services.tableName, Key: key, ConsistentRead: true }),
    );
    expect(Item).toMatchObject(listItemsFor(release)[0] as object);
    expect(Item?.title).toBeUndefined();
  });
});
