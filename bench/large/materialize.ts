/**
 * A corpus too large to load whole, materialized for its queries only (`--large`), in three
 * passes over the generated files (the generator is deterministic, so each pass sees the same
 * files and none is held):
 *
 * 1. **Survey** (survey.ts, on two threads): the stop list (words and pairs of every release),
 *    the entity figures, and the word figures the query parameter sets are chosen from; then what
 *    those queries can read of the word index (wanted.ts).
 * 2. **Lists and index:** every release's list items, the entity figures, the stop list, and of
 *    the word index only the wanted terms' postings (all buckets) and the wanted vocabulary
 *    partitions, as a bulk load writes them.
 * 3. **Release items:** the search entry, folded copy and release item of each release a measured
 *    walk may reach: the newest candidates of every driver, every release of a counted term, and
 *    the newest releases of the whole archive (walks of list partitions). Each is generated alone,
 *    at its position (every file has its own seed), not the whole corpus again.
 *
 * Each item written is added to the materialized set the read recorder checks reads against.
 */

import { detachedCopy } from '#search/fold.js';
import { postingFragments } from '#search/fragments.js';
import { parsePostingEntry } from '#search/keys.js';
import { stopListItems } from '#search/stop-list.js';
import { planSync } from '#search/sync-plan.js';
import { corpusFileAt, generateCorpus } from '../../scripts/corpus/generate.js';
import { listItems, parseFile, releaseItem } from '../corpus-items.js';
import { batchPut, type Item, itemSize } from '../dynamo.js';
import type { BenchEnvironment } from '../environment.js';
import type { Options } from '../options.js';
import type { Progress } from '../progress.js';
import { round } from '../stats.js';
import type { MaterializedSet } from './read-recorder.js';
import { type Surveyed, survey } from './survey.js';
import type { Driver, WantedIndex } from './wanted.js';
import { checked, wantedPart } from './wanted-postings.js';

/** Releases whose wanted part is checked against their whole sync plan. */
const CHECKED_RELEASES = 200;
/** Releases per write step. */
const STEP = 500;

export interface MaterializedFigures {
  releases: number;
  stopWords: number;
  bucketYears: number;
  /** Posting terms written whole, and their entries. */
  terms: number;
  postingEntries: number;
  vocabularyPartitions: number;
  /** Releases whose search entry, folded copy and release item were written. */
  releaseItems: number;
  /**
   * Releases whose items were added after a probe of the queries read them (measure-large.ts):
   * walks that reach further than the bounds above. Absent in runs before the probe, whose
   * `bytes` summed the items' JSON instead of DynamoDB's sizes.
   */
  toppedUp?: number;
  items: number;
  /** DynamoDB's item sizes, summed. */
  bytes: number;
  seconds: { survey: number; lists: number; releaseItems: number; topUp?: number };
}

export interface Materialized extends Surveyed {
  /** Every release's date and id, by its position in the corpus. */
  dates: Dates;
  figures: MaterializedFigures;
}

/** What the materializer writes through: the table, nothing else of the environment. */
type TableEnvironment = Pick<BenchEnvironment, 'doc' | 'tableName'>;

function corpusOf(opts: Options, size: number) {
  return generateCorpus({ seed: opts.seed, count: size, endDate: opts.endDate });
}

export async function materialize(
  env: TableEnvironment,
  size: number,
  set: MaterializedSet,
  opts: Options,
  progress: Progress,
): Promise<Materialized> {
  const seconds = { survey: 0, lists: 0, releaseItems: 0 };
  const timed = async <T>(pass: keyof typeof seconds, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const out = await run();
    seconds[pass] = round((performance.now() - started) / 1000, 1);
    return out;
  };
  const writer = new StepWriter(env, opts.concurrency);
  const surveyed = await timed('survey', () => survey(opts, size, progress));
  const lists = await timed('lists', () => writeListsAndIndex(writer, set, surveyed, opts, size, progress));
  const releaseItems = await timed('releaseItems', () =>
    writeReleaseItems(
      writer,
      set,
      surveyed,
      neededPositions(lists.dates, lists.postings, surveyed.wanted, opts.largeNewest),
      opts,
      size,
      progress,
    ),
  );
  const { stop, tally, words, wanted } = surveyed;
  return {
    stop,
    tally,
    words,
    wanted,
    dates: lists.dates,
    figures: {
      releases: size,
      stopWords: stop.words.size,
      bucketYears: stop.span,
      terms: wanted.terms.size,
      postingEntries: lists.postingEntries,
      vocabularyPartitions: wanted.vocabularyPartitions.size,
      releaseItems,
      toppedUp: 0,
      items: writer.written.items,
      bytes: writer.written.bytes,
      seconds,
    },
  };
}

/**
 * Pass 3 again, for the releases of `ids` (read by a probe of the queries but not written): their
 * search entries, folded copies and release items. Returns how many releases that is and the
 * seconds it took; the figures of `made` count them.
 */
export async function topUp(
  env: TableEnvironment,
  set: MaterializedSet,
  made: Materialized,
  ids: ReadonlySet<string>,
  opts: Options,
  progress: Progress,
): Promise<{ releases: number; seconds: number }> {
  const started = performance.now();
  const positions = new Set<number>();
  made.dates.forEach((d, i) => {
    if (ids.has(d.id)) positions.add(i);
  });
  const writer = new StepWriter(env, opts.concurrency);
  const releases = await writeReleaseItems(writer, set, made, positions, opts, made.dates.length, progress);
  const seconds = round((performance.now() - started) / 1000, 1);
  const figures = made.figures;
  figures.toppedUp = (figures.toppedUp ?? 0) + releases;
  figures.releaseItems += releases;
  figures.items += writer.written.items;
  figures.bytes += writer.written.bytes;
  figures.seconds.topUp = round((figures.seconds.topUp ?? 0) + seconds, 1);
  return { releases, seconds };
}

/** Writes items in steps: a step is written while the next one is built, at most one at a time. */
class StepWriter {
  readonly written = { items: 0, bytes: 0 };
  private step: Item[] = [];
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly env: TableEnvironment,
    private readonly concurrency: number,
  ) {}

  /** Adds an item; once `stepSize` wait, waits for the step before and starts writing them. */
  async add(item: Item, stepSize: number): Promise<void> {
    this.step.push(item);
    if (this.step.length >= stepSize) await this.flush();
  }

  /** Writes what waits, and waits until every step is written. */
  async drain(): Promise<void> {
    await this.flush();
    await this.inFlight;
  }

  /** Writes `items` now, `STEP * 10` at a time (for items gathered after a pass). */
  async putAll(items: readonly Item[]): Promise<void> {
    await this.drain();
    for (let i = 0; i < items.length; i += STEP * 10) await this.put(items.slice(i, i + STEP * 10));
  }

  private async flush(): Promise<void> {
    const items = this.step;
    if (items.length === 0) return;
    this.step = [];
    await this.inFlight;
    this.inFlight = this.put(items);
  }

  private async put(items: Item[]): Promise<void> {
    for (const item of items) {
      this.written.items += 1;
      this.written.bytes += itemSize(item);
    }
    await batchPut(this.env.doc, this.env.tableName, items, this.concurrency);
  }
}

/** Postings of the wanted terms: word, then bucket, then entries. */
type Postings = Map<string, Map<string, string[]>>;

/** Every release's date and id, by its position in the corpus. */
type Dates = Array<{ date: string; id: string }>;

/**
 * Pass 2: every release's list items, the entity figures, the stop list, the wanted terms'
 * postings in every bucket and the wanted vocabulary partitions.
 */
async function writeListsAndIndex(
  writer: StepWriter,
  set: MaterializedSet,
  { stop, tally, wanted }: Surveyed,
  opts: Options,
  size: number,
  progress: Progress,
): Promise<{ postings: Postings; dates: Dates; postingEntries: number }> {
  progress.phase('large: list items and the wanted part of the word index', size);
  const postings: Postings = new Map();
  const vocabulary = new Set<string>();
  const dates: Dates = [];
  for (const file of corpusOf(opts, size)) {
    const { release } = parseFile(file);
    // Copies: what is kept of every release must not keep its text alive (fold.ts `detachedCopy`).
    dates.push({ date: detachedCopy(release.date), id: detachedCopy(release.id) });
    for (const item of listItems(release, stop)) {
      set.addPartition(String(item.pk));
      await writer.add(item, STEP * 5);
    }
    const part = wantedPart(release, stop, wanted);
    if (dates.length <= CHECKED_RELEASES) checked(release, stop, wanted, part);
    for (const add of part.adds) {
      let buckets = postings.get(add.word);
      if (!buckets) {
        buckets = new Map();
        postings.set(detachedCopy(add.word), buckets);
      }
      const entry = detachedCopy(add.entry);
      const entries = buckets.get(add.bucket);
      if (entries) entries.push(entry);
      else buckets.set(add.bucket, [entry]);
    }
    for (const key of part.vocabulary) vocabulary.add(detachedCopy(`${key.pk}\u0000${key.sk}`));
    progress.tick();
  }
  const figureItems = tally.items();
  const stopItems = stopListItems(stop);
  const shared: Item[] = [...figureItems, ...stopItems];
  for (const item of figureItems) set.addPartition(String(item.pk));
  for (const item of stopItems) set.addKey(String(item.pk), String(item.sk));
  let postingEntries = 0;
  for (const term of wanted.terms) {
    // A term without a release still reads as empty, which is what the whole corpus holds.
    set.addPartition(`W#${term}`);
    for (const [bucket, entries] of postings.get(term) ?? []) {
      postingEntries += entries.length;
      shared.push(...postingFragments(entries.map((entry) => ({ word: term, bucket, entry }))));
    }
  }
  for (const partition of wanted.vocabularyPartitions) set.addPartition(partition);
  for (const id of vocabulary) {
    const [pk, sk] = id.split('\u0000');
    shared.push({ pk, sk });
  }
  await writer.putAll(shared);
  progress.done();
  return { postings, dates, postingEntries };
}

/**
 * Pass 3: the search entry, folded copy and release item of each release at a `needed` corpus
 * position. Returns how many releases that is.
 */
async function writeReleaseItems(
  writer: StepWriter,
  set: MaterializedSet,
  { stop }: Surveyed,
  needed: ReadonlySet<number>,
  opts: Options,
  size: number,
  progress: Progress,
): Promise<number> {
  progress.phase(
    `large: search entries, folded copies and release items of ${needed.size} releases`,
    needed.size,
  );
  const time = new Date().toISOString();
  for (const position of [...needed].sort((a, b) => a - b)) {
    const file = corpusFileAt({ seed: opts.seed, endDate: opts.endDate, corpusCount: size }, position);
    const { release } = parseFile(file);
    const plan = planSync(release, undefined, stop);
    const items = [plan.searchEntry, plan.foldedCopy, releaseItem(release, file.key, time)].filter(
      (item): item is Item => item !== undefined,
    );
    for (const item of items) {
      set.addKey(String(item.pk), String(item.sk));
      await writer.add(item, STEP);
    }
    progress.tick();
  }
  await writer.drain();
  progress.done();
  return needed.size;
}

/**
 * The corpus positions of the releases whose own items are written: the `newest` newest
 * candidates of each driver (a walk goes newest bucket first), every release of a counted term,
 * and twice `newest` of the newest of the archive (`--large-newest`).
 */
function neededPositions(
  dates: ReadonlyArray<{ date: string; id: string }>,
  postings: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>,
  wanted: WantedIndex,
  newest: number,
): Set<number> {
  const positions = new Map(dates.map((d, i) => [d.id, i]));
  const ids = new Set<string>();
  const entriesOf = (terms: readonly string[]) =>
    terms.flatMap((term) =>
      [...(postings.get(term) ?? [])].flatMap(([bucket, raws]) =>
        raws.flatMap((raw) => {
          const entry = parsePostingEntry(bucket, raw);
          return entry ? [entry] : [];
        }),
      ),
    );
  const newestOf = (driver: Driver) => {
    const sorted = entriesOf(driver.terms).sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0));
    const seen = new Set<string>();
    for (const entry of sorted) {
      if (seen.size >= newest) break;
      seen.add(entry.id);
    }
    return seen;
  };
  for (const driver of wanted.drivers) for (const id of newestOf(driver)) ids.add(id);
  for (const entry of entriesOf([...wanted.counted])) ids.add(entry.id);
  const byDate = dates
    .map((d, i) => ({ sk: `${d.date}#${d.id}`, i }))
    .sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0));
  const out = new Set(byDate.slice(0, newest * 2).map((d) => d.i));
  for (const id of ids) {
    const position = positions.get(id);
    if (position !== undefined) out.add(position);
  }
  return out;
}
