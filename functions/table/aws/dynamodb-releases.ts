/**
 * Adapter: release items as their current state, for the functions that derive from them (the
 * projector, the indexer, reindex): consistent reads of the items, and of their bodies reassembled
 * from chunks, and the removal of a body version's chunks once nothing names it.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Release } from '#release/release.js';
import { type ReleaseItem, releaseKey } from '../table-layout.js';
import { batchGet } from './dynamodb-batch.js';
import { DynamoBodyChunks } from './dynamodb-body-chunks.js';

export class DynamoReleases {
  private readonly chunks: DynamoBodyChunks;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.chunks = new DynamoBodyChunks(doc, tableName);
  }

  /** The release items of those ids that exist, read consistently. */
  async current(ids: readonly string[]): Promise<Map<string, ReleaseItem>> {
    const items = await batchGet<ReleaseItem>(
      this.doc,
      this.tableName,
      [...new Set(ids)].map((id) => releaseKey(id)),
      { consistent: true },
    );
    return new Map(items.map((item) => [item.id, item]));
  }

  /** The release with its body (reassembled from chunks); undefined when that version is gone. */
  async releaseOf(item: ReleaseItem): Promise<Release | undefined> {
    const { id, title, date, url, ministers, portfolios, summary, extra } = item;
    let body = item.body ?? '';
    if (item.bodyHash !== undefined && item.bodyChunks !== undefined) {
      const joined = await this.chunks.read(id, item.bodyHash, item.bodyChunks, true);
      if (joined === undefined) return undefined;
      body = joined;
    }
    return { id, title, date, url, ministers, portfolios, summary, body, extra };
  }

  async deleteChunks(id: string, bodyId: string): Promise<void> {
    await this.chunks.delete(id, bodyId);
  }
}
