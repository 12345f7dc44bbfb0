/**
 * The indexer use case: bring the word index in line with the current state of a batch of
 * releases. Each release is diffed against its own folded copy (what the index holds for it), and
 * the new entries of the whole batch are written together as posting fragments (fragments.ts):
 * one item per term and bucket of the batch, so that a bulk load's thousands of releases share
 * their items, and no write ever grows with the corpus.
 *
 * The releases' own items (folded copy, search entry) are written last, each on condition that
 * no later state of the release is already there (`at`, the time of the state indexed): two
 * indexers given the same release at once (a repeat delivery, a repair) can only ever leave the
 * newer state. A release's items are written only after every fragment of the batch landed, so a
 * search entry never names a version whose entries are missing.
 */

import { runLimited } from '#platform/run-limited.js';
import type { Release } from '#release/release.js';
import type { TableKey } from '#table/table-layout.js';
import { type PostingAdd, postingFragments } from './fragments.js';
import { type FoldedCopyItem, foldedCopyKey, type StopList, searchEntryKey } from './keys.js';
import { planSync } from './sync-plan.js';

type Item = Record<string, unknown>;

/** One release to index: its current state, and when that state was committed. */
export interface IndexTarget {
  id: string;
  /** Undefined: the release is gone, its search entry and folded copy go too. */
  release: Release | undefined;
  /** ISO time of the state: the release's `updatedAt`, or when it was deleted. */
  at: string;
}

/** A folded copy as the indexer stored it, with the time of the state it describes. */
export type IndexedCopy = FoldedCopyItem & { at?: string };

export interface IndexStore {
  /** The releases' folded copies, read consistently. */
  foldedCopies(ids: readonly string[]): Promise<Map<string, IndexedCopy>>;
  /**
   * The current stop list (written with its defaults by the first use of an empty table), read
   * again when the one in hand is older than `maxAgeMillis`.
   */
  stopList(maxAgeMillis?: number): Promise<StopList>;
  /** The stop list a folded copy names, when it is not `current`: read again, or archived. */
  stopListOf(version: string, current: StopList): Promise<{ stop: StopList; written?: StopList }>;
  /** Plain puts of shared items (fragments, vocabulary), batched. */
  putItems(items: readonly object[]): Promise<void>;
  /**
   * Writes (or, undefined, deletes) a release's own item on condition that the stored one is of
   * the same or an earlier state; 'stale' when a later state is already there.
   */
  putOwn(key: TableKey, item: Item | undefined, at: string): Promise<'written' | 'stale'>;
  /** Vocabulary words this container has written or found already (they are never removed). */
  knownVocabulary?: { has(key: string): boolean; add(key: string): void };
  /**
   * Of these vocabulary items, the ids (`pk\u0000sk`) of those already stored: they need no put
   * (a read costs a fraction of a write). Missing one only costs a put of an identical item.
   */
  storedVocabulary?(keys: readonly TableKey[]): Promise<Set<string>>;
}

export interface IndexBatchResult {
  indexed: string[];
  /** Ids whose state was overtaken by a later one (written by another indexer). */
  stale: string[];
  /** Ids whose items could not be written, with the error (to be retried). */
  failed: Array<{ id: string; error: unknown }>;
  /** What the batch wrote: fragments, vocabulary words, own items. */
  writes: { fragments: number; vocabulary: number; own: number };
}

/** Releases' own items written at once. */
const OWN_CONCURRENCY = 16;

export async function indexBatch(
  store: IndexStore,
  targets: readonly IndexTarget[],
): Promise<IndexBatchResult> {
  // The newest state of each release: a batch may hold several messages for one.
  const latest = new Map<string, IndexTarget>();
  for (const target of targets) {
    const known = latest.get(target.id);
    if (!known || known.at <= target.at) latest.set(target.id, target);
  }
  const ids = [...latest.keys()];
  // Read for each batch: a stop list written before a release's request was sent is the one it is
  // indexed under (one read per batch of up to thousands of releases).
  const [copies, current] = await Promise.all([store.foldedCopies(ids), store.stopList(0)]);

  const adds: PostingAdd[] = [];
  const vocabulary = new Map<string, TableKey>();
  const own: Array<{ id: string; at: string; searchEntry: Item | undefined; foldedCopy: Item | undefined }> =
    [];
  const stale: string[] = [];
  for (const target of latest.values()) {
    const previous = copies.get(target.id);
    // A state older than what the index already holds was overtaken: nothing to do.
    if (previous?.at !== undefined && previous.at > target.at) {
      stale.push(target.id);
      continue;
    }
    const lists =
      previous && previous.stopVersion !== current.version
        ? await store.stopListOf(previous.stopVersion, current)
        : { stop: current };
    const plan = planSync(target.release, previous, lists.stop, lists.written);
    adds.push(...plan.adds);
    for (const key of plan.vocabulary) {
      const id = `${key.pk}\u0000${key.sk}`;
      if (!store.knownVocabulary?.has(id)) vocabulary.set(id, key);
    }
    own.push({ id: target.id, at: target.at, searchEntry: plan.searchEntry, foldedCopy: plan.foldedCopy });
  }

  // Words already listed (by an earlier batch, another container, the bulk loader) are not put again.
  if (store.storedVocabulary && vocabulary.size > 0) {
    for (const id of await store.storedVocabulary([...vocabulary.values()])) {
      vocabulary.delete(id);
      store.knownVocabulary?.add(id);
    }
  }
  const fragments = postingFragments(adds);
  await store.putItems([...fragments, ...vocabulary.values()]);
  for (const id of vocabulary.keys()) store.knownVocabulary?.add(id);

  const indexed: string[] = [];
  const failed: IndexBatchResult['failed'] = [];
  let ownWrites = 0;
  await runLimited(own, OWN_CONCURRENCY, async (release) => {
    try {
      // The folded copy first: a crash before the search entry leaves a copy that posts nothing
      // new on the replay, which then writes the search entry.
      const copyKey = foldedCopyKey(release.id);
      const entryKey = searchEntryKey(release.id);
      const withAt = (item: Item | undefined) => (item ? { ...item, at: release.at } : undefined);
      if ((await store.putOwn(copyKey, withAt(release.foldedCopy), release.at)) === 'stale') {
        stale.push(release.id);
        return;
      }
      if ((await store.putOwn(entryKey, withAt(release.searchEntry), release.at)) === 'stale') {
        stale.push(release.id);
        return;
      }
      ownWrites += 2;
      indexed.push(release.id);
    } catch (error) {
      failed.push({ id: release.id, error });
    }
  });
  return {
    indexed,
    stale,
    failed,
    writes: { fragments: fragments.length, vocabulary: vocabulary.size, own: ownWrites },
  };
}
