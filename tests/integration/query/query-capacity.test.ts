/**
 * The cost rule of docs/api.md: a query without `q` reads only what it returns, so a filtered page costs
 * the same at 1,000 and at 10,000 releases, while a naive Scan with a filter grows with the table.
 * Measured with DynamoDB's own ConsumedCapacity (DynamoDB Local reports it like the service).
 * Lean seeding: release items with short bodies and only the list partitions these queries read.
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { releasePageSchema } from '#query/query-schemas.js';
import type { StoredRelease } from '#release/release.js';
import { listPartition } from '#table/table-layout.js';
import { asFunction } from '../../support/aws-calls.js';
import { entitySummaries, seedReleases, storedCorpus } from '../../support/corpus-seed.js';
import { freshServices, type TestServices } from '../../support/services.js';
import { httpEvent } from './query-events.js';

process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const makeHandler = asFunction('api', (await import('#handlers/api.js')).makeHandler);

let services: TestServices;
let corpus: StoredRelease[];
let minister: string;

beforeAll(() => {
  corpus = storedCorpus({ seed: 3, count: 10_000, endDate: '2025-06-30', bodyBytes: { min: 200, max: 600 } });
  // The minister busiest among the first 1,000, so a page of 20 is full at both sizes.
  const [top] = entitySummaries(corpus.slice(0, 1_000), 'minister').sort((a, b) => b.count - a.count);
  minister = top?.slug ?? '';
}, 120_000);

const lean = (pk: string) => pk === listPartition({ kind: 'all' }) || pk.startsWith('L#M#');

async function capacityOf(url: string): Promise<number> {
  let units = 0;
  const handler = makeHandler({
    doc: services.doc,
    tableName: services.tableName,
    textSearch: true,
    cursorSecret: 'capacity',
    onConsumedCapacity: (capacity: ConsumedCapacity) => {
      units += capacity.CapacityUnits ?? 0;
    },
  });
  const result = await handler(httpEvent(url));
  expect(result.statusCode).toBe(200);
  expect(releasePageSchema.parse(JSON.parse(result.body ?? '')).items).toHaveLength(20);
  return units;
}

async function naiveScan(): Promise<number> {
  let units = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const output: ScanCommandOutput = await services.doc.send(
      new ScanCommand({
        TableName: services.tableName,
        FilterExpression: 'begins_with(pk, :r) AND contains(#ministers, :m)',
        ExpressionAttributeNames: { '#ministers': 'ministers' },
        ExpressionAttributeValues: { ':r': 'R#', ':m': minister },
        ReturnConsumedCapacity: 'TOTAL',
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    units += output.ConsumedCapacity?.CapacityUnits ?? 0;
    startKey = output.LastEvaluatedKey;
  } while (startKey);
  return units;
}

describe('cost of a page without q', () => {
  it('is the same at 1,000 and at 10,000 releases, while a naive Scan grows', async () => {
    services = await freshServices({ stream: false });
    const queries = [
      '/releases?limit=20',
      `/releases?minister=${minister}&limit=20`,
      '/releases?from=2000-01-01&to=2012-12-31&limit=20',
      `/releases?minister=${minister}&from=1990-01-01&to=2025-06-30&limit=20`,
    ];

    await seedReleases(services.doc, services.tableName, corpus.slice(0, 1_000), {
      listPartitions: lean,
      entities: false,
    });
    const small = await Promise.all(queries.map(capacityOf));
    const smallScan = await naiveScan();

    await seedReleases(services.doc, services.tableName, corpus.slice(1_000), {
      listPartitions: lean,
      entities: false,
    });
    const large = await Promise.all(queries.map(capacityOf));
    const largeScan = await naiveScan();

    const figures = queries.map((query, i) => ({ query, at1k: small[i], at10k: large[i] }));
    // Shown in the test output so the figures can be quoted.
    process.stdout.write(`${JSON.stringify({ figures, scan: { at1k: smallScan, at10k: largeScan } })}\n`);
    for (const { at1k = 0, at10k = 0 } of figures) {
      expect(at1k).toBeGreaterThan(0);
      // Items differ in size between the two pages; DynamoDB rounds each read to 4 KB blocks.
      expect(Math.abs(at10k - at1k)).toBeLessThanOrEqual(0.5);
      expect(at10k).toBeLessThan(smallScan / 10);
    }
    expect(largeScan).toBeGreaterThan(smallScan * 5);
  }, 600_000);
});
