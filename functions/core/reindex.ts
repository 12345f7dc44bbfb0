/**
 * Reconciles the table with the bucket (SPEC section 3): adds what is missing, updates what is
 * stale, removes what no longer has a source. Every fix goes through applyObjectEvent without a
 * sequencer, so it is guarded by the revisions it read and an event applied meanwhile wins.
 */
import { type ApplyDeps, applyObjectEvent, type ObjectEvent } from './apply-object-event.js';
import type { ObjectListing } from './ingest-ports.js';

export interface ReindexSummary {
  objects: number;
  added: number;
  updated: number;
  removed: number;
  problems: number;
  unchanged: number;
  orphanChunks: number;
  entitiesRefreshed: number;
}

export interface ReindexOptions {
  /** Parallel applies. @default 8 */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function reindex(deps: ApplyDeps, options: ReindexOptions = {}): Promise<ReindexSummary> {
  const objects = new Map<string, ObjectListing>();
  for await (const object of deps.files.list()) objects.set(object.key, object);
  const snapshot = await deps.store.snapshot();
  const sources = new Map(snapshot.sources.map((source) => [source.key, source]));
  const releases = new Map(snapshot.releases.map((release) => [release.id, release]));

  const summary: ReindexSummary = {
    objects: objects.size,
    added: 0,
    updated: 0,
    removed: 0,
    problems: 0,
    unchanged: 0,
    orphanChunks: 0,
    entitiesRefreshed: 0,
  };
  const work: Array<{ event: ObjectEvent; counts: 'added' | 'updated' | 'removed' }> = [];
  for (const object of objects.values()) {
    const state = sources.get(object.key);
    const event: ObjectEvent = { key: object.key, kind: 'created', eventTime: object.lastModified };
    if (!state || state.deleted) work.push({ event, counts: 'added' });
    else if (state.etag !== object.etag) work.push({ event, counts: 'updated' });
    else if (!state.problem && state.releaseId && !releases.has(state.releaseId))
      work.push({ event, counts: 'added' });
    else summary.unchanged++;
  }
  const now = new Date().toISOString();
  for (const state of sources.values()) {
    if (!state.deleted && !objects.has(state.key)) {
      work.push({ event: { key: state.key, kind: 'removed', eventTime: now }, counts: 'removed' });
    }
  }
  for (const release of releases.values()) {
    if (!objects.has(release.sourceKey) && !sources.has(release.sourceKey)) {
      work.push({
        event: { key: release.sourceKey, kind: 'removed', eventTime: now, releaseIdHint: release.id },
        counts: 'removed',
      });
    }
  }

  let done = 0;
  const total = work.length;
  options.onProgress?.(0, total);
  const queue = [...work];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const result = await applyObjectEvent(deps, item.event);
      if (result.outcome === 'problem') summary.problems++;
      else if (result.outcome !== 'stale') summary[item.counts]++;
      options.onProgress?.(++done, total);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));

  for (const chunk of snapshot.chunks) {
    if (releases.get(chunk.id)?.bodyHash !== chunk.hash) {
      // Re-check: a concurrent upload may have just written this body version.
      const current = await deps.store.getRelease(chunk.id);
      if (current?.bodyHash !== chunk.hash) {
        await deps.store.deleteChunks(chunk.id, chunk.hash);
        summary.orphanChunks++;
      }
    }
  }
  await deps.store.refreshEntities(snapshot.entities);
  summary.entitiesRefreshed = snapshot.entities.length;
  return summary;
}
