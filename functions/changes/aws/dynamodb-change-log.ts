/**
 * Adapter: the change log's writer over the single table, used by the projector only, with plain
 * puts and deletes. The API reads the log through query/aws/dynamodb-change-reader.ts.
 *
 * The projector logs several releases at once, each with the same steps (read its pointer, put the
 * pointer, put the item). Calls made together are sent together (DataLoader): the pointers in one
 * consistent `BatchGetItem`, the puts in one `BatchWriteItem`, instead of a request per release
 * and step. Each release still waits for its own write before its next step, so the order the
 * projection relies on (pointer before item) holds per release.
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import DataLoader from 'dataloader';
import { isTransientError } from '#platform/aws/transient-errors.js';
import { batchGet, batchWrite, putRequests } from '#table/aws/dynamodb-batch.js';
import type { TableKey } from '#table/table-layout.js';

import {
  type ChangeItem,
  type ChangeLogOptions,
  ChangeLogProjection,
  type ChangeLogStore,
  type ChangePointerItem,
  changeDayKey,
  changeItemKey,
  changePointerKey,
} from '../change-log.js';

const BATCH_WRITE_MAX = 25;
const BATCH_GET_MAX = 100;

type PutItem = TableKey & Record<string, unknown>;

const keyOf = (item: TableKey) => `${item.pk}\u0000${item.sk}`;

/**
 * Puts in call order, split where a key comes again (a `BatchWriteItem` refuses a key twice); an
 * identical item put twice is written once.
 */
export function putGroups(items: readonly PutItem[]): PutItem[][] {
  const groups: PutItem[][] = [];
  let group: PutItem[] = [];
  let seen = new Map<string, PutItem>();
  for (const item of items) {
    const key = keyOf(item);
    const earlier = seen.get(key);
    if (earlier !== undefined && JSON.stringify(earlier) === JSON.stringify(item)) continue;
    if (earlier !== undefined || group.length === BATCH_WRITE_MAX) {
      groups.push(group);
      group = [];
      seen = new Map();
    }
    group.push(item);
    seen.set(key, item);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

export class DynamoChangeLogStore implements ChangeLogStore {
  private readonly pointers: DataLoader<string, ChangePointerItem | undefined>;
  private readonly puts: DataLoader<PutItem, undefined>;
  private readonly deletes: DataLoader<string, undefined>;
  private readonly items: DataLoader<string, boolean>;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    // No cache: a pointer read must see the latest write, and every put must be sent.
    this.pointers = new DataLoader((ids) => this.readPointers(ids), {
      cache: false,
      maxBatchSize: BATCH_GET_MAX,
    });
    this.puts = new DataLoader((items) => this.writeAll(items), { cache: false });
    this.deletes = new DataLoader((positions) => this.deleteAll(positions), { cache: false });
    this.items = new DataLoader((positions) => this.findItems(positions), {
      cache: false,
      maxBatchSize: BATCH_GET_MAX,
    });
  }

  pointer(id: string): Promise<ChangePointerItem | undefined> {
    return this.pointers.load(id);
  }

  private async readPointers(ids: readonly string[]): Promise<Array<ChangePointerItem | undefined>> {
    // A key twice in one `BatchGetItem` is refused: each is read once.
    const found = await batchGet<ChangePointerItem>(
      this.doc,
      this.tableName,
      [...new Set(ids)].map(changePointerKey),
      {
        consistent: true,
      },
    );
    const byKey = new Map(found.map((item) => [keyOf(item), item]));
    return ids.map((id) => byKey.get(keyOf(changePointerKey(id))));
  }

  /**
   * The puts made together, in `BatchWriteItem`s. A request the table refuses outright (not a
   * transient failure) is retried item by item, so that one bad item fails only its own caller.
   */
  private async writeAll(items: readonly PutItem[]): Promise<Array<undefined | Error>> {
    const failed = new Map<string, Error>();
    for (const group of putGroups(items)) {
      try {
        await batchWrite(this.doc, this.tableName, putRequests(group));
      } catch (error) {
        if (group.length === 1 || isTransientError(error)) throw error;
        for (const item of group) {
          try {
            await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
          } catch (own) {
            failed.set(keyOf(item), own instanceof Error ? own : new Error(String(own)));
          }
        }
      }
    }
    return items.map((item) => failed.get(keyOf(item)));
  }

  hasItem(position: string): Promise<boolean> {
    return this.items.load(position);
  }

  private async findItems(positions: readonly string[]): Promise<boolean[]> {
    const found = await batchGet(this.doc, this.tableName, [...new Set(positions)].map(changeItemKey), {
      consistent: true,
      projection: '#pk, #sk',
      names: { '#pk': 'pk', '#sk': 'sk' },
    });
    const keys = new Set(found.map(keyOf));
    return positions.map((position) => keys.has(keyOf(changeItemKey(position))));
  }

  async putPointer(item: ChangePointerItem): Promise<void> {
    await this.puts.load({ ...item });
  }

  async putItem(item: ChangeItem): Promise<void> {
    await this.puts.load({ ...item });
  }

  async putDay(day: string): Promise<void> {
    await this.puts.load({ ...changeDayKey(day) });
  }

  async deleteItems(positions: readonly string[]): Promise<void> {
    await Promise.all(positions.map((position) => this.deletes.load(position)));
  }

  private async deleteAll(positions: readonly string[]): Promise<undefined[]> {
    const keys = [...new Set(positions)].map(changeItemKey);
    await batchWrite(
      this.doc,
      this.tableName,
      keys.map((Key) => ({ DeleteRequest: { Key } })),
    );
    return positions.map(() => undefined);
  }
}

/** The change log as the projector's plug-in. */
export function changeLogProjection(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: ChangeLogOptions = {},
): ChangeLogProjection {
  return new ChangeLogProjection(new DynamoChangeLogStore(doc, tableName), options);
}
