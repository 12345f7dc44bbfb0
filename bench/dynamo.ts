/**
 * DynamoDB helpers of the benchmark: item sizes and read-capacity arithmetic as DynamoDB bills
 * them, a bounded BatchWriteItem loader (the raw-write baseline and the bulk loader), a request
 * timer that attaches to any SDK v3 client's middleware stack, and the naive-Scan figures.
 */

import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '../scripts/local/provision.js';
import { forEachBounded } from './stats.js';

export type Item = Record<string, unknown>;

/** One read capacity unit covers 4 KB of a strongly consistent read. */
export const READ_UNIT_BYTES = 4096;

function numberSize(value: number): number {
  // About one byte per two significant digits, plus one (DynamoDB's documented estimate).
  const digits = String(Math.abs(value))
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** The size DynamoDB counts for one attribute value (names are counted by the caller). */
export function valueSize(value: unknown): number {
  if (value === null) return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') return numberSize(value);
  if (value instanceof Uint8Array) return value.byteLength;
  // Lists and maps: 3 bytes of overhead, 1 byte per element.
  if (Array.isArray(value))
    return 3 + value.reduce<number>((size, element) => size + 1 + valueSize(element), 0);
  if (value instanceof Set) return [...value].reduce<number>((size, element) => size + valueSize(element), 0);
  if (typeof value === 'object') {
    return (
      3 +
      Object.entries(value as Item)
        .filter(([, v]) => v !== undefined)
        .reduce((size, [name, v]) => size + 1 + Buffer.byteLength(name, 'utf8') + valueSize(v), 0)
    );
  }
  return 0;
}

/** The item size DynamoDB bills: attribute names plus values (undefined attributes are not stored). */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name, 'utf8') + valueSize(value);
  }
  return size;
}

/**
 * Read capacity of one Query/Scan response that read `bytes`: the total rounded up to the next
 * 4 KB, halved for an eventually consistent read.
 */
export function readUnits(bytes: number, consistent = false): number {
  const units = Math.ceil(bytes / READ_UNIT_BYTES);
  return consistent ? units : units / 2;
}

/** The table exactly as the local stack and the tests make it. */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await ensureTable(client, tableName);
}

export async function dropTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
}

/** DynamoDB Local keeps `TableSizeBytes` current (the cloud refreshes it about every six hours). */
export async function tableSize(
  client: DynamoDBClient,
  tableName: string,
): Promise<{ bytes: number; items: number }> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return { bytes: Number(Table?.TableSizeBytes ?? 0), items: Number(Table?.ItemCount ?? 0) };
}

export const BATCH_WRITE_MAX = 25;

/**
 * Puts `items` with BatchWriteItem, 25 a request, `concurrency` requests in flight, retrying
 * unprocessed items with a short backoff, as any bulk loader must.
 */
export async function batchPut(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Item[],
  concurrency: number,
  onWritten: (count: number) => void = () => {},
): Promise<{ requests: number }> {
  const batches: Item[][] = [];
  for (let i = 0; i < items.length; i += BATCH_WRITE_MAX) batches.push(items.slice(i, i + BATCH_WRITE_MAX));
  let requests = 0;
  await forEachBounded(batches, concurrency, async (batch) => {
    let pending: Array<{ PutRequest: { Item: Item } }> = batch.map((item) => ({
      PutRequest: { Item: item },
    }));
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 10) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      requests += 1;
      const output = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (output.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
    onWritten(batch.length);
  });
  return { requests };
}

/** Wall time and count of each SDK command a client sends (its middleware stack, no handler change). */
export class RequestTimer {
  readonly commands = new Map<string, { count: number; totalMs: number }>();

  private record(name: string, ms: number): void {
    const entry = this.commands.get(name) ?? { count: 0, totalMs: 0 };
    entry.count += 1;
    entry.totalMs += ms;
    this.commands.set(name, entry);
  }

  private async measure<T>(name: string, run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await run();
    } finally {
      this.record(name, performance.now() - start);
    }
  }

  attach(client: DynamoDBClient | S3Client): void {
    const options = { step: 'initialize', name: 'benchRequestTimer' } as const;
    const label = client instanceof S3Client ? 'S3' : 'DynamoDB';
    if (client instanceof DynamoDBClient) {
      client.middlewareStack.add(
        (next, context) => (args) =>
          this.measure(`${label} ${(context.commandName ?? '?').replace(/Command$/, '')}`, () => next(args)),
        options,
      );
    } else {
      client.middlewareStack.add(
        (next, context) => (args) =>
          this.measure(`${label} ${(context.commandName ?? '?').replace(/Command$/, '')}`, () => next(args)),
        options,
      );
    }
  }

  reset(): void {
    this.commands.clear();
  }
}

/**
 * Write and read capacity a client consumes, as DynamoDB reports it: asks every request for
 * `ReturnConsumedCapacity: TOTAL` (the callers here never ask themselves) and sums the answers.
 */
export class CapacityMeter {
  writeUnits = 0;
  readUnits = 0;
  /** Write units by request and item kind (`UpdateItem EM`, `BatchWriteItem`, ...). */
  readonly writeUnitsBy = new Map<string, number>();

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity ??= 'TOTAL';
        const result = await next(args);
        const write = /Put|Update|Delete|Write/.test(context.commandName ?? '');
        const entries = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
        for (const entry of Array.isArray(entries) ? entries : entries ? [entries] : []) {
          // Split into read and write units where reported; else the total by the kind of request.
          const written =
            entry.WriteCapacityUnits ??
            (entry.ReadCapacityUnits === undefined && write ? entry.CapacityUnits : 0) ??
            0;
          this.writeUnits += written;
          this.readUnits +=
            entry.ReadCapacityUnits ??
            (entry.WriteCapacityUnits === undefined && !write ? entry.CapacityUnits : 0) ??
            0;
          if (written > 0) {
            const label = writeLabel(context.commandName ?? '?', input);
            this.writeUnitsBy.set(label, (this.writeUnitsBy.get(label) ?? 0) + written);
          }
        }
        return result;
      },
      { step: 'initialize', name: 'benchCapacityMeter' },
    );
  }
}

/**
 * A write's request and, for a single-item write, the kind of item (its partition key's prefix,
 * as docs/data-model.md names them: `R`, `L`, `EM`, `ED`, `EY`, `E`, ...).
 */
function writeLabel(commandName: string, input: Record<string, unknown>): string {
  const request = commandName.replace(/Command$/, '');
  const item = (input.Key ?? input.Item) as Record<string, unknown> | undefined;
  const pk = item?.pk;
  const value = typeof pk === 'string' ? pk : (pk as { S?: string } | undefined)?.S;
  return value === undefined ? request : `${request} ${value.split('#')[0]}`;
}

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/** Write units DynamoDB bills to put these items one by one: each item's size rounded up to 1 KB. */
export function putWriteUnits(items: readonly Item[]): number {
  return items.reduce((units, item) => units + Math.max(1, Math.ceil(itemSize(item) / 1024)), 0);
}

/**
 * A real full Scan with a filter, every page, summing the consumed capacity DynamoDB reports.
 * DynamoDB Local re-reads the rest of the table for every 1 MB page, so a full Scan grows with
 * the square of the table: the benchmark runs it on a calibration table and computes the large
 * tables' Scan from their size (see docs/benchmark.md).
 */
export async function measuredScan(
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<{ units: number; pages: number; scanned: number; matched: number }> {
  let units = 0;
  let pages = 0;
  let scanned = 0;
  let matched = 0;
  let start: Item | undefined;
  do {
    const output = await doc.send(
      new ScanCommand({
        TableName: tableName,
        // The naive "newest releases" page: every release item, sorted in memory afterwards.
        FilterExpression: '#sk = :meta AND begins_with(#pk, :release)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':meta': 'META', ':release': 'R#' },
        ReturnConsumedCapacity: 'TOTAL',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    units += output.ConsumedCapacity?.CapacityUnits ?? 0;
    pages += 1;
    scanned += output.ScannedCount ?? 0;
    matched += output.Count ?? 0;
    start = output.LastEvaluatedKey;
  } while (start);
  return { units, pages, scanned, matched };
}

/** A Scan's 1 MB pages. */
export const SCAN_PAGE_BYTES = 1024 * 1024;

/**
 * What a full Scan of a table of `bytes` consumes, eventually consistent: each 1 MB page rounded
 * up to 4 KB (on average half a unit per page), halved.
 */
export function scanUnitsFor(bytes: number): number {
  const pages = Math.max(1, Math.ceil(bytes / SCAN_PAGE_BYTES));
  return readUnits(bytes) + pages * 0.25;
}
