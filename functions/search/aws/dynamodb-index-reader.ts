/**
 * Adapter: the word index's read port (search/ports.ts) over the single table: the stop list,
 * postings, search entries, folded copies and vocabulary (docs/data-model.md, "Word index").
 * Read-only, eventually consistent reads; `Limit` on every Query so a page costs what it returns.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { runLimited } from '#platform/run-limited.js';
import { batchGet } from '#table/aws/dynamodb-batch.js';
import { type DynamoReadOptions, DynamoReads } from '#table/aws/dynamodb-reads.js';
import type { TableKey } from '#table/table-layout.js';
import { bucketOfFragment, bucketPrefix, fragmentEntries } from '../fragments.js';
import {
  type FoldedCopyItem,
  foldedCopyKey,
  postingPartition,
  previousBucket,
  type SearchEntry,
  STOP_LIST_KEY,
  type StopList,
  searchEntryKey,
  stopListFromItem,
  vocabularyPartition,
} from '../keys.js';
import { type PostingPage, type PostingRequest, postingItemId, type SearchIndexReader } from '../ports.js';

/** Where a read stop list is kept: one per reader unless readers share one (one per API handler). */
export interface StopListCache {
  entry?: { at: number; value: StopList | undefined };
}

export interface DynamoIndexReaderOptions extends DynamoReadOptions {
  /** How long a read stop list is reused (it changes only when the index is rebuilt). @default 60000 */
  stopListTtlMillis?: number;
  /** Shared with other readers. @default - the reader's own */
  stopListCache?: StopListCache;
}

export class DynamoIndexReader extends DynamoReads<DynamoIndexReaderOptions> implements SearchIndexReader {
  private readonly cache: StopListCache = this.options.stopListCache ?? {};

  async stopList(): Promise<StopList | undefined> {
    const ttl = this.options.stopListTtlMillis ?? 60_000;
    const cached = this.cache.entry;
    if (cached && Date.now() - cached.at < ttl) return cached.value;
    const output = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: STOP_LIST_KEY, ...this.capacityRequest }),
    );
    this.record(output.ConsumedCapacity);
    const value = output.Item ? stopListFromItem(output.Item) : undefined;
    this.cache.entry = { at: Date.now(), value };
    return value;
  }

  /**
   * A term's buckets newest first, each with the entries of all its fragments: Query pages of
   * fragments, descending, until `limit` buckets are complete (a bucket is complete once a
   * fragment of an older one, or the end, has been read).
   */
  async postings(request: PostingRequest): Promise<PostingPage> {
    // Both bounds inclusive: the newest bucket asked for, or the one before the last one read.
    let upper = request.newest;
    if (request.before !== undefined) {
      const previous = previousBucket(request.before);
      if (upper === undefined || previous < upper) upper = previous;
    }
    const lower = request.oldest;
    if (upper !== undefined && lower !== undefined && lower > upper) return { months: [], hasMore: false };
    const months: PostingPage['months'] = [];
    let open: { month: string; entries: string[] } | undefined;
    let startKey: Record<string, unknown> | undefined;
    for (;;) {
      const output = await this.doc.send(
        new QueryCommand({
          ...this.bucketRange(request.word, lower, upper),
          ScanIndexForward: false,
          // Roughly a fragment or two per bucket: few items beyond the last complete bucket.
          Limit: Math.max(2, (request.limit - months.length) * 2),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          ...this.capacityRequest,
        }),
      );
      this.record(output.ConsumedCapacity);
      for (const item of output.Items ?? []) {
        const month = bucketOfFragment(String(item.sk));
        if (open && open.month !== month) {
          months.push(open);
          open = undefined;
          if (months.length >= request.limit) return { months, hasMore: true };
        }
        open ??= { month, entries: [] };
        open.entries.push(...fragmentEntries(item));
      }
      startKey = output.LastEvaluatedKey;
      if (!startKey) break;
    }
    if (open) months.push(open);
    return { months, hasMore: false };
  }

  async postingItems(keys: ReadonlyArray<{ word: string; month: string }>): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const unique = new Map(keys.map((key) => [postingItemId(key.word, key.month), key]));
    await runLimited([...unique.entries()], 8, async ([id, { word, month }]) => {
      const entries: string[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const output = await this.doc.send(
          new QueryCommand({
            ...this.bucketRange(word, month, month),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            ...this.capacityRequest,
          }),
        );
        this.record(output.ConsumedCapacity);
        for (const item of output.Items ?? []) entries.push(...fragmentEntries(item));
        startKey = output.LastEvaluatedKey;
      } while (startKey);
      if (entries.length > 0) out.set(id, entries);
    });
    return out;
  }

  /** The key condition of a term's fragments in buckets `lower` to `upper` (inclusive, either open). */
  private bucketRange(word: string, lower: string | undefined, upper: string | undefined) {
    const names: Record<string, string> = { '#pk': 'pk' };
    const values: Record<string, string> = { ':pk': postingPartition(word) };
    let condition = '#pk = :pk';
    // A bucket's fragments sort between `<bucket>` and `<bucket>#` followed by anything.
    const top = upper === undefined ? undefined : `${bucketPrefix(upper)}\uffff`;
    if (top !== undefined || lower !== undefined) names['#sk'] = 'sk';
    if (top !== undefined && lower !== undefined) {
      condition += ' AND #sk BETWEEN :lower AND :upper';
      Object.assign(values, { ':lower': lower, ':upper': top });
    } else if (top !== undefined) {
      condition += ' AND #sk <= :upper';
      values[':upper'] = top;
    } else if (lower !== undefined) {
      condition += ' AND #sk >= :lower';
      values[':lower'] = lower;
    }
    return {
      TableName: this.tableName,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  async searchEntries(ids: readonly string[]): Promise<Map<string, SearchEntry>> {
    const items = await batchGet<SearchEntry & TableKey>(
      this.doc,
      this.tableName,
      [...new Set(ids)].map((id) => searchEntryKey(id)),
      this.capacityOption,
    );
    return new Map(items.map((item) => [String(item.id), item]));
  }

  async foldedCopies(ids: readonly string[]): Promise<Map<string, FoldedCopyItem>> {
    const items = await batchGet<FoldedCopyItem & TableKey>(
      this.doc,
      this.tableName,
      [...new Set(ids)].map((id) => foldedCopyKey(id)),
      this.capacityOption,
    );
    return new Map(items.map((item) => [String(item.id), item]));
  }

  async vocabulary(prefix: string, limit: number): Promise<string[]> {
    const words: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': vocabularyPartition(prefix), ':prefix': prefix },
          ProjectionExpression: '#sk',
          Limit: limit + 1 - words.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          ...this.capacityRequest,
        }),
      );
      this.record(output.ConsumedCapacity);
      for (const item of output.Items ?? []) words.push(String(item.sk));
      startKey = output.LastEvaluatedKey;
    } while (startKey && words.length <= limit);
    return words;
  }
}
