/**
 * Adapter: the projector's own state of each release (`R#<id>` / `P`, what it last projected) and
 * the consistent reads of current release items a repair projects. Plain batched writes: the
 * stream hands a release to one projector at a time, so no write here needs a condition.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGet, batchWrite } from '#table/aws/dynamodb-batch.js';
import { DynamoReleases } from '#table/aws/dynamodb-releases.js';
import { projectedKey, type ReleaseItem, type TableKey } from '#table/table-layout.js';
import type { ProjectorStateStore } from '../project-release-changes.js';
import type { Projected } from '../projection.js';

export class DynamoProjectorState implements ProjectorStateStore {
  private readonly releases: DynamoReleases;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.releases = new DynamoReleases(doc, tableName);
  }

  async states(ids: readonly string[]): Promise<Map<string, Projected>> {
    const items = await batchGet<Projected & TableKey>(
      this.doc,
      this.tableName,
      ids.map((id) => projectedKey(id)),
      { consistent: true },
    );
    // A repair request on a release never projected is an item with nothing but the request.
    return new Map(items.filter((item) => item.date !== undefined).map((item) => [item.id, stateOf(item)]));
  }

  currentReleases(ids: readonly string[]): Promise<Map<string, ReleaseItem>> {
    return this.releases.current(ids);
  }

  async writeStates(put: readonly Projected[], remove: readonly string[]): Promise<void> {
    await batchWrite(this.doc, this.tableName, [
      ...put.map((state) => ({ PutRequest: { Item: { ...projectedKey(state.id), ...state } } })),
      ...remove.map((id) => ({ DeleteRequest: { Key: projectedKey(id) } })),
    ]);
  }
}

function stateOf(item: Projected & TableKey): Projected {
  const { id, date, ministers, portfolios, bodyHash, at, rev } = item;
  return { id, date, ministers, portfolios, ...(bodyHash !== undefined ? { bodyHash } : {}), at, rev };
}
