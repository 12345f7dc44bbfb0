/**
 * `--large`: the queries at a size too large to load whole (500,000 releases by default),
 * measured on a table that holds only what they read (materialize.ts), with every read checked
 * by the read recorder (the run fails, naming the reads, when one went outside); then new files
 * through the whole event path into that table.
 */
import { scanUnitsFor } from '../dynamo.js';
import type { BenchEnvironment } from '../environment.js';
import { measureEventPath } from '../event-path.js';
import { TABLE_BYTES_PER_RELEASE } from '../memory-check.js';
import type { Options } from '../options.js';
import type { Progress } from '../progress.js';
import { measureQueries } from '../queries.js';
import type { LargeResult } from '../report/results.js';
import { round } from '../stats.js';
import { type Materialized, materialize, topUp } from './materialize.js';
import type { MaterializedSet, ReadRecorder } from './read-recorder.js';

export type LargeFigures = Omit<
  LargeResult,
  'command' | 'generatedAt' | 'durationSeconds' | 'code' | 'loadAverageAtStart'
>;

export async function measureLarge(
  env: BenchEnvironment,
  size: number,
  set: MaterializedSet,
  recorder: ReadRecorder,
  opts: Options,
  progress: Progress,
  /** Told the figures once the queries are measured, before the event path (a report that survives it). */
  onQueries: (figures: LargeFigures) => void = () => {},
): Promise<LargeFigures> {
  const made = await materialize(env, size, set, opts, progress);
  const { stop, tally, words } = made;
  if (made.wanted.refused.length > 0)
    progress.note(`large: ${made.wanted.refused.length} q refused by the parser (they read nothing)`);
  const fullTableBytes = size * TABLE_BYTES_PER_RELEASE;
  const measure = async (reps: Pick<Options, 'reps' | 'textReps' | 'overheadReps'>) => {
    recorder.reset();
    recorder.arm();
    return measureQueries(env, tally, words, stop.words, {
      scanUnits: scanUnitsFor(fullTableBytes),
      ...reps,
      pages: opts.pages,
      progress,
      onKind: (kind) => {
        recorder.kind = kind;
      },
    }).finally(() => recorder.disarm());
  };
  await probeAndTopUp(env, set, made, recorder, measure, opts, progress);
  const measured = await measure({
    reps: opts.reps,
    textReps: opts.textReps,
    overheadReps: opts.overheadReps,
  });
  const figures = recorder.figures;
  if (figures.outside > 0) {
    throw new Error(
      `--large: ${figures.outside} reads went outside the materialized set (by kind: ${JSON.stringify(figures.outsideByKind)}), for example:\n  ${figures.outsideExamples.join('\n  ')}`,
    );
  }
  const queried: LargeFigures = {
    size,
    materialized: made.figures,
    recorder: { ...figures, outsideExamples: [...figures.outsideExamples] },
    fullTableBytes,
    queries: measured.kinds,
    adversarial: measured.adversarial,
    facets: measured.facets,
    busiest: {
      minister: round((tally.ranked('minister')[0]?.count ?? 0) / size, 3),
      portfolio: round((tally.ranked('portfolio')[0]?.count ?? 0) / size, 3),
    },
  };
  onQueries(queried);
  // New files through the whole event path into the table as it stands (the corpus continues).
  const eventPath = opts.skip.has('event-path')
    ? undefined
    : await measureEventPath(
        env,
        { size, corpusCount: size, stop, frequency: words.frequency },
        opts,
        progress,
      );
  return eventPath ? { ...queried, eventPath } : queried;
}

/** Probes (each request once), then tops up, at most this many times. */
const PROBES = 3;

/**
 * Walks can reach further than pass 3's bounds (the newest candidates of each driver, the newest
 * releases): at 500,000 a scan fallback through a sparse list reads older releases. So the queries
 * are first probed, each path once, on every page they are measured on; the releases whose own
 * items they read outside the set are then written (pass 3 again, for those only), and the probe
 * repeats until it reads nothing outside. Reads outside of anything else (a list, a posting, a
 * Scan) are not mended: the measured run then fails on them, naming them.
 */
async function probeAndTopUp(
  env: BenchEnvironment,
  set: MaterializedSet,
  made: Materialized,
  recorder: ReadRecorder,
  measure: (reps: Pick<Options, 'reps' | 'textReps' | 'overheadReps'>) => Promise<unknown>,
  opts: Options,
  progress: Progress,
): Promise<void> {
  for (let probe = 1; probe <= PROBES; probe += 1) {
    await measure({ reps: 1, textReps: 1, overheadReps: 1 });
    const { outside, outsideByKind } = recorder.figures;
    const ids = recorder.releasesReadOutside();
    if (outside === 0 || ids === undefined) return;
    const byKind = Object.entries(outsideByKind ?? {})
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ');
    progress.note(
      `large: probe ${probe} read ${outside} items of ${ids.size} releases outside (${byKind}); topping up`,
    );
    const added = await topUp(env, set, made, ids, opts, progress);
    progress.note(`large: topped up ${added.releases} releases in ${added.seconds} s`);
  }
}
