/**
 * The projections plugged into the projector beyond the list items and entity figures it always
 * keeps: the change log behind `/changes`. (The word index has its own function, the indexer,
 * which the projector hands releases to: see search/index-batch.ts.)
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { changeLogProjection } from '#changes/aws/dynamodb-change-log.js';
import type { ReleaseProjection } from '../project-release-changes.js';

export function releaseProjections(doc: DynamoDBDocumentClient, tableName: string): ReleaseProjection[] {
  return [changeLogProjection(doc, tableName)];
}
