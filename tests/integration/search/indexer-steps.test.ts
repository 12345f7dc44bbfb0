/**
 * The indexer handler against DynamoDB Local: it works through a batch in steps sized to the time
 * it has left, and when the time runs short it reports the releases it did not reach as batch
 * item failures, after committing the steps it finished (their search entries written, their
 * pending markers cleared), so that a redelivery only has to do the rest.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '#handlers/index-releases.js';
import type { StoredRelease } from '#release/release.js';
import { searchEntryKey } from '#search/keys.js';
import { pendingKey, type TableKey } from '#table/table-layout.js';
import { seedReleases, storedCorpus } from '../../support/corpus-seed.js';
import { freshServices, type TestServices } from '../../support/services.js';

function eventOf(releases: readonly StoredRelease[]): SQSEvent {
  return {
    Records: releases.map((release) => ({
      messageId: `m-${release.id}`,
      body: JSON.stringify({ id: release.id, at: release.updatedAt }),
    })),
  } as unknown as SQSEvent;
}

describe('indexer steps', () => {
  let services: TestServices;
  let releases: StoredRelease[];

  beforeAll(async () => {
    services = await freshServices({ stream: false });
    releases = storedCorpus({ seed: 7, count: 12, endDate: '2025-06-30', bodyBytes: { min: 300, max: 900 } });
    await seedReleases(services.doc, services.tableName, releases, { entities: false });
    for (const release of releases) {
      await services.doc.send(
        new PutCommand({
          TableName: services.tableName,
          Item: { ...pendingKey(release.id), id: release.id, at: release.updatedAt },
        }),
      );
    }
  });

  async function state(release: StoredRelease): Promise<{ indexed: boolean; pending: boolean }> {
    const get = async (Key: TableKey) =>
      (await services.doc.send(new GetCommand({ TableName: services.tableName, Key, ConsistentRead: true })))
        .Item !== undefined;
    return { indexed: await get(searchEntryKey(release.id)), pending: await get(pendingKey(release.id)) };
  }

  it('commits the steps it finished and hands back the rest when time runs short', async () => {
    const handler = makeHandler({
      doc: services.doc,
      tableName: services.tableName,
      firstChunk: 3,
      chunk: 5,
      reserveMillis: 1_000,
    });
    // Time for two steps (3, then at most 5), then below the reserve.
    const clock = [60_000, 60_000, 500];
    const response = await handler(eventOf(releases), {
      getRemainingTimeInMillis: () => clock.shift() ?? 0,
    });
    const rest = releases.slice(8);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      rest.map((release) => `m-${release.id}`),
    );
    for (const release of releases.slice(0, 8))
      expect(await state(release)).toEqual({ indexed: true, pending: false });
    for (const release of rest) expect(await state(release)).toEqual({ indexed: false, pending: true });

    // The redelivery does the rest.
    const again = await handler(eventOf(rest), { getRemainingTimeInMillis: () => 60_000 });
    expect(again.batchItemFailures).toEqual([]);
    for (const release of releases) expect(await state(release)).toEqual({ indexed: true, pending: false });
  });
});
