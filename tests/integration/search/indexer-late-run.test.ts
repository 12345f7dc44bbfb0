/**
 * An indexer run that outlives its invocation (Lambda's timeout, or the local queue's, which
 * redelivers while the late run goes on): its writes land after a newer state of the release was
 * indexed, and must not undo it. Against DynamoDB Local, the late run held between its reads and
 * its writes by a gated client, while the release changes and a second run indexes the change.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeHandler } from '#handlers/index-releases.js';
import type { StoredRelease } from '#release/release.js';
import { foldedCopyKey, searchEntryKey } from '#search/keys.js';
import { pendingKey, type TableKey } from '#table/table-layout.js';
import { localDynamoDbClient } from '../../../scripts/local/dynamodb-local.js';
import { seedReleases, storedCorpus } from '../../support/corpus-seed.js';
import { documentClient, freshServices } from '../../support/services.js';

function eventOf(release: StoredRelease, messageId: string): SQSEvent {
  return {
    Records: [{ messageId, body: JSON.stringify({ id: release.id, at: release.updatedAt }) }],
  } as unknown as SQSEvent;
}

/** A client that holds its first PutItem until `release()` is called; `reached` says it is held. */
function heldClient(endpoint: string): {
  client: DynamoDBClient;
  reached: Promise<void>;
  release: () => void;
} {
  const client = localDynamoDbClient(endpoint);
  let fireReached = () => {};
  let fireRelease = () => {};
  const reached = new Promise<void>((resolve) => {
    fireReached = resolve;
  });
  const released = new Promise<void>((resolve) => {
    fireRelease = resolve;
  });
  let held = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutItemCommand' && !held) {
        held = true;
        fireReached();
        await released;
      }
      return next(args);
    },
    { step: 'initialize', name: 'hold' },
  );
  return { client, reached, release: fireRelease };
}

describe('an indexer run that outlives its invocation', () => {
  it('lands its writes after a newer state was indexed without undoing it', async () => {
    const services = await freshServices({ stream: false });
    const [first] = storedCorpus({
      seed: 9,
      count: 1,
      endDate: '2025-06-30',
      bodyBytes: { min: 300, max: 600 },
    });
    if (!first) throw new Error('no release generated');
    const marker = async (release: StoredRelease) =>
      services.doc.send(
        new PutCommand({
          TableName: services.tableName,
          Item: { ...pendingKey(release.id), id: release.id, at: release.updatedAt },
        }),
      );
    await seedReleases(services.doc, services.tableName, [first], { entities: false });
    await marker(first);

    // The first delivery: it reads the release, then is held at its first conditional write.
    const late = heldClient(services.dynamoEndpoint);
    const lateRun = makeHandler({ doc: documentClient(late.client), tableName: services.tableName })(
      eventOf(first, 'm-1'),
    );
    await late.reached;

    // Meanwhile the release changes and its own request is indexed (as a redelivery would be).
    const second: StoredRelease = {
      ...first,
      body: `${first.body}\n\nA new paragraph names zyzzogeton.`,
      updatedAt: '2025-08-01T00:00:00.000Z',
    };
    await seedReleases(services.doc, services.tableName, [second], { entities: false });
    await marker(second);
    const current = await makeHandler({ doc: services.doc, tableName: services.tableName })(
      eventOf(second, 'm-2'),
    );
    expect(current.batchItemFailures).toEqual([]);

    // The late run goes on: every write it still makes finds a newer state and is skipped.
    late.release();
    const response = await lateRun;
    late.client.destroy();
    expect(response.batchItemFailures).toEqual([]);

    const get = async (Key: TableKey) =>
      (await services.doc.send(new GetCommand({ TableName: services.tableName, Key, ConsistentRead: true })))
        .Item;
    const folded = await get(foldedCopyKey(first.id));
    expect(folded?.at).toBe(second.updatedAt);
    expect(String(folded?.body)).toContain('zyzzogeton');
    expect((await get(searchEntryKey(first.id)))?.at).toBe(second.updatedAt);
    expect(await get(pendingKey(first.id))).toBeUndefined();
  });
});
