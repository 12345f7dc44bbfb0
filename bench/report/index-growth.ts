/**
 * How the event path's index write units per release grow with the corpus, from the smallest
 * size measured to the largest, and a model of them at 500,000 releases: per item kind, a kind
 * that grew keeps growing by the same amount per tenfold corpus (log-linear in the size); a kind
 * that shrank (vocabulary puts, as fewer words are new) is held at its value at the largest size.
 * Kinds that do not depend on the corpus (own items, fragments of a batch) model as themselves.
 */
import type { SizeResult } from './results.js';

export const MODEL_SIZE = 500_000;

export interface IndexGrowth {
  from: number;
  to: number;
  fromUnits: number;
  toUnits: number;
  /** toUnits / fromUnits */
  growth: number;
  /** Modelled units per release at MODEL_SIZE (undefined with one size). */
  modelled?: number;
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
  const decades = Math.log10(MODEL_SIZE / last.size) / Math.log10(last.size / first.size);
  const before = first.eventPath.bulk.writeUnits.indexerByKind;
  const after = last.eventPath.bulk.writeUnits.indexerByKind;
  let modelled = 0;
  for (const kind of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[kind]?.units ?? 0;
    const b = after[kind]?.units ?? 0;
    modelled += b + Math.max(0, b - a) * decades;
  }
  return { ...growth, modelled: Math.round(modelled * 10) / 10 };
}
