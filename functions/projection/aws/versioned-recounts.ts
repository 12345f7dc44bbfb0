/**
 * Adapter: the version protocol every entity figure is written under (see DynamoEntityFigures):
 * a group of items' versions read together, each item counted and written on condition that no
 * other recount claimed a version meanwhile, and, when one did, a claimed version settled in order.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { runLimited } from '#platform/run-limited.js';
import { batchGet } from '#table/aws/dynamodb-batch.js';
import type { TableKey } from '#table/table-layout.js';

export type Figures = Record<string, unknown>;

/** An item to recount and how to count it. */
export interface Recount {
  key: TableKey;
  count: () => Promise<Figures>;
  /**
   * The first (optimistic) count, from reads it may share with the other recounts of its group:
   * they are made after the group's versions were read, so each still began after its item's
   * version read. A contended recount counts again with `count`, after its claim.
   */
  countShared?: (reads: SharedReads) => Promise<Figures>;
}

/** Reads shared by the recounts of one group: each made once, when first asked for. */
export class SharedReads {
  private readonly reads = new Map<string, Promise<unknown>>();

  once<T>(id: string, read: () => Promise<T>): Promise<T> {
    let pending = this.reads.get(id) as Promise<T> | undefined;
    if (!pending) {
      pending = read();
      this.reads.set(id, pending);
    }
    return pending;
  }
}

/** Recounts (and their reads) in flight at once. */
export const CONCURRENCY = 8;
/** Items whose versions are read together: two rounds of recounts. */
const GROUP = 2 * CONCURRENCY;

/**
 * Figures written by recount, in one conditional write when no other recount of the item runs at
 * the same time, and in a version-ordered protocol when one does:
 *
 * - **Optimistic:** read the item's `ver` (consistent), count, then write the figures with `ver`
 *   and `settledVer` set to `ver + 1`, on condition that `ver` is still what was read. Landing
 *   means no version was claimed between the read and the write, so the count began after every
 *   recount that claimed a lower version.
 * - **Contended** (the condition failed): claim a version by bumping `ver` (an unconditional ADD,
 *   which DynamoDB applies one at a time per item), count again, and write only if no recount with
 *   a higher version has landed (`settledVer`). A recount that claimed later started counting
 *   later, so the last one to land is right; one that loses the guard has nothing to retry.
 *
 * Either way every version is claimed once and the highest one to land counted after every list
 * write that preceded the recount its projector started: see docs/data-model.md.
 */
export class VersionedRecounts {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Told when an optimistic write lost to a concurrent recount (for metrics and tests). */
    private readonly onContended?: () => void,
  ) {}

  /**
   * Recounts items under the version protocol above, a group at a time: the group's versions are
   * read together (a consistent `BatchGetItem`), then each item is counted and written. Small
   * groups keep each read close to its write, so that concurrent recounts of the same item (other
   * lanes of the stream) seldom make the optimistic write fail.
   */
  async recountAll(recounts: readonly Recount[]): Promise<void> {
    const unique = [...new Map(recounts.map((r) => [`${r.key.pk}|${r.key.sk}`, r])).values()];
    for (let start = 0; start < unique.length; start += GROUP) {
      const group = unique.slice(start, start + GROUP);
      const read = new Map<string, number>();
      const found = await batchGet<TableKey & { ver?: number }>(
        this.doc,
        this.tableName,
        group.map((r) => r.key),
        {
          consistent: true,
          projection: '#pk, #sk, #ver',
          names: { '#pk': 'pk', '#sk': 'sk', '#ver': 'ver' },
        },
      );
      for (const item of found)
        if (item.ver !== undefined) read.set(`${item.pk}|${item.sk}`, Number(item.ver));
      const shared = new SharedReads();
      await runLimited(group, CONCURRENCY, (r) =>
        this.recount(r, read.get(`${r.key.pk}|${r.key.sk}`), shared),
      );
    }
  }

  /** Recounts one item whose version was read as `read` (undefined: no version yet). */
  private async recount(r: Recount, read: number | undefined, shared: SharedReads): Promise<void> {
    const first = r.countShared ? await r.countShared(shared) : await r.count();
    if (await this.writeIfUnclaimed(r.key, read, first)) return;
    this.onContended?.();
    const ver = await this.claim(r.key);
    await this.settle(r.key, ver, await r.count());
  }

  /** The optimistic write: lands only if no version was claimed since `read`. */
  private writeIfUnclaimed(key: TableKey, read: number | undefined, figures: Figures): Promise<boolean> {
    const next = (read ?? 0) + 1;
    return read === undefined
      ? this.setIf(key, figures, { ver: next, settledVer: next }, 'attribute_not_exists(#ver)')
      : this.setIf(key, figures, { ver: next, settledVer: next }, '#ver = :read', { ':read': read });
  }

  private async claim(key: TableKey): Promise<number> {
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'ADD #ver :one',
        ExpressionAttributeNames: { '#ver': 'ver' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.ver);
  }

  /** Lands the figures of claimed version `ver` unless a later claim's have landed. */
  private settle(key: TableKey, ver: number, figures: Figures): Promise<boolean> {
    // False: a recount that claimed a later version has landed, its figures at least as new as ours.
    return this.setIf(
      key,
      figures,
      { settledVer: ver },
      'attribute_not_exists(#settledVer) OR #settledVer < :ver',
      { ':ver': ver },
    );
  }

  /** `SET` the figures and versions on `condition`; false when the condition failed. */
  private async setIf(
    key: TableKey,
    figures: Figures,
    versions: Record<string, number>,
    condition: string,
    extraValues: Record<string, number> = {},
  ): Promise<boolean> {
    const { names, values, sets } = assignments(figures, versions);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ...extraValues },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** `SET` clauses with placeholders for every attribute written. */
function assignments(
  figures: Figures,
  versions: Record<string, number>,
): { names: Record<string, string>; values: Record<string, unknown>; sets: string[] } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [name, value] of Object.entries({ ...figures, ...versions })) {
    names[`#${name}`] = name;
    values[`:${name}`] = value;
    sets.push(`#${name} = :${name}`);
  }
  return { names, values, sets };
}
