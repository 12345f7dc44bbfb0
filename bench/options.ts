/**
 * The command line of `npm run bench` in one place, parsed and checked before any service starts,
 * so that every phase reads the same settings.
 */
import { parseArgs } from 'node:util';
import { BENCH_DIR } from './paths.js';

/** The settings of `args` (the process's own by default). */
export function options(args: string[] = process.argv.slice(2)) {
  const { values } = parseArgs({
    args,
    options: {
      sizes: { type: 'string', default: '5000,50000' },
      /**
       * Measures the queries at --large-size releases on a table materialized for them only
       * (bench/large), and adds the figures to the results.json already in --out.
       */
      large: { type: 'boolean', default: false },
      'large-size': { type: 'string', default: '500000' },
      /**
       * Newest candidates of each walk whose release items `--large` writes before probing (twice
       * as many of the whole archive); the probe tops up what walks read beyond them.
       */
      'large-newest': { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      'end-date': { type: 'string', default: '2025-06-30' },
      concurrency: { type: 'string', default: '8' },
      sample: { type: 'string', default: '5000' },
      chunk: { type: 'string', default: '250' },
      reps: { type: 'string', default: '500' },
      'text-reps': { type: 'string', default: '100' },
      /** Requests per kind, each way, for handler-overhead (CPU per request vs a minimal handler). */
      'overhead-reps': { type: 'string', default: '500' },
      pages: { type: 'string', default: '3' },
      'cold-runs': { type: 'string', default: '15' },
      'calibration-releases': { type: 'string', default: '300' },
      /** Files uploaded at once through the whole event path at each size (at least 1,000 for the target). */
      'event-files': { type: 'string', default: '1000' },
      /** Files uploaded one at a time after them, each waited for. */
      'event-singles': { type: 'string', default: '10' },
      /** The index queue's batching window in seconds for the files at once. @default the deployed one */
      'index-window': { type: 'string' },
      /** Phases left out, comma-separated: `queries`, `cold-starts`, `event-path` (their targets read NaN, not met). */
      skip: { type: 'string', default: '' },
      out: { type: 'string', default: BENCH_DIR },
      /** Keeps DynamoDB Local's table on disk in this directory (slower; for sizes memory cannot hold). */
      'db-dir': { type: 'string' },
      /** Re-renders RESULTS.md from an existing results.json (no measuring). */
      render: { type: 'boolean', default: false },
      /**
       * Adds this run's whole-event-path figures to the results.json already in --out, for the
       * sizes both hold, and renders the report again; everything else there stays.
       */
      'add-event-path': { type: 'boolean', default: false },
    },
  });
  const int = (name: string, value: string) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} must be a positive whole number`);
    return parsed;
  };
  const sizes = values.sizes.split(',').map((s) => int('sizes', s.trim().replace(/_/g, '')));
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    seed: int('seed', values.seed),
    endDate: values['end-date'],
    concurrency: int('concurrency', values.concurrency),
    sample: int('sample', values.sample),
    chunk: int('chunk', values.chunk),
    reps: int('reps', values.reps),
    textReps: int('text-reps', values['text-reps']),
    overheadReps: int('overhead-reps', values['overhead-reps']),
    pages: int('pages', values.pages),
    coldRuns: int('cold-runs', values['cold-runs']),
    calibrationReleases: int('calibration-releases', values['calibration-releases']),
    eventFiles: int('event-files', values['event-files']),
    eventSingles: int('event-singles', values['event-singles']),
    indexWindowSeconds:
      values['index-window'] === undefined ? undefined : int('index-window', values['index-window']),
    // Adding the event path measures nothing else that would be kept.
    skip: values['add-event-path']
      ? new Set([...skipped(values.skip), 'queries', 'cold-starts'] as const)
      : skipped(values.skip),
    out: values.out,
    dbDir: values['db-dir'],
    render: values.render,
    addEventPath: values['add-event-path'],
    /** The size `--large` materializes; undefined without `--large`. */
    large: values.large ? int('large-size', values['large-size'].replace(/_/g, '')) : undefined,
    largeNewest: int('large-newest', values['large-newest']),
  };
}

const PHASES = ['queries', 'cold-starts', 'event-path'] as const;
export type SkippablePhase = (typeof PHASES)[number];

function skipped(value: string): ReadonlySet<SkippablePhase> {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!(PHASES as readonly string[]).includes(name))
      throw new Error(`--skip takes ${PHASES.join(', ')}: not ${name}`);
  }
  return new Set(names as SkippablePhase[]);
}

export type Options = ReturnType<typeof options>;
