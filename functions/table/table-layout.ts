/**
 * The single-table layout: every item, key and attribute the ingest side writes and the query
 * side reads. Declared once; the CDK table, the local stack, the repositories, the tests and the
 * benchmark all import it (see docs/data-model.md for the access patterns).
 *
 * No secondary indexes: each list a query can ask for is materialised as its own partition of
 * small "list items" (one per release per list), sorted by `date#id`, so a page reads exactly
 * the items it returns.
 */
import type { EntityKind, EntityRef, Release, ReleaseSummary } from '#release/release.js';

export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; only tombstones of deleted source keys carry it. */
  timeToLive: 'expiresAt',
} as const;

/**
 * The table's stream carries both images of every change: the projector derives list items,
 * entity figures, the word index and the change log from the release items' changes.
 */
export const TABLE_STREAM_VIEW = 'NEW_AND_OLD_IMAGES' as const;

/** The projector's own state of a release (`R#<id>` / `P`): what it last projected. */
export const PROJECTED_SORT_KEY = 'P';
/** Set on a projector state item to ask the projector to project the release again (a repair). */
export const REPAIR_ATTRIBUTE = 'repair';

/**
 * The projector's event source filters (Lambda filter-criteria syntax; a record passing any one
 * is delivered): release items (`pk` begins with `R#`, `sk` is META), and repair requests, a
 * projector state item written with the repair attribute. The projector writes its own state items
 * without that attribute, so its writes never come back to it. The local stack applies the same
 * patterns (`matchesFilter`).
 */
export const PROJECTOR_FILTERS = [
  { dynamodb: { Keys: { pk: { S: [{ prefix: 'R#' }] }, sk: { S: ['META'] } } } },
  {
    dynamodb: {
      Keys: { pk: { S: [{ prefix: 'R#' }] }, sk: { S: [PROJECTED_SORT_KEY] } },
      // `exists` only applies to a leaf of DynamoDB's JSON, hence the type key.
      NewImage: { [REPAIR_ATTRIBUTE]: { S: [{ exists: true }] } },
    },
  },
];

/** Bodies up to this many UTF-8 bytes live inline on the release item (items max out at 400 KB). */
export const INLINE_BODY_MAX_BYTES = 300 * 1024;
/** Larger bodies are stored as binary chunks of this size under the release's partition. */
export const BODY_CHUNK_BYTES = 300 * 1024;
/**
 * Unreferenced body chunks younger than this are left alone by reindex: they may belong to a
 * write whose release item has not landed yet.
 */
export const ORPHAN_GRACE_SECONDS = 3600;
/** Tombstones of deleted keys outlive any plausible S3 event delay, then expire. */
export const TOMBSTONE_TTL_SECONDS = 7 * 24 * 3600;

export const PROBLEMS_PARTITION = 'PROBLEMS';
export const RELEASE_SORT_KEY = 'META';

export interface TableKey {
  pk: string;
  sk: string;
}

/** Which list partition a query walks: all releases, one minister, one portfolio, or one pair. */
export type ListScope =
  | { kind: 'all' }
  | { kind: 'minister'; minister: string }
  | { kind: 'portfolio'; portfolio: string }
  | { kind: 'minister-portfolio'; minister: string; portfolio: string };

export function listPartition(scope: ListScope): string {
  switch (scope.kind) {
    case 'all':
      return 'L#ALL';
    case 'minister':
      return `L#M#${scope.minister}`;
    case 'portfolio':
      return `L#P#${scope.portfolio}`;
    case 'minister-portfolio':
      return `L#MP#${scope.minister}#${scope.portfolio}`;
  }
}

/** Sort key of a list item: ISO dates sort as strings, the id breaks ties. */
export function listSortKey(date: string, id: string): string {
  return `${date}#${id}`;
}

export function releaseKey(id: string): TableKey {
  return { pk: `R#${id}`, sk: RELEASE_SORT_KEY };
}

/**
 * The reconcile sweep's position (`reconcile/sweep.ts`): where in the table and in the bucket the
 * next scheduled run goes on, and how many full passes are done. One small item, written once a run.
 */
export const SWEEP_STATE_KEY: TableKey = { pk: 'RECONCILE', sk: 'SWEEP' };

export function projectedKey(id: string): TableKey {
  return { pk: `R#${id}`, sk: PROJECTED_SORT_KEY };
}

/**
 * Partitions of the pending markers: one item per release whose latest change is not yet
 * through every derived state (written by ingest before it commits, removed by the indexer, the
 * last stage). Spread over a few partitions so a bulk load does not write one hot partition.
 */
export const PENDING_SHARDS = 16;

export function pendingPartition(shard: number): string {
  return `PENDING#${String(shard).padStart(2, '0')}`;
}

/** A release's pending marker. */
export function pendingKey(id: string): TableKey {
  let hash = 0;
  for (let i = 0; i < id.length; i += 1) hash = (Math.imul(hash, 31) + id.charCodeAt(i)) >>> 0;
  return { pk: pendingPartition(hash % PENDING_SHARDS), sk: id };
}

/** A pending marker: the release and the time of its latest change. */
export interface PendingItem extends TableKey {
  id: string;
  at: string;
}

export function bodyChunkPrefix(id: string, bodyHash: string): TableKey {
  return { pk: `R#${id}`, sk: `B#${bodyHash}#` };
}

export function bodyChunkKey(id: string, bodyHash: string, index: number): TableKey {
  return { pk: `R#${id}`, sk: `B#${bodyHash}#${String(index).padStart(4, '0')}` };
}

export function entityPartition(kind: EntityKind): string {
  return `E#${kind}`;
}

/** Per-month counts of one entity, from which its total is summed (docs/data-model.md). */
export function entityMonthPartition(kind: EntityKind, slug: string): string {
  return `EM#${kind}#${slug}`;
}

export function entityMonthKey(kind: EntityKind, slug: string, month: string): TableKey {
  return { pk: entityMonthPartition(kind, slug), sk: month };
}

/** `YYYY-MM` of a release date: the unit entity counts are recounted in. */
export function monthOf(date: string): string {
  return date.slice(0, 7);
}

export function entityKey(kind: EntityKind, slug: string): TableKey {
  return { pk: entityPartition(kind), sk: slug };
}

/** Per-S3-key state: the last event applied (sequencer), what the key yielded, or its tombstone. */
export function sourceKey(key: string): TableKey {
  return { pk: `K#${key}`, sk: 'K' };
}

/** The sort-key prefix of the claims in a release's partition. */
export const CLAIM_PREFIX = 'K#';

/**
 * A key's claim on an id (`R#<id>` / `K#<key>`): written while the key yields the id, whether it
 * is the release's source or shadowed by a newer key. Deleting the source then finds the others.
 */
export function claimKey(id: string, key: string): TableKey {
  return { pk: `R#${id}`, sk: `${CLAIM_PREFIX}${key}` };
}

export function problemKey(key: string): TableKey {
  return { pk: PROBLEMS_PARTITION, sk: key };
}

/**
 * Stop-word bits as list items and search entries carry them: for each word of the stop list,
 * whether the release contains it (search/text-bits.ts computes and reads them). Declared here,
 * with the items that store them, so that the key layout depends on no flow above it.
 */
export interface TextBits {
  /** The stop list version the bits were computed with. */
  version: string;
  /**
   * The text version of the release they were computed from (as in its search entry), when
   * known: what tells whether the search entry describes the same text.
   */
  text?: string;
  /** Bit i (byte i >> 3, bit i & 7) set when the release contains the i-th bit word. */
  bits: Uint8Array;
}

/**
 * One list item as stored: the summary of a release, once per list the release belongs to, with
 * the release's stop-word bits when the projector wrote it (search/text-bits.ts). A page of
 * a list reads 21 of them, so they are kept small (docs/data-model.md, "List items"): `id` and
 * `date` are not stored, they are the sort key `<date>#<id>`; attribute names are short; a url
 * that ends with the id is stored without it. `listItemsFor` writes this form and
 * `listItemSummary` reads it back (and the longer form written before it) as the summary.
 */
export interface ListItem extends TableKey {
  /** Title. */
  t: string;
  /** The url, when it does not end with the id (absent with `up`, and when there is no url). */
  u?: string;
  /** The url without the id it ends with: the url is `up` followed by the id. */
  up?: string;
  /** Ministers: slug, name, slug, name, ... */
  m: string[];
  /** Portfolios, like `m`. */
  p: string[];
  /** Summary. */
  s: string;
  /** Stop list version of `tb`. */
  tbv?: string;
  /** Stop-word bits: which words of the stop list the release contains. */
  tb?: Uint8Array;
  /** Text version the bits were computed from: whether the release's search entry is of the same text. */
  tv?: string;
}

/**
 * A list item as a read may find it: the current form, or the form written before it, which
 * holds the whole `ReleaseSummary` under its own names (`id, title, date, url, ministers,
 * portfolios, summary`) and stays readable until the projector or `reindex --reproject` rewrites it.
 */
export type StoredListItem = TableKey & Partial<Omit<ListItem, keyof TableKey>> & Partial<ReleaseSummary>;

/** The release item. `body` is inline, or absent with `bodyHash`/`bodyChunks` naming the chunks. */
export interface ReleaseItem extends TableKey, ReleaseSummary {
  body?: string;
  bodyHash?: string;
  bodyChunks?: number;
  extra: Record<string, unknown>;
  sourceKey: string;
  /** When the source object was written (event time or LastModified), to decide which key is newer. */
  sourceTime: string;
  updatedAt: string;
  /** Incremented by every write; writes are conditional on the revision they read. */
  rev: number;
}

export interface BodyChunkItem extends TableKey {
  data: Uint8Array;
  /** Epoch seconds of the write; reindex removes unreferenced chunks only past a grace period. */
  createdAt: number;
}

/**
 * An entity's figures, written only by the projector. Each recount claims a version in `ver`
 * (by its conditional write, or by a bump when that lost), and lands only if no later version has
 * (`settledVer`), so the last one wins. An entity first created by a bump has no name until its
 * recount lands: readers skip it.
 */
export interface EntityItem extends TableKey {
  name?: string;
  count?: number;
  latestDate?: string;
  ver: number;
  settledVer?: number;
}

/** One entity's count of releases in one month, recounted from the list partition. */
export interface EntityMonthItem extends TableKey {
  count?: number;
  /** A minister's or a portfolio's: the month's newest release date, and the name it gives. */
  latestDate?: string;
  name?: string;
  ver: number;
  settledVer?: number;
}

export interface SourceItem extends TableKey {
  key: string;
  /** S3 sequencer of the last event applied; absent when only a reindex has touched the key. */
  seq?: string;
  etag?: string;
  /** The release this key yields (or yielded, when the last version was a problem). */
  releaseId?: string;
  problem?: string;
  deleted: boolean;
  rev: number;
  updatedAt: string;
  expiresAt?: number;
}

export interface ProblemItem extends TableKey {
  key: string;
  reason: string;
  at: string;
}

/** Every list scope a release belongs to: all, each minister, each portfolio, each pair. */
export function listScopesFor(release: Pick<Release, 'ministers' | 'portfolios'>): ListScope[] {
  const scopes: ListScope[] = [{ kind: 'all' }];
  for (const m of release.ministers) scopes.push({ kind: 'minister', minister: m.slug });
  for (const p of release.portfolios) scopes.push({ kind: 'portfolio', portfolio: p.slug });
  for (const m of release.ministers) {
    for (const p of release.portfolios) {
      scopes.push({ kind: 'minister-portfolio', minister: m.slug, portfolio: p.slug });
    }
  }
  return scopes;
}

export function summaryOf(release: ReleaseSummary): ReleaseSummary {
  const { id, title, date, url, ministers, portfolios, summary } = release;
  return { id, title, date, url, ministers, portfolios, summary };
}

/** The list items of a release, one per scope, with its stop-word bits when known. */
export function listItemsFor(release: ReleaseSummary, bits?: TextBits): ListItem[] {
  const sk = listSortKey(release.date, release.id);
  const { url, id } = release;
  const stored = {
    t: release.title,
    ...(url === null ? {} : url.endsWith(id) ? { up: url.slice(0, url.length - id.length) } : { u: url }),
    m: flatRefs(release.ministers),
    p: flatRefs(release.portfolios),
    s: release.summary,
    ...(bits ? { tbv: bits.version, tb: bits.bits } : {}),
    ...(bits?.text !== undefined ? { tv: bits.text } : {}),
  };
  return listScopesFor(release).map((scope) => ({ pk: listPartition(scope), sk, ...stored }));
}

/**
 * The summary a list item holds, exactly as `listItemsFor` was given it. Reads both forms: an
 * attribute of the older form wins where present, else the current one (`id` and `date` from
 * the sort key).
 */
export function listItemSummary(item: StoredListItem): ReleaseSummary {
  const split = item.sk.indexOf('#');
  const id = item.id ?? item.sk.slice(split + 1);
  const date = item.date ?? item.sk.slice(0, split);
  const url =
    item.url !== undefined ? item.url : item.up !== undefined ? `${item.up}${id}` : (item.u ?? null);
  return {
    id,
    title: item.title ?? item.t ?? '',
    date,
    url,
    ministers: item.ministers ? item.ministers.map(refOf) : refsOf(item.m),
    portfolios: item.portfolios ? item.portfolios.map(refOf) : refsOf(item.p),
    summary: item.summary ?? item.s ?? '',
  };
}

/** The stop-word bits of a list item, when it has them. */
export function listItemBits(item: StoredListItem): TextBits | undefined {
  if (item.tbv === undefined || item.tb === undefined) return undefined;
  return { version: item.tbv, bits: item.tb, ...(item.tv !== undefined ? { text: item.tv } : {}) };
}

function flatRefs(refs: readonly EntityRef[]): string[] {
  return refs.flatMap(({ slug, name }) => [slug, name]);
}

function refOf({ slug, name }: EntityRef): EntityRef {
  return { slug, name };
}

function refsOf(flat: readonly string[] | undefined): EntityRef[] {
  const refs: EntityRef[] = [];
  for (let i = 0; flat && i + 1 < flat.length; i += 2)
    refs.push({ slug: flat[i] as string, name: flat[i + 1] as string });
  return refs;
}

/** Entity references of a release by kind, for count bookkeeping. */
export function entityRefsOf(
  release: Pick<Release, 'ministers' | 'portfolios'>,
  kind: EntityKind,
): EntityRef[] {
  return kind === 'minister' ? release.ministers : release.portfolios;
}
