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
import { materialize } from './materialize.js';
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
  recorder.arm();
  const measured = await measureQueries(env, tally, words, stop.words, {
    scanUnits: scanUnitsFor(fullTableBytes),
    reps: opts.reps,
    textReps: opts.textReps,
    overheadReps: opts.overheadReps,
    pages: opts.pages,
    progress,
  }).finally(() => recorder.disarm());
  const figures = recorder.figures;
  if (figures.outside > 0) {
    throw new Error(
      `--large: ${figures.outside} reads went outside the materialized set, for example:\n  ${figures.outsideExamples.join('\n  ')}`,
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
