/**
 * The word index of many releases at once, for a bulk load: the same content as indexing each
 * release in turn, with each term's entries of a bucket in as few fragments as their size allows.
 */
import type { Release } from '#release/release.js';
import { postingFragments } from './fragments.js';
import type { StopList } from './keys.js';
import { DocumentFrequency, stopListItems } from './stop-list.js';

import { planSync } from './sync-plan.js';

type Item = Record<string, unknown>;

/**
 * Aggregates the index items of many releases for BatchWriteItem: the fragments of each term and
 * bucket holding all its entries. Add releases, then take `items()`; or, loading in steps, take the
 * per-release items of each step and put every fragment again (the same entries make the same
 * fragment keys, so a put replaces the item).
 */
export class SearchBulkBuilder {
  /** Entries by term and bucket; one release adds a term once, so no repeats. */
  private readonly postings = new Map<string, Map<string, string[]>>();
  private readonly vocabulary = new Set<string>();
  private perRelease: Item[] = [];

  constructor(readonly stop: StopList) {}

  add(release: Release): void {
    const plan = planSync(release, undefined, this.stop);
    for (const add of plan.adds) {
      let buckets = this.postings.get(add.word);
      if (!buckets) {
        buckets = new Map();
        this.postings.set(add.word, buckets);
      }
      const entries = buckets.get(add.bucket);
      if (entries) entries.push(add.entry);
      else buckets.set(add.bucket, [add.entry]);
    }
    for (const key of plan.vocabulary) this.vocabulary.add(`${key.pk}\u0000${key.sk}`);
    if (plan.searchEntry) this.perRelease.push(plan.searchEntry);
    if (plan.foldedCopy) this.perRelease.push(plan.foldedCopy);
  }

  /** Search entries and folded copies added since the last call. */
  takeReleaseItems(): Item[] {
    const out = this.perRelease;
    this.perRelease = [];
    return out;
  }

  /** The posting fragments of every release added so far, a term and bucket at a time. */
  *postingItems(): Generator<Item> {
    for (const [word, buckets] of this.postings) {
      for (const [bucket, entries] of buckets) {
        yield* postingFragments(entries.map((entry) => ({ word, bucket, entry })));
      }
    }
  }

  vocabularyItems(): Item[] {
    return [...this.vocabulary].map((id) => {
      const [pk, sk] = id.split('\u0000');
      return { pk, sk };
    });
  }

  /** Everything: the stop list items, per-release items, postings, vocabulary. */
  items(): Item[] {
    return [
      ...stopListItems(this.stop),
      ...this.takeReleaseItems(),
      ...this.postingItems(),
      ...this.vocabularyItems(),
    ];
  }
}

/**
 * The index items of a corpus for a bulk load, the same content as syncing each release in turn
 * once the stop list item is in place. The stop list is derived from these releases unless given.
 */
export function searchItemsForBulk(
  releases: readonly Release[],
  options: { stopList?: StopList } = {},
): Item[] {
  let stop = options.stopList;
  if (!stop) {
    const frequency = new DocumentFrequency();
    for (const release of releases) frequency.add(release);
    stop = frequency.stopList();
  }
  const builder = new SearchBulkBuilder(stop);
  for (const release of releases) builder.add(release);
  return builder.items();
}
