/**
 * Adapter: the ingest side's ReleaseStore on DynamoDB (use case -> this -> table). Each change is
 * one TransactWriteItems of at most four items, all owned by the S3 key or by the releases it
 * yields, conditional on the revisions the use case read: concurrent events for one key or one
 * id serialise without locks, and ingests of different files never touch a common item.
 * Everything shared (list items, entity figures, index, change log) is the projector's.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { DynamoBodyChunks } from '#table/aws/dynamodb-body-chunks.js';
import { needsChunks, newBodyId, releaseItemFor, sourceItemFor } from '#table/release-items.js';
import {
  CLAIM_PREFIX,
  claimKey,
  pendingKey,
  problemKey,
  type ReleaseItem,
  releaseKey,
  type SourceItem,
  sourceKey,
} from '#table/table-layout.js';
import type { ReleaseChange, ReleaseStore } from '../ingest-ports.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export class DynamoReleaseStore implements ReleaseStore {
  private readonly chunks: DynamoBodyChunks;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.chunks = new DynamoBodyChunks(doc, tableName);
  }

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

  async claimants(id: string): Promise<string[]> {
    const keys: string[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :claim)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': claimKey(id, '').pk, ':claim': CLAIM_PREFIX },
        ProjectionExpression: '#sk',
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) keys.push(String(item.sk).slice(CLAIM_PREFIX.length));
    return keys;
  }

  async commit(change: ReleaseChange): Promise<'committed' | 'conflict'> {
    const now = this.now();
    // A release's states are ordered by their commit time (`updatedAt`), which the indexer relies
    // on: never earlier than the state it replaces, whatever this function's clock says.
    const replaced = [change.put?.previous?.updatedAt, change.remove?.previous.updatedAt].flatMap((at) =>
      at === undefined ? [] : [Date.parse(at) + 1],
    );
    const updatedAt = new Date(Math.max(now.getTime(), ...replaced)).toISOString();
    const table = this.tableName;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: table,
          Item: sourceItemFor({ ...change.source, rev: (change.expectSourceRev ?? 0) + 1, updatedAt }),
          ...revisionCondition(change.expectSourceRev),
        },
      },
    ];
    if (change.problem) {
      items.push({
        Put: {
          TableName: table,
          Item: { ...problemKey(change.key), key: change.key, reason: change.problem.reason, at: updatedAt },
        },
      });
    } else if (change.hadProblem) {
      items.push({ Delete: { TableName: table, Key: problemKey(change.key) } });
    }
    if (change.put) {
      const { release, previous, sourceTime } = change.put;
      // A large body goes in first under a fresh id, so the release item never names chunks that
      // are not there; a failed transaction leaves only unreferenced chunks, which reindex sweeps.
      const bodyId = needsChunks(release.body) ? newBodyId(release.body) : undefined;
      if (bodyId) await this.chunks.write(release.id, release.body, bodyId, now);
      const item = releaseItemFor(
        release,
        { key: change.key, sourceTime, updatedAt, rev: (previous?.rev ?? 0) + 1 },
        bodyId,
      );
      items.push({ Put: { TableName: table, Item: item, ...revisionCondition(previous?.rev ?? null) } });
    }
    if (change.remove) {
      const { previous } = change.remove;
      items.push({
        Delete: { TableName: table, Key: releaseKey(previous.id), ...revisionCondition(previous.rev) },
      });
    }
    // Each release this commit changes is pending until every derived state has caught up: the
    // marker lands with the change or not at all.
    for (const id of new Set([change.put?.release.id, change.remove?.previous.id])) {
      if (id !== undefined) {
        items.push({ Put: { TableName: table, Item: { ...pendingKey(id), id, at: updatedAt } } });
      }
    }
    // The key's claims: on the id it yields now (also when shadowed, or while it has a problem),
    // and none on the one it yielded before.
    const claims = change.source.deleted ? undefined : change.source.releaseId;
    if (claims !== undefined) {
      items.push({ Put: { TableName: table, Item: { ...claimKey(claims, change.key), key: change.key } } });
    }
    if (change.previousReleaseId !== undefined && change.previousReleaseId !== claims) {
      items.push({ Delete: { TableName: table, Key: claimKey(change.previousReleaseId, change.key) } });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
        return 'committed';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        // A failed condition means another writer got there first: the use case re-reads. A
        // TransactionConflict (an item of ours in another in-flight transaction: the same key or id
        // ingested concurrently) is the same race.
        if (isLostRace(error)) return 'conflict';
        // Throttled: DynamoDB cancels the transaction (nothing written) with a ThrottlingError
        // reason, which the SDK does not retry. Retry it here, as the SDK retries a throttled
        // single write, before the message goes back to the queue.
        if (!isThrottled(error) || attempt >= THROTTLED_TRANSACTION_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffMillis(attempt)));
      }
    }
  }
}

/** Attempts of a transaction DynamoDB cancels for throttling (the SDK gives a throttled single write 3). */
const THROTTLED_TRANSACTION_ATTEMPTS = 8;

/** Full-jitter exponential backoff: up to 100 ms, 200 ms, ... capped at 5 s. */
function backoffMillis(attempt: number): number {
  return Math.random() * Math.min(5_000, 100 * 2 ** (attempt - 1));
}

function isThrottled(error: TransactionCanceledException): boolean {
  return (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ThrottlingError');
}

interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** The item is still at the revision read (`null`: still absent). */
function revisionCondition(rev: number | null): Condition {
  return rev !== null
    ? {
        ConditionExpression: '#rev = :rev',
        ExpressionAttributeNames: { '#rev': 'rev' },
        ExpressionAttributeValues: { ':rev': rev },
      }
    : { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } };
}

function isLostRace(error: TransactionCanceledException): boolean {
  return (error.CancellationReasons ?? []).some(
    (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
  );
}
