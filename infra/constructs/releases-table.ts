/**
 * The single table of docs/data-model.md: string keys and TTL attribute from the shared layout,
 * no secondary indexes (each list is its own partition), on-demand capacity. Encrypted at rest
 * with DynamoDB's default AWS-owned key (no KMS request charges).
 *
 * Its stream (both images) feeds the projector, which derives lists, entity figures and the other
 * projections from the release items.
 *
 * The table also says who may do what with it: the query side reads items by key and queries
 * partitions (never scans, never writes); ingest reads items by key and writes in small
 * transactions (and large bodies' chunks in batches); the projector writes derived items with
 * plain writes.
 */

import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_KEYS, TABLE_STREAM_VIEW } from '#table/table-layout.js';

/** Everything a query needs: GetItem, BatchGetItem (release items of `q` candidates), Query. */
export const TABLE_QUERY_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;

/**
 * Ingest: key reads, TransactWriteItems, which IAM checks as the Put/Delete/ConditionCheck
 * actions of its parts, BatchWriteItem, which writes the body chunks of a release over
 * INLINE_BODY_MAX_BYTES before its transaction, and Query, which finds the other keys that claim
 * an id whose source was deleted (one release's partition). Nothing else: no scans, no updates.
 */
export const TABLE_INGEST_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:BatchWriteItem',
] as const;

/**
 * The projector: reads, queries (recounts) and plain writes of derived items: recounts by
 * UpdateItem; lists, states, body chunks and the change log in batches; a change-log put the
 * table refused in a batch, retried alone by PutItem. It deletes only in batches.
 */
export const TABLE_PROJECTOR_ACTIONS = [
  ...TABLE_QUERY_ACTIONS,
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:BatchWriteItem',
] as const;

/**
 * The indexer: key reads (release items, folded copies, the stop list), its own items written and
 * deleted under conditions, posting fragments and vocabulary in batches, markers cleared.
 */
export const TABLE_INDEXER_ACTIONS = [
  ...TABLE_QUERY_ACTIONS,
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/**
 * The scheduled reconcile: what ingest does (it applies keys the same way), a Scan of a stretch of
 * the table per run and reads by key, repair requests and recounts (updates), its position (one
 * item, put), and orphaned chunks deleted.
 */
export const TABLE_RECONCILE_ACTIONS = [
  ...TABLE_QUERY_ACTIONS,
  'dynamodb:Scan',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:BatchWriteItem',
] as const;

export interface ReleasesTableProps {
  readonly removalPolicy: RemovalPolicy;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
}

export class ReleasesTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ReleasesTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEYS.timeToLive,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
      stream: StreamViewType[TABLE_STREAM_VIEW],
    });
  }

  /** Read-only access for the query functions. */
  grantQuery(grantee: IGrantable): Grant {
    return this.table.grant(grantee, ...TABLE_QUERY_ACTIONS);
  }

  grantIngest(grantee: IGrantable): Grant {
    return this.table.grant(grantee, ...TABLE_INGEST_ACTIONS);
  }

  grantReconcile(grantee: IGrantable): Grant {
    return this.table.grant(grantee, ...TABLE_RECONCILE_ACTIONS);
  }

  grantIndex(grantee: IGrantable): Grant {
    return this.table.grant(grantee, ...TABLE_INDEXER_ACTIONS);
  }

  /** Stream reading is granted by the projector's event source. */
  grantProject(grantee: IGrantable): Grant {
    return this.table.grant(grantee, ...TABLE_PROJECTOR_ACTIONS);
  }
}
