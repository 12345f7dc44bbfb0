/**
 * How the event path's index write units per release grow with the corpus, from the smallest
 * size measured to the largest, and a model of them at 500,000 releases.
 *
 * A fragment is a new item per term, posting bucket and indexer batch, so its units depend on the
 * batch and on how wide the buckets are, not on what the table already holds. What grows with the
 * corpus is the loss of sharing as the buckets narrow (the stop list's span: the shortest span
 * whose buckets hold about a thousand releases). So:
 *
 * - When the largest size's buckets are already one month wide (the shortest span, and so the span
 *   of every larger corpus), each item kind is held at its value there.
 * - Otherwise, per item kind, a kind that grew keeps growing by the same amount per tenfold corpus
 *   (log-linear in the size); a kind that shrank (vocabulary puts, as fewer words are new) is held
 *   at its value at the largest size. This is capped at the ceiling a release can reach: indexed
 *   alone, it shares no fragment and writes one per distinct term it indexes. The single uploads'
 *   units at the largest size (or the bulk's there, if higher: the single uploads are a small
 *   sample) give that ceiling.
 */
import { SHORTEST_SPAN } from '#search/stop-list.js';
import type { SizeResult } from './results.js';

export const MODEL_SIZE = 500_000;

/**
 * Whether index units at this size hold for every larger corpus: its posting buckets are already
 * the shortest span, so nothing a fragment's units depend on changes with more releases.
 */
export function heldAtLargerSizes(result: SizeResult): boolean {
  return result.index?.bucketYears === SHORTEST_SPAN;
}

export interface IndexGrowth {
  from: number;
  to: number;
  fromUnits: number;
  toUnits: number;
  /** toUnits / fromUnits */
  growth: number;
  /** Modelled units per release at MODEL_SIZE (undefined with one size). */
  modelled?: number;
  /** How: held at the largest size's figures (its buckets already the shortest), or log-linear. */
  basis?: 'shortest-span' | 'log-linear';
  /** What a release writes when no fragment is shared, at the largest size. */
  ceiling?: number;
  /** The log-linear figure, when the ceiling cut it. */
  uncapped?: number;
}

export function indexGrowth(results: readonly SizeResult[]): IndexGrowth | undefined {
  const measured = results.filter((r) => r.eventPath !== undefined);
  const first = measured[0];
  const last = measured.at(-1);
  if (!first?.eventPath || !last?.eventPath) return undefined;
  const fromUnits = first.eventPath.bulk.writeUnits.indexer;
  const toUnits = last.eventPath.bulk.writeUnits.indexer;
  const growth = {
    from: first.size,
    to: last.size,
    fromUnits,
    toUnits,
    growth: Math.round((toUnits / fromUnits) * 1000) / 1000,
  };
  if (first.size === last.size || last.size >= MODEL_SIZE) return growth;
  if (heldAtLargerSizes(last)) return { ...growth, modelled: toUnits, basis: 'shortest-span' };
  const decades = Math.log10(MODEL_SIZE / last.size) / Math.log10(last.size / first.size);
  const before = first.eventPath.bulk.writeUnits.indexerByKind;
  const after = last.eventPath.bulk.writeUnits.indexerByKind;
  let modelled = 0;
  for (const kind of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[kind]?.units ?? 0;
    const b = after[kind]?.units ?? 0;
    modelled += b + Math.max(0, b - a) * decades;
  }
  const uncapped = Math.round(modelled * 10) / 10;
  const ceiling = Math.max(last.eventPath.singles.writeUnits.indexer, toUnits);
  return uncapped > ceiling
    ? { ...growth, modelled: ceiling, basis: 'log-linear', ceiling, uncapped }
    : { ...growth, modelled: uncapped, basis: 'log-linear', ceiling };
}

/** How the model was made, in a few words (for the targets table). */
export function basisNote(growth: IndexGrowth): string {
  if (growth.basis === 'shortest-span') return 'buckets already one month wide';
  return growth.uncapped !== undefined ? 'the ceiling of unshared fragments' : 'log-linear';
}
