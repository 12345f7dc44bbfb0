/**
 * Wires reindex to DynamoDB and S3: the same stores the ingest function and the projector use, and
 * the projector's repair requests.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoReleaseStore } from '#ingest/aws/dynamodb-release-store.js';
import { S3ReleaseFiles } from '#ingest/aws/s3-release-files.js';
import { DynamoEntityFigures } from '#projection/aws/dynamodb-entity-figures.js';
import { DynamoRepairRequests } from '#projection/aws/dynamodb-repair-requests.js';
import { dynamoStopLists } from '#search/aws/dynamodb-index-store.js';
import { DynamoPending } from '#table/aws/dynamodb-pending.js';
import { DynamoReleases } from '#table/aws/dynamodb-releases.js';
import type { ReindexDeps } from '../reindex.js';
import type { SweepDeps } from '../sweep.js';
import { DynamoSweepTable } from './dynamodb-sweep-table.js';
import { DynamoTableState } from './dynamodb-table-state.js';

export function dynamoReindexDeps(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  s3: S3Client;
  bucket: string;
}): ReindexDeps {
  const { doc, tableName } = options;
  return {
    store: new DynamoReleaseStore(doc, tableName),
    files: new S3ReleaseFiles(options.s3, options.bucket),
    state: new DynamoTableState(doc, tableName),
    bodies: new DynamoReleases(doc, tableName),
    entities: new DynamoEntityFigures(doc, tableName),
    repairs: new DynamoRepairRequests(doc, tableName),
    pending: new DynamoPending(doc, tableName),
    stopLists: dynamoStopLists(doc, tableName),
  };
}

/** The same stores for the scheduled sweep, with its metered reads and its state item. */
export function dynamoSweepDeps(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  s3: S3Client;
  bucket: string;
}): SweepDeps {
  const { state: _state, stopLists: _stopLists, ...deps } = dynamoReindexDeps(options);
  return { ...deps, sweep: new DynamoSweepTable(options.doc, options.tableName) };
}
