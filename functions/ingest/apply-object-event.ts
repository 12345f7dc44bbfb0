/**
 * The ingestion use case: make the table match the *current* state of one S3 object.
 *
 * Every event, whatever its kind, reads the object as it is now (a create whose object is gone
 * is a removal; a removal whose object is there, e.g. a deleted non-current version, leaves or
 * restores the release), so order, duplicates, versions and a concurrent reindex cannot remove a
 * live release. The sequencer check drops duplicates and events older than the one applied; each
 * step commits one small conditional transaction of items owned by this key, and a lost race
 * re-reads and decides again.
 */

import { describeProblem, parseRelease } from '#release/parse-release.js';
import { type ReleaseItem, type SourceItem, TOMBSTONE_TTL_SECONDS } from '#table/table-layout.js';
import type { ObjectRead } from './ingest-ports.js';
import {
  ContentionError,
  type ReleaseChange,
  type ReleaseFileSource,
  type ReleaseStore,
  type SourceState,
} from './ingest-ports.js';
import { compareSequencers } from './sequencer.js';

export interface ObjectEvent {
  key: string;
  /** What the event said happened; the object's current state decides what is applied. */
  kind: 'created' | 'removed';
  /** S3 sequencer; absent for reconciliation by reindex (then only revisions guard the write). */
  sequencer?: string;
  /** When S3 saw the change (event time, or LastModified for reindex). */
  eventTime: string;
  /** Reindex only: a release that names this key as its source although the key has no state. */
  releaseIdHint?: string;
}

export type ApplyOutcome =
  | { outcome: 'stale' }
  | { outcome: 'unchanged'; id?: string }
  | { outcome: 'stored'; id: string }
  | { outcome: 'shadowed'; id: string; by: string }
  | { outcome: 'problem'; reason: string }
  | { outcome: 'removed'; id?: string };

export interface ApplyDeps {
  store: ReleaseStore;
  files: ReleaseFileSource;
  now?: () => Date;
  /** Told of each lost race (a condition failure), for metrics. */
  onConflict?: () => void;
}

const MAX_ATTEMPTS = 8;

/** Full-jitter backoff between attempts that lost a race. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(1_000, 10 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The newer of two uploads of one id: later source time, then the greater key. */
function isNewer(time: string, key: string, than: Pick<ReleaseItem, 'sourceTime' | 'sourceKey'>): boolean {
  if (time !== than.sourceTime) return time > than.sourceTime;
  return key >= than.sourceKey;
}

export async function applyObjectEvent(deps: ApplyDeps, event: ObjectEvent): Promise<ApplyOutcome> {
  const now = deps.now ?? (() => new Date());
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt);
    // The object is read alongside the key's state (a wasted read only for duplicates): one round
    // trip instead of two on the path every upload takes.
    const [source, read] = await Promise.all([deps.store.getSource(event.key), deps.files.read(event.key)]);
    if (event.sequencer !== undefined && source?.seq !== undefined) {
      if (compareSequencers(event.sequencer, source.seq) <= 0) return { outcome: 'stale' };
    }
    const decided = await decide(deps, event, read, source, now());
    const change: ReleaseChange = {
      key: event.key,
      ...(source?.releaseId !== undefined ? { previousReleaseId: source.releaseId } : {}),
      expectSourceRev: source ? source.rev : null,
      source: { ...decided.source, seq: event.sequencer ?? source?.seq },
      problem: decided.problem,
      hadProblem: source?.problem !== undefined,
      put: decided.put,
      remove: decided.remove,
    };
    if ((await deps.store.commit(change)) === 'committed') {
      // A release this key was the source of is gone: another key may still yield its id.
      const gone = decided.remove?.previous.id;
      if (gone !== undefined && gone !== decided.put?.release.id)
        await reviveFromClaimants(deps, gone, event.key, now());
      return decided.outcome;
    }
    deps.onConflict?.();
  }
  throw new ContentionError(`gave up on ${event.key} after ${MAX_ATTEMPTS} conflicting attempts`);
}

/**
 * The other keys that claim an id whose release was removed, applied again as they are now (as
 * reindex would): the newest of them becomes the release's source. Each reads its object and
 * commits under the revisions it read, so a concurrent event for one of them is never undone.
 */
async function reviveFromClaimants(
  deps: ApplyDeps,
  id: string,
  removedKey: string,
  now: Date,
): Promise<void> {
  for (const key of await deps.store.claimants(id)) {
    if (key === removedKey) continue;
    await applyObjectEvent(deps, { key, kind: 'created', eventTime: now.toISOString() });
  }
}

interface Decision {
  source: Omit<SourceState, 'seq'>;
  problem: { reason: string } | null;
  put?: ReleaseChange['put'];
  remove?: ReleaseChange['remove'];
  outcome: ApplyOutcome;
}

async function decide(
  deps: ApplyDeps,
  event: ObjectEvent,
  read: ObjectRead,
  source: SourceItem | undefined,
  now: Date,
): Promise<Decision> {
  const previousId = source?.releaseId ?? event.releaseIdHint;
  // The release this key is still the source of, if any (another key may have taken the id).
  const ownedRelease = async (): Promise<ReleaseItem | undefined> => {
    if (!previousId) return undefined;
    const item = await deps.store.getRelease(previousId);
    return item?.sourceKey === event.key ? item : undefined;
  };

  if (read.status === 'missing') {
    const previous = await ownedRelease();
    return {
      source: {
        key: event.key,
        deleted: true,
        expiresAt: Math.floor(now.getTime() / 1000) + TOMBSTONE_TTL_SECONDS,
      },
      problem: null,
      remove: previous ? { previous } : undefined,
      outcome: { outcome: 'removed', id: previous?.id },
    };
  }

  const parsed =
    read.status === 'unreadable'
      ? { ok: false as const, problem: { field: read.field, message: read.reason } }
      : parseRelease(read.text, event.key);
  if (!parsed.ok) {
    // Bad input: record it, keep serving the last good version.
    const reason = describeProblem(parsed.problem);
    return {
      source: { key: event.key, deleted: false, etag: read.etag, releaseId: previousId, problem: reason },
      problem: { reason },
      outcome: { outcome: 'problem', reason },
    };
  }

  const release = parsed.release;
  const sourceTime = event.sequencer === undefined ? read.lastModified : event.eventTime;
  const current = await deps.store.getRelease(release.id);
  const state = { key: event.key, deleted: false, etag: read.etag, releaseId: release.id };
  // The key yielded another id before: that release goes, if this key still owns it.
  const moved = previousId !== undefined && previousId !== release.id ? await ownedRelease() : undefined;
  const remove = moved ? { previous: moved } : undefined;
  if (current && current.sourceKey !== event.key && !isNewer(sourceTime, event.key, current)) {
    // Another key holds this id with a newer upload; this file is fine but not the source.
    return {
      source: state,
      problem: null,
      remove,
      outcome: { outcome: 'shadowed', id: release.id, by: current.sourceKey },
    };
  }
  if (
    current &&
    !remove &&
    current.sourceKey === event.key &&
    source?.etag === read.etag &&
    !source.problem &&
    !source.deleted
  ) {
    // The same object version again (a redelivery with a new sequencer, a deleted non-current
    // version, a reindex): only the key state moves on.
    return { source: state, problem: null, outcome: { outcome: 'unchanged', id: release.id } };
  }
  return {
    source: state,
    problem: null,
    put: { release, previous: current, sourceTime },
    remove,
    outcome: { outcome: 'stored', id: release.id },
  };
}
