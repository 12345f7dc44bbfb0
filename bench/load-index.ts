/**
 * The word index measured on its bulk load rather than through the projector: one write per
 * distinct word through DynamoDB Local's stream would measure the stream, not the index.
 */
import type { Release } from '#release/release.js';
import type { SearchBulkBuilder } from '#search/bulk-index.js';
import { type IndexFigures, indexItemKind } from './corpus-items.js';
import { batchPut, type Item, itemSize } from './dynamo.js';
import type { BenchEnvironment } from './environment.js';
import type { Options } from './options.js';
import type { Progress } from './progress.js';
import { round } from './stats.js';

/** The word index at one size: a builder given every release loaded so far. */
export interface IndexLoad {
  builder: SearchBulkBuilder;
  releases: number;
  /** Search entries and folded copies written at earlier sizes, by kind (items, write units, bytes). */
  perRelease: IndexFigures['byKind'];
}

function addFigures(byKind: IndexFigures['byKind'], items: readonly Item[]): void {
  for (const item of items) {
    const size = itemSize(item);
    const kind = indexItemKind(item);
    const figures = byKind[kind] ?? { items: 0, writeUnits: 0, bytes: 0 };
    figures.items += 1;
    figures.writeUnits += Math.ceil(size / 1024);
    figures.bytes += size;
    byKind[kind] = figures;
  }
}

/** Releases added to the index builder, and ten times as many shared items put, per step. */
const INDEX_STEP = 2000;

/**
 * The word index of every release loaded so far, as one bulk load of them writes it, under the
 * stop list derived at this size: aggregated items by BatchWriteItem (a put replaces an item; one
 * string-set ADD per posting item ran for over an hour at 45,000 added releases). Items of an
 * earlier size's index that no put replaces stay, as a re-derivation leaves them until every
 * release is synced again: a walk reads them and skips their entries. Write units: what a
 * BatchWriteItem put of each item costs (1 KB each, rounded up per item), over the releases.
 */
export async function loadIndex(
  env: BenchEnvironment,
  load: IndexLoad,
  added: readonly Release[],
  opts: Options,
  progress: Progress,
): Promise<IndexFigures> {
  const started = performance.now();
  progress.phase(
    `word index of ${(load.releases + added.length).toLocaleString('en-US')} releases (bulk items)`,
    1,
  );
  // In steps, so that memory holds one step's folded copies and one step's shared items at a time.
  for (let i = 0; i < added.length; i += INDEX_STEP) {
    for (const release of added.slice(i, i + INDEX_STEP)) load.builder.add(release);
    const perRelease = load.builder.takeReleaseItems();
    addFigures(load.perRelease, perRelease);
    await batchPut(env.doc, env.tableName, perRelease, opts.concurrency);
  }
  load.releases += added.length;
  const byKind: IndexFigures['byKind'] = structuredClone(load.perRelease);
  const shared = [load.builder.vocabularyItems(), load.builder.postingItems()];
  let step: Record<string, unknown>[] = [];
  const flush = async () => {
    addFigures(byKind, step);
    await batchPut(env.doc, env.tableName, step, opts.concurrency);
    step = [];
  };
  for (const items of shared) {
    for (const item of items) {
      step.push(item);
      if (step.length === INDEX_STEP * 10) await flush();
    }
  }
  await flush();
  progress.tick();
  progress.done();
  const per = (value: number) => round(value / Math.max(1, load.releases), 1);
  let items = 0;
  let writeUnits = 0;
  let bytes = 0;
  for (const figures of Object.values(byKind)) {
    items += figures.items;
    writeUnits += figures.writeUnits;
    bytes += figures.bytes;
    figures.writeUnits = per(figures.writeUnits);
    figures.bytes = per(figures.bytes);
    figures.items = per(figures.items);
  }
  return {
    releases: load.releases,
    items,
    writeUnitsPerRelease: per(writeUnits),
    bytesPerRelease: per(bytes),
    byKind,
    stopWords: load.builder.stop.words.size,
    commonPairs: load.builder.stop.commonPairs?.size ?? 0,
    bucketYears: load.builder.stop.span,
    seconds: round((performance.now() - started) / 1000, 1),
  };
}
