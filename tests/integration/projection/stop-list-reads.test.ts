/**
 * How often the projector reads the stop list (for the stop-word bits of list items): once a
 * minute for live changes, and again for every batch with a repair request, so the repairs that
 * follow a new stop list are projected under it. Against DynamoDB Local, through the handler.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '#handlers/project.js';
import type { Release } from '#release/release.js';
import { stopListItem, stopListOf } from '#search/stop-list.js';
import { releaseItemFor } from '#table/release-items.js';
import { PROJECTED_SORT_KEY, REPAIR_ATTRIBUTE, type ReleaseItem } from '#table/table-layout.js';
import { localDynamoDbClient } from '../../../scripts/local/dynamodb-local.js';
import { queryAll } from '../../support/ingest-harness.js';
import { documentClient, freshServices, type TestServices } from '../../support/services.js';

let services: TestServices;
beforeEach(async () => {
  services = await freshServices({ stream: false });
});

function release(id: string): Release {
  return {
    id,
    title: `Title ${id}`,
    date: '2024-07-02',
    url: null,
    ministers: [{ slug: 'a', name: 'Hon A' }],
    portfolios: [{ slug: 'x', name: 'X' }],
    summary: 'S',
    body: 'nato summit',
    extra: {},
  };
}

let sequence = 0;
const record = (keys: { pk: string; sk: string }, image: Record<string, unknown>): DynamoDBRecord => ({
  eventName: 'INSERT',
  dynamodb: {
    Keys: marshall(keys) as never,
    NewImage: marshall(image, { removeUndefinedValues: true }) as never,
    SequenceNumber: String(++sequence),
    ApproximateCreationDateTime: Date.now() / 1000,
  },
});

describe('the stop list the projector reads', () => {
  it('is read once for live changes within a minute, and again for a batch with a repair request', async () => {
    const client = localDynamoDbClient(services.dynamoEndpoint);
    let stopListReads = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        // The key as the document client gives it, marshalled or not yet.
        const pk = (args.input as { Key?: { pk?: unknown } }).Key?.pk;
        const name = typeof pk === 'string' ? pk : (pk as { S?: string } | undefined)?.S;
        if (context.commandName === 'GetItemCommand' && name === 'SEARCH') stopListReads++;
        return next(args);
      },
      { step: 'initialize', name: 'count' },
    );
    const project = makeHandler({ doc: documentClient(client), tableName: services.tableName });
    const first = stopListOf(['nato', 'zebra']);
    await services.doc.send(new PutCommand({ TableName: services.tableName, Item: stopListItem(first) }));
    const change = async (id: string) => {
      const item: ReleaseItem = releaseItemFor(release(id), {
        key: `${id}.md`,
        sourceTime: 't',
        updatedAt: 't',
        rev: 1,
      });
      await services.doc.send(new PutCommand({ TableName: services.tableName, Item: item }));
      return record({ pk: item.pk, sk: item.sk }, { ...item });
    };

    await project({ Records: [await change('a')] });
    await project({ Records: [await change('b')] });
    expect(stopListReads).toBe(1);

    // A new stop list, then a repair request (as a reindex writes them): read again, and used.
    const second = stopListOf(['summit']);
    await services.doc.send(new PutCommand({ TableName: services.tableName, Item: stopListItem(second) }));
    const repair = { pk: 'R#a', sk: PROJECTED_SORT_KEY };
    await project({ Records: [record(repair, { ...repair, [REPAIR_ATTRIBUTE]: '[]' })] });
    expect(stopListReads).toBe(2);
    const lists = await queryAll(services, 'L#ALL');
    const bitsVersion = (id: string) => lists.find((item) => String(item.sk).endsWith(`#${id}`))?.tbv;
    expect(bitsVersion('a')).toBe(second.version);
    expect(bitsVersion('b')).toBe(first.version);
    client.destroy();
  });
});
