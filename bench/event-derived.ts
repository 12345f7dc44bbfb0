/**
 * The derived state of the event path as the cloud runs it, for the benchmark: the real projector
 * on the table's stream (the local stack's stream poller, Lambda's event source rules) handing
 * releases to the real indexer through the real SQS adapter (functions/projection/aws/
 * sqs-index-requests.ts) over an in-process stand-in for SQS that feeds the local stack's index
 * queue (the indexer's event source: batch size, batching window, concurrency as deployed unless
 * told otherwise). Each function gets clients of its own with a WriteBill on them, and every
 * SendMessageBatch the adapter makes is counted.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { IndexRequest } from '#projection/project-release-changes.js';
import { PROJECTOR_FILTERS } from '#table/table-layout.js';
import { type IndexQueue, startIndexQueue } from '../scripts/local/index-queue.js';
import { type StreamPoller, startStreamPoller } from '../scripts/local/stream-poller.js';
import { type BenchEnvironment, documentClient } from './environment.js';
import { WriteBill } from './write-bill.js';

export interface DerivedState {
  poller: StreamPoller;
  queue: IndexQueue;
  projectorBill: WriteBill;
  indexerBill: WriteBill;
  /** SendMessageBatch requests the projector made, and the messages they carried. */
  sqs: { requests: number; messages: number };
  /** Index requests per indexer invocation. */
  indexerBatches: number[];
  settled(): Promise<void>;
  stop(): Promise<void>;
}

interface SendMessageBatchInput {
  Entries?: Array<{ Id?: string; MessageBody?: string }>;
}

/** SQS as the projector's adapter uses it: SendMessageBatch into the in-process queue, counted. */
function sqsStandIn(queue: IndexQueue, counts: DerivedState['sqs']): SQSClient {
  const client = {
    async send(command: { input: SendMessageBatchInput }) {
      const entries = command.input.Entries ?? [];
      counts.requests += 1;
      counts.messages += entries.length;
      const requests = entries.map((entry) => JSON.parse(entry.MessageBody ?? '{}') as IndexRequest);
      await queue.request(requests);
      return { Successful: entries.map((entry) => ({ Id: entry.Id })), Failed: [] };
    },
  };
  // The adapter calls `send` alone; the stand-in has no other method.
  return client as unknown as SQSClient;
}

export async function startDerivedState(
  env: BenchEnvironment,
  options: {
    /** The index queue's batching window. @default the deployed one */
    indexWindowMs?: number;
    /** The projector's batching window. @default the deployed one */
    projectorWindowMs?: number;
    /** Where the poller starts in the stream. @default 'TRIM_HORIZON' */
    startAt?: 'TRIM_HORIZON' | 'LATEST';
    log?: (line: string) => void;
  } = {},
): Promise<DerivedState> {
  const { makeHandler: makeProjector } = await import('#handlers/project.js');
  const { makeHandler: makeIndexer } = await import('#handlers/index-releases.js');
  const { releaseProjections } = await import('#projection/aws/release-projections.js');
  const { SqsIndexRequests } = await import('#projection/aws/sqs-index-requests.js');
  const probe = documentClient(env.newDynamoClient());
  const projectorBill = new WriteBill(probe, env.tableName);
  const indexerBill = new WriteBill(probe, env.tableName);
  const projectorDynamo = env.newDynamoClient();
  projectorBill.attach(projectorDynamo);
  const indexerDynamo = env.newDynamoClient();
  indexerBill.attach(indexerDynamo);
  const indexer = makeIndexer({ doc: documentClient(indexerDynamo), tableName: env.tableName });
  const indexerBatches: number[] = [];
  const log = options.log ?? (() => {});
  const queue = startIndexQueue({
    handler: (event: SQSEvent, context) => {
      indexerBatches.push(event.Records.length);
      return indexer(event, context);
    },
    ...(options.indexWindowMs !== undefined ? { batchingWindowMs: options.indexWindowMs } : {}),
    log,
  });
  const sqs = { requests: 0, messages: 0 };
  const poller = await startStreamPoller({
    dynamo: env.dynamo,
    tableName: env.tableName,
    handler: makeProjector({
      doc: documentClient(projectorDynamo),
      tableName: env.tableName,
      projections: releaseProjections,
      index: new SqsIndexRequests(sqsStandIn(queue, sqs), 'https://sqs.local/index-requests'),
    }),
    filters: PROJECTOR_FILTERS,
    startAt: options.startAt ?? 'TRIM_HORIZON',
    idleMs: 20,
    ...(options.projectorWindowMs !== undefined ? { batchingWindowMs: options.projectorWindowMs } : {}),
    log,
  });
  return {
    poller,
    queue,
    projectorBill,
    indexerBill,
    sqs,
    indexerBatches,
    async settled() {
      await poller.settled();
      await queue.settled();
    },
    async stop() {
      await poller.stop();
      await queue.stop();
    },
  };
}
