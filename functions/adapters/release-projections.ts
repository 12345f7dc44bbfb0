/**
 * The projections plugged into the projector (and re-run by `reindex --reproject`), beyond the
 * list items and entity figures it always keeps.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReleaseProjection } from '#core/project-release-changes.js';

export function releaseProjections(_doc: DynamoDBDocumentClient, _tableName: string): ReleaseProjection[] {
  return [];
}
