/**
 * The change log's writer sends the calls the projector's releases make together as one request:
 * their pointers in one consistent `BatchGetItem`, their puts and deletes in `BatchWriteItem`s,
 * with the same items the projection leaves one release at a time. A put the table refuses fails
 * only its own caller. Against DynamoDB Local.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoChangeLogStore, putGroups } from '#changes/aws/dynamodb-change-log.js';
import {
  type ChangeItem,
  ChangeLogProjection,
  type ChangePointerItem,
  changeItemKey,
  changePointerKey,
} from '#changes/change-log.js';
import type { Release } from '#release/release.js';
import type { ReleaseImageChange } from '#table/release-change.js';
import type { ReleaseItem } from '#table/table-layout.js';
import { localDynamoDbClient } from '../../../scripts/local/dynamodb-local.js';
import { invokedAs, recordAwsCalls } from '../../support/aws-calls.js';
import { documentClient, freshServices, type TestServices } from '../../support/services.js';

let services: TestServices;
beforeEach(async () => {
  services = await freshServices({ stream: false });
});

/** A document client that counts the requests it sends, by command. */
function countingClient() {
  const client = recordAwsCalls(localDynamoDbClient(services.dynamoEndpoint));
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'count' },
  );
  const take = () => {
    const out = Object.fromEntries(counts);
    counts.clear();
    return out;
  };
  return { doc: documentClient(client), take, destroy: () => client.destroy() };
}

function release(id: string): Release {
  return {
    id,
    title: `Title ${id}`,
    date: '2024-07-02',
    url: null,
    ministers: [{ slug: 'a', name: 'Hon A' }],
    portfolios: [],
    summary: 'S',
    body: 'Body',
    extra: {},
  };
}

const updatedAt = (rev: number) => new Date(Date.UTC(2025, 0, 1) + rev * 1000).toISOString();
const change = (id: string, seq: string, rev: number): ReleaseImageChange => ({
  id,
  after: { id, rev, sourceKey: `${id}.md`, updatedAt: updatedAt(rev) } as ReleaseItem,
  sequenceNumber: seq,
  at: updatedAt(rev),
});

async function pointerOf(id: string): Promise<ChangePointerItem | undefined> {
  const { Item } = await services.doc.send(
    new GetCommand({ TableName: services.tableName, Key: changePointerKey(id), ConsistentRead: true }),
  );
  return Item as ChangePointerItem | undefined;
}

async function itemAt(position: string): Promise<ChangeItem | undefined> {
  const { Item } = await services.doc.send(
    new GetCommand({ TableName: services.tableName, Key: changeItemKey(position), ConsistentRead: true }),
  );
  return Item as ChangeItem | undefined;
}

describe('the change log writer', () => {
  it('logs releases applied together in one read and a write per step, with the items of one-at-a-time logging', async () => {
    const counting = countingClient();
    const log = new ChangeLogProjection(new DynamoChangeLogStore(counting.doc, services.tableName));
    const ids = Array.from({ length: 8 }, (_, i) => `r${i}`);

    await Promise.all(ids.map((id) => log.apply(change(id, '100', 1), release(id))));
    // Pointers read together; then the day, the pointers and the items, each in one request.
    expect(counting.take()).toEqual({ BatchGetItemCommand: 1, BatchWriteItemCommand: 3 });
    const first = new Map<string, string>();
    for (const id of ids) {
      const pointer = await pointerOf(id);
      expect(pointer).toMatchObject({ seq: '100', state: updatedAt(1) });
      expect(pointer?.stale).toBeUndefined();
      const item = await itemAt(pointer?.cur ?? '');
      expect(item).toMatchObject({ id, type: 'upsert', rev: 1, seq: '100' });
      first.set(id, pointer?.cur ?? '');
    }

    // An edit of each: pointers, items, and the superseded items deleted, each step in one request.
    await Promise.all(ids.map((id) => log.apply(change(id, '200', 2), release(id))));
    expect(counting.take()).toEqual({ BatchGetItemCommand: 1, BatchWriteItemCommand: 3 });
    for (const id of ids) {
      const pointer = await pointerOf(id);
      expect(pointer).toMatchObject({ seq: '200', state: updatedAt(2) });
      expect(await itemAt(pointer?.cur ?? '')).toMatchObject({ id, rev: 2 });
      expect(await itemAt(first.get(id) ?? '')).toBeUndefined();
    }

    // A replay of what is logged: the pointers and their items read together, and the items the
    // pointers still name as superseded deleted again (idempotent), in one request.
    await Promise.all(ids.map((id) => log.apply(change(id, '200', 2), release(id))));
    expect(counting.take()).toEqual({ BatchGetItemCommand: 2, BatchWriteItemCommand: 1 });
    counting.destroy();
  });

  it('fails only the put the table refuses, and writes a key put twice together once', async () => {
    const counting = countingClient();
    const store = new DynamoChangeLogStore(counting.doc, services.tableName);
    const item = (id: string, extra = ''): ChangeItem => ({
      ...changeItemKey(`2025-03-04T05:06:07.000Z#${id}`),
      id,
      type: 'upsert',
      at: 't',
      seq: `1${extra}`,
    });
    // Over DynamoDB's 400 KB item limit: the batch is refused whole, then each put is tried alone.
    // Called as the projector, whose role the IAM check then holds these calls against (PutItem
    // included, which only this fallback makes).
    const results = await invokedAs('project', () =>
      Promise.allSettled([
        store.putItem(item('good-1')),
        store.putItem(item('too-large', 'x'.repeat(410 * 1024))),
        store.putItem(item('good-2')),
        store.putDay('2025-03-04'),
        store.putDay('2025-03-04'),
      ]),
    )();
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/size/i);
    expect(await itemAt('2025-03-04T05:06:07.000Z#good-1')).toMatchObject({ id: 'good-1' });
    expect(await itemAt('2025-03-04T05:06:07.000Z#good-2')).toMatchObject({ id: 'good-2' });
    expect(await itemAt('2025-03-04T05:06:07.000Z#too-large')).toBeUndefined();
    expect(counting.take()).toEqual({ BatchWriteItemCommand: 1, PutItemCommand: 4 });
    counting.destroy();
  });
});

describe('putGroups', () => {
  const put = (sk: string, v = 1) => ({ pk: 'P', sk, v });

  it('splits where a key comes again with another item, drops an identical repeat, and holds 25 at most', () => {
    expect(putGroups([put('a'), put('b'), put('a'), put('c')])).toEqual([[put('a'), put('b'), put('c')]]);
    expect(putGroups([put('a'), put('b'), put('a', 2), put('c')])).toEqual([
      [put('a'), put('b')],
      [put('a', 2), put('c')],
    ]);
    const many = Array.from({ length: 60 }, (_, i) => put(String(i)));
    expect(putGroups(many).map((group) => group.length)).toEqual([25, 25, 10]);
  });
});
