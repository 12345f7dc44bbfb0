/**
 * TEST-ONLY seeding of the query tables: parses generated release files with the real parser and
 * batch-writes the items ingestion and the projector would leave for them (release item, body
 * chunks, list items, entity figures), built by the same definitions they use
 * (functions/table/release-items.ts). Far faster than the event path for thousands of releases;
 * the ingest tests prove that path leaves the same items.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseRelease } from '#release/parse-release.js';
import type { EntityKind, EntitySummary, Release, StoredRelease } from '#release/release.js';
import type { StopList } from '#search/keys.js';
import { textBitsOf } from '#search/text-bits.js';
import { batchWrite, putRequests } from '#table/aws/dynamodb-batch.js';
import { bodyChunksFor, EntityTally, needsChunks, newBodyId, releaseItemFor } from '#table/release-items.js';
import { listItemsFor, problemKey } from '#table/table-layout.js';
import { type CorpusOptions, generateCorpus } from '../../scripts/corpus/generate.js';

export const UPDATED_AT = '2025-07-01T00:00:00.000Z';

/** Generated files parsed into stored releases (every generated file parses). */
export function storedCorpus(options: CorpusOptions): StoredRelease[] {
  const out: StoredRelease[] = [];
  for (const file of generateCorpus(options)) {
    const parsed = parseRelease(file.text, file.key);
    if (!parsed.ok)
      throw new Error(`generated file ${file.key} does not parse: ${JSON.stringify(parsed.problem)}`);
    out.push(stored(parsed.release, file.key));
  }
  return out;
}

export function stored(release: Release, key: string): StoredRelease {
  return { ...release, source: { key }, updatedAt: UPDATED_AT };
}

type Item = Record<string, unknown>;

/** The release item and, for bodies over the inline limit, its chunk items. */
export function releaseItems(release: StoredRelease): Item[] {
  const write = {
    key: release.source.key,
    sourceTime: release.updatedAt,
    updatedAt: release.updatedAt,
    rev: 1,
  };
  if (!needsChunks(release.body)) return [{ ...releaseItemFor(release, write) }];
  const bodyId = newBodyId(release.body);
  return [
    { ...releaseItemFor(release, write, bodyId) },
    ...bodyChunksFor(release.id, release.body, bodyId, new Date(release.updatedAt)).map((chunk) => ({
      ...chunk,
    })),
  ];
}

/** Entity figures as the projector leaves them: count, latest date, name on the newest release. */
export function entitySummaries(releases: readonly Release[], kind: EntityKind): EntitySummary[] {
  const tally = new EntityTally();
  for (const release of releases) tally.add(release);
  return tally.all(kind).map(({ slug, name, count, latestDate }) => ({ slug, name, count, latestDate }));
}

export interface SeedOptions {
  /** Which list partitions to write (all by default); lean seeding for the capacity test. */
  listPartitions?: (pk: string) => boolean;
  /** @default true */
  releaseItems?: boolean;
  /** @default true */
  entities?: boolean;
  /** Give the list items the releases' stop-word bits under this stop list, as the projector does. */
  stopList?: StopList;
}

/** Every item the table would hold for these releases. */
export function itemsFor(releases: readonly StoredRelease[], options: SeedOptions = {}): Item[] {
  const items: Item[] = [];
  const tally = new EntityTally();
  for (const release of releases) {
    if (options.releaseItems ?? true) items.push(...releaseItems(release));
    const bits = options.stopList ? textBitsOf(options.stopList, release) : undefined;
    for (const item of listItemsFor(release, bits)) {
      if (!options.listPartitions || options.listPartitions(item.pk)) items.push({ ...item });
    }
    tally.add(release);
  }
  if (options.entities ?? true) items.push(...tally.items().map((item) => ({ ...item })));
  return items;
}

export function problemItem(key: string, reason: string, at: string): Item {
  return { ...problemKey(key), key, reason, at };
}

/** BatchWriteItem in groups of 25, a few in flight, retrying unprocessed items. */
export async function writeItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Item[],
): Promise<void> {
  await batchWrite(doc, tableName, putRequests(items), { concurrency: 4 });
}

export async function seedReleases(
  doc: DynamoDBDocumentClient,
  tableName: string,
  releases: readonly StoredRelease[],
  options: SeedOptions = {},
): Promise<void> {
  await writeItems(doc, tableName, itemsFor(releases, options));
}
