/**
 * Adapter: the query core's `ReleaseReader` port over the single table (docs/data-model.md).
 * HTTP adapter -> query core -> this repository -> DynamoDB. Read-only, eventually consistent
 * reads, `Limit` on every Query so a page costs what it returns. The word index has its own
 * reader (search/aws/dynamodb-index-reader.ts).
 */
import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { EntityKind, EntitySummary, StoredRelease } from '#release/release.js';
import { batchGet } from '#table/aws/dynamodb-batch.js';
import { DynamoReads } from '#table/aws/dynamodb-reads.js';
import {
  bodyChunkPrefix,
  type EntityItem,
  entityKey,
  entityPartition,
  listItemBits,
  listItemSummary,
  listPartition,
  PROBLEMS_PARTITION,
  type ProblemItem,
  type ReleaseItem,
  releaseKey,
  type StoredListItem,
  summaryOf,
} from '#table/table-layout.js';
import type { ListPage, ListRequest, ProblemPage, ReleaseReader, ReleaseText } from '../query-repository.js';

const BATCH_GET_MAX = 100;
/** Names read by key at most; more come from the entity partition (see `entityNames`). */
const NAMES_BY_KEY_MAX = 8;
/** Entity items a `Query` page may read for the price of one read by key (0.5 read units = 4 KB; an entity item takes about 150 bytes). */
const ENTITY_ITEMS_PER_KEY_READ = 16;
/** Entity items per page of names: the reading stops at the page that found them all. */
const ENTITY_PAGE_ITEMS = 500;

/** A release item's stored body is inconsistent with its chunks even after a consistent re-read. */
export class BodyChunksMissingError extends Error {}

export class DynamoReleaseReader extends DynamoReads implements ReleaseReader {
  async listReleases(request: ListRequest): Promise<ListPage> {
    const pk = listPartition(request.scope);
    const { lower, upper } = request.range;
    const names: Record<string, string> = { '#pk': 'pk' };
    const values: Record<string, string> = { ':pk': pk };
    let condition = '#pk = :pk';
    if (lower !== undefined || upper !== undefined) names['#sk'] = 'sk';
    if (lower !== undefined && upper !== undefined) {
      condition += ' AND #sk BETWEEN :lower AND :upper';
      Object.assign(values, { ':lower': lower, ':upper': upper });
    } else if (lower !== undefined) {
      condition += ' AND #sk >= :lower';
      values[':lower'] = lower;
    } else if (upper !== undefined) {
      condition += ' AND #sk <= :upper';
      values[':upper'] = upper;
    }
    const entries: ListPage['entries'] = [];
    let startKey: Record<string, unknown> | undefined =
      request.after !== undefined ? { pk, sk: request.after } : undefined;
    // One more than asked tells whether a next page exists without a second request.
    const wanted = request.limit + 1;
    for (;;) {
      const input: QueryCommandInput = {
        TableName: this.tableName,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: wanted - entries.length,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        ...this.capacityRequest,
      };
      const output = await this.doc.send(new QueryCommand(input));
      this.record(output.ConsumedCapacity);
      for (const item of (output.Items ?? []) as StoredListItem[]) {
        const bits = listItemBits(item);
        entries.push({ sk: item.sk, summary: listItemSummary(item), ...(bits ? { bits } : {}) });
      }
      startKey = output.LastEvaluatedKey;
      // A Query stops at 1 MB too; keep going until the page is full or the list ends.
      if (!startKey || entries.length >= wanted) break;
    }
    const hasMore = entries.length > request.limit;
    return { entries: entries.slice(0, request.limit), hasMore };
  }

  async releaseTexts(ids: readonly string[]): Promise<Map<string, ReleaseText>> {
    const texts = new Map<string, ReleaseText>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      const items = await this.batchGetReleases(unique.slice(i, i + BATCH_GET_MAX));
      for (const item of items) {
        texts.set(item.id, { title: item.title, body: await this.bodyOf(item), updatedAt: item.updatedAt });
      }
    }
    return texts;
  }

  private batchGetReleases(ids: readonly string[]): Promise<ReleaseItem[]> {
    return batchGet<ReleaseItem>(
      this.doc,
      this.tableName,
      ids.map((id) => releaseKey(id)),
      {
        projection: '#id, #title, #body, #bodyHash, #bodyChunks, #updatedAt',
        names: {
          '#id': 'id',
          '#title': 'title',
          '#body': 'body',
          '#bodyHash': 'bodyHash',
          '#bodyChunks': 'bodyChunks',
          '#updatedAt': 'updatedAt',
        },
        ...this.capacityOption,
      },
    );
  }

  async getRelease(id: string): Promise<StoredRelease | undefined> {
    const output = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: releaseKey(id), ...this.capacityRequest }),
    );
    this.record(output.ConsumedCapacity);
    let item = output.Item as ReleaseItem | undefined;
    if (!item) return undefined;
    let body: string;
    try {
      body = await this.bodyOf(item);
    } catch (error) {
      if (!(error instanceof BodyChunksMissingError)) throw error;
      // A newer version replaced the chunks between the two reads: read both again, consistently.
      const again = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: releaseKey(id),
          ConsistentRead: true,
          ...this.capacityRequest,
        }),
      );
      this.record(again.ConsumedCapacity);
      item = again.Item as ReleaseItem | undefined;
      if (!item) return undefined;
      body = await this.bodyOf(item, true);
    }
    return {
      ...summaryOf(item),
      body,
      extra: item.extra ?? {},
      source: { key: item.sourceKey },
      updatedAt: item.updatedAt,
    };
  }

  /**
   * The current release and revision of each id that exists, read consistently (the change feed
   * serves an upsert only while the revision it logged is current, so a stale read would drop it).
   * A body is read only for a release at one of the revisions asked for: the feed leaves the
   * others out, and their chunks may be of any size.
   */
  async currentReleases(
    wanted: readonly { id: string; rev: number }[],
  ): Promise<Map<string, { rev: number; release: StoredRelease }>> {
    const revs = new Map<string, Set<number>>();
    for (const { id, rev } of wanted) revs.set(id, (revs.get(id) ?? new Set()).add(rev));
    const found = new Map<string, { rev: number; release: StoredRelease }>();
    const items = await batchGet<ReleaseItem>(
      this.doc,
      this.tableName,
      [...revs.keys()].map((id) => releaseKey(id)),
      { consistent: true, ...this.capacityOption },
    );
    for (const item of items) {
      if (!revs.get(item.id)?.has(item.rev)) continue;
      let body: string;
      try {
        body = await this.bodyOf(item, true);
      } catch (error) {
        // Its chunks went with a newer version: that version's change item follows.
        if (error instanceof BodyChunksMissingError) continue;
        throw error;
      }
      found.set(item.id, {
        rev: item.rev,
        release: {
          ...summaryOf(item),
          body,
          extra: item.extra ?? {},
          source: { key: item.sourceKey },
          updatedAt: item.updatedAt,
        },
      });
    }
    return found;
  }

  /** The inline body, or the chunks joined; chunks are split at byte boundaries, so decode once joined. */
  private async bodyOf(
    item: Pick<ReleaseItem, 'id' | 'body' | 'bodyHash' | 'bodyChunks'>,
    consistent = false,
  ): Promise<string> {
    if (item.bodyHash === undefined || item.bodyChunks === undefined) return item.body ?? '';
    const prefix = bodyChunkPrefix(item.id, item.bodyHash);
    const chunks: Uint8Array[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.sk },
          ...(consistent ? { ConsistentRead: true } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          ...this.capacityRequest,
        }),
      );
      this.record(output.ConsumedCapacity);
      for (const chunk of output.Items ?? []) chunks.push(chunk.data as Uint8Array);
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    if (chunks.length !== item.bodyChunks) {
      if (!consistent) return this.bodyOf(item, true);
      throw new BodyChunksMissingError(
        `Release ${item.id} names ${item.bodyChunks} body chunks of ${item.bodyHash}, found ${chunks.length}`,
      );
    }
    return new TextDecoder().decode(Buffer.concat(chunks));
  }

  async listEntities(kind: EntityKind): Promise<EntitySummary[]> {
    const entities: EntitySummary[] = [];
    for await (const page of this.entityPages(kind)) {
      for (const item of page) {
        // The projector creates an entity item with its version bump and fills it in with its
        // first recount; one without figures yet, or with no releases left, is not listed.
        if (item.name === undefined || item.latestDate === undefined || !(Number(item.count) > 0)) continue;
        entities.push({
          slug: item.sk,
          name: item.name,
          count: Number(item.count),
          latestDate: item.latestDate,
        });
      }
    }
    return entities;
  }

  /** The pages of an entity partition, of at most `limit()` items each (asked before each page). */
  private async *entityPages(kind: EntityKind, limit?: () => number): AsyncGenerator<EntityItem[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': entityPartition(kind) },
          ...(limit ? { Limit: limit() } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          ...this.capacityRequest,
        }),
      );
      this.record(output.ConsumedCapacity);
      startKey = output.LastEvaluatedKey;
      yield (output.Items ?? []) as EntityItem[];
    } while (startKey);
  }

  /**
   * Names by slug. Each read by key costs a whole read unit's share (0.5: items are billed by
   * the 4 KB), so beyond a few names the entity partition is read instead, in pages of at most
   * as many items as the keys' reads would have cost (a `Query` is billed by the bytes it reads:
   * about 24 small entity items per 0.5 read units). Names a page did not reach are read by key.
   */
  async entityNames(kind: EntityKind, slugs: readonly string[]): Promise<Map<string, string>> {
    const wanted = new Set(slugs);
    const names = new Map<string, string>();
    if (wanted.size > NAMES_BY_KEY_MAX) {
      let items = wanted.size * ENTITY_ITEMS_PER_KEY_READ;
      for await (const page of this.entityPages(kind, () => Math.min(items, ENTITY_PAGE_ITEMS))) {
        for (const item of page)
          if (wanted.has(item.sk) && item.name !== undefined) names.set(item.sk, item.name);
        items -= page.length;
        if (items <= 0 || names.size === wanted.size) break;
      }
    }
    const rest = [...wanted].filter((slug) => !names.has(slug));
    if (rest.length === 0) return names;
    const items = await batchGet<EntityItem>(
      this.doc,
      this.tableName,
      rest.map((slug) => entityKey(kind, slug)),
      {
        projection: '#pk, #sk, #name',
        names: { '#pk': 'pk', '#sk': 'sk', '#name': 'name' },
        ...this.capacityOption,
      },
    );
    for (const item of items) if (item.name !== undefined) names.set(item.sk, item.name);
    return names;
  }

  async listProblems(request: { after?: string; limit: number }): Promise<ProblemPage> {
    const output = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': PROBLEMS_PARTITION },
        Limit: request.limit + 1,
        ...(request.after !== undefined
          ? { ExclusiveStartKey: { pk: PROBLEMS_PARTITION, sk: request.after } }
          : {}),
        ...this.capacityRequest,
      }),
    );
    this.record(output.ConsumedCapacity);
    const items = ((output.Items ?? []) as ProblemItem[]).map(({ key, reason, at }) => ({ key, reason, at }));
    return { items: items.slice(0, request.limit), hasMore: items.length > request.limit };
  }
}
