/**
 * The shape of results.json: what one run measured, kept whole so that the report can be rendered
 * again (`--render`) and runs compared without measuring.
 */

import type { AdversarialFigures } from '../adversarial.js';
import type { BundleFigures, ColdStartFigures } from '../cold-start.js';
import type { IndexFigures } from '../corpus-items.js';
import type { EventPathFigures } from '../event-path.js';
import type { FacetFigures } from '../facets.js';
import type { IngestFigures } from '../ingest.js';
import type { MaterializedFigures } from '../large/materialize.js';
import type { RecorderFigures } from '../large/read-recorder.js';
import type { KindFigures } from '../queries.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverageAtStart: number[];
}

export interface SizeResult {
  size: number;
  /** Releases in the newest-first list after loading, counted with a Query. */
  releasesListed: number;
  table: { bytes: number; items: number };
  /** Files loaded by the raw path before the ingest sample (the rest of the size). */
  bulkLoaded: number;
  ingest: IngestFigures;
  queries: KindFigures[];
  /** The costly shapes of `q` (queries.ts `adversarialQueries`): the most read units one request consumed. */
  adversarial?: AdversarialFigures[];
  /** `GET /facets`: read units per request, by shape (facets.ts). */
  facets?: FacetFigures[];
  /** Share of releases naming the busiest minister and the busiest portfolio. */
  busiest?: { minister: number; portfolio: number };
  /** The word index items of every release at this size, as one bulk load writes them. */
  index?: IndexFigures;
  /** New files through the whole event path (word index included) into the table at this size. */
  eventPath?: EventPathFigures;
}

export interface ScanCalibration {
  releases: number;
  tableBytes: number;
  measuredUnits: number;
  computedUnits: number;
  pages: number;
  /** measured / computed */
  agreement: number;
}

export interface Target {
  name:
    | 'query-cost-vs-minimum'
    | 'ingest-vs-raw-write'
    | 'write-units-vs-minimum'
    | 'cold-start-vs-minimal'
    | 'handler-overhead'
    | 'q-cost-vs-minimum'
    | 'q-rare-requests'
    | 'q-worst-request-units'
    | 'facets-read-units'
    | 'index-write-units-per-release'
    | 'bulk-loader-index-write-units-per-release'
    | 'bulk-searchable-vs-raw-write'
    | 'projection-requests-per-release';
  value: number;
  limit: number;
  met: boolean;
}

/** Where each target's worst value was found (kept out of `targets`, whose shape is fixed). */
export type TargetWhere = Partial<Record<Target['name'], string>>;

export interface Results {
  generatedAt: string;
  command: string;
  durationSeconds: number;
  machine: Machine;
  /** The commit measured; `dirty` when functions/, infra/, scripts/ or bench/ had uncommitted changes. */
  code?: { commit: string; dirty: boolean };
  corpus: { generator: string; seed: number; endDate: string };
  settings: {
    concurrency: number;
    ingestSample: number;
    ingestChunk: number;
    latencyRequests: number;
    textLatencyRequests: number;
    /** Requests per kind, each way, for handler-overhead; absent in older results. */
    overheadRequests?: number;
    costPagesPerVariant: number;
    coldStartRuns: number;
    dynamodbLocal: string;
    /** Files through the whole event path at once, and one at a time, per size (absent in older runs). */
    eventFiles?: number;
    eventSingles?: number;
    /** The index queue's window for the files at once, when not the deployed one. */
    indexWindowSeconds?: number;
    /** Phases left out of the run. */
    skipped?: string[];
  };
  sizes: number[];
  scanCalibration: ScanCalibration;
  results: SizeResult[];
  bundles: BundleFigures[];
  coldStarts: ColdStartFigures[];
  targets: Target[];
  targetsWorstAt: TargetWhere;
  /** Runs whose whole-event-path figures were added to these results (`--add-event-path`). */
  eventPathRuns?: EventPathRun[];
  /** A size measured on a table materialized for its queries only (`--large`). */
  large?: LargeResult;
}

/**
 * The queries at a size too large to load whole, on a table that holds what they read
 * (bench/large): their figures as at the loaded sizes, how the table was made, and the read
 * recorder's proof that no read went outside it.
 */
export interface LargeResult {
  size: number;
  command: string;
  generatedAt: string;
  durationSeconds: number;
  code?: { commit: string; dirty: boolean };
  loadAverageAtStart: number[];
  materialized: MaterializedFigures;
  recorder: RecorderFigures;
  /** The naive Scan's figures are computed for a whole table of this many bytes (estimated). */
  fullTableBytes: number;
  queries: KindFigures[];
  adversarial: AdversarialFigures[];
  facets: FacetFigures[];
  busiest: { minister: number; portfolio: number };
  /**
   * New files through the whole event path into the materialized table: the projector recounts
   * from list and entity partitions it holds whole, and the indexer writes new fragments, which
   * read no posting. Absent when skipped.
   */
  eventPath?: EventPathFigures;
}

/** A run that measured only the whole event path, for the sizes it names. */
export interface EventPathRun {
  command: string;
  generatedAt: string;
  durationSeconds: number;
  code?: { commit: string; dirty: boolean };
  loadAverageAtStart: number[];
  sizes: number[];
}
