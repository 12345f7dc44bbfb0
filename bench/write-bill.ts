/**
 * What a function's DynamoDB requests cost, request by request, from its client's middleware
 * stack (no handler change): requests by command, and write units as DynamoDB bills them, split
 * by the kind of item written.
 *
 * DynamoDB bills a write by the larger of the item's size before and after it (1 KB units per
 * item, rounded up): overwriting or updating a large item costs its whole size, however little
 * changes. DynamoDB Local reports `ConsumedCapacity` by that rule (`checkWriteBilling` proves it
 * at the start of each measurement), so the reported figures are taken as they are. A write whose
 * condition fails reports nothing but is billed too, by the size of the item it found (at least
 * one unit): the bill reads that item (with a client of its own, not billed here) and adds it.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Item, itemSize } from './dynamo.js';

/** The kind of item a key names, for the breakdown of write units (docs/data-model.md). */
export function itemKind(key: { pk?: unknown; sk?: unknown }): string {
  const pk = String(key.pk ?? '');
  const sk = String(key.sk ?? '');
  if (pk.startsWith('W#')) return pk.includes(' ') ? 'pair fragment' : 'posting fragment';
  if (pk.startsWith('V#')) return 'vocabulary';
  if (pk === 'SEARCH') return 'stop list';
  if (pk.startsWith('PENDING#')) return 'pending marker';
  if (pk.startsWith('L#')) return 'list item';
  if (pk.startsWith('EM#')) return 'entity month';
  if (pk.startsWith('E#')) return 'entity';
  if (pk === 'C#DAYS') return 'change day';
  if (pk.startsWith('C#')) return 'change item';
  if (pk.startsWith('K#')) return 'source key';
  if (pk.startsWith('R#')) {
    const own: Record<string, string> = {
      S: 'search entry',
      X: 'folded copy',
      META: 'release',
      P: 'projector state',
      C: 'change pointer',
    };
    return own[sk] ?? (sk.startsWith('B#') ? 'body chunk' : 'release (other)');
  }
  return 'other';
}

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

type WriteRequest = { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } };

const WRITE_COMMANDS = /^(Put|Update|Delete|BatchWrite|TransactWrite)/;

function unitsOf(item: Item): number {
  return Math.max(1, Math.ceil(itemSize(item) / 1024));
}

export class WriteBill {
  /** Requests by SDK command, e.g. `DynamoDB BatchWriteItem`. */
  readonly requests = new Map<string, number>();
  readonly byKind = new Map<string, { writes: number; units: number }>();
  writeUnits = 0;
  readUnits = 0;
  failedConditions = 0;

  /** `probe`: reads the item a failed conditional write found (its requests are not billed here). */
  constructor(
    private readonly probe: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  get requestCount(): number {
    return [...this.requests.values()].reduce((sum, count) => sum + count, 0);
  }

  private add(kind: string, writes: number, units: number): void {
    const entry = this.byKind.get(kind) ?? { writes: 0, units: 0 };
    entry.writes += writes;
    entry.units += units;
    this.byKind.set(kind, entry);
    this.writeUnits += units;
  }

  /** Splits a batch's reported units over its items in proportion to their own sizes. */
  private billBatch(requests: readonly WriteRequest[], units: number): void {
    const parts = requests.map((request) => {
      const item = request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {};
      return { kind: itemKind(item), estimate: request.PutRequest ? unitsOf(item) : 1 };
    });
    const estimated = parts.reduce((sum, part) => sum + part.estimate, 0);
    for (const part of parts) this.add(part.kind, 1, estimated > 0 ? (units * part.estimate) / estimated : 0);
  }

  private async billFailedCondition(key: Item): Promise<void> {
    this.failedConditions += 1;
    const { Item: found } = await this.probe.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }),
    );
    this.add(itemKind(key), 1, found ? unitsOf(found) : 1);
  }

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = (context.commandName ?? '?').replace(/Command$/, '');
        this.requests.set(`DynamoDB ${command}`, (this.requests.get(`DynamoDB ${command}`) ?? 0) + 1);
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity ??= 'TOTAL';
        const write = WRITE_COMMANDS.test(command);
        const key = (input.Key ?? input.Item) as Item | undefined;
        let result: Awaited<ReturnType<typeof next>>;
        try {
          result = await next(args);
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException && key) await this.billFailedCondition(key);
          throw error;
        }
        const reported = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
        const entries = Array.isArray(reported) ? reported : reported ? [reported] : [];
        let units = 0;
        for (const entry of entries) {
          if (entry.WriteCapacityUnits !== undefined || entry.ReadCapacityUnits !== undefined) {
            units += entry.WriteCapacityUnits ?? 0;
            this.readUnits += entry.ReadCapacityUnits ?? 0;
          } else if (write) units += entry.CapacityUnits ?? 0;
          else this.readUnits += entry.CapacityUnits ?? 0;
        }
        if (!write) return result;
        if (command === 'BatchWriteItem') {
          const items =
            (input.RequestItems as Record<string, WriteRequest[]> | undefined)?.[this.tableName] ?? [];
          this.billBatch(items, units);
        } else this.add(key ? itemKind(key) : 'other', 1, units);
        return result;
      },
      { step: 'initialize', name: 'benchWriteBill' },
    );
  }

  /** Per release: requests by command, and write units by kind (largest first). */
  perRelease(releases: number): {
    requests: Record<string, number>;
    writeUnits: number;
    readUnits: number;
    byKind: Record<string, { writes: number; units: number }>;
  } {
    const per = (value: number) => Math.round((value / releases) * 100) / 100;
    return {
      requests: Object.fromEntries(
        [...this.requests].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, per(v)]),
      ),
      writeUnits: per(this.writeUnits),
      readUnits: per(this.readUnits),
      byKind: Object.fromEntries(
        [...this.byKind]
          .sort((a, b) => b[1].units - a[1].units)
          .map(([kind, entry]) => [kind, { writes: per(entry.writes), units: per(entry.units) }]),
      ),
    };
  }
}

/**
 * Checks that DynamoDB Local reports write units as DynamoDB bills them: the larger of the item's
 * size before and after, for a put, an update and a delete of an item of about 5 KB. Throws
 * otherwise (the figures would not be what DynamoDB bills).
 */
export async function checkWriteBilling(doc: DynamoDBDocumentClient, tableName: string): Promise<void> {
  const key = { pk: 'BENCH#billing-check', sk: 'X' };
  const large = { ...key, body: 'x'.repeat(5000) };
  const units = async (send: Promise<{ ConsumedCapacity?: Capacity }>) =>
    (await send).ConsumedCapacity?.CapacityUnits ?? Number.NaN;
  const figures = {
    'put large': await units(
      doc.send(new PutCommand({ TableName: tableName, Item: large, ReturnConsumedCapacity: 'TOTAL' })),
    ),
    'put small over large': await units(
      doc.send(new PutCommand({ TableName: tableName, Item: key, ReturnConsumedCapacity: 'TOTAL' })),
    ),
  };
  await doc.send(new PutCommand({ TableName: tableName, Item: large }));
  const update = await units(
    doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET #n = :n',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':n': 1 },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  );
  const remove = await units(
    doc.send(new DeleteCommand({ TableName: tableName, Key: key, ReturnConsumedCapacity: 'TOTAL' })),
  );
  const all = { ...figures, 'update one number of large': update, 'delete large': remove };
  if (Object.values(all).some((value) => value !== 5)) {
    throw new Error(`DynamoDB Local does not bill writes by the larger item size: ${JSON.stringify(all)}`);
  }
}
