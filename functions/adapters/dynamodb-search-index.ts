/**
 * Adapter: keeps the word index (functions/core/search/keys.ts) in step with one release. Called
 * by the projector with the release's id and its full new state (undefined when deleted).
 *
 * Plain, unconditional writes only: string-set ADD/DELETE on postings (idempotent, and they
 * commute with other releases' changes to the same posting), puts and deletes of items this
 * release owns. The release's folded copy (`R#<id>`/`X`) is its own state: read first (strongly
 * consistent) to know what to remove, written last, so a replay from any point converges.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Release } from '#core/release.js';
import {
  EMPTY_STOP_LIST,
  type FoldedCopyItem,
  foldedCopyKey,
  STOP_LIST_KEY,
  type StopList,
  searchEntryKey,
} from '#core/search/keys.js';
import { type PostingChange, planSync } from '#core/search/sync-plan.js';

/** Posting updates in flight at once for one release. */
const CONCURRENCY = 16;

async function bounded<T>(items: readonly T[], task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next;
      next += 1;
      const item = items[index];
      if (item === undefined) return;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

export interface DynamoSearchIndexOptions {
  /** How long a read stop list is reused. @default 60000 */
  stopListTtlMillis?: number;
}

export class DynamoSearchIndex {
  private stopListCache: { at: number; value: StopList } | undefined;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoSearchIndexOptions = {},
  ) {}

  /** Idempotent; `release` undefined removes the release from the index. */
  async sync(id: string, release: Release | undefined): Promise<void> {
    if (release && release.id !== id) throw new Error(`sync(${id}) was given release ${release.id}`);
    const [previous, stop] = await Promise.all([this.foldedCopy(id), this.stopList()]);
    const plan = planSync(release, previous, stop);
    await bounded(plan.adds, (change) => this.posting('ADD', change));
    await bounded(plan.vocabulary, (key) =>
      this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...key } })),
    );
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

  private posting(action: 'ADD' | 'DELETE', change: PostingChange) {
    return this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: change.key,
        UpdateExpression: `${action} #ids :entry`,
        ExpressionAttributeNames: { '#ids': 'ids' },
        ExpressionAttributeValues: { ':entry': new Set([change.entry]) },
      }),
    );
  }

  private async foldedCopy(id: string): Promise<FoldedCopyItem | undefined> {
    const output = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: foldedCopyKey(id), ConsistentRead: true }),
    );
    return output.Item as FoldedCopyItem | undefined;
  }

  /** The stop list, or the empty one (index every word) before any has been derived. */
  private async stopList(): Promise<StopList> {
    const ttl = this.options.stopListTtlMillis ?? 60_000;
    if (this.stopListCache && Date.now() - this.stopListCache.at < ttl) return this.stopListCache.value;
    const output = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: STOP_LIST_KEY, ConsistentRead: true }),
    );
    const item = output.Item as { version?: string; words?: string[] } | undefined;
    const value = item
      ? { version: String(item.version), words: new Set(item.words ?? []) }
      : EMPTY_STOP_LIST;
    this.stopListCache = { at: Date.now(), value };
    return value;
  }
}

export { searchItemsForBulk } from '#core/search/sync-plan.js';
