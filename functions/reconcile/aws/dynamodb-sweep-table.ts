/**
 * Adapter: the reconcile sweep's reads of the table (scan pages and reads by key, each with the
 * read units DynamoDB reports it consumed) and its state item.
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { batchGet } from '#table/aws/dynamodb-batch.js';
import { SWEEP_STATE_KEY, type TableKey } from '#table/table-layout.js';
import type { SweepState, SweepTable } from '../sweep.js';
import type { ReadOptions, ScannedItem } from '../sweep-checks.js';
import { SCAN_NAMES, SCAN_PROJECTION } from './dynamodb-table-state.js';

const units = (capacity: ConsumedCapacity | undefined) => capacity?.CapacityUnits ?? 0;

export class DynamoSweepTable implements SweepTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async page(
    after: TableKey | undefined,
    limit: number,
  ): Promise<{ items: ScannedItem[]; next?: TableKey; readUnits: number }> {
    const page = await this.doc.send(
      new ScanCommand({
        TableName: this.tableName,
        Limit: limit,
        ProjectionExpression: `${SCAN_PROJECTION}, #at`,
        ExpressionAttributeNames: { ...SCAN_NAMES, '#at': 'at' },
        ReturnConsumedCapacity: 'TOTAL',
        ...(after ? { ExclusiveStartKey: { pk: after.pk, sk: after.sk } } : {}),
      }),
    );
    const next = page.LastEvaluatedKey;
    return {
      items: (page.Items ?? []) as ScannedItem[],
      ...(next ? { next: { pk: String(next.pk), sk: String(next.sk) } } : {}),
      readUnits: units(page.ConsumedCapacity),
    };
  }

  async read<T extends TableKey>(
    keys: readonly TableKey[],
    options: ReadOptions = {},
  ): Promise<{ items: T[]; readUnits: number; requests: number }> {
    let readUnits = 0;
    let requests = 0;
    const items = await batchGet<T>(this.doc, this.tableName, keys, {
      consistent: options.consistent ?? false,
      onConsumedCapacity: (capacity) => {
        readUnits += units(capacity);
        requests++;
      },
    });
    return { items, readUnits, requests };
  }

  async partition(
    pk: string,
    prefix?: string,
    options: ReadOptions = {},
  ): Promise<{ items: ScannedItem[]; readUnits: number; requests: number }> {
    const items: ScannedItem[] = [];
    let readUnits = 0;
    let requests = 0;
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression:
          prefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', ...(prefix === undefined ? {} : { '#sk': 'sk' }) },
        ExpressionAttributeValues: { ':pk': pk, ...(prefix === undefined ? {} : { ':prefix': prefix }) },
        ConsistentRead: options.consistent ?? false,
        ReturnConsumedCapacity: 'TOTAL',
      },
    );
    for await (const page of pages) {
      readUnits += units(page.ConsumedCapacity);
      requests++;
      items.push(...((page.Items ?? []) as ScannedItem[]));
    }
    return { items, readUnits, requests };
  }

  async loadState(): Promise<SweepState | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: SWEEP_STATE_KEY, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...state } = Item;
    return state as SweepState;
  }

  async saveState(state: SweepState, previousRuns: number | undefined): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...SWEEP_STATE_KEY, ...state },
          ...(previousRuns === undefined
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } }
            : {
                ConditionExpression: '#runs = :runs',
                ExpressionAttributeNames: { '#runs': 'runs' },
                ExpressionAttributeValues: { ':runs': previousRuns },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
