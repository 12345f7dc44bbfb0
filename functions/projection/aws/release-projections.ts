/**
 * The projections plugged into the projector (and re-run by `reindex --reproject`), beyond the
 * list items and entity figures it always keeps: the word index behind `q` and the change log
 * behind `/changes`.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { changeLogProjection } from '#changes/aws/dynamodb-change-log.js';
import { DynamoSearchIndex } from '#search/aws/dynamodb-search-index.js';
import type { ReleaseProjection } from '../project-release-changes.js';

export function releaseProjections(doc: DynamoDBDocumentClient, tableName: string): ReleaseProjection[] {
  const index = new DynamoSearchIndex(doc, tableName);
  return [
    { name: 'word index', apply: (change, release) => index.sync(change.id, release) },
    changeLogProjection(doc, tableName),
  ];
}
