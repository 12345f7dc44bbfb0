/**
 * The names `/facets` shows, read for the price DynamoDB bills: a few by key (0.5 read units
 * each, however small the item), many from the entity partition in pages no dearer than the
 * reads by key would have been, and the rest of a large partition by key.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoReleaseReader } from '#query/aws/dynamodb-release-reader.js';
import { batchWrite } from '#table/aws/dynamodb-batch.js';
import { entityKey } from '#table/table-layout.js';
import { freshServices, type TestServices } from '../../support/services.js';

let services: TestServices;
const MINISTERS = 2_000;
const slugOf = (i: number) => `minister-${String(i).padStart(4, '0')}`;
const nameOf = (i: number) => `Hon Minister Number ${i}`;

beforeAll(async () => {
  services = await freshServices({ stream: false });
  await batchWrite(
    services.doc,
    services.tableName,
    Array.from({ length: MINISTERS }, (_, i) => ({
      PutRequest: {
        Item: {
          ...entityKey('minister', slugOf(i)),
          name: nameOf(i),
          count: 3,
          latestDate: '2024-05-01',
          ver: 7,
        },
      },
    })),
  );
}, 120_000);

describe('entity names', () => {
  const metered = () => {
    const spent = { units: 0 };
    const reader = new DynamoReleaseReader(services.doc, services.tableName, {
      onConsumedCapacity: (capacity) => {
        spent.units += capacity.CapacityUnits ?? 0;
      },
    });
    return { reader, spent };
  };

  it('reads a few names by key', async () => {
    const { reader, spent } = metered();
    const names = await reader.entityNames('minister', [slugOf(5), slugOf(1999), 'nobody']);
    expect(names).toEqual(
      new Map([
        [slugOf(5), nameOf(5)],
        [slugOf(1999), nameOf(1999)],
      ]),
    );
    expect(spent.units).toBeGreaterThan(0);
    expect(spent.units).toBeLessThanOrEqual(1.5);
  });

  it('reads many names from the partition, for less than reading them by key', async () => {
    const { reader, spent } = metered();
    const wanted = Array.from({ length: 200 }, (_, i) => slugOf(i * 3));
    const names = await reader.entityNames('minister', wanted);
    expect(names).toEqual(new Map(wanted.map((slug, i) => [slug, nameOf(i * 3)])));
    // 200 reads by key: 100 read units. The first 600 items of the partition hold them all: two
    // pages of 500, not the whole partition (2,000 items, 21.5 read units here).
    expect(spent.units).toBeGreaterThan(0);
    expect(spent.units).toBeLessThan(15);
  });

  it('reads by key what the pages it may afford did not reach', async () => {
    const { reader, spent } = metered();
    // Spread over the whole partition: 20 names afford 320 items, the rest are read by key.
    const wanted = Array.from({ length: 20 }, (_, i) => slugOf(i * 100 + 99));
    const names = await reader.entityNames('minister', wanted);
    expect(names).toEqual(new Map(wanted.map((slug, i) => [slug, nameOf(i * 100 + 99)])));
    // Never much more than twice the 10 read units by key would cost.
    expect(spent.units).toBeLessThanOrEqual(20);
  });
});
