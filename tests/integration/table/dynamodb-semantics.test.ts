/**
 * The DynamoDB emulation in tests/support/dynamodb-semantics.ts, against the real DynamoDB Local:
 * transaction conflicts, throttling with the SDK's own retries, and the counters.
 */
import {
  type DynamoDBClient,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cancellationCodes,
  DynamoDbSemantics,
  type DynamoDbSemanticsOptions,
  withDynamoDbSemantics,
} from '../../support/dynamodb-semantics.js';
import { documentClient, freshServices, type TestServices } from '../../support/services.js';

let services: TestServices;

beforeAll(async () => {
  services = await freshServices({ stream: false });
});

/** Holds the first request of `operation` in flight until released; no timing involved. */
function holdFirst(operation: string) {
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const inFlight = new Promise<void>((resolve) => {
    reached = resolve;
  });
  let taken = false;
  const onInFlight: DynamoDbSemanticsOptions['onInFlight'] = (op) => {
    if (op !== operation || taken) return;
    taken = true;
    reached();
    return released;
  };
  return { inFlight, release, onInFlight };
}

function emulated(options: DynamoDbSemanticsOptions & { clientConfig?: Record<string, unknown> } = {}): {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  semantics: DynamoDbSemantics;
} {
  const { client, semantics } = withDynamoDbSemantics(services.dynamo, options);
  return { client, doc: documentClient(client), semantics };
}

let keyCounter = 0;
/** A key no other test uses. */
function key(label: string): { pk: string; sk: string } {
  keyCounter += 1;
  return { pk: `T#${label}-${keyCounter}`, sk: 'META' };
}

function increment(tableName: string, itemKey: { pk: string; sk: string }) {
  return {
    Update: {
      TableName: tableName,
      Key: itemKey,
      UpdateExpression: 'ADD n :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('transaction conflicts', () => {
  it('cancels a write transaction that touches an item another has in flight, at that index', async () => {
    const hold = holdFirst('TransactWriteItems');
    const { doc, semantics } = emulated({ onInFlight: hold.onInFlight });
    const shared = key('shared');
    const own = key('own');
    const first = doc.send(
      new TransactWriteCommand({ TransactItems: [increment(services.tableName, shared)] }),
    );
    await hold.inFlight;

    const error = await caught(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [increment(services.tableName, own), increment(services.tableName, shared)],
        }),
      ),
    );
    hold.release();
    await first;

    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(cancellationCodes(error)).toEqual(['None', 'TransactionConflict']);
    expect((error as TransactionCanceledException).CancellationReasons?.[1]?.Message).toBe(
      'Transaction is ongoing for the item.',
    );
    expect((error as Error).message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]',
    );
    // Not retried by the SDK, and nothing of the cancelled transaction was written.
    expect((error as TransactionCanceledException).$metadata.attempts).toBe(1);
    expect(
      (await doc.send(new GetCommand({ TableName: services.tableName, Key: own }))).Item,
    ).toBeUndefined();
    expect((await doc.send(new GetCommand({ TableName: services.tableName, Key: shared }))).Item?.n).toBe(1);
    expect(semantics.counters.transactionConflicts).toBe(1);
    expect(semantics.counters.conflicts).toBe(1);
    expect(semantics.lockedItems).toBe(0);
  });

  it('refuses a single write on a locked item with TransactionConflictException, then accepts it', async () => {
    const hold = holdFirst('TransactWriteItems');
    const { doc, semantics } = emulated({ onInFlight: hold.onInFlight });
    const item = key('single');
    const transaction = doc.send(
      new TransactWriteCommand({ TransactItems: [increment(services.tableName, item)] }),
    );
    await hold.inFlight;

    const put = await caught(
      doc.send(new PutCommand({ TableName: services.tableName, Item: { ...item, n: 100 } })),
    );
    const update = await caught(
      doc.send(
        new UpdateCommand({
          TableName: services.tableName,
          Key: item,
          UpdateExpression: 'SET x = :x',
          ExpressionAttributeValues: { ':x': 1 },
        }),
      ),
    );
    hold.release();
    await transaction;

    for (const error of [put, update]) {
      expect(error).toBeInstanceOf(TransactionConflictException);
      expect((error as TransactionConflictException).$metadata.attempts).toBe(1);
    }
    expect(semantics.counters.singleItemConflicts).toBe(2);
    expect(semantics.counters.attempts.PutItem).toBe(1);
    await doc.send(new PutCommand({ TableName: services.tableName, Item: { ...item, n: 100 } }));
    expect((await doc.send(new GetCommand({ TableName: services.tableName, Key: item }))).Item?.n).toBe(100);
  });

  it('lets transactions on different items run at the same time', async () => {
    const hold = holdFirst('TransactWriteItems');
    const { doc, semantics } = emulated({ onInFlight: hold.onInFlight });
    const a = key('apart');
    const b = key('apart');
    const first = doc.send(new TransactWriteCommand({ TransactItems: [increment(services.tableName, a)] }));
    await hold.inFlight;
    await doc.send(new TransactWriteCommand({ TransactItems: [increment(services.tableName, b)] }));
    hold.release();
    await first;
    expect(semantics.counters.conflicts).toBe(0);
    expect(semantics.counters.calls.TransactWriteItems).toBe(2);
  });

  it('returns batch writes on a locked item as unprocessed and writes the rest', async () => {
    const hold = holdFirst('TransactWriteItems');
    const { doc, semantics } = emulated({ onInFlight: hold.onInFlight });
    const locked = key('batch-locked');
    const free = key('batch-free');
    const transaction = doc.send(
      new TransactWriteCommand({ TransactItems: [increment(services.tableName, locked)] }),
    );
    await hold.inFlight;
    const result = await doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [services.tableName]: [
            { PutRequest: { Item: { ...locked, n: 9 } } },
            { PutRequest: { Item: free } },
          ],
        },
      }),
    );
    hold.release();
    await transaction;
    expect(result.UnprocessedItems).toEqual({
      [services.tableName]: [{ PutRequest: { Item: { ...locked, n: 9 } } }],
    });
    expect((await doc.send(new GetCommand({ TableName: services.tableName, Key: free }))).Item).toEqual(free);
    expect((await doc.send(new GetCommand({ TableName: services.tableName, Key: locked }))).Item?.n).toBe(1);
    expect(semantics.counters.batchItemConflicts).toBe(1);
  });

  it('cancels a read transaction when a write reaches one of its items during its flight', async () => {
    const hold = holdFirst('TransactGetItems');
    const { doc, semantics } = emulated({ onInFlight: hold.onInFlight });
    const item = key('read');
    const other = key('read-other');
    await doc.send(new PutCommand({ TableName: services.tableName, Item: { ...item, n: 1 } }));
    const read = caught(
      doc.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: services.tableName, Key: other } },
            { Get: { TableName: services.tableName, Key: item } },
          ],
        }),
      ),
    );
    await hold.inFlight;
    await doc.send(new PutCommand({ TableName: services.tableName, Item: { ...item, n: 2 } }));
    hold.release();
    expect(cancellationCodes(await read)).toEqual(['None', 'TransactionConflict']);
    expect(semantics.counters.transactionConflicts).toBe(1);
  });

  it('makes some of 100 concurrent transactions on one hot item conflict, and counts each', async () => {
    const { doc, semantics } = emulated();
    const hot = key('hot');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 100 }, (_, index) =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: services.tableName, Item: { pk: `${hot.pk}-own-${index}`, sk: 'META' } } },
              increment(services.tableName, hot),
            ],
          }),
        ),
      ),
    );
    const succeeded = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    const rejected = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(succeeded).toBeGreaterThan(0);
    expect(rejected.length).toBeGreaterThan(0);
    for (const error of rejected) expect(cancellationCodes(error)).toEqual(['None', 'TransactionConflict']);
    expect(semantics.counters.transactionConflicts).toBe(rejected.length);
    expect(semantics.counters.calls.TransactWriteItems).toBe(100);
    // Exactly the committed transactions incremented the hot item.
    expect((await doc.send(new GetCommand({ TableName: services.tableName, Key: hot }))).Item?.n).toBe(
      succeeded,
    );
    expect(semantics.lockedItems).toBe(0);
  });
});

describe('throttling', () => {
  it('throttles over the write rate, and the SDK retries until the writes succeed', async () => {
    const { doc, semantics } = emulated({ writeUnitsPerSecond: 4, clientConfig: { maxAttempts: 10 } });
    const items = Array.from({ length: 10 }, () => key('throttle'));
    await Promise.all(
      items.map((item) => doc.send(new PutCommand({ TableName: services.tableName, Item: item }))),
    );
    expect(semantics.counters.throttles).toBeGreaterThan(0);
    expect(semantics.counters.calls.PutItem).toBe(10);
    expect(semantics.counters.attempts.PutItem).toBe(10 + semantics.counters.throttles);
    for (const item of items) {
      expect((await doc.send(new GetCommand({ TableName: services.tableName, Key: item }))).Item).toEqual(
        item,
      );
    }
  });

  it('fails with ThrottlingException once the SDK has used its attempts (on-demand)', async () => {
    const { doc, semantics } = emulated({ writeUnitsPerSecond: 0.001, clientConfig: { maxAttempts: 2 } });
    await doc.send(new PutCommand({ TableName: services.tableName, Item: key('drain') }));
    const error = await caught(
      doc.send(new PutCommand({ TableName: services.tableName, Item: key('refused') })),
    );
    expect(error).toBeInstanceOf(ThrottlingException);
    expect((error as ThrottlingException).$metadata.attempts).toBe(2);
    expect((error as ThrottlingException).throttlingReasons?.[0]?.reason).toBe(
      'TableWriteMaxOnDemandThroughputExceeded',
    );
    expect(semantics.counters.throttles).toBe(2);
    expect(semantics.counters.attempts.PutItem).toBe(3);
  });

  it('fails with ProvisionedThroughputExceededException for a provisioned table', async () => {
    const { doc } = emulated({
      capacityMode: 'provisioned',
      readUnitsPerSecond: 0.001,
      clientConfig: { maxAttempts: 1 },
    });
    // A strongly consistent read takes the whole one-unit bucket.
    await doc.send(
      new GetCommand({ TableName: services.tableName, Key: key('drain'), ConsistentRead: true }),
    );
    const error = await caught(
      doc.send(new GetCommand({ TableName: services.tableName, Key: key('read'), ConsistentRead: true })),
    );
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect((error as ProvisionedThroughputExceededException).ThrottlingReasons?.[0]?.reason).toBe(
      'TableReadProvisionedThroughputExceeded',
    );
  });

  it('cancels a throttled transaction with a throttling reason per item, which the SDK does not retry', async () => {
    const { doc, semantics } = emulated({ writeUnitsPerSecond: 0.001, clientConfig: { maxAttempts: 5 } });
    await doc.send(new PutCommand({ TableName: services.tableName, Item: key('drain') }));
    const error = await caught(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [increment(services.tableName, key('tx')), increment(services.tableName, key('tx'))],
        }),
      ),
    );
    expect(cancellationCodes(error)).toEqual(['ThrottlingError', 'ThrottlingError']);
    expect((error as TransactionCanceledException).$metadata.attempts).toBe(1);
    expect(semantics.counters.throttles).toBe(1);
  });

  it('can throttle transactions with the retryable exception instead, which the SDK retries', async () => {
    const { doc, semantics } = emulated({
      writeUnitsPerSecond: 0.001,
      transactionThrottle: 'exception',
      clientConfig: { maxAttempts: 2 },
    });
    await doc.send(new PutCommand({ TableName: services.tableName, Item: key('drain') }));
    const error = await caught(
      doc.send(new TransactWriteCommand({ TransactItems: [increment(services.tableName, key('tx'))] })),
    );
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(semantics.counters.attempts.TransactWriteItems).toBe(2);
  });

  it('returns keys that do not fit in a batch read as unprocessed', async () => {
    const { doc, semantics } = emulated({ readUnitsPerSecond: 1 });
    const keys = Array.from({ length: 6 }, () => key('batch-read'));
    const result = await doc.send(
      new BatchGetCommand({ RequestItems: { [services.tableName]: { Keys: keys, ConsistentRead: true } } }),
    );
    const unprocessed = result.UnprocessedKeys?.[services.tableName];
    expect(unprocessed?.Keys?.length).toBeGreaterThan(0);
    expect(unprocessed?.ConsistentRead).toBe(true);
    expect(semantics.counters.throttledBatchItems).toBe(unprocessed?.Keys?.length);
  });

  it('returns what does not fit in a batch as unprocessed', async () => {
    const { doc, semantics } = emulated({ writeUnitsPerSecond: 3 });
    const items = Array.from({ length: 8 }, () => key('batch-throttle'));
    const result = await doc.send(
      new BatchWriteCommand({
        RequestItems: { [services.tableName]: items.map((item) => ({ PutRequest: { Item: item } })) },
      }),
    );
    const unprocessed = result.UnprocessedItems?.[services.tableName] ?? [];
    expect(unprocessed.length).toBeGreaterThan(0);
    expect(unprocessed.length).toBeLessThan(items.length);
    expect(semantics.counters.throttledBatchItems).toBe(unprocessed.length);
  });
});

describe('counters and consumed capacity', () => {
  it('counts the units DynamoDB Local reports and hides them from callers who did not ask', async () => {
    const { doc, semantics } = emulated();
    const item = { ...key('units'), body: 'x'.repeat(2500) };
    const put = await doc.send(new PutCommand({ TableName: services.tableName, Item: item }));
    expect(put.ConsumedCapacity).toBeUndefined();
    expect(semantics.counters.writeUnits).toBe(3);

    const asked = await doc.send(
      new GetCommand({
        TableName: services.tableName,
        Key: { pk: item.pk, sk: item.sk },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(asked.ConsumedCapacity?.CapacityUnits).toBe(0.5);
    expect(asked.Item).toEqual(item);
    expect(semantics.counters.readUnits).toBe(0.5);
    expect(semantics.counters.calls).toEqual({ PutItem: 1, GetItem: 1 });

    semantics.resetCounters();
    expect(semantics.counters.writeUnits).toBe(0);
  });

  it('shares one lock table between clients wrapped by the same emulation', async () => {
    const hold = holdFirst('TransactWriteItems');
    const semantics = new DynamoDbSemantics({ onInFlight: hold.onInFlight });
    const one = documentClient(semantics.wrap(services.dynamo));
    const two = documentClient(semantics.wrap(services.dynamo));
    const item = key('two-clients');
    const transaction = one.send(
      new TransactWriteCommand({ TransactItems: [increment(services.tableName, item)] }),
    );
    await hold.inFlight;
    const error = await caught(two.send(new PutCommand({ TableName: services.tableName, Item: item })));
    hold.release();
    await transaction;
    expect(error).toBeInstanceOf(TransactionConflictException);
  });
});
