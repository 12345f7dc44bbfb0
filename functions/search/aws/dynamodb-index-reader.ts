/**
 * Adapter: the word index's read port (search/ports.ts) over the single table: the stop list,
 * postings, search entries, folded copies and vocabulary (docs/data-model.md, "Word index").
 * Read-only, eventually consistent reads; `Limit` on every Query so a page costs what it returns.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet } from '#table/aws/dynamodb-batch.js';
import { type DynamoReadOptions, DynamoReads } from '#table/aws/dynamodb-reads.js';
import type { TableKey } from '#table/table-layout.js';
import {
  type FoldedCopyItem,
  foldedCopyKey,
  postingKey,
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

export interface DynamoIndexReaderOptions extends DynamoReadOptions {
  /** How long a read stop list is reused (it changes only when the index is rebuilt). @default 60000 */
  stopListTtlMillis?: number;
}

export class DynamoIndexReader extends DynamoReads<DynamoIndexReaderOptions> implements SearchIndexReader {
  private stopListCache: { at: number; value: StopList | undefined } | undefined;

  async stopList(): Promise<StopList | undefined> {
    const ttl = this.options.stopListTtlMillis ?? 60_000;
    const cached = this.stopListCache;
    if (cached && Date.now() - cached.at < ttl) return cached.value;
    const output = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: STOP_LIST_KEY, ...this.capacityRequest }),
    );
    this.record(output.ConsumedCapacity);
    const value = output.Item ? stopListFromItem(output.Item) : undefined;
    this.stopListCache = { at: Date.now(), value };
    return value;
  }

  async postings(request: PostingRequest): Promise<PostingPage> {
    const pk = postingPartition(request.word);
    const names: Record<string, string> = { '#pk': 'pk' };
    const values: Record<string, string> = { ':pk': pk };
    // Both bounds inclusive: the newest bucket asked for, or the one before the last one read.
    let upper = request.newest;
    if (request.before !== undefined) {
      const previous = previousBucket(request.before);
      if (upper === undefined || previous < upper) upper = previous;
    }
    const lower = request.oldest;
    if (upper !== undefined && lower !== undefined && lower > upper) return { months: [], hasMore: false };
    let condition = '#pk = :pk';
    if (upper !== undefined || lower !== undefined) names['#sk'] = 'sk';
    if (upper !== undefined && lower !== undefined) {
      condition += ' AND #sk BETWEEN :lower AND :upper';
      Object.assign(values, { ':lower': lower, ':upper': upper });
    } else if (upper !== undefined) {
      condition += ' AND #sk <= :upper';
      values[':upper'] = upper;
    } else if (lower !== undefined) {
      condition += ' AND #sk >= :lower';
      values[':lower'] = lower;
    }
    const months: PostingPage['months'] = [];
    let startKey: Record<string, unknown> | undefined;
    let hasMore = false;
    for (;;) {
      const output = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: request.limit - months.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          ...this.capacityRequest,
        }),
      );
      this.record(output.ConsumedCapacity);
      for (const item of output.Items ?? []) {
        months.push({ month: String(item.sk), entries: [...((item.ids as Set<string> | undefined) ?? [])] });
      }
      startKey = output.LastEvaluatedKey;
      hasMore = startKey !== undefined;
      if (!startKey || months.length >= request.limit) break;
    }
    return { months, hasMore };
  }

  async postingItems(keys: ReadonlyArray<{ word: string; month: string }>): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const unique = new Map(keys.map(({ word, month }) => [`${word}\n${month}`, postingKey(word, month)]));
    const items = await batchGet<Record<string, unknown> & TableKey>(
      this.doc,
      this.tableName,
      [...unique.values()],
      this.capacityOption,
    );
    for (const item of items) {
      out.set(postingItemId(String(item.pk).slice(2), String(item.sk)), [
        ...((item.ids as Set<string> | undefined) ?? []),
      ]);
    }
    return out;
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
