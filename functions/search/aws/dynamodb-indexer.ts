/**
 * Adapter: the indexer use case (search/index-batch.ts) on the single table, for the indexer
 * function, reindex and tests. `sync` indexes one release; the indexer function hands whole
 * batches to `index`, which is where fragments are shared between releases.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Release } from '#release/release.js';
import { type IndexBatchResult, type IndexTarget, indexBatch } from '../index-batch.js';
import { DynamoIndexStore, type DynamoIndexStoreOptions } from './dynamodb-index-store.js';

export class DynamoIndexer {
  readonly store: DynamoIndexStore;

  constructor(doc: DynamoDBDocumentClient, tableName: string, options: DynamoIndexStoreOptions = {}) {
    this.store = new DynamoIndexStore(doc, tableName, options);
  }

  index(targets: readonly IndexTarget[]): Promise<IndexBatchResult> {
    return indexBatch(this.store, targets);
  }

  /** Indexes one release's state of time `at` (undefined: removes it); throws what failed. */
  async sync(id: string, release: Release | undefined, at = new Date().toISOString()): Promise<void> {
    if (release && release.id !== id) throw new Error(`sync(${id}) was given release ${release.id}`);
    const result = await this.index([{ id, release, at }]);
    const failure = result.failed[0];
    if (failure) throw failure.error;
  }
}
