/**
 * Adapter: the ingest side's ReleaseStore on DynamoDB (use case -> this -> table). Each change is
 * one TransactWriteItems whose conditions are the revisions the use case read, so concurrent
 * events for one key or one id serialise without locks. See docs/data-model.md.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  ChangeTooLargeError,
  type EntityRefKey,
  type ReleaseChange,
  type ReleaseStore,
  type StoreSnapshot,
} from '#core/ingest-ports.js';
import type { EntityKind, Release } from '#core/release.js';
import {
  BODY_CHUNK_BYTES,
  bodyChunkKey,
  bodyChunkPrefix,
  type EntityItem,
  entityKey,
  INLINE_BODY_MAX_BYTES,
  type ListItem,
  listItemsFor,
  listPartition,
  problemKey,
  RELEASE_SORT_KEY,
  type ReleaseItem,
  releaseKey,
  type SourceItem,
  sourceKey,
  summaryOf,
  type TableKey,
} from '#core/table-layout.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const MAX_TRANSACTION_ITEMS = 100;
const MAX_REFRESH_ATTEMPTS = 6;

export class DynamoReleaseStore implements ReleaseStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async getSource(key: string): Promise<SourceItem | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: sourceKey(key), ConsistentRead: true }),
    );
    return Item as SourceItem | undefined;
  }

  async getRelease(id: string): Promise<ReleaseItem | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: releaseKey(id), ConsistentRead: true }),
    );
    return Item as ReleaseItem | undefined;
  }

  async commit(change: ReleaseChange): Promise<'committed' | 'conflict'> {
    const updatedAt = this.now().toISOString();
    const items: TransactItem[] = [];

    const sourceItem: SourceItem = {
      ...sourceKey(change.key),
      ...change.source,
      rev: (change.expectSourceRev ?? 0) + 1,
      updatedAt,
    };
    items.push({
      Put: {
        TableName: this.tableName,
        Item: sourceItem,
        ...(change.expectSourceRev === null
          ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } }
          : {
              ConditionExpression: '#rev = :rev',
              ExpressionAttributeNames: { '#rev': 'rev' },
              ExpressionAttributeValues: { ':rev': change.expectSourceRev },
            }),
      },
    });
    if (change.problem) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...problemKey(change.key), key: change.key, reason: change.problem.reason, at: updatedAt },
        },
      });
    } else {
      items.push({ Delete: { TableName: this.tableName, Key: problemKey(change.key) } });
    }

    const chunksToDelete: Array<{ id: string; hash: string }> = [];
    let newBody: { id: string; hash: string; chunks: Uint8Array[] } | undefined;

    if (change.put) {
      const { release, previous, sourceTime } = change.put;
      const item = this.releaseItem(release, change.key, sourceTime, updatedAt, (previous?.rev ?? 0) + 1);
      if (item.bodyHash) {
        newBody = { id: release.id, hash: item.bodyHash, chunks: chunk(Buffer.from(release.body, 'utf8')) };
      }
      items.push({ Put: { TableName: this.tableName, Item: item, ...revisionCondition(previous) } });
      const fresh = listItemsFor(release);
      const freshKeys = new Set(fresh.map((list) => `${list.pk}|${list.sk}`));
      for (const list of fresh) items.push({ Put: { TableName: this.tableName, Item: list } });
      if (previous) {
        for (const old of listItemsFor(previous)) {
          if (!freshKeys.has(`${old.pk}|${old.sk}`)) {
            items.push({ Delete: { TableName: this.tableName, Key: { pk: old.pk, sk: old.sk } } });
          }
        }
        if (previous.bodyHash && previous.bodyHash !== item.bodyHash) {
          chunksToDelete.push({ id: previous.id, hash: previous.bodyHash });
        }
      }
    }

    if (change.remove) {
      const { previous } = change.remove;
      items.push({
        Delete: { TableName: this.tableName, Key: releaseKey(previous.id), ...revisionCondition(previous) },
      });
      for (const old of listItemsFor(previous)) {
        items.push({ Delete: { TableName: this.tableName, Key: { pk: old.pk, sk: old.sk } } });
      }
      if (previous.bodyHash) chunksToDelete.push({ id: previous.id, hash: previous.bodyHash });
    }

    const touches = entityTouches(change);
    const known = change.entities ?? new Map<string, EntityItem>();
    const entities = new Map(known);
    const unread = [...touches.entries()].filter(([id]) => !known.has(id)).map(([, touch]) => touch);
    // Entities the decision did not read (absent ones included) are read now; usually none.
    const missing = change.entities
      ? unread.filter((t) => !change.put?.release || !isOn(change.put.release, t))
      : unread;
    if (missing.length > 0) for (const [id, item] of await this.getEntities(missing)) entities.set(id, item);
    const refreshAfter: EntityRefKey[] = [];
    for (const [id, touch] of touches) {
      const write = entityWrite(touch, entities.get(id));
      if (write.update)
        items.push({
          Update: { TableName: this.tableName, Key: entityKey(touch.kind, touch.slug), ...write.update },
        });
      if (write.refresh) refreshAfter.push({ kind: touch.kind, slug: touch.slug });
    }

    if (items.length > MAX_TRANSACTION_ITEMS) throw new ChangeTooLargeError(items.length);

    // Large bodies: content-addressed chunks go in first, so the release item never points at
    // chunks that are not there. Orphans from a failed transaction are removed by reindex.
    if (newBody) await this.writeChunks(newBody.id, newBody.hash, newBody.chunks);
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException && isConditionFailure(error)) return 'conflict';
      throw error;
    }
    for (const old of chunksToDelete) await this.deleteChunks(old.id, old.hash);
    // Only entities whose newest release may have gone need a look at their list.
    await this.refreshEntities(refreshAfter);
    return 'committed';
  }

  async snapshot(): Promise<StoreSnapshot> {
    const snapshot: StoreSnapshot = { sources: [], releases: [], chunks: [], entities: [] };
    let start: Record<string, unknown> | undefined;
    do {
      // List items are most of the table and tell reindex nothing: filter them out server-side.
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'NOT begins_with(#pk, :list)',
          ProjectionExpression:
            '#pk, #sk, #key, #seq, etag, releaseId, problem, deleted, #rev, updatedAt, id, sourceKey, bodyHash',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#key': 'key', '#seq': 'seq', '#rev': 'rev' },
          ExpressionAttributeValues: { ':list': 'L#' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const pk = String(item.pk);
        const sk = String(item.sk);
        if (pk.startsWith('K#')) snapshot.sources.push(item as SourceItem);
        else if (pk.startsWith('R#') && sk === 'META') {
          snapshot.releases.push({ id: item.id, sourceKey: item.sourceKey, bodyHash: item.bodyHash });
        } else if (pk.startsWith('R#') && sk.startsWith('B#')) {
          const hash = sk.split('#')[1] ?? '';
          snapshot.chunks.push({ id: pk.slice(2), hash });
        } else if (pk.startsWith('E#')) {
          snapshot.entities.push({ kind: pk.slice(2) as EntityKind, slug: sk });
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    // Chunks are listed once per body version.
    const seen = new Set<string>();
    snapshot.chunks = snapshot.chunks.filter(
      (c) => !seen.has(`${c.id}#${c.hash}`) && seen.add(`${c.id}#${c.hash}`),
    );
    return snapshot;
  }

  async getReleaseWithEntities(
    id: string,
    entities: EntityRefKey[],
  ): Promise<{ release: ReleaseItem | undefined; entities: Map<string, EntityItem> }> {
    const items = await this.batchGetConsistent([
      releaseKey(id),
      ...entities.map((e) => entityKey(e.kind, e.slug)),
    ]);
    const release = items.find((item) => item.pk === releaseKey(id).pk && item.sk === RELEASE_SORT_KEY);
    return { release: release as ReleaseItem | undefined, entities: entityMap(items) };
  }

  /** Consistent reads of the entity items a change touches, by `kind#slug`. */
  private async getEntities(keys: EntityRefKey[]): Promise<Map<string, EntityItem>> {
    return entityMap(await this.batchGetConsistent(keys.map((k) => entityKey(k.kind, k.slug))));
  }

  private async batchGetConsistent(keys: TableKey[]): Promise<Array<Record<string, unknown> & TableKey>> {
    const found: Array<Record<string, unknown> & TableKey> = [];
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined =
        { [this.tableName]: { Keys: keys.slice(i, i + 100).map((k) => ({ ...k })), ConsistentRead: true } };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 8) throw new Error('BatchGetItem kept returning unprocessed keys');
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const page: BatchGetCommandOutput = await this.doc.send(
          new BatchGetCommand({ RequestItems: request }),
        );
        found.push(
          ...((page.Responses?.[this.tableName] ?? []) as Array<Record<string, unknown> & TableKey>),
        );
        request = page.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }

  async refreshEntities(entities: EntityRefKey[]): Promise<void> {
    const unique = new Map(entities.map((entity) => [`${entity.kind}#${entity.slug}`, entity]));
    await Promise.all([...unique.values()].map((entity) => this.refreshEntity(entity)));
  }

  /** Sets name and latestDate from the newest release of the entity; removes it at count 0. */
  private async refreshEntity({ kind, slug }: EntityRefKey): Promise<void> {
    for (let attempt = 0; attempt < MAX_REFRESH_ATTEMPTS; attempt++) {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: entityKey(kind, slug), ConsistentRead: true }),
      );
      const entity = Item as EntityItem | undefined;
      if (!entity) return;
      const guard = {
        ConditionExpression: '#rev = :rev',
        ExpressionAttributeNames: { '#rev': 'rev' } as Record<string, string>,
        ExpressionAttributeValues: { ':rev': entity.rev } as Record<string, unknown>,
      };
      try {
        if (entity.count <= 0) {
          await this.doc.send(
            new DeleteCommand({ TableName: this.tableName, Key: entityKey(kind, slug), ...guard }),
          );
          return;
        }
        const partition = listPartition(
          kind === 'minister' ? { kind, minister: slug } : { kind, portfolio: slug },
        );
        const { Items } = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': 'pk' },
            ExpressionAttributeValues: { ':pk': partition },
            ScanIndexForward: false,
            Limit: 1,
            ConsistentRead: true,
          }),
        );
        const newest = Items?.[0] as ListItem | undefined;
        if (!newest) return;
        const ref = refsOf(newest, kind).find((candidate) => candidate.slug === slug);
        if (!ref) return;
        if (entity.name === ref.name && entity.latestDate === newest.date) return;
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: entityKey(kind, slug),
            UpdateExpression: 'SET #name = :name, #latest = :latest ADD #rev :one',
            ...guard,
            ExpressionAttributeNames: {
              ...guard.ExpressionAttributeNames,
              '#name': 'name',
              '#latest': 'latestDate',
            },
            ExpressionAttributeValues: {
              ...guard.ExpressionAttributeValues,
              ':name': ref.name,
              ':latest': newest.date,
              ':one': 1,
            },
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }

  private releaseItem(
    release: Release,
    key: string,
    sourceTime: string,
    updatedAt: string,
    rev: number,
  ): ReleaseItem {
    const base = {
      ...releaseKey(release.id),
      ...summaryOf(release),
      extra: release.extra,
      sourceKey: key,
      sourceTime,
      updatedAt,
      rev,
    };
    const bytes = Buffer.byteLength(release.body, 'utf8');
    if (bytes <= INLINE_BODY_MAX_BYTES) return { ...base, body: release.body };
    const bodyHash = createHash('sha256').update(release.body).digest('hex').slice(0, 16);
    return { ...base, bodyHash, bodyChunks: Math.ceil(bytes / BODY_CHUNK_BYTES) };
  }

  private async writeChunks(id: string, hash: string, chunks: Uint8Array[]): Promise<void> {
    // One chunk per request: each is ~300 KB and a batch may carry at most 16 MB.
    for (const [index, data] of chunks.entries()) {
      await this.batchWrite([{ PutRequest: { Item: { ...bodyChunkKey(id, hash, index), data } } }]);
    }
  }

  async deleteChunks(id: string, hash: string): Promise<void> {
    const prefix = bodyChunkPrefix(id, hash);
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :sk)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': prefix.pk, ':sk': prefix.sk },
        ProjectionExpression: '#pk, #sk',
      }),
    );
    const keys = (Items ?? []).map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
    for (let i = 0; i < keys.length; i += 25) await this.batchWrite(keys.slice(i, i + 25));
  }

  private async batchWrite(requests: Array<Record<string, unknown>>): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error('BatchWriteItem kept returning unprocessed items');
      const { UnprocessedItems } = await this.doc.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
      );
      pending = (UnprocessedItems?.[this.tableName] ?? []) as Array<Record<string, unknown>>;
      if (pending.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }
}

/** What one change does to one entity: its count, and the newest/lost release dates. */
interface EntityTouch extends EntityRefKey {
  delta: number;
  /** The name and date this change brings (the entity is on the written release). */
  newest?: { name: string; date: string };
  /** A date this entity may have lost its newest release at (removed, or moved earlier). */
  lost?: string;
}

function entityTouches(change: ReleaseChange): Map<string, EntityTouch> {
  const touches = new Map<string, EntityTouch>();
  const touch = (kind: EntityKind, slug: string): EntityTouch => {
    const id = `${kind}#${slug}`;
    const existing = touches.get(id) ?? { kind, slug, delta: 0 };
    touches.set(id, existing);
    return existing;
  };
  const lose = (entry: EntityTouch, date: string) => {
    if (entry.lost === undefined || date > entry.lost) entry.lost = date;
  };
  for (const kind of ['minister', 'portfolio'] as const) {
    if (change.put) {
      const { release, previous } = change.put;
      const before = new Set(refsOf(previous, kind).map((ref) => ref.slug));
      const after = new Set(refsOf(release, kind).map((ref) => ref.slug));
      for (const ref of refsOf(release, kind)) {
        const entry = touch(kind, ref.slug);
        if (!before.has(ref.slug)) entry.delta += 1;
        if (!entry.newest || release.date > entry.newest.date)
          entry.newest = { name: ref.name, date: release.date };
      }
      for (const ref of refsOf(previous, kind)) {
        const entry = touch(kind, ref.slug);
        if (!after.has(ref.slug)) entry.delta -= 1;
        if (previous && (!after.has(ref.slug) || release.date < previous.date)) lose(entry, previous.date);
      }
    }
    if (change.remove) {
      for (const ref of refsOf(change.remove.previous, kind)) {
        const entry = touch(kind, ref.slug);
        entry.delta -= 1;
        lose(entry, change.remove.previous.date);
      }
    }
  }
  return touches;
}

interface EntityUpdate {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/**
 * The entity's part of the transaction. Counts move by `ADD`, so concurrent changes commute;
 * name and latest date are set in the same transaction when this release is the entity's newest
 * (guarded, so a concurrent newer release wins). Only when the newest release may have gone is a
 * refresh from the entity's list needed afterwards.
 */
function entityWrite(
  touch: EntityTouch,
  current: EntityItem | undefined,
): { update?: EntityUpdate; refresh: boolean } {
  const names = { '#count': 'count', '#rev': 'rev', '#name': 'name', '#latest': 'latestDate' };
  if (!current) {
    if (!touch.newest || touch.delta <= 0) return { refresh: touch.delta !== 0 };
    return {
      update: {
        UpdateExpression: 'SET #name = :name, #latest = :date, #count = :delta, #rev = :one',
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { ...names, '#pk': 'pk' },
        ExpressionAttributeValues: {
          ':name': touch.newest.name,
          ':date': touch.newest.date,
          ':delta': touch.delta,
          ':one': 1,
        },
      },
      refresh: false,
    };
  }
  const becomesNewest = touch.newest !== undefined && touch.newest.date >= current.latestDate;
  const refresh =
    current.count + touch.delta <= 0 ||
    (!becomesNewest && touch.lost !== undefined && touch.lost >= current.latestDate);
  if (becomesNewest && touch.newest) {
    return {
      update: {
        UpdateExpression: 'SET #name = :name, #latest = :date ADD #count :delta, #rev :one',
        ConditionExpression: '#latest <= :date',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':name': touch.newest.name,
          ':date': touch.newest.date,
          ':delta': touch.delta,
          ':one': 1,
        },
      },
      refresh,
    };
  }
  if (touch.delta === 0) return { refresh };
  return {
    update: {
      UpdateExpression: 'ADD #count :delta, #rev :one',
      ExpressionAttributeNames: { '#count': 'count', '#rev': 'rev' },
      ExpressionAttributeValues: { ':delta': touch.delta, ':one': 1 },
    },
    refresh,
  };
}

function entityMap(items: Array<Record<string, unknown> & TableKey>): Map<string, EntityItem> {
  const map = new Map<string, EntityItem>();
  for (const item of items) {
    if (item.pk.startsWith('E#')) map.set(`${item.pk.slice(2)}#${item.sk}`, item as unknown as EntityItem);
  }
  return map;
}

/** Whether the entity is on the release (so the decision already looked it up). */
function isOn(release: Pick<Release, 'ministers' | 'portfolios'>, entity: EntityRefKey): boolean {
  return refsOf(release, entity.kind).some((ref) => ref.slug === entity.slug);
}

function refsOf(release: Pick<Release, 'ministers' | 'portfolios'> | undefined, kind: EntityKind) {
  if (!release) return [];
  return kind === 'minister' ? release.ministers : release.portfolios;
}

interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

function revisionCondition(previous: Pick<ReleaseItem, 'rev'> | undefined): Condition {
  return previous
    ? {
        ConditionExpression: '#rev = :rev',
        ExpressionAttributeNames: { '#rev': 'rev' },
        ExpressionAttributeValues: { ':rev': previous.rev },
      }
    : { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } };
}

function isConditionFailure(error: TransactionCanceledException): boolean {
  return (error.CancellationReasons ?? []).some(
    (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
  );
}

function chunk(bytes: Buffer): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += BODY_CHUNK_BYTES) {
    parts.push(new Uint8Array(bytes.subarray(offset, offset + BODY_CHUNK_BYTES)));
  }
  return parts;
}
