/**
 * TEST-ONLY seeding of the query tables: parses generated release files with the real parser and
 * batch-writes the items the ingest side would write (release item, list items, entity items,
 * body chunks), computed in memory. Far faster than the event path for thousands of releases;
 * the ingest tests prove that path writes the same layout.
 */
import { createHash } from 'node:crypto';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseRelease } from '#core/parse-release.js';
import type { EntityKind, EntitySummary, Release, StoredRelease } from '#core/release.js';
import {
  BODY_CHUNK_BYTES,
  bodyChunkKey,
  entityKey,
  INLINE_BODY_MAX_BYTES,
  listItemsFor,
  listSortKey,
  problemKey,
  releaseKey,
  summaryOf,
} from '#core/table-layout.js';
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
  const base = {
    ...releaseKey(release.id),
    ...summaryOf(release),
    extra: release.extra,
    sourceKey: release.source.key,
    sourceTime: release.updatedAt,
    updatedAt: release.updatedAt,
    rev: 1,
  };
  const bytes = Buffer.from(release.body, 'utf8');
  if (bytes.length <= INLINE_BODY_MAX_BYTES) return [{ ...base, body: release.body }];
  const bodyHash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const chunks: Item[] = [];
  for (let offset = 0, index = 0; offset < bytes.length; offset += BODY_CHUNK_BYTES, index += 1) {
    chunks.push({
      ...bodyChunkKey(release.id, bodyHash, index),
      data: bytes.subarray(offset, offset + BODY_CHUNK_BYTES),
    });
  }
  return [{ ...base, bodyHash, bodyChunks: chunks.length }, ...chunks];
}

/** Entity figures as the ingest side keeps them: count, latest date, name on the newest release. */
export function entitySummaries(releases: readonly Release[], kind: EntityKind): EntitySummary[] {
  const bySlug = new Map<string, EntitySummary & { newest: string }>();
  for (const release of releases) {
    const sk = listSortKey(release.date, release.id);
    for (const ref of kind === 'minister' ? release.ministers : release.portfolios) {
      const current = bySlug.get(ref.slug);
      if (!current) {
        bySlug.set(ref.slug, {
          slug: ref.slug,
          name: ref.name,
          count: 1,
          latestDate: release.date,
          newest: sk,
        });
        continue;
      }
      current.count += 1;
      if (sk > current.newest)
        Object.assign(current, { newest: sk, name: ref.name, latestDate: release.date });
    }
  }
  return [...bySlug.values()].map(({ newest: _newest, ...entity }) => entity);
}

export interface SeedOptions {
  /** Which list partitions to write (all by default); lean seeding for the capacity test. */
  listPartitions?: (pk: string) => boolean;
  /** @default true */
  releaseItems?: boolean;
  /** @default true */
  entities?: boolean;
}

/** Every item the table would hold for these releases. */
export function itemsFor(releases: readonly StoredRelease[], options: SeedOptions = {}): Item[] {
  const items: Item[] = [];
  for (const release of releases) {
    if (options.releaseItems ?? true) items.push(...releaseItems(release));
    for (const item of listItemsFor(release)) {
      if (!options.listPartitions || options.listPartitions(item.pk)) items.push({ ...item });
    }
  }
  if (options.entities ?? true) {
    for (const kind of ['minister', 'portfolio'] as const) {
      for (const entity of entitySummaries(releases, kind)) {
        items.push({
          ...entityKey(kind, entity.slug),
          name: entity.name,
          count: entity.count,
          latestDate: entity.latestDate,
          rev: 1,
        });
      }
    }
  }
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
  const groups: Item[][] = [];
  for (let i = 0; i < items.length; i += 25) groups.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    for (;;) {
      const group = groups[next++];
      if (!group) return;
      let requests = group.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        if (attempt > 10) throw new Error('BatchWriteItem kept leaving items unprocessed');
        const output = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (output.UnprocessedItems?.[tableName] ?? []) as typeof requests;
        if (requests.length > 0) await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

export async function seedReleases(
  doc: DynamoDBDocumentClient,
  tableName: string,
  releases: readonly StoredRelease[],
  options: SeedOptions = {},
): Promise<void> {
  await writeItems(doc, tableName, itemsFor(releases, options));
}
