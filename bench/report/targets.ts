/**
 * The targets, each met or not: the worst value of each ratio over sizes, kinds and functions
 * against its limit, and where that worst value was found, so that a miss points at its cause.
 */

import { DEFAULT_TEXT_BUDGET } from '#query/query-releases.js';
import type { ColdStartFigures } from '../cold-start.js';
import { isTextKind } from '../queries.js';
import { round } from '../stats.js';
import { basisNote, indexGrowth, MODEL_SIZE } from './index-growth.js';
import type { LargeResult, SizeResult, Target, TargetWhere } from './results.js';

function worst<T>(items: T[], value: (item: T) => number, higherIsWorse: boolean): T | undefined {
  return items.reduce<T | undefined>((found, item) => {
    if (found === undefined) return item;
    return higherIsWorse === value(item) > value(found) ? item : found;
  }, undefined);
}

export function computeTargets(
  results: SizeResult[],
  coldStarts: ColdStartFigures[],
  /** A materialized size (`--large`): its query figures count as a loaded size's. */
  large?: LargeResult,
): { targets: Target[]; worstAt: TargetWhere } {
  // The sizes whose queries were measured: every loaded size, and a materialized one.
  const queried: Array<Pick<SizeResult, 'size' | 'queries' | 'adversarial' | 'facets'>> = [
    ...results,
    ...(large ? [large] : []),
  ];
  const kinds = queried.flatMap((r) => r.queries.map((q) => ({ size: r.size, q })));
  const cost = worst(
    kinds.filter((k) => !isTextKind(k.q.kind)),
    (k) => k.q.cost.ratio,
    true,
  );
  const ingest = worst(results, (r) => r.ingest.ratio, false);
  // Start-up someone waits for: the API's functions and ingest. The projector runs behind the
  // stream, and its first answer is a batch's projection (about thirty requests), reported beside.
  const cold = worst(
    coldStarts.filter((c) => c.function !== 'project'),
    (c) => c.ratio,
    true,
  );
  const measured = kinds.filter((k) => k.q.overhead !== undefined);
  const overhead = worst(measured, (k) => k.q.overhead?.ratio ?? Number.NaN, true);
  const worstAt: TargetWhere = {};
  const target = (
    name: Target['name'],
    value: number,
    limit: number,
    atLeast: boolean,
    at: string,
  ): Target => {
    worstAt[name] = at;
    return { name, value: round(value, 3), limit, met: atLeast ? value >= limit : value <= limit };
  };
  const text = worst(
    kinds.filter((k) => isTextKind(k.q.kind)),
    (k) => k.q.cost.medianRatio ?? k.q.cost.ratio,
    true,
  );
  const rare = worst(
    kinds.filter((k) => k.q.kind === 'q-rare'),
    (k) => Math.max(...(k.q.cost.requestsToEnd ?? [Number.NaN]).map((r) => (r < 0 ? Infinity : r))),
    true,
  );
  const rareRequests = rare
    ? Math.max(...(rare.q.cost.requestsToEnd ?? [Number.NaN]).map((r) => (r < 0 ? Infinity : r)))
    : Number.NaN;
  const units = worst(
    results.filter((r) => r.ingest.writeUnits !== undefined),
    (r) => r.ingest.writeUnits?.ratio ?? Number.NaN,
    true,
  );
  const writes = worst(
    results.filter((r) => r.index !== undefined),
    (r) => r.index?.writeUnitsPerRelease ?? Number.NaN,
    true,
  );
  // The most read units one `q` request consumed: any text kind's page, or an adversarial q's.
  const requestUnits = queried.flatMap((r) => [
    ...r.queries
      .filter((q) => isTextKind(q.kind) && q.cost.mostUnitsPerRequest !== undefined)
      .map((q) => ({ units: q.cost.mostUnitsPerRequest ?? 0, at: `${q.kind} at ${r.size}` })),
    ...(r.adversarial ?? []).map((a) => ({ units: a.mostUnitsPerRequest, at: `q=${a.q} at ${r.size}` })),
  ]);
  const heaviest = worst(requestUnits, (u) => u.units, true);
  // `/facets` answered from the aggregates: the most read units one request consumed.
  const facetWorst = worst(
    queried.flatMap((r) =>
      (r.facets ?? [])
        .filter((f) => f.aggregated)
        .map((f) => ({ units: f.readUnits, path: f.path, size: r.size })),
    ),
    (f) => f.units,
    true,
  );
  // The whole event path, at loaded sizes and into a materialized one.
  const events: Array<Pick<SizeResult, 'size' | 'eventPath'>> = [
    ...results,
    ...(large ? [large] : []),
  ].filter((r) => r.eventPath !== undefined);
  const searchable = worst(events, (r) => r.eventPath?.ratio ?? Number.NaN, false);
  const projection = worst(events, (r) => r.eventPath?.bulk.requestsPerRelease ?? Number.NaN, true);
  const indexUnits = worst(events, (r) => r.eventPath?.bulk.writeUnits.indexer ?? Number.NaN, true);
  const growth = indexGrowth(results);
  const searchableFigure = (() => {
    const e = searchable?.eventPath;
    if (!e) return Number.NaN;
    // A release its rare word does not find was never made searchable: no rate.
    return e.bulk.found === e.files ? e.ratio : 0;
  })();
  const targets = [
    target(
      'q-cost-vs-minimum',
      text ? (text.q.cost.medianRatio ?? text.q.cost.ratio) : Number.NaN,
      10,
      false,
      text ? `${text.q.kind} at ${text.size}` : '',
    ),
    target('q-rare-requests', rareRequests, 2, false, rare ? `at ${rare.size}` : ''),
    target(
      'q-worst-request-units',
      heaviest?.units ?? Number.NaN,
      DEFAULT_TEXT_BUDGET.maxReadUnits,
      false,
      heaviest?.at ?? '',
    ),
    target(
      'facets-read-units',
      facetWorst?.units ?? Number.NaN,
      50,
      false,
      facetWorst ? `${facetWorst.path} at ${facetWorst.size}` : '',
    ),
    target(
      'bulk-searchable-vs-raw-write',
      searchableFigure,
      0.3,
      true,
      searchable?.eventPath
        ? `at ${searchable.size}: ${searchable.eventPath.bulk.releasesPerSecond} vs ${searchable.eventPath.raw.releasesPerSecond} releases/s, ${searchable.eventPath.bulk.found} of ${searchable.eventPath.files} found`
        : '',
    ),
    target(
      'projection-requests-per-release',
      projection?.eventPath?.bulk.requestsPerRelease ?? Number.NaN,
      40,
      false,
      projection?.eventPath
        ? `at ${projection.size} (${projection.eventPath.files} files at once); single uploads ${projection.eventPath.singles.requestsPerRelease}`
        : '',
    ),
    target(
      'index-write-units-per-release',
      indexUnits?.eventPath?.bulk.writeUnits.indexer ?? Number.NaN,
      250,
      false,
      indexUnits?.eventPath
        ? `at ${indexUnits.size}; single uploads ${indexUnits.eventPath.singles.writeUnits.indexer}` +
            (growth && growth.from !== growth.to
              ? `; ${growth.fromUnits} at ${growth.from} to ${growth.toUnits} at ${growth.to} (${growth.growth}x)` +
                (growth.modelled !== undefined
                  ? `, modelled ${growth.modelled} at ${MODEL_SIZE} (${basisNote(growth)})`
                  : '')
              : '')
        : '',
    ),
    target(
      'bulk-loader-index-write-units-per-release',
      writes?.index?.writeUnitsPerRelease ?? Number.NaN,
      200,
      false,
      writes?.index
        ? `at ${writes.size}, storage ${Math.round(writes.index.bytesPerRelease).toLocaleString('en-US')} bytes per release`
        : '',
    ),
    target(
      'query-cost-vs-minimum',
      cost?.q.cost.ratio ?? Number.NaN,
      1.2,
      false,
      cost ? `${cost.q.kind} at ${cost.size}` : '',
    ),
    target(
      'ingest-vs-raw-write',
      ingest?.ingest.ratio ?? Number.NaN,
      0.5,
      true,
      ingest ? `at ${ingest.size}` : '',
    ),
    target(
      'write-units-vs-minimum',
      units?.ingest.writeUnits?.ratio ?? Number.NaN,
      2.5,
      false,
      units?.ingest.writeUnits
        ? `at ${units.size}: ${units.ingest.writeUnits.eventPath} write units per release vs ${units.ingest.writeUnits.minimum} for the items it owns`
        : '',
    ),
    target('cold-start-vs-minimal', cold?.ratio ?? Number.NaN, 1.5, false, cold ? cold.function : ''),
    target(
      'handler-overhead',
      overhead?.q.overhead?.ratio ?? Number.NaN,
      1.5,
      false,
      overhead ? `${overhead.q.kind} at ${overhead.size}` : 'not measured in this run',
    ),
  ];
  return { targets, worstAt };
}
