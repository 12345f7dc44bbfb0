/**
 * The single table of docs/data-model.md: string keys and TTL attribute from the shared layout,
 * no secondary indexes (each list is its own partition), on-demand capacity. Encrypted at rest
 * with DynamoDB's default AWS-owned key (no KMS request charges).
 *
 * The table also says who may do what with it: the query side reads items by key and queries
 * partitions (never scans, never writes); ingest additionally writes items, in transactions.
 */

import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '#core/table-layout.js';

/** Everything a query needs: GetItem, BatchGetItem (release items of `q` candidates), Query. */
export const TABLE_QUERY_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;

/**
 * Ingest and reindex writes: single items, batches, and TransactWriteItems (which IAM checks as
 * the Put/Update/Delete/ConditionCheck actions of its parts).
 */
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
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
    });
  }

  /** Read-only access for the query functions. */
  grantQuery(grantee: IGrantable): Grant {
    return this.table.grant(grantee, ...TABLE_QUERY_ACTIONS);
  }

  /** Read and write access for ingest. */
  grantIngest(grantee: IGrantable): Grant {
    return this.table.grant(grantee, ...TABLE_QUERY_ACTIONS, ...TABLE_WRITE_ACTIONS);
  }
}
