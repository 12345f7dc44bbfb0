/**
 * The proof of a materialized run (`--large`): every read the measured requests make must fall in
 * what was materialized. A middleware on each SDK client sees the command before it is sent and
 * records the keys it reads (`GetItem`, `BatchGetItem`, `TransactGetItems`) and the partitions it
 * queries (`Query`); a key is inside when its partition was written whole or the key itself was
 * written, a partition when it was written whole. A `Scan` reads the whole table, so it is always
 * outside. Writes are not reads and pass unrecorded. It also adds up the read units each response
 * reports, by query kind and by the kind of item read, to show where a kind's units go.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** What was materialized: partitions written whole, and single items of other partitions. */
export class MaterializedSet {
  private readonly partitions = new Set<string>();
  private readonly keys = new Set<string>();

  /** Marks a partition as written whole: every item the full corpus would put in it is there. */
  addPartition(pk: string): void {
    this.partitions.add(pk);
  }

  addKey(pk: string, sk: string): void {
    this.keys.add(`${pk}\u0000${sk}`);
  }

  hasPartition(pk: string): boolean {
    return this.partitions.has(pk);
  }

  hasKey(pk: string, sk: string): boolean {
    return this.partitions.has(pk) || this.keys.has(`${pk}\u0000${sk}`);
  }

  get size(): { partitions: number; keys: number } {
    return { partitions: this.partitions.size, keys: this.keys.size };
  }
}

/** One read a command makes: an item by key, a partition by Query, or the whole table by Scan. */
export type Read =
  | { kind: 'key'; pk: string; sk: string }
  | { kind: 'partition'; pk: string }
  | { kind: 'table'; command: string };

type Value = unknown;

/** A key attribute's string, marshalled (`{ S: 'x' }`) or not. */
function text(value: Value): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'S' in value) {
    const s = (value as { S: unknown }).S;
    return typeof s === 'string' ? s : undefined;
  }
  return undefined;
}

function keyRead(key: Record<string, Value> | undefined): Read[] {
  const pk = text(key?.pk);
  const sk = text(key?.sk);
  return pk === undefined || sk === undefined ? [] : [{ kind: 'key', pk, sk }];
}

/**
 * The partition key a Query's key condition names: the value placed against the attribute `pk`
 * (by name or by a `#placeholder` that stands for it).
 */
export function queriedPartition(input: {
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, Value>;
}): string | undefined {
  const expression = input.KeyConditionExpression ?? '';
  for (const match of expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const [, name = '', value = ''] = match;
    const attribute = name.startsWith('#') ? input.ExpressionAttributeNames?.[name] : name;
    if (attribute === 'pk') return text(input.ExpressionAttributeValues?.[value]);
  }
  return undefined;
}

/** The reads of one command, from its input (plain or marshalled). Writes read nothing here. */
export function readsOf(command: string, input: Record<string, unknown>): Read[] {
  switch (command) {
    case 'GetItemCommand':
      return keyRead(input.Key as Record<string, Value>);
    case 'BatchGetItemCommand': {
      const tables = (input.RequestItems ?? {}) as Record<string, { Keys?: Array<Record<string, Value>> }>;
      return Object.values(tables).flatMap((table) => (table.Keys ?? []).flatMap(keyRead));
    }
    case 'TransactGetItemsCommand': {
      const items = (input.TransactItems ?? []) as Array<{ Get?: { Key?: Record<string, Value> } }>;
      return items.flatMap((item) => keyRead(item.Get?.Key));
    }
    case 'QueryCommand': {
      const pk = queriedPartition(input);
      return [
        pk === undefined
          ? { kind: 'table', command: 'Query without a pk condition' }
          : { kind: 'partition', pk },
      ];
    }
    case 'ScanCommand':
      return [{ kind: 'table', command: 'Scan' }];
    default:
      return [];
  }
}

/** The kind of item a read reaches, from its key (docs/data-model.md names each). */
export function itemKind(read: Read): string {
  if (read.kind === 'table') return 'whole table';
  const prefix = read.pk.slice(0, read.pk.indexOf('#') + 1) || read.pk;
  switch (prefix) {
    case 'W#':
      return 'posting';
    case 'V#':
      return 'vocabulary';
    case 'L#':
      return 'list';
    case 'E#':
      return 'entity';
    case 'EY#':
    case 'EM#':
    case 'ED#':
      return 'facet aggregate';
    case 'R#':
      if (read.kind === 'partition') return 'release partition';
      return read.sk === 'S' ? 'search entry' : read.sk === 'X' ? 'folded copy' : 'release';
    default:
      return read.pk === 'SEARCH' ? 'stop list' : 'other';
  }
}

/** Read units and requests of one query kind, by item kind. */
export type UnitsByItem = Record<string, { requests: number; units: number }>;

export interface RecorderFigures {
  /** DynamoDB requests recorded while armed. */
  requests: number;
  /** Keys read (each key of a batch counts). */
  keysRead: number;
  partitionsQueried: number;
  /** Reads outside the materialized set: must be 0. */
  outside: number;
  /** The first reads outside, named (with the query kind that made them). */
  outsideExamples: string[];
  /** Reads outside, by the query kind that made them. */
  outsideByKind?: Record<string, number>;
  /**
   * Read units the responses reported, by query kind, then by item kind (a request reading
   * several kinds of item shares its units among them by keys).
   */
  unitsByKind?: Record<string, UnitsByItem>;
}

function emptyFigures(): RecorderFigures {
  return {
    requests: 0,
    keysRead: 0,
    partitionsQueried: 0,
    outside: 0,
    outsideExamples: [],
    outsideByKind: {},
    unitsByKind: {},
  };
}

/** Records the reads of every client it is attached to while armed, against a materialized set. */
export class ReadRecorder {
  private armed = false;
  private recorded: RecorderFigures = emptyFigures();
  /** The releases whose own items (`R#<id>`) were read outside. */
  private readonly releasesOutside = new Set<string>();
  /** Whether anything else was read outside (a key of another partition, a partition, a Scan). */
  private otherOutside = false;
  /** The query kind being measured, told by the measurement; it names the reads outside. */
  kind = 'unknown';

  constructor(private readonly materialized: MaterializedSet) {}

  /** Records from now on (the materialization's own reads and writes come before). */
  arm(): void {
    this.armed = true;
  }

  disarm(): void {
    this.armed = false;
  }

  get figures(): RecorderFigures {
    return this.recorded;
  }

  /** Forgets what was recorded (after a probe whose reads outside were then materialized). */
  reset(): void {
    this.recorded = emptyFigures();
    this.releasesOutside.clear();
    this.otherOutside = false;
  }

  /**
   * The releases whose own items (`R#<id>`: release item, search entry, folded copy) were read
   * outside; undefined when some read outside was of anything else (a list, a posting, a Scan),
   * which no top-up of release items can mend.
   */
  releasesReadOutside(): Set<string> | undefined {
    return this.otherOutside ? undefined : new Set(this.releasesOutside);
  }

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.armed) return next(args);
        const command = String(context.commandName);
        const reads = readsOf(command, args.input as Record<string, unknown>);
        this.recordReads(command, reads);
        const result = await next(args);
        this.recordUnits(reads, consumedUnits(result.output));
        return result;
      },
      // At the build step the document client has marshalled the input (as handler-overhead.ts records it).
      { step: 'build', priority: 'high', name: 'benchReadRecorder' },
    );
  }

  /** Adds a response's read units to the current query kind, shared among its reads' item kinds. */
  recordUnits(reads: readonly Read[], units: number): void {
    if (reads.length === 0) return;
    const all = this.recorded.unitsByKind ?? {};
    this.recorded.unitsByKind = all;
    const byItem = all[this.kind] ?? {};
    all[this.kind] = byItem;
    const keys = new Map<string, number>();
    for (const read of reads) {
      const item = itemKind(read);
      keys.set(item, (keys.get(item) ?? 0) + 1);
    }
    for (const [item, count] of keys) {
      const figures = byItem[item] ?? { requests: 0, units: 0 };
      figures.requests += count / reads.length;
      figures.units += (units * count) / reads.length;
      byItem[item] = figures;
    }
  }

  record(command: string, input: Record<string, unknown>): void {
    this.recordReads(command, readsOf(command, input));
  }

  private recordReads(command: string, reads: readonly Read[]): void {
    if (reads.length === 0) return;
    this.recorded.requests += 1;
    for (const read of reads) {
      if (read.kind === 'key') this.recorded.keysRead += 1;
      if (read.kind === 'partition') this.recorded.partitionsQueried += 1;
      const inside =
        read.kind === 'key'
          ? this.materialized.hasKey(read.pk, read.sk)
          : read.kind === 'partition' && this.materialized.hasPartition(read.pk);
      if (inside) continue;
      const figures = this.recorded;
      figures.outside += 1;
      const byKind = figures.outsideByKind ?? {};
      byKind[this.kind] = (byKind[this.kind] ?? 0) + 1;
      figures.outsideByKind = byKind;
      // Only a release's own items are mended by a top-up.
      if (read.kind === 'key' && read.pk.startsWith('R#')) this.releasesOutside.add(read.pk.slice(2));
      else this.otherOutside = true;
      if (figures.outsideExamples.length < 10)
        figures.outsideExamples.push(`${this.kind}: ${describe(command, read)}`);
    }
  }
}

/** The read units a response reports (one figure, or one per table of a batch). */
function consumedUnits(output: unknown): number {
  const consumed = (output as { ConsumedCapacity?: unknown } | undefined)?.ConsumedCapacity;
  const all = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return all.reduce((sum: number, c: { CapacityUnits?: number }) => sum + (c.CapacityUnits ?? 0), 0);
}

function describe(command: string, read: Read): string {
  if (read.kind === 'key') return `${command} key ${read.pk} / ${read.sk}`;
  if (read.kind === 'partition') return `${command} partition ${read.pk}`;
  return `${command}: ${read.command}`;
}
