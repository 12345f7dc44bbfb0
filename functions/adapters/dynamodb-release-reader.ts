/**
 * Adapter: the query core's `ReleaseReader` port over the single table (docs/data-model.md).
 * HTTP adapter -> query core -> this repository -> DynamoDB. Read-only, eventually consistent
 * reads, `Limit` on every Query so a page costs what it returns.
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type {
  ListPage,
  ListRequest,
  ProblemPage,
  ReleaseReader,
  ReleaseText,
} from '#core/query-repository.js';
import type { EntityKind, EntitySummary, StoredRelease } from '#core/release.js';
import {
  bodyChunkPrefix,
  type EntityItem,
  entityPartition,
  type ListItem,
  listPartition,
  PROBLEMS_PARTITION,
  type ProblemItem,
  type ReleaseItem,
  releaseKey,
  summaryOf,
} from '#core/table-layout.js';

export interface DynamoReleaseReaderOptions {
  /** Called with the consumed capacity of every request (asks DynamoDB for `TOTAL`); for tests and the benchmark. */
  onConsumedCapacity?: (capacity: ConsumedCapacity) => void;
}

const BATCH_GET_MAX = 100;
const MAX_BATCH_ATTEMPTS = 8;

/** A release item's stored body is inconsistent with its chunks even after a consistent re-read. */
export class BodyChunksMissingError extends Error {}

export class DynamoReleaseReader implements ReleaseReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoReleaseReaderOptions = {},
  ) {}

  private get capacityRequest(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.options.onConsumedCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {};
  }

  private record(capacity: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    if (!capacity || !this.options.onConsumedCapacity) return;
    for (const entry of Array.isArray(capacity) ? capacity : [capacity])
      this.options.onConsumedCapacity(entry);
  }

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
      for (const item of (output.Items ?? []) as ListItem[]) {
        entries.push({ sk: item.sk, summary: summaryOf(item) });
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

  private async batchGetReleases(ids: readonly string[]): Promise<ReleaseItem[]> {
    const found: ReleaseItem[] = [];
    let keys: Record<string, unknown>[] = ids.map((id) => ({ ...releaseKey(id) }));
    for (let attempt = 0; keys.length > 0; attempt += 1) {
      if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
      const output = await this.doc.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: keys,
              ProjectionExpression: '#id, #title, #body, #bodyHash, #bodyChunks, #updatedAt',
              ExpressionAttributeNames: {
                '#id': 'id',
                '#title': 'title',
                '#body': 'body',
                '#bodyHash': 'bodyHash',
                '#bodyChunks': 'bodyChunks',
                '#updatedAt': 'updatedAt',
              },
            },
          },
          ...this.capacityRequest,
        }),
      );
      this.record(output.ConsumedCapacity);
      found.push(...((output.Responses?.[this.tableName] ?? []) as ReleaseItem[]));
      keys = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return found;
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
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': entityPartition(kind) },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          ...this.capacityRequest,
        }),
      );
      this.record(output.ConsumedCapacity);
      for (const item of (output.Items ?? []) as EntityItem[]) {
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
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return entities;
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
