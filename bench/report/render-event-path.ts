/**
 * RESULTS.md's tables of the whole event path (bench/event-path.ts): the rate until searchable
 * against the raw write, the derived state's requests, and its write units by item kind.
 */
import { type IndexGrowth, indexGrowth, MODEL_SIZE } from './index-growth.js';
import { n, table } from './markdown-format.js';
import type { Results } from './results.js';

type PerKind = Record<string, { writes: number; units: number }>;

function kinds(byKind: PerKind, limit = 8): string {
  return Object.entries(byKind)
    .slice(0, limit)
    .map(([kind, f]) => `${kind} ${f.units} (${f.writes} writes)`)
    .join('; ');
}

export function eventPathSection(results: Results): string[] {
  const measured = [
    ...results.results.map((r) => ({ ...r, label: n(r.size) })),
    ...(results.large ? [{ ...results.large, label: `${n(results.large.size)} (materialized)` }] : []),
  ].filter((r) => r.eventPath !== undefined);
  if (measured.length === 0) return [];
  const out: string[] = ['## Event path until searchable (word index included)', ''];
  out.push(
    table(
      [
        'size (releases before)',
        'files at once',
        'event path (releases/s)',
        'raw write (releases/s)',
        'ratio',
        'found by `q`',
        'uploaded / ingested / settled / found (s)',
        'raw items per release',
      ],
      measured.map((r) => {
        const e = r.eventPath;
        if (!e) return [];
        const m = e.bulk.milestones;
        return [
          r.label,
          n(e.files),
          e.bulk.releasesPerSecond,
          e.raw.releasesPerSecond,
          `${e.ratio}x`,
          `${n(e.bulk.found)} of ${n(e.files)}`,
          `${m.uploaded} / ${m.ingested} / ${m.settled} / ${e.bulk.seconds}`,
          e.raw.itemsPerRelease,
        ];
      }),
    ),
    '',
  );
  out.push(
    table(
      [
        'size',
        'requests per release: bulk',
        'single uploads',
        'indexer invocations (releases each)',
        'bulk requests per release by function and command',
      ],
      measured.map((r) => {
        const e = r.eventPath;
        if (!e) return [];
        return [
          r.label,
          e.bulk.requestsPerRelease,
          `${e.singles.requestsPerRelease} (${e.singles.files} files` +
            // Per-release figures divide by the files: a file that never became searchable makes them low.
            (e.singles.found < e.singles.files ? `, only ${e.singles.found} found by \`q\`)` : ')'),
          e.bulk.indexerBatches.join(', '),
          Object.entries(e.bulk.requests)
            .filter(([, value]) => value >= 0.05)
            .map(([name, value]) => `${name} ${value}`)
            .join('; '),
        ];
      }),
    ),
    '',
  );
  out.push(
    table(
      [
        'size',
        'indexer WCU per release: bulk',
        'single uploads',
        'projector WCU per release (bulk / single)',
        'raw write WCU per release',
        'indexer WCU per release by item kind (bulk)',
        'single uploads by item kind',
      ],
      measured.map((r) => {
        const e = r.eventPath;
        if (!e) return [];
        return [
          r.label,
          e.bulk.writeUnits.indexer,
          e.singles.writeUnits.indexer,
          `${e.bulk.writeUnits.projector} / ${e.singles.writeUnits.projector}`,
          e.raw.writeUnitsPerRelease,
          kinds(e.bulk.writeUnits.indexerByKind),
          kinds(e.singles.writeUnits.indexerByKind, 5),
        ];
      }),
    ),
    '',
  );
  const growth = indexGrowth(results.results);
  if (growth && growth.from !== growth.to) {
    out.push(
      `Indexer write units per release grew from ${growth.fromUnits} at ${n(growth.from)} to ${growth.toUnits} at ${n(growth.to)} (${growth.growth}x)` +
        (growth.modelled !== undefined
          ? `; modelled at ${n(MODEL_SIZE)}: ${growth.modelled} (${howModelled(growth)}).`
          : '.'),
      '',
    );
  }
  return out;
}

/** How the model at MODEL_SIZE was made, in words. */
function howModelled(growth: IndexGrowth): string {
  if (growth.basis === 'shortest-span')
    return `held at ${n(growth.to)}'s figure: its posting buckets are already one month wide, the shortest span and so that of any larger corpus, and a fragment is a new item per term, bucket and indexer batch, whose units do not depend on what the table holds; the growth from ${n(growth.from)} is the buckets narrowing`;
  const loglinear = `per item kind, a kind that grew grows by as much again per tenfold corpus; a kind that shrank stays at its value at ${n(growth.to)}`;
  return growth.uncapped !== undefined
    ? `${loglinear}: ${growth.uncapped}, capped at ${growth.ceiling}, what a release writes at ${n(growth.to)} when it shares no fragment, one per distinct term`
    : loglinear;
}
