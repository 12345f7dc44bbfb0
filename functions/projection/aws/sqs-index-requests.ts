/**
 * Adapter: hands releases to the indexer through its SQS queue, ten messages a request. The queue
 * gathers what many projector batches send, so the indexer sees the releases of a bulk load in
 * large batches and writes their postings together (search/index-batch.ts).
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { runLimited } from '#platform/run-limited.js';
import type { IndexRequest } from '../project-release-changes.js';

/** SQS takes at most ten messages per SendMessageBatch. */
const BATCH = 10;
const MAX_ATTEMPTS = 5;

export class SqsIndexRequests {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async request(requests: readonly IndexRequest[]): Promise<void> {
    const groups: IndexRequest[][] = [];
    for (let i = 0; i < requests.length; i += BATCH) groups.push(requests.slice(i, i + BATCH));
    await runLimited(groups, 8, async (group) => {
      let pending: SendMessageBatchRequestEntry[] = group.map((request, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify({ id: request.id, at: request.at }),
      }));
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        const output = await this.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
        );
        const failed = new Set((output.Failed ?? []).map((entry) => entry.Id));
        pending = pending.filter((entry) => failed.has(entry.Id));
        if (pending.length > 0 && attempt >= MAX_ATTEMPTS) {
          throw new Error(
            `SQS refused ${pending.length} index request(s): ${output.Failed?.[0]?.Message ?? ''}`,
          );
        }
        if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    });
  }
}
