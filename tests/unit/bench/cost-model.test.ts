/**
 * The cost model's arithmetic against a case worked out by hand (the expected figures are written
 * out, not recomputed with the model's own helpers), and the log-size interpolation that carries
 * measured figures to other sizes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  figuresAt,
  interpolateInLogSize,
  type MeasuredFigures,
  measuredFigures,
  type SizeFigures,
} from '../../../bench/cost/measured.js';
import { itemReadUnits, monthlyCost, sweepRuns } from '../../../bench/cost/model.js';
import { openSearchOptions } from '../../../bench/cost/opensearch.js';
import { PRICES } from '../../../bench/cost/prices.js';
import type { StageFacts } from '../../../bench/cost/stage-facts.js';
import {
  type Assumptions,
  DEFAULT_MIX,
  type RequestKind,
  type Workload,
} from '../../../bench/cost/workload.js';
import type { Results } from '../../../bench/report/results.js';

describe('interpolateInLogSize', () => {
  const points = [
    [1_000, 10],
    [10_000, 20],
  ] as const;

  it('is linear in log10(size) between measured sizes and along their line beyond them', () => {
    expect(interpolateInLogSize(points, 1_000)).toBe(10);
    expect(interpolateInLogSize(points, 10_000)).toBe(20);
    expect(interpolateInLogSize(points, Math.sqrt(1_000 * 10_000))).toBeCloseTo(15, 10);
    expect(interpolateInLogSize(points, 100_000)).toBeCloseTo(30, 10);
    expect(interpolateInLogSize(points, 100)).toBeCloseTo(0, 10);
  });

  it('extrapolates along the line through the smallest and the largest size, not the last segment', () => {
    const three = [...points, [20_000, 40] as const];
    expect(interpolateInLogSize(three, 15_000)).toBeCloseTo(20 + (20 * Math.log10(1.5)) / Math.log10(2), 10);
    // From (1,000, 10) to (20,000, 40): 30 per log10(20) decades.
    expect(interpolateInLogSize(three, 200_000)).toBeCloseTo(40 + 30 / Math.log10(20), 10);
  });

  it('never goes below zero, and a single point is its own value everywhere', () => {
    expect(interpolateInLogSize(points, 10)).toBe(0);
    expect(interpolateInLogSize([[5_000, 7]], 500_000)).toBe(7);
  });
});

describe('itemReadUnits', () => {
  it('counts 4 KB blocks, halved when eventually consistent', () => {
    expect(itemReadUnits(4096, true)).toBe(1);
    expect(itemReadUnits(4097, true)).toBe(2);
    expect(itemReadUnits(13_000, false)).toBe(2);
    expect(itemReadUnits(10, false)).toBe(0.5);
  });
});

describe('monthlyCost, a case computed by hand (ap-southeast-2)', () => {
  // 1,024 releases of exactly 1 MiB billed each (1,047,576 bytes + 10 items x 100 bytes): 1 GB.
  const figures: SizeFigures = {
    size: 1_024,
    tableBytesPerRelease: 1_047_576,
    tableItemsPerRelease: 10,
    eventWriteUnitsPerRelease: 40,
    eventReadUnitsPerRelease: 20,
    eventReadRequestsPerRelease: 15,
    eventDynamoRequestsPerRelease: 0,
    eventCpuMsPerRelease: 0,
    // The bulk load goes through the event path: its index units, not the bulk loader's, are billed.
    indexWriteUnitsPerRelease: 70,
    eventIndexWriteUnitsPerRelease: 100,
    indexBytesPerRelease: 5_000,
    releaseItemBytes: 8_192,
    indexEntryWriteUnits: 12,
    kinds: { newest: { readUnitsPerPage: 2, p50Ms: 10 } },
  };
  const assumptions: Assumptions = {
    roundTripMs: 0,
    termsPerRelease: 0,
    fileBytes: 0,
    entityListReadUnits: 0,
    changesPollReadUnits: 0,
    mirrors: 0,
    apiColdStartsPerEnvironmentHour: 0,
    peakToMeanTraffic: 1,
    logBytesPerRequest: 0,
    logBytesPerRelease: 0,
    logCompression: 0,
    customMetricSeries: 0,
    idlePollsPerQueueMonth: 0,
    polledQueues: 0,
    scanBytesPerSecond: 1e15,
    sweepPassReadUnitsPerRelease: 20,
    secretCallsPerMonth: 10_000,
    openSearchBytesPerRelease: 0,
  };
  const stage: StageFacts = {
    stage: 'hand',
    memoryMiB: { api: 1024, ingest: 1024, project: 1024, index: 1024, reconcile: 1024 },
    reconcileRunsPerMonth: 4,
    pointInTimeRecovery: true,
    logRetentionMonths: 1,
    alarms: 2,
    dashboards: 1,
    secrets: 1,
  };
  const onlyNewest = Object.fromEntries(
    Object.keys(DEFAULT_MIX).map((kind) => [kind, kind === 'newest' ? 1 : 0]),
  ) as Record<RequestKind, number>;
  /** The hand case's cost, with some of its workload or assumptions changed. */
  const costWith = (changes: { workload?: Partial<Workload>; assumptions?: Partial<Assumptions> } = {}) =>
    monthlyCost({
      figures,
      initMs: { api: 100, ingest: 100 },
      workload: {
        releases: 1_024,
        uploadsPerDay: 0,
        bulkLoadFiles: 10_000,
        requestsPerMonth: 1_000_000,
        mix: onlyNewest,
        ...changes.workload,
      },
      assumptions: { ...assumptions, ...changes.assumptions },
      stage,
      region: 'ap-southeast-2',
    });
  const cost = costWith();
  const line = (item: string) => {
    const found = cost.lines.find((l) => l.item.startsWith(item));
    if (!found) throw new Error(`no line "${item}"`);
    return found;
  };

  it('uses the Sydney prices the hand computation assumes', () => {
    expect(PRICES.dynamoWriteUnit.usd['ap-southeast-2']).toBe(0.7068);
    expect(PRICES.dynamoReadUnit.usd['ap-southeast-2']).toBe(0.1414);
    expect(PRICES.httpApiRequest.usd['ap-southeast-2']).toBe(1.29);
  });

  it('prices storage, writes and reads line by line', () => {
    expect(line('table storage').quantity).toBeCloseTo(1, 10);
    expect(line('table storage').usd).toBeCloseTo(0.285, 10);
    expect(line('point-in-time recovery').usd).toBeCloseTo(0.228, 10);
    // 10,000 files x 40 and x 100 write units, at $0.7068 a million.
    expect(line('writes: bulk load (ingest').usd).toBeCloseTo(0.28272, 10);
    expect(line('writes: bulk load (word index)').usd).toBeCloseTo(0.7068, 10);
    // 10,000 x 20 read units; 1,000,000 newest pages x 2 read units.
    expect(line('reads: ingest').usd).toBeCloseTo(0.02828, 10);
    expect(line('reads: API without q').quantity).toBe(2_000_000);
    expect(line('reads: API without q').usd).toBeCloseTo(0.2828, 10);
    // A sweep whose pass fits in a run: 1,024 releases x 20 read units, 4 runs: 81,920 units.
    expect(line('reads: reconcile').quantity).toBe(81_920);
    // 1,000,000 x 10 ms at 1 GB: 10,000 GB-seconds.
    expect(line('api duration').quantity).toBeCloseTo(10_000, 10);
    expect(line('api duration').usd).toBeCloseTo(0.133334, 10);
    // 10,000 uploads + 4 runs x 2 LIST pages of 1,000 keys.
    expect(line('PUT').quantity).toBe(10_008);
  });

  it('adds up to the total worked out by hand', () => {
    // 0.285 + 0.228 (storage, PITR) + 0.28272 + 0.7068 (writes) + 0.02828 + 0.2828 (reads)
    // + 0.011583488 (reconcile reads: 81,920 x 0.1414e-6) + 0.133334 + 0.2 (api duration, requests)
    // + 0.000222 (1,110 pipeline invocations) + 1.29 (HTTP API) + 0.055044 + 0.0044 (S3 PUT, GET)
    // + 0.0052 (13,000 SQS requests) + 0.2 + 3 (2 alarms, 1 dashboard) + 0.4 + 0.05 (secret, calls)
    expect(cost.totalUsd).toBeCloseTo(7.163383488, 6);
  });

  it('reports the word index share: its storage share, its writes and its q reads', () => {
    // (0.285 + 0.228) x 5,000 / 1,047,576 + 0.7068
    expect(cost.wordIndexUsd).toBeCloseTo(0.7092485097, 6);
  });

  it("bills a bulk load's indexer by its fragments' batch writes, one round trip each", () => {
    const withTrips = costWith({ workload: { requestsPerMonth: 0 }, assumptions: { roundTripMs: 8 } });
    // 100 units a release / 25 per BatchWriteItem x 8 ms = 32 ms; 10,000 x 0.032 s x 1 GB.
    expect(withTrips.lines.find((l) => l.item === 'indexer duration')?.quantity).toBeCloseTo(320, 10);
  });

  it('takes a given reconcile figure instead of the sweep', () => {
    const incremental = costWith({ workload: { reconcileReadUnitsPerMonth: 1_000 } });
    expect(incremental.lines.find((l) => l.item.startsWith('reads: reconcile'))?.quantity).toBe(1_000);
  });
});

describe('figuresAt, the event path index units', () => {
  const at = (size: number, units: number): SizeFigures => ({
    size,
    tableBytesPerRelease: 80_000,
    tableItemsPerRelease: 120,
    eventWriteUnitsPerRelease: 40,
    eventReadUnitsPerRelease: undefined,
    eventReadRequestsPerRelease: 15,
    eventDynamoRequestsPerRelease: 35,
    eventCpuMsPerRelease: 100,
    indexWriteUnitsPerRelease: 150,
    eventIndexWriteUnitsPerRelease: units,
    indexBytesPerRelease: 60_000,
    releaseItemBytes: 8_000,
    indexEntryWriteUnits: 14,
    kinds: {},
  });
  const measured = (indexUnitsHeldBeyondLargest: boolean): MeasuredFigures => ({
    sizes: [at(5_000, 500), at(50_000, 700)],
    indexUnitsHeldBeyondLargest,
    initMs: { api: 100, ingest: 100 },
    source: 'test',
  });

  it('holds the largest size figure beyond it when its buckets are one year wide', () => {
    expect(figuresAt(measured(true), 500_000).eventIndexWriteUnitsPerRelease).toBe(700);
    // Other figures still follow the line: 40 stays 40, 120 items stay 120.
    expect(figuresAt(measured(true), 500_000).tableItemsPerRelease).toBe(120);
  });

  it('interpolates between measured sizes, and extrapolates while buckets are wider', () => {
    expect(figuresAt(measured(true), Math.sqrt(5_000 * 50_000)).eventIndexWriteUnitsPerRelease).toBeCloseTo(
      600,
      10,
    );
    expect(figuresAt(measured(false), 500_000).eventIndexWriteUnitsPerRelease).toBeCloseTo(900, 10);
  });

  it('takes the event path measured at a materialized size as a point', () => {
    const withLarge: MeasuredFigures = {
      ...measured(true),
      queriedOnly: [{ size: 500_000, kinds: {}, eventIndexWriteUnitsPerRelease: 750 }],
    };
    expect(figuresAt(withLarge, 500_000).eventIndexWriteUnitsPerRelease).toBe(750);
    expect(figuresAt(withLarge, Math.sqrt(50_000 * 500_000)).eventIndexWriteUnitsPerRelease).toBeCloseTo(
      725,
      10,
    );
    // Beyond it, held (buckets one year wide), or the line from 5,000 to 500,000 goes on.
    expect(figuresAt(withLarge, 5_000_000).eventIndexWriteUnitsPerRelease).toBe(750);
    expect(
      figuresAt({ ...withLarge, indexUnitsHeldBeyondLargest: false }, 5_000_000)
        .eventIndexWriteUnitsPerRelease,
    ).toBeCloseTo(875, 10);
  });

  it("says where a size had no event path and its index units are the bench loader's", () => {
    const results = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../bench/results.json'), 'utf8'),
    ) as Results;
    expect(measuredFigures(results, 'committed').notes).toBeUndefined();
    const first = results.results[0];
    if (!first) throw new Error('no sizes');
    delete first.eventPath;
    expect(measuredFigures(results, 'committed').notes).toEqual([
      `no event path was measured at ${first.size.toLocaleString('en-US')} releases: its word index units are the bench loader's (${first.index?.writeUnitsPerRelease}), which no deployed path writes`,
    ]);
  });

  it('takes query costs at a materialized size as measured there, and interpolates up to it', () => {
    const kind = (readUnitsPerPage: number) => ({ newest: { readUnitsPerPage, p50Ms: readUnitsPerPage } });
    const withQueries: MeasuredFigures = {
      ...measured(true),
      sizes: [
        { ...at(5_000, 500), kinds: kind(2) },
        { ...at(50_000, 700), kinds: kind(4) },
      ],
      queriedOnly: [{ size: 500_000, kinds: kind(3) }],
    };
    // Carried along the 5,000 -> 50,000 line it would read 6; measured, it is 3.
    expect(figuresAt(withQueries, 500_000).kinds.newest).toEqual({ readUnitsPerPage: 3, p50Ms: 3 });
    expect(figuresAt(withQueries, Math.sqrt(50_000 * 500_000)).kinds.newest?.readUnitsPerPage).toBeCloseTo(
      3.5,
      10,
    );
    const { queriedOnly: _, ...loadedOnly } = withQueries;
    expect(figuresAt(loadedOnly, 500_000).kinds.newest?.readUnitsPerPage).toBeCloseTo(6, 10);
  });
});

describe('sweepRuns', () => {
  it('reads a whole pass a run when it fits in the budget', () => {
    expect(sweepRuns(5_000, 23, 120)).toEqual({
      readUnitsPerRun: 115_000,
      passShareOfRun: 1,
      runsPerPass: 1,
      daysPerPass: 365 / 12 / 120,
    });
  });

  it('spends the 250,000 read-unit budget a run on a larger table, and says how long a pass takes', () => {
    // 500,000 x 23 = 11,500,000 read units a pass: 46 runs of 250,000; every 6 hours, 11.5 days.
    const runs = sweepRuns(500_000, 23, 120);
    expect(runs.readUnitsPerRun).toBe(250_000);
    expect(runs.runsPerPass).toBe(46);
    expect(runs.passShareOfRun).toBeCloseTo(250_000 / 11_500_000, 12);
    expect(runs.daysPerPass).toBeCloseTo((46 * 365) / 12 / 120, 12);
  });
});

describe('openSearchOptions', () => {
  it('prices a month of the smallest instance with the smallest volume', () => {
    const [small] = openSearchOptions(1_000, 1_000, 'us-east-1');
    // 730 h x $0.036 + 10 GB x $0.122
    expect(small?.usd).toBeCloseTo(26.28 + 1.22, 10);
  });
});
