/**
 * The benchmark's figures the cost model needs, per measured size, and how they are carried to
 * another size: each figure is interpolated linearly in log10(size) between the two measured sizes
 * around it, and extrapolated beyond them along the line through the smallest and the largest
 * (5,000 and 50,000 measured: 500,000 continues the 5,000 -> 50,000 line one decade further). Query costs also have the size
 * a materialized run measured (`--large`: 500,000), so there they are measured, not carried.
 * Pure: takes the parsed results.
 */
import { heldAtLargerSizes } from '../report/index-growth.js';
import type { Results, SizeResult } from '../report/results.js';

/** Read units and first-page latency of one query kind at one size. */
export interface KindCost {
  readonly readUnitsPerPage: number;
  /** Median in-process handler time, ms (DynamoDB Local on loopback). */
  readonly p50Ms: number;
}

export interface SizeFigures {
  readonly size: number;
  /** Table bytes per release by DynamoDB's item-size rules (DescribeTable), index included. */
  readonly tableBytesPerRelease: number;
  readonly tableItemsPerRelease: number;
  /** Ingest + projector write units per release, without the word index. */
  readonly eventWriteUnitsPerRelease: number;
  /** Ingest + projector read units per release; undefined where the run did not record them. */
  readonly eventReadUnitsPerRelease: number | undefined;
  /** GetItem and Query requests per release on the event path (each at least one read unit). */
  readonly eventReadRequestsPerRelease: number;
  /** All DynamoDB requests per release on the event path. */
  readonly eventDynamoRequestsPerRelease: number;
  /** CPU of the ingest and projector handlers per release, ms (this process, not DynamoDB Local). */
  readonly eventCpuMsPerRelease: number;
  /** Word index write units per release as the benchmark's bulk loader writes them. */
  readonly indexWriteUnitsPerRelease: number;
  /**
   * Word index write units per release through the event path, 1,000 files at once (an
   * `aws s3 sync`): the indexer's fragments. The bulk loader's figure where a run did not measure it.
   */
  readonly eventIndexWriteUnitsPerRelease: number;
  readonly indexBytesPerRelease: number;
  /** Search entry + folded copy bytes: a stand-in for the release item's size (not measured). */
  readonly releaseItemBytes: number;
  /** Write units of the folded copy and the search entry, per release. */
  readonly indexEntryWriteUnits: number;
  readonly kinds: Readonly<Record<string, KindCost>>;
}

export interface MeasuredFigures {
  readonly sizes: readonly SizeFigures[];
  /**
   * Query costs at sizes whose queries were measured on a materialized table (`--large`), beside
   * the loaded sizes': query kinds are carried to other sizes from all of them.
   */
  readonly queriedOnly?: ReadonlyArray<
    Pick<SizeFigures, 'size' | 'kinds'> & Partial<Pick<SizeFigures, 'eventIndexWriteUnitsPerRelease'>>
  >;
  /** What the figures stand in for where a run did not measure it (printed with the tables). */
  readonly notes?: readonly string[];
  /** Whether the largest size's index units hold at any larger size (bench/report/index-growth.ts). */
  readonly indexUnitsHeldBeyondLargest: boolean;
  /** Cold start of the deployed bundle, init only (import and module scope), ms. */
  readonly initMs: { readonly api: number; readonly ingest: number };
  readonly source: string;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Each query kind's read units per page and first-page latency. */
function kindsOf(queries: SizeResult['queries']): Record<string, KindCost> {
  const kinds: Record<string, KindCost> = {};
  for (const q of queries) {
    kinds[q.kind] = { readUnitsPerPage: q.cost.consumedPerPage, p50Ms: q.latency.inProcess.p50 };
  }
  return kinds;
}

function figuresOf(result: SizeResult): SizeFigures {
  const { size, ingest, index } = result;
  if (!index) throw new Error(`results at ${size} releases have no word index figures`);
  const requests = ingest.eventPath.requests;
  const dynamo = requests.filter((r) => r.request.startsWith('DynamoDB '));
  const reads = dynamo.filter((r) => r.request === 'DynamoDB GetItem' || r.request === 'DynamoDB Query');
  const kinds = kindsOf(result.queries);
  const entry = index.byKind['search entry'];
  const folded = index.byKind['folded copy'];
  return {
    size,
    tableBytesPerRelease: result.table.bytes / size,
    tableItemsPerRelease: result.table.items / size,
    eventWriteUnitsPerRelease: ingest.writeUnits.eventPath,
    eventReadUnitsPerRelease: ingest.readUnits?.eventPath,
    eventReadRequestsPerRelease: sum(reads.map((r) => r.perRelease)),
    eventDynamoRequestsPerRelease: sum(dynamo.map((r) => r.perRelease)),
    eventCpuMsPerRelease: ingest.eventPath.cpuMsPerRelease.node,
    indexWriteUnitsPerRelease: index.writeUnitsPerRelease,
    eventIndexWriteUnitsPerRelease: result.eventPath?.bulk.writeUnits.indexer ?? index.writeUnitsPerRelease,
    indexBytesPerRelease: index.bytesPerRelease,
    releaseItemBytes: (entry?.bytes ?? 0) + (folded?.bytes ?? 0),
    indexEntryWriteUnits: (entry?.writeUnits ?? 0) + (folded?.writeUnits ?? 0),
    kinds,
  };
}

export function measuredFigures(results: Results, source: string): MeasuredFigures {
  const sizes = results.results.map(figuresOf).sort((a, b) => a.size - b.size);
  if (sizes.length === 0) throw new Error('results.json has no sizes');
  const initOf = (name: string) => {
    const cold = results.coldStarts.find((c) => c.function === name);
    if (!cold) throw new Error(`results.json has no cold start of ${name}`);
    return cold.real.initMs;
  };
  const largest = results.results.find((r) => r.size === sizes.at(-1)?.size);
  const large = results.large;
  const largeIndexUnits = large?.eventPath?.bulk.writeUnits.indexer;
  const notes = results.results
    .filter((r) => r.eventPath === undefined)
    .map(
      (r) =>
        `no event path was measured at ${r.size.toLocaleString('en-US')} releases: its word index units are the bench loader's (${r.index?.writeUnitsPerRelease}), which no deployed path writes`,
    );
  return {
    sizes,
    ...(large
      ? {
          queriedOnly: [
            {
              size: large.size,
              kinds: kindsOf(large.queries),
              ...(largeIndexUnits !== undefined ? { eventIndexWriteUnitsPerRelease: largeIndexUnits } : {}),
            },
          ],
        }
      : {}),
    ...(notes.length > 0 ? { notes } : {}),
    indexUnitsHeldBeyondLargest: largest !== undefined && heldAtLargerSizes(largest),
    initMs: { api: initOf('api'), ingest: initOf('ingest') },
    source,
  };
}

/**
 * y at x, linear in log10(x) between the two points around x, or outside them along the line
 * through the first and the last point; one point: its value. Never below zero.
 */
export function interpolateInLogSize(points: readonly (readonly [number, number])[], x: number): number {
  if (points.length === 0) throw new Error('no points to interpolate');
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const first = sorted[0] as readonly [number, number];
  const last = sorted[sorted.length - 1] as readonly [number, number];
  if (sorted.length === 1) return first[1];
  // Outside the measured sizes: the line through the first and the last (two close sizes would
  // carry their noise a long way).
  let [x0, y0] = first;
  let [x1, y1] = last;
  if (x >= first[0] && x <= last[0]) {
    let i = 0;
    while (i < sorted.length - 2 && x > (sorted[i + 1] as readonly [number, number])[0]) i++;
    [x0, y0] = sorted[i] as readonly [number, number];
    [x1, y1] = sorted[i + 1] as readonly [number, number];
  }
  const t = (Math.log10(x) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0));
  return Math.max(0, y0 + t * (y1 - y0));
}

type NumericKey = Exclude<
  {
    [K in keyof SizeFigures]: SizeFigures[K] extends number ? K : never;
  }[keyof SizeFigures],
  'size' | 'eventIndexWriteUnitsPerRelease'
>;

const NUMERIC_KEYS: readonly NumericKey[] = [
  'tableBytesPerRelease',
  'tableItemsPerRelease',
  'eventWriteUnitsPerRelease',
  'eventReadRequestsPerRelease',
  'eventDynamoRequestsPerRelease',
  'eventCpuMsPerRelease',
  'indexWriteUnitsPerRelease',
  'indexBytesPerRelease',
  'releaseItemBytes',
  'indexEntryWriteUnits',
];

/** Every figure carried to `size` (see the module comment). */
export function figuresAt(measured: MeasuredFigures, size: number): SizeFigures {
  const at = (pick: (s: SizeFigures) => number) =>
    interpolateInLogSize(
      measured.sizes.map((s) => [s.size, pick(s)] as const),
      size,
    );
  const numeric = Object.fromEntries(NUMERIC_KEYS.map((key) => [key, at((s) => s[key])])) as Record<
    NumericKey,
    number
  >;
  const reads = measured.sizes.map((s) => s.eventReadUnitsPerRelease);
  const allReads = reads.every((r): r is number => r !== undefined);
  const queried = [...measured.sizes, ...(measured.queriedOnly ?? [])];
  const kindNames = Object.keys(measured.sizes[0]?.kinds ?? {}).filter((kind) =>
    queried.every((s) => s.kinds[kind] !== undefined),
  );
  const kinds: Record<string, KindCost> = {};
  for (const kind of kindNames) {
    const of = (pick: (k: KindCost) => number) =>
      interpolateInLogSize(
        queried.map((s) => [s.size, pick(s.kinds[kind] as KindCost)] as const),
        size,
      );
    kinds[kind] = { readUnitsPerPage: of((k) => k.readUnitsPerPage), p50Ms: of((k) => k.p50Ms) };
  }
  return {
    size,
    ...numeric,
    eventIndexWriteUnitsPerRelease: eventIndexUnitsAt(measured, size),
    eventReadUnitsPerRelease: allReads ? at((s) => s.eventReadUnitsPerRelease ?? 0) : undefined,
    kinds,
  };
}

/**
 * The event path's index units at `size`: interpolated in log size between measured sizes, and
 * beyond the largest one held at its figure when its posting buckets are already one month wide
 * (a fragment's units depend on the batch and the bucket width, not on what the table holds:
 * bench/report/index-growth.ts), else extrapolated like every other figure. A materialized size
 * whose event path was measured (`--large`) is one more point, and the largest point is held.
 */
function eventIndexUnitsAt(measured: MeasuredFigures, size: number): number {
  // A materialized size's event path measured them too: a point like the loaded sizes'.
  const points = [
    ...measured.sizes.map((s) => [s.size, s.eventIndexWriteUnitsPerRelease] as const),
    ...(measured.queriedOnly ?? []).flatMap((s) =>
      s.eventIndexWriteUnitsPerRelease !== undefined
        ? [[s.size, s.eventIndexWriteUnitsPerRelease] as const]
        : [],
    ),
  ].sort((a, b) => a[0] - b[0]);
  const largest = points.at(-1);
  if (largest && size >= largest[0] && measured.indexUnitsHeldBeyondLargest) return largest[1];
  return interpolateInLogSize(points, size);
}
