/**
 * `--large`'s materializer (bench/large/materialize.ts) against the whole table it stands in for:
 * a small corpus is materialized into one table and loaded whole into another (list items, entity
 * figures, the word index as a bulk load writes it, release items). Every partition the
 * materialized set calls whole holds exactly what the whole table holds there, and every item
 * written is in the set and equal to the whole table's.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { searchItemsForBulk } from '#search/bulk-index.js';
import { planSync } from '#search/sync-plan.js';
import { listItems, parseFile, releaseItem } from '../../../bench/corpus-items.js';
import { batchPut, type Item } from '../../../bench/dynamo.js';
import { type Materialized, materialize } from '../../../bench/large/materialize.js';
import { MaterializedSet } from '../../../bench/large/read-recorder.js';
import { options } from '../../../bench/options.js';
import type { Progress } from '../../../bench/progress.js';
import { generateCorpus } from '../../../scripts/corpus/generate.js';
import { freshServices, type TestServices } from '../../support/services.js';

const RELEASES = 150;
const opts = options(['--concurrency', '4']);
const quiet: Progress = { phase() {}, tick() {}, note() {}, done() {} };

async function scan(services: TestServices): Promise<Map<string, Item>> {
  const items = new Map<string, Item>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await services.doc.send(
      new ScanCommand({ TableName: services.tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) items.set(`${item.pk}\u0000${item.sk}`, item);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A release item's times are the moment it was written. */
function timeless(item: Item): Item {
  const { sourceTime: _s, updatedAt: _u, ...rest } = item;
  return rest;
}

describe('materializing a corpus for its queries', () => {
  let set: MaterializedSet;
  let materialized: Materialized;
  let part: Map<string, Item>;
  let whole: Map<string, Item>;

  beforeAll(async () => {
    const own = await freshServices({ stream: false });
    set = new MaterializedSet();
    const env = { doc: own.doc, tableName: own.tableName };
    materialized = await materialize(env, RELEASES, set, opts, quiet);
    part = await scan(own);

    const full = await freshServices({ stream: false });
    const { stop, tally } = materialized;
    const files = [...generateCorpus({ seed: opts.seed, count: RELEASES, endDate: opts.endDate })];
    const releases = files.map((file) => parseFile(file).release);
    const time = new Date().toISOString();
    const items: Item[] = [
      ...tally.items(),
      ...searchItemsForBulk(releases, { stopList: stop }),
      ...releases.flatMap((release, i) => [
        ...listItems(release, stop),
        releaseItem(release, files[i]?.key ?? '', time),
      ]),
    ];
    // The bulk index leaves search entries and folded copies to the release's own sync.
    for (const release of releases) {
      const plan = planSync(release, undefined, stop);
      for (const item of [plan.searchEntry, plan.foldedCopy]) if (item) items.push(item);
    }
    await batchPut(full.doc, full.tableName, items, 4);
    whole = await scan(full);
  }, 240_000);

  it('writes only what the set names, each item as the whole table has it', () => {
    expect(part.size).toBe(materialized.figures.items);
    for (const [key, item] of part) {
      expect(set.hasKey(String(item.pk), String(item.sk)), key).toBe(true);
      const reference = whole.get(key);
      expect(reference, key).toBeDefined();
      expect(timeless(item), key).toEqual(timeless(reference ?? {}));
    }
  });

  it('holds every partition it calls whole as the whole table holds it', () => {
    const partitions = new Map<string, string[]>();
    for (const [key, item] of whole) {
      const pk = String(item.pk);
      if (!set.hasPartition(pk)) continue;
      partitions.set(pk, [...(partitions.get(pk) ?? []), key]);
    }
    // Lists, entity figures, the wanted postings and vocabulary partitions.
    expect(partitions.size).toBeGreaterThan(materialized.figures.terms / 2);
    expect([...partitions.keys()].some((pk) => pk.startsWith('W#'))).toBe(true);
    for (const [pk, keys] of partitions) {
      const held = keys.filter((key) => part.has(key));
      expect(held.length, pk).toBe(keys.length);
    }
  });

  it('reaches the release items of the newest releases and of every counted term', () => {
    expect(materialized.figures.releaseItems).toBeGreaterThan(0);
    expect(materialized.figures.releaseItems).toBeLessThanOrEqual(RELEASES);
    expect(materialized.wanted.terms.size).toBe(materialized.figures.terms);
  });
});
