/**
 * Adapter: keeps the word index (functions/search/keys.ts) in step with one release. Called
 * by the projector with the release's id and its full new state (undefined when deleted).
 *
 * Plain, unconditional writes only: string-set ADD/DELETE on postings (idempotent, and they
 * commute with other releases' changes to the same posting), puts and deletes of items this
 * release owns. The release's folded copy (`R#<id>`/`X`) is its own state: read first (strongly
 * consistent) to know what to remove, written last, so a replay from any point converges.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { runLimited } from '#platform/run-limited.js';
import type { Release } from '#release/release.js';
import { batchWrite, putRequests } from '#table/aws/dynamodb-batch.js';
import type { TableKey } from '#table/table-layout.js';
import { DEFAULT_STOP_WORDS } from '../default-stop-words.js';
import {
  archivedStopListKey,
  type FoldedCopyItem,
  foldedCopyKey,
  STOP_LIST_KEY,
  type StopList,
  searchEntryKey,
  stopListFromItem,
} from '../keys.js';
import { stopListItems, stopListOf } from '../stop-list.js';
import { type PostingChange, planSync } from '../sync-plan.js';

/** Posting updates in flight at once for one release. */
const CONCURRENCY = 16;

async function bounded<T>(items: readonly T[], task: (item: T) => Promise<unknown>): Promise<void> {
  await runLimited(items, CONCURRENCY, async (item) => {
    await task(item);
  });
}

/** DynamoDB's answer to an update that would make an item larger than 400 KB. */
function isItemTooLarge(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && /item size/i.test(error.message);
}

export interface DynamoSearchIndexOptions {
  /** How long a read stop list is reused. @default 60000 */
  stopListTtlMillis?: number;
}

/** Vocabulary keys one container remembers having written (about 100 bytes each). */
const VOCABULARY_MEMORY = 200_000;
/** How old a cached stop list must be to be read again when a folded copy names another. */
const REREAD_AFTER_MILLIS = 1000;
/** Archived stop lists one container keeps (they never change; a re-derivation needs one). */
const ARCHIVED_LISTS_KEPT = 4;

export class DynamoSearchIndex {
  private stopListCache: { at: number; value: StopList } | undefined;
  private readonly vocabularyWritten = new Set<string>();
  private readonly archivedLists = new Map<string, StopList | undefined>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoSearchIndexOptions = {},
  ) {}

  /** Idempotent; `release` undefined removes the release from the index. */
  async sync(id: string, release: Release | undefined): Promise<void> {
    if (release && release.id !== id) throw new Error(`sync(${id}) was given release ${release.id}`);
    const [previous, cached] = await Promise.all([this.foldedCopy(id), this.stopList()]);
    // A copy written under another list than the cached one: the list may have been re-derived
    // since it was read (and this release synced under the new one), so read it again.
    const stop =
      previous && previous.stopVersion !== cached.version ? await this.stopList(REREAD_AFTER_MILLIS) : cached;
    const written =
      previous && previous.stopVersion !== stop.version
        ? await this.archivedStopList(previous.stopVersion)
        : undefined;
    const plan = planSync(release, previous, stop, written);
    await bounded(plan.adds, (change) => this.posting('ADD', change));
    await this.putVocabulary(plan.vocabulary);
    if (plan.searchEntry) {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: plan.searchEntry }));
    } else {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: searchEntryKey(id) }));
    }
    await bounded(plan.deletes, (change) => this.posting('DELETE', change));
    if (plan.foldedCopy) {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: plan.foldedCopy }));
    } else {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: foldedCopyKey(id) }));
    }
  }

  /**
   * Vocabulary items are never deleted (a word without postings costs a read, never a result), so
   * a word this container has put once needs no put again: at steady state most releases add no
   * new word, and the write units and requests go. Put in batches; remembered only once written.
   */
  private async putVocabulary(keys: readonly TableKey[]): Promise<void> {
    const fresh = keys.filter((key) => !this.vocabularyWritten.has(`${key.pk}\u0000${key.sk}`));
    if (fresh.length === 0) return;
    await batchWrite(this.doc, this.tableName, putRequests(fresh), { concurrency: 4 });
    if (this.vocabularyWritten.size + fresh.length > VOCABULARY_MEMORY) this.vocabularyWritten.clear();
    for (const key of fresh) this.vocabularyWritten.add(`${key.pk}\u0000${key.sk}`);
  }

  private async posting(action: 'ADD' | 'DELETE', change: PostingChange): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: change.key,
          UpdateExpression: `${action} #ids :entry`,
          ExpressionAttributeNames: { '#ids': 'ids' },
          ExpressionAttributeValues: { ':entry': new Set([change.entry]) },
        }),
      );
    } catch (error) {
      if (!(action === 'ADD' && isItemTooLarge(error))) throw error;
      // The word has become too common for one posting item per year: from now on it is a stop
      // word (served by the scan, where its matches are dense), so its partial postings are never
      // read. An unconditional set ADD: idempotent, and commutes with other projectors' overflows.
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: STOP_LIST_KEY,
          UpdateExpression: 'ADD #overflow :word',
          ExpressionAttributeNames: { '#overflow': 'overflow' },
          ExpressionAttributeValues: { ':word': new Set([change.word]) },
        }),
      );
      this.stopListCache = undefined;
    }
  }

  private async foldedCopy(id: string): Promise<FoldedCopyItem | undefined> {
    const output = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: foldedCopyKey(id), ConsistentRead: true }),
    );
    return output.Item as FoldedCopyItem | undefined;
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
   * The stop list. Before any exists (a new deployment), the first sync writes the default one:
   * its presence tells queries that the index is built, and every release synced from then on is
   * in it. A conditional put that only a first sync can win; losing it means one already exists.
   */
  private async stopList(maxAgeMillis?: number): Promise<StopList> {
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
 * Writes a derived stop list in place of the current one (its `overflow` goes with it), archived
 * first so that syncs know what it posts. Every release must then be synced again under it
 * (`reindex --derive-stop-list` does both); each sync removes what the list before it posted,
 * as its archived copy tells (or every word and pair, for a list written before archiving was).
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

export { searchItemsForBulk } from '../bulk-index.js';
