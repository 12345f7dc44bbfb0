/**
 * A cap on the requests in flight to DynamoDB Local from one process.
 *
 * DynamoDB Local keeps a table in one SQLite database and takes its locks with a timeout: with
 * tens of writes at once (a bulk sync: ingest's transactions, the projector's updates, the
 * indexer's batches) some wait past it and fail with "too long waiting for a lock" (a 500),
 * the SDK's retries fail alike, and the events end dead-lettered. Real DynamoDB spreads such load
 * over partitions and throttles instead. Holding the excess in the client, before it is sent,
 * keeps the same work flowing at the rate DynamoDB Local can take it.
 *
 * The limit applies per attempt (the middleware sits below the SDK's retry step): a retry's
 * back-off holds no slot, and no request waits on another while it holds one, so there is no
 * deadlock.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Requests in flight to DynamoDB Local at once, per process (the local stack and the bench). */
export const DYNAMODB_LOCAL_IN_FLIGHT = 4;

export class InFlightLimit {
  private running = 0;
  private readonly queue: Array<() => void> = [];
  /** Requests that had to wait for a slot, and the longest queue seen. */
  readonly stats = { waited: 0, mostWaiting: 0 };

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new Error(`in-flight limit must be a positive integer: ${max}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) {
      this.stats.waited += 1;
      await new Promise<void>((go) => {
        this.queue.push(go);
        this.stats.mostWaiting = Math.max(this.stats.mostWaiting, this.queue.length);
      });
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      // The slot passes straight to the next waiter, so `running` stays as it is.
      if (next) next();
      else this.running -= 1;
    }
  }

  /** Every attempt of every command sent through `client` takes a slot while on the wire. */
  attach(client: DynamoDBClient): void {
    client.middlewareStack.add((next) => (args) => this.run(() => next(args)), {
      step: 'finalizeRequest',
      priority: 'low',
      name: 'releasesInFlightLimit',
      override: true,
    });
  }
}
