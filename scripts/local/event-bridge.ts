/**
 * Delivers S3 events to the ingest handler as Lambda's asynchronous invocation does: each event
 * is its own invocation, invocations run concurrently, one that throws is retried twice with a
 * growing delay, and one that still fails is "dead-lettered" (logged and kept, as the cloud's SQS
 * dead-letter queue would keep it). The periodic reconcile repairs whatever that leaves behind.
 */
import type { S3Event } from 'aws-lambda';
import { Sequencer, toS3Events } from './s3-events.js';
import type { S3rverEvent } from './s3-server.js';

export type IngestHandler = (event: S3Event) => Promise<void>;

export interface DeadLetter {
  event: S3Event;
  error: string;
  attempts: number;
}

export interface EventBridgeOptions {
  handler: IngestHandler;
  /** Retries after the first attempt, as Lambda's async invoke. @default 2 */
  retries?: number;
  /** Delay before retry n (1-based) is `backoffMs * 2^(n-1)`; Lambda waits minutes, locally less. @default 1000 */
  backoffMs?: number;
  /**
   * Invocations running at once, like the function's reserved concurrency; further events wait
   * in the queue (an `aws s3 sync` of thousands of files must not flood DynamoDB Local). @default 20
   */
  concurrency?: number;
  log?: (line: string) => void;
  sequencer?: Sequencer;
}

export interface EventBridge {
  /** Converts an s3rver event and starts delivering it; returns at once, like an async invoke. */
  deliver(event: S3rverEvent): void;
  /** Delivers an already-converted S3 event. */
  invoke(event: S3Event): void;
  /** Resolves when every delivery started so far has finished (or been dead-lettered). */
  idle(): Promise<void>;
  readonly deadLetters: readonly DeadLetter[];
  readonly stats: { delivered: number; retried: number; deadLettered: number; inFlight: number };
  /** Stops retrying: pending retries are dead-lettered at once. */
  close(): void;
}

/** The bridge was closed before a queued event got its turn. */
class BridgeClosedError extends Error {
  constructor() {
    super('local stack stopped before this event was delivered');
  }
}

function describe(event: S3Event): string {
  return event.Records.map((r) => `${r.eventName} ${r.s3.object.key}`).join(', ');
}

export function createEventBridge(options: EventBridgeOptions): EventBridge {
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 1_000;
  const log = options.log ?? (() => {});
  const sequencer = options.sequencer ?? new Sequencer();
  const inFlight = new Set<Promise<void>>();
  const deadLetters: DeadLetter[] = [];
  const stats = { delivered: 0, retried: 0, deadLettered: 0, inFlight: 0 };
  const concurrency = Math.max(1, options.concurrency ?? 20);
  let running = 0;
  const waiting: Array<() => void> = [];

  /** Runs the handler once inside a concurrency slot; retry delays hold no slot, as in Lambda. */
  async function attemptOnce(event: S3Event): Promise<void> {
    if (running >= concurrency) await new Promise<void>((go) => waiting.push(go));
    if (closed) {
      waiting.shift()?.();
      throw new BridgeClosedError();
    }
    running++;
    try {
      await options.handler(event);
    } finally {
      running--;
      waiting.shift()?.();
    }
  }
  const timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  let closed = false;

  function sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          wake();
        }, ms),
        wake,
      };
      timers.add(entry);
    });
  }

  function deadLetter(event: S3Event, message: string, attempts: number, quiet = false): void {
    stats.deadLettered++;
    deadLetters.push({ event, error: message, attempts });
    if (!quiet) log(`ingest dead-lettered after ${attempts} attempt(s): ${describe(event)}: ${message}`);
  }

  async function run(event: S3Event): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await attemptOnce(event);
        stats.delivered++;
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // Events still queued at shutdown are counted, not logged one by one.
        if (error instanceof BridgeClosedError) return deadLetter(event, message, attempt - 1, true);
        if (attempt > retries || closed) return deadLetter(event, message, attempt);
        stats.retried++;
        const delay = backoffMs * 2 ** (attempt - 1);
        log(`ingest failed (attempt ${attempt}), retrying in ${delay} ms: ${describe(event)}: ${message}`);
        await sleep(delay);
        if (closed) return deadLetter(event, message, attempt);
      }
    }
  }

  function invoke(event: S3Event): void {
    const task = run(event).finally(() => {
      inFlight.delete(task);
      stats.inFlight = inFlight.size;
    });
    inFlight.add(task);
    stats.inFlight = inFlight.size;
  }

  return {
    deliver(event) {
      for (const converted of toS3Events(event, { sequencer })) invoke(converted);
    },
    invoke,
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    deadLetters,
    stats,
    close() {
      closed = true;
      // Queued events wake one after another and are dead-lettered without running.
      waiting.shift()?.();
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.wake();
      }
      timers.clear();
    },
  };
}
