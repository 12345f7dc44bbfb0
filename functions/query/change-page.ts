/**
 * Where a `/changes` page stops, decided before its bodies are read: from the sizes change items
 * record (`bytes`, the release's JSON as served), so a page reads the bodies of only the releases
 * it serves. Items logged before sizes were recorded are read one at a time, at most a fixed
 * number per page, and the page stops once one passes the limit: its body is the only one read
 * and not served.
 */
import type { ChangeItem } from '#changes/change-log.js';
import type { StoredRelease } from '#release/release.js';

/** What a page may read: releases' JSON bytes, and items of unknown size (one read each). */
export interface PageBudget {
  maxBytes: number;
  maxUnknownSizes: number;
}

/** Reads the current releases of upserts, only those still at the revision their item logged. */
export type FetchReleases = (
  items: readonly { id: string; rev: number }[],
) => Promise<Map<string, { rev: number; release: StoredRelease }>>;

export interface PageCut {
  /** The items the page covers, from the first read: what it serves and what it passes over. */
  examined: ChangeItem[];
  /** The release to serve for each examined upsert still current, by the item's position. */
  releases: Map<string, StoredRelease>;
  /** Releases' JSON bytes the page serves (recorded sizes, or measured for unknown ones). */
  bytes: number;
}

/**
 * Cuts a page from the items read (oldest first). An item always fits when it is the page's
 * first, so every page makes progress, however large one release is; after it, an upsert fits
 * while the page's bytes stay within the limit. Deletes carry no release and always fit.
 */
export async function cutChangePage(
  read: readonly ChangeItem[],
  budget: PageBudget,
  fetch: FetchReleases,
  measure: (release: StoredRelease) => number,
): Promise<PageCut> {
  const examined: ChangeItem[] = [];
  const releases = new Map<string, StoredRelease>();
  let bytes = 0;
  let unknown = 0;
  let pending: ChangeItem[] = [];
  const load = async (items: ChangeItem[]): Promise<void> => {
    if (items.length === 0) return;
    const current = await fetch(items.map((item) => ({ id: item.id, rev: item.rev ?? -1 })));
    for (const item of items) {
      const found = current.get(item.id);
      // A release gone or rewritten since this item was logged has a later change item, after this
      // position and before the watermark or beyond it: that one tells the consumer.
      if (found && found.rev === item.rev) releases.set(item.sk, found.release);
    }
  };
  for (const item of read) {
    if (item.type === 'delete') {
      examined.push(item);
      continue;
    }
    if (item.bytes !== undefined) {
      if (examined.length > 0 && bytes + item.bytes > budget.maxBytes) break;
      bytes += item.bytes;
      pending.push(item);
      examined.push(item);
      continue;
    }
    // Unknown size: read it (with the upserts before it, which fit already) to measure it.
    if (unknown >= budget.maxUnknownSizes) break;
    unknown += 1;
    await load([...pending, item]);
    pending = [];
    const release = releases.get(item.sk);
    const size = release ? measure(release) : 0;
    if (examined.length > 0 && bytes + size > budget.maxBytes) {
      releases.delete(item.sk);
      break;
    }
    bytes += size;
    examined.push(item);
  }
  await load(pending);
  return { examined, releases, bytes };
}
