/**
 * The local stand-in for the indexer's SQS queue and event source: it must give an invocation that
 * outruns the function's timeout the treatment Lambda gives it (every message delivered again),
 * so that tests and the bench see an unbounded step fail as it would in AWS.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type IndexQueue, startIndexQueue } from '../../../scripts/local/index-queue.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local index queue', () => {
  let queue: IndexQueue | undefined;
  afterEach(async () => {
    await queue?.stop();
    queue = undefined;
  });

  it('delivers again every message of an invocation that outran its timeout', async () => {
    const deliveries: Array<{ ids: string[]; remaining: number }> = [];
    let calls = 0;
    queue = startIndexQueue({
      handler: async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
        deliveries.push({
          ids: event.Records.map((record) => (JSON.parse(record.body) as { id: string }).id).sort(),
          remaining: context.getRemainingTimeInMillis(),
        });
        calls += 1;
        if (calls === 1) await sleep(400); // past the 100 ms timeout
        return { batchItemFailures: [] };
      },
      batchingWindowMs: 10,
      visibilityTimeoutMs: 10,
      timeoutMs: 100,
      concurrency: 1,
    });
    await queue.request([
      { id: 'a', at: '2025-01-01T00:00:00.000Z' },
      { id: 'b', at: '2025-01-01T00:00:00.000Z' },
    ]);
    await queue.settled();
    expect(queue.stats).toMatchObject({
      invocations: 2,
      timedOut: 1,
      retried: 2,
      delivered: 2,
      deadLettered: 0,
    });
    expect(deliveries.map((delivery) => delivery.ids)).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    for (const delivery of deliveries) {
      expect(delivery.remaining).toBeGreaterThan(0);
      expect(delivery.remaining).toBeLessThanOrEqual(100);
    }
  });

  it('dead-letters a message whose every delivery times out', async () => {
    queue = startIndexQueue({
      handler: async () => {
        await sleep(150);
        return { batchItemFailures: [] };
      },
      batchingWindowMs: 10,
      visibilityTimeoutMs: 10,
      timeoutMs: 30,
      maxReceives: 2,
    });
    await queue.request([{ id: 'slow', at: '2025-01-01T00:00:00.000Z' }]);
    await queue.settled();
    expect(queue.stats).toMatchObject({ timedOut: 2, deadLettered: 1, delivered: 0 });
    expect(queue.deadLetters).toEqual([
      { body: JSON.stringify({ id: 'slow', at: '2025-01-01T00:00:00.000Z' }), receives: 2 },
    ]);
  });
});
