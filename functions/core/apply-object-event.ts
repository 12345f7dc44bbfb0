/**
 * The ingestion use case: make the table match one S3 object (SPEC section 3).
 *
 * Each call reads the key's state, decides, and commits one conditional transaction; a lost race
 * re-reads and decides again. Create events read the object's *current* content, so a delayed
 * event can never bring back an older version, and the sequencer check drops duplicates and
 * events older than the one already applied.
 */
import {
  ChangeTooLargeError,
  ContentionError,
  type EntityRefKey,
  type ObjectRead,
  type ReleaseChange,
  type ReleaseFileSource,
  type ReleaseStore,
  type SourceState,
} from './ingest-ports.js';
import { describeProblem, parseRelease } from './parse-release.js';
import type { Release } from './release.js';
import { compareSequencers } from './sequencer.js';
import { type ReleaseItem, TOMBSTONE_TTL_SECONDS } from './table-layout.js';

export interface ObjectEvent {
  key: string;
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
  | { outcome: 'stored'; id: string }
  | { outcome: 'shadowed'; id: string; by: string }
  | { outcome: 'problem'; reason: string }
  | { outcome: 'removed'; id?: string };

export interface ApplyDeps {
  store: ReleaseStore;
  files: ReleaseFileSource;
  now?: () => Date;
}

const MAX_ATTEMPTS = 8;

/** Full-jitter backoff between attempts that lost a race (DynamoDB TransactionConflict). */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(1_000, 10 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The newer of two uploads of one id: later source time, then the greater key. */
function isNewer(time: string, key: string, than: Pick<ReleaseItem, 'sourceTime' | 'sourceKey'>): boolean {
  if (time !== than.sourceTime) return time > than.sourceTime;
  return key >= than.sourceKey;
}

function entitiesOf(release: Pick<Release, 'ministers' | 'portfolios'> | undefined): EntityRefKey[] {
  if (!release) return [];
  return [
    ...release.ministers.map((m) => ({ kind: 'minister' as const, slug: m.slug })),
    ...release.portfolios.map((p) => ({ kind: 'portfolio' as const, slug: p.slug })),
  ];
}

export async function applyObjectEvent(deps: ApplyDeps, event: ObjectEvent): Promise<ApplyOutcome> {
  const now = deps.now ?? (() => new Date());
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt);
    // The object is read alongside the key's state (a wasted read only for duplicates): one round
    // trip instead of two on the path every upload takes.
    const [source, read] = await Promise.all([
      deps.store.getSource(event.key),
      event.kind === 'created'
        ? deps.files.read(event.key)
        : Promise.resolve<ObjectRead>({ status: 'missing' }),
    ]);
    if (event.sequencer !== undefined && source?.seq !== undefined) {
      const order = compareSequencers(event.sequencer, source.seq);
      if (order <= 0) {
        // A redelivery of the event last applied: finish its follow-up work (entity refresh)
        // in case the first delivery failed after committing.
        if (order === 0 && source.releaseId) {
          const current = await deps.store.getRelease(source.releaseId);
          await deps.store.refreshEntities(entitiesOf(current));
        }
        return { outcome: 'stale' };
      }
    }
    const decided = await decide(deps, event, read, source?.releaseId ?? event.releaseIdHint, now());
    const change: ReleaseChange = {
      key: event.key,
      expectSourceRev: source ? source.rev : null,
      source: { ...decided.source, seq: event.sequencer ?? source?.seq },
      problem: decided.problem,
      put: decided.put,
      remove: decided.remove,
      entities: decided.entities,
    };
    let result: 'committed' | 'conflict';
    try {
      result = await deps.store.commit(change);
    } catch (error) {
      if (!(error instanceof ChangeTooLargeError) || !change.put) throw error;
      const reason = `ministers: ${error.message}; list fewer ministers or portfolios`;
      result = await deps.store.commit({
        ...change,
        source: { ...change.source, problem: reason, releaseId: source?.releaseId },
        problem: { reason },
        put: undefined,
        remove: undefined,
      });
      if (result === 'committed') return { outcome: 'problem', reason };
      continue;
    }
    if (result === 'conflict') continue;
    return decided.outcome;
  }
  throw new ContentionError(`gave up on ${event.key} after ${MAX_ATTEMPTS} conflicting attempts`);
}

interface Decision {
  source: Omit<SourceState, 'seq'>;
  problem: { reason: string } | null;
  put?: ReleaseChange['put'];
  remove?: ReleaseChange['remove'];
  entities?: ReleaseChange['entities'];
  outcome: ApplyOutcome;
}

async function decide(
  deps: ApplyDeps,
  event: ObjectEvent,
  read: ObjectRead,
  previousId: string | undefined,
  now: Date,
): Promise<Decision> {
  // The release this key was the source of, if it still is.
  const owned = async (): Promise<ReleaseItem | undefined> => {
    if (!previousId) return undefined;
    const item = await deps.store.getRelease(previousId);
    return item?.sourceKey === event.key ? item : undefined;
  };

  if (read.status === 'missing') {
    const previous = await owned();
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
  // The release and its entities in one consistent read; the transaction needs both.
  const { release: current, entities } = await deps.store.getReleaseWithEntities(
    release.id,
    entitiesOf(release),
  );
  const source = { key: event.key, deleted: false, etag: read.etag, releaseId: release.id };
  if (current && current.sourceKey !== event.key && !isNewer(sourceTime, event.key, current)) {
    // Another key holds this id with a newer upload; this file is fine but not the source.
    return { source, problem: null, outcome: { outcome: 'shadowed', id: release.id, by: current.sourceKey } };
  }
  const previous = previousId !== release.id ? await owned() : undefined;
  return {
    source,
    problem: null,
    put: { release, previous: current, sourceTime },
    remove: previous ? { previous } : undefined,
    entities,
    outcome: { outcome: 'stored', id: release.id },
  };
}
