/**
 * Lambda entry point: the indexer. Its SQS queue carries the releases the projector handed on
 * (`{ id, at }`); the queue's event source gathers them into large batches during a bulk load, so
 * the postings of thousands of releases are written together (search/index-batch.ts). Each
 * release is indexed as it is now (read consistently), then its pending marker is cleared: the
 * indexer is the last stage of a change. The batch is worked through in steps sized to the time
 * left (platform/step-sizer.ts), each committed whole. Messages of releases that failed, or that
 * no step reached before the time ran short, are reported as batch item failures, so SQS delivers
 * them again (and, after its receive limit, to the dead-letter queue; the marker stays for the
 * reconcile either way).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { requireEnv } from '#platform/aws/config.js';
import { logger } from '#platform/aws/logger.js';
import { createMetrics, type Metrics, MetricUnit } from '#platform/aws/metrics.js';
import { METRICS } from '#platform/metric-names.js';
import { runLimited } from '#platform/run-limited.js';
import { type StepRate, StepSizer } from '#platform/step-sizer.js';
import { DynamoIndexer } from '#search/aws/dynamodb-indexer.js';
import type { IndexTarget } from '#search/index-batch.js';
import { DynamoPending } from '#table/aws/dynamodb-pending.js';
import { DynamoReleases } from '#table/aws/dynamodb-releases.js';

export interface IndexerDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** @default - no metrics (the Lambda entry point passes the function's own) */
  metrics?: Metrics;
  /**
   * Releases indexed per step at most (bounds memory). Steps are sized from the rate measured so
   * far, so that each ends well before the timeout: a step is committed, or retried, whole.
   * @default 2000
   */
  chunk?: number;
  /**
   * Releases in an invocation's first step when no rate is known (a cold function; a warm one
   * sizes it from its previous invocation's rate). @default 200
   */
  firstChunk?: number;
  /** Stop starting steps with less time left than this. @default 30000 */
  reserveMillis?: number;
}

export type IndexerHandler = (
  event: SQSEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Context>,
) => Promise<SQSBatchResponse>;

interface Message {
  id: string;
  at: string;
}

/** A message's release, or undefined for a body that is not one (logged, not retried). */
function messageOf(record: SQSRecord): Message | undefined {
  try {
    const body = JSON.parse(record.body) as Partial<Message>;
    if (typeof body.id === 'string' && body.id !== '' && typeof body.at === 'string') {
      return { id: body.id, at: body.at };
    }
  } catch {
    // Not JSON: reported below.
  }
  logger.error('index request is not { id, at }; dropped', { messageId: record.messageId });
  return undefined;
}

export function makeHandler(deps: IndexerDeps): IndexerHandler {
  const indexer = new DynamoIndexer(deps.doc, deps.tableName);
  const releases = new DynamoReleases(deps.doc, deps.tableName);
  const pending = new DynamoPending(deps.doc, deps.tableName);
  const sizing = {
    max: deps.chunk ?? 2000,
    first: deps.firstChunk ?? 200,
    reserveMillis: deps.reserveMillis ?? 30_000,
  };

  /** The rate of the last invocation that recorded one (a warm function's memory). */
  let lastRate: StepRate | undefined;

  /** Indexes one step's releases; returns the ids that failed. */
  async function indexStep(ids: readonly string[]): Promise<Set<string>> {
    const failed = new Set<string>();
    // Taken before the read: a release found gone was gone then, and a later re-creation is newer.
    const readAt = new Date().toISOString();
    const items = await releases.current(ids);
    const targets: IndexTarget[] = [];
    await runLimited(ids, 8, async (id) => {
      const item = items.get(id);
      if (!item) {
        targets.push({ id, release: undefined, at: readAt });
        return;
      }
      const release = await releases.releaseOf(item);
      // Its chunks went with a newer version: that version's own request follows.
      if (release) targets.push({ id, release, at: item.updatedAt });
    });
    const result = await indexer.index(targets);
    for (const { id, error } of result.failed) {
      failed.add(id);
      logger.warn('indexing failed; the request is delivered again', { id, error: error as Error });
    }
    const at = new Map(targets.map((target) => [target.id, target.at]));
    await runLimited(result.indexed, 8, async (id) => {
      await pending.clear(id, at.get(id) as string);
    });
    deps.metrics?.addMetric(METRICS.releasesIndexed, MetricUnit.Count, result.indexed.length);
    deps.metrics?.addMetric(METRICS.fragmentsWritten, MetricUnit.Count, result.writes.fragments);
    deps.metrics?.addMetric(METRICS.indexFailures, MetricUnit.Count, result.failed.length);
    logger.info('indexed releases', {
      releases: ids.length,
      indexed: result.indexed.length,
      stale: result.stale.length,
      failed: result.failed.length,
      ...result.writes,
    });
    return failed;
  }

  return async (event, context) => {
    if (context?.awsRequestId) logger.addContext(context as Context);
    const messages = new Map<string, Message>();
    for (const record of event.Records ?? []) {
      const message = messageOf(record);
      if (message) messages.set(record.messageId, message);
    }
    const ids = [...new Set([...messages.values()].map((message) => message.id))];
    const failed = new Set<string>();
    const steps = new StepSizer(sizing, lastRate);
    try {
      for (let start = 0; start < ids.length; ) {
        const size = steps.next(ids.length - start, context?.getRemainingTimeInMillis());
        if (size === 0) {
          logger.warn('out of time; the rest of the requests are delivered again', {
            left: ids.length - start,
          });
          for (const id of ids.slice(start)) failed.add(id);
          break;
        }
        const step = ids.slice(start, start + size);
        start += size;
        const began = Date.now();
        try {
          for (const id of await indexStep(step)) failed.add(id);
        } catch (error) {
          logger.warn('an indexing step failed; its requests are delivered again', { error: error as Error });
          for (const id of step) failed.add(id);
        }
        steps.record(step.length, Date.now() - began);
      }
    } finally {
      lastRate = steps.rate() ?? lastRate;
      deps.metrics?.publishStoredMetrics();
    }
    return {
      batchItemFailures: [...messages.entries()]
        .filter(([, message]) => failed.has(message.id))
        .map(([itemIdentifier]) => ({ itemIdentifier })),
    };
  };
}

export function fromEnvironment(env: NodeJS.ProcessEnv = process.env): IndexerDeps {
  return {
    doc: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName: requireEnv('TABLE_NAME', env),
    metrics: createMetrics(env.POWERTOOLS_SERVICE_NAME ?? 'releases-indexer', env),
  };
}

export const handler = makeHandler(fromEnvironment());
