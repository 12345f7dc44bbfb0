/**
 * The indexer's SQS queue and its event source mapping, in process: the projector sends index
 * requests to it, and it invokes the indexer as Lambda's SQS event source does. Messages are
 * gathered for the batching window (or until the batch is full), at most `concurrency`
 * invocations run at once, a message reported failed (or in a batch whose invocation threw, or
 * had not answered by the function's timeout) is delivered again after the visibility timeout, and
 * after `maxReceives` deliveries it is "dead-lettered" (kept and logged, as the indexer's
 * dead-letter queue would keep it). An invocation that times out is not stopped (an in-process
 * stand-in cannot freeze it, as Lambda would); its late writes are those of a slow invocation.
 */
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  INDEXER_BATCH_SIZE,
  INDEXER_BATCHING_WINDOW_SECONDS,
  INDEXER_MAX_CONCURRENCY,
  INDEXER_MAX_RECEIVES,
} from '#platform/event-delivery.js';
import type { IndexRequest } from '#projection/project-release-changes.js';
import type { InvocationContext } from './stream-delivery.js';

export type QueueHandler = (event: SQSEvent, context: InvocationContext) => Promise<SQSBatchResponse>;

export interface IndexQueueOptions {
  handler: QueueHandler;
  /** @default INDEXER_BATCH_SIZE */
  batchSize?: number;
  /** @default INDEXER_BATCHING_WINDOW_SECONDS, in ms; the local stack uses less */
  batchingWindowMs?: number;
  /** @default INDEXER_MAX_CONCURRENCY */
  concurrency?: number;
  /** @default INDEXER_MAX_RECEIVES */
  maxReceives?: number;
  /** How long a failed message stays invisible. @default 1000 */
  visibilityTimeoutMs?: number;
  /** The indexer's timeout. @default 300000 */
  timeoutMs?: number;
  log?: (line: string) => void;
}

interface Message {
  id: string;
  body: string;
  receives: number;
  visibleAt: number;
}

export interface IndexQueue {
  request(requests: readonly IndexRequest[]): Promise<void>;
  /** Messages waiting or being worked on (what SQS reports as visible plus in flight). */
  size(): number;
  /** Resolves once the queue is empty and no invocation runs. */
  settled(): Promise<void>;
  readonly stats: {
    invocations: number;
    delivered: number;
    retried: number;
    deadLettered: number;
    timedOut: number;
  };
  readonly deadLetters: ReadonlyArray<{ body: string; receives: number }>;
  stop(): Promise<void>;
}

export function startIndexQueue(options: IndexQueueOptions): IndexQueue {
  const batchSize = options.batchSize ?? INDEXER_BATCH_SIZE;
  const windowMs = options.batchingWindowMs ?? INDEXER_BATCHING_WINDOW_SECONDS * 1000;
  const concurrency = options.concurrency ?? INDEXER_MAX_CONCURRENCY;
  const maxReceives = options.maxReceives ?? INDEXER_MAX_RECEIVES;
  const visibilityMs = options.visibilityTimeoutMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const log = options.log ?? (() => {});
  const waiting: Message[] = [];
  let inFlight = 0;
  let running = 0;
  let stopped = false;
  let firstWaitingAt: number | undefined;
  const stats = { invocations: 0, delivered: 0, retried: 0, deadLettered: 0, timedOut: 0 };
  const deadLetters: Array<{ body: string; receives: number }> = [];
  const settledWaiters: Array<() => void> = [];
  const runs = new Set<Promise<void>>();

  const checkSettled = () => {
    if (waiting.length === 0 && inFlight === 0 && running === 0)
      for (const resolve of settledWaiters.splice(0)) resolve();
  };

  async function invoke(batch: Message[]): Promise<void> {
    const records = batch.map(
      (message) =>
        ({
          messageId: message.id,
          body: message.body,
          attributes: { ApproximateReceiveCount: String(message.receives) },
        }) as unknown as SQSRecord,
    );
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    let failed: Set<string>;
    try {
      stats.invocations++;
      const response = await Promise.race([
        options.handler(
          { Records: records },
          { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) },
        ),
        timeout,
      ]);
      if (response === 'timeout') {
        stats.timedOut++;
        log(`indexer timed out after ${timeoutMs} ms; its ${batch.length} messages are delivered again`);
        failed = new Set(batch.map((message) => message.id));
      } else {
        failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      }
    } catch (error) {
      log(`indexer failed: ${error instanceof Error ? error.message : String(error)}`);
      failed = new Set(batch.map((message) => message.id));
    } finally {
      clearTimeout(timer);
    }
    for (const message of batch) {
      inFlight--;
      if (!failed.has(message.id)) {
        stats.delivered++;
        continue;
      }
      if (message.receives >= maxReceives || stopped) {
        stats.deadLettered++;
        deadLetters.push({ body: message.body, receives: message.receives });
        log(`index request dead-lettered after ${message.receives} deliveries: ${message.body}`);
        continue;
      }
      stats.retried++;
      waiting.push({ ...message, visibleAt: Date.now() + visibilityMs });
    }
  }

  const loop = (async () => {
    while (!stopped) {
      const now = Date.now();
      const visible = waiting.filter((message) => message.visibleAt <= now);
      if (visible.length > 0) firstWaitingAt ??= now;
      const windowOver = firstWaitingAt !== undefined && now - firstWaitingAt >= windowMs;
      if (visible.length > 0 && running < concurrency && (visible.length >= batchSize || windowOver)) {
        const batch = visible.slice(0, batchSize);
        const taken = new Set(batch);
        for (let i = waiting.length - 1; i >= 0; i--)
          if (taken.has(waiting[i] as Message)) waiting.splice(i, 1);
        for (const message of batch) message.receives++;
        inFlight += batch.length;
        firstWaitingAt = waiting.some((message) => message.visibleAt <= Date.now()) ? Date.now() : undefined;
        running++;
        const run = invoke(batch).finally(() => {
          running--;
          runs.delete(run);
          checkSettled();
        });
        runs.add(run);
        continue;
      }
      checkSettled();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();

  return {
    async request(requests) {
      for (const request of requests) {
        waiting.push({ id: randomUUID(), body: JSON.stringify(request), receives: 0, visibleAt: Date.now() });
      }
    },
    size: () => waiting.length + inFlight,
    settled() {
      return new Promise((resolve) => {
        settledWaiters.push(resolve);
        checkSettled();
      });
    },
    stats,
    deadLetters,
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(runs);
      for (const message of waiting.splice(0))
        deadLetters.push({ body: message.body, receives: message.receives });
      for (const resolve of settledWaiters.splice(0)) resolve();
    },
  };
}
