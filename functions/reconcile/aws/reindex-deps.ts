/**
 * Wires reindex to DynamoDB and S3: the same stores the ingest function and the projector use.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoReleaseStore } from '#ingest/aws/dynamodb-release-store.js';
import { S3ReleaseFiles } from '#ingest/aws/s3-release-files.js';
import {
  DynamoEntityFigures,
  DynamoListItems,
  DynamoReleaseBodies,
} from '#projection/aws/dynamodb-projection-stores.js';
import type { ReleaseProjection } from '#projection/project-release-changes.js';
import { dynamoStopLists } from '#search/aws/dynamodb-search-index.js';
import { stopWordBits } from '#search/aws/dynamodb-text-bits.js';
import type { ReindexDeps } from '../reindex.js';
import { DynamoTableState } from './dynamodb-table-state.js';

export function dynamoReindexDeps(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  s3: S3Client;
  bucket: string;
  projections?: readonly ReleaseProjection[];
}): ReindexDeps {
  const { doc, tableName } = options;
  return {
    store: new DynamoReleaseStore(doc, tableName),
    files: new S3ReleaseFiles(options.s3, options.bucket),
    state: new DynamoTableState(doc, tableName),
    lists: new DynamoListItems(doc, tableName),
    bodies: new DynamoReleaseBodies(doc, tableName),
    entities: new DynamoEntityFigures(doc, tableName),
    projections: options.projections,
    textBits: stopWordBits(doc, tableName),
    stopLists: dynamoStopLists(doc, tableName),
  };
}
