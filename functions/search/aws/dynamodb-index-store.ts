/**
 * Adapter: the indexer's store (search/index-batch.ts) on the single table. Shared items
 * (posting fragments, vocabulary) are plain batched puts of new or identical items; a release's
 * own items (folded copy, search entry) are written one by one on condition that no later state
 * of that release is stored: the only items the indexer writes conditionally are owned by one
 * release, so concurrent indexers of different releases never contend.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { runLimited } from '#platform/run-limited.js';
import { batchGet, batchWrite, putRequests } from '#table/aws/dynamodb-batch.js';
import type { TableKey } from '#table/table-layout.js';
import { DEFAULT_STOP_WORDS } from '../default-stop-words.js';
import type { IndexedCopy, IndexStore } from '../index-batch.js';
import {
  archivedStopListKey,
  foldedCopyKey,
  STOP_LIST_KEY,
  type StopList,
  stopListFromItem,
} from '../keys.js';
import { stopListItems, stopListOf } from '../stop-list.js';

type Item = Record<string, unknown>;

export interface DynamoIndexStoreOptions {
  /** How long a read stop list is reused. @default 60000 */
  stopListTtlMillis?: number;
}

/** Keys per BatchGetItem. */
const BATCH_GET_KEYS = 100;
/** Vocabulary keys one container remembers having written (about 100 bytes each). */
const VOCABULARY_MEMORY = 200_000;
/** How old a cached stop list must be to be read again when a folded copy names another. */
const REREAD_AFTER_MILLIS = 1000;
/** Archived stop lists one container keeps (they never change; a re-derivation needs one). */
const ARCHIVED_LISTS_KEPT = 4;

/** Remembers written vocabulary up to a bound, then starts over (a word put twice costs one write). */
class BoundedSet {
  private readonly keys = new Set<string>();
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    if (this.keys.size >= VOCABULARY_MEMORY) this.keys.clear();
    this.keys.add(key);
  }
}

export class DynamoIndexStore implements IndexStore {
  private stopListCache: { at: number; value: StopList } | undefined;
  private readonly archivedLists = new Map<string, StopList | undefined>();
  readonly knownVocabulary = new BoundedSet();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoIndexStoreOptions = {},
  ) {}

  async foldedCopies(ids: readonly string[]): Promise<Map<string, IndexedCopy>> {
    const items = await batchGet<IndexedCopy & TableKey>(
      this.doc,
      this.tableName,
      ids.map((id) => foldedCopyKey(id)),
      { consistent: true },
    );
    return new Map(items.map((item) => [item.id, item]));
  }

  async storedVocabulary(keys: readonly TableKey[]): Promise<Set<string>> {
    const groups: TableKey[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) groups.push(keys.slice(i, i + BATCH_GET_KEYS));
    const stored = new Set<string>();
    await runLimited(groups, 8, async (group) => {
      // Eventually consistent, keys only: a word put a moment ago and not seen is put again, the same item.
      const items = await batchGet<TableKey>(this.doc, this.tableName, group, {
        projection: '#pk, #sk',
        names: { '#pk': 'pk', '#sk': 'sk' },
      });
      for (const item of items) stored.add(`${item.pk}\u0000${item.sk}`);
    });
    return stored;
  }

  async putItems(items: readonly object[]): Promise<void> {
    await batchWrite(this.doc, this.tableName, putRequests(items), { concurrency: 8 });
  }

  async putOwn(key: TableKey, item: Item | undefined, at: string): Promise<'written' | 'stale'> {
    const condition = {
      ConditionExpression: 'attribute_not_exists(#at) OR #at <= :at',
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: { ':at': at },
    };
    try {
      if (item) await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ...condition }));
      else await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key, ...condition }));
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      throw error;
    }
  }

  async stopListOf(version: string, current: StopList): Promise<{ stop: StopList; written?: StopList }> {
    // A copy written under another list than the cached one: the list may have been re-derived
    // since it was read (and this release indexed under the new one), so read it again.
    const stop = await this.stopList(REREAD_AFTER_MILLIS);
    const base = stop.version === current.version ? current : stop;
    if (version === base.version) return { stop: base };
    const written = await this.archivedStopList(version);
    return { stop: base, ...(written ? { written } : {}) };
  }

  /** The stop list of `version` as written, if archived (lists written before archiving was are not). */
  private async archivedStopList(version: string): Promise<StopList | undefined> {
    if (this.archivedLists.has(version)) return this.archivedLists.get(version);
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: archivedStopListKey(version) }),
    );
    const value = Item ? stopListFromItem(Item) : undefined;
    if (this.archivedLists.size >= ARCHIVED_LISTS_KEPT) this.archivedLists.clear();
    this.archivedLists.set(version, value);
    return value;
  }

  /**
   * The stop list. Before any exists (a new deployment), the first indexer writes the default
   * one: its presence tells queries that the index is built, and every release indexed from then
   * on is in it. A conditional put that only a first indexer can win; losing it means one exists.
   */
  async stopList(maxAgeMillis?: number): Promise<StopList> {
    const ttl = Math.min(maxAgeMillis ?? Number.POSITIVE_INFINITY, this.options.stopListTtlMillis ?? 60_000);
    if (this.stopListCache && Date.now() - this.stopListCache.at < ttl) return this.stopListCache.value;
    const read = async () =>
      (
        await this.doc.send(
          new GetCommand({ TableName: this.tableName, Key: STOP_LIST_KEY, ConsistentRead: true }),
        )
      ).Item;
    let item = await read();
    if (!item) {
      const [current, archived] = stopListItems(stopListOf(DEFAULT_STOP_WORDS));
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: archived }));
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: current,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      item = await read();
    }
    const value = stopListFromItem(item ?? {});
    this.stopListCache = { at: Date.now(), value };
    return value;
  }
}

/**
 * Writes a derived stop list in place of the current one, archived first so that the indexer
 * knows what an earlier list posted. Every release must then be indexed again under it
 * (`reindex --derive-stop-list` does both).
 */
export function dynamoStopLists(doc: DynamoDBDocumentClient, tableName: string) {
  return {
    async write(stop: StopList): Promise<void> {
      const [current, archived] = stopListItems(stop);
      await doc.send(new PutCommand({ TableName: tableName, Item: archived }));
      await doc.send(new PutCommand({ TableName: tableName, Item: current }));
    },
  };
}
