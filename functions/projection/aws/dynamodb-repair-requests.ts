/**
 * Adapter: asks the projector to project releases again. A repair request is the release's
 * projector state item (`R#<id>` / `P`) updated with the repair attribute: its stream record
 * passes the projector's second filter and reaches the projector in the release's own order, after
 * every change before it, and the projector re-reads the release consistently. So a repair is a
 * change like any other and can never undo a newer one. The attribute names the list keys the
 * reconcile found without a release state to explain them (removed unless the release has them).
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { runLimited } from '#platform/run-limited.js';
import { projectedKey, REPAIR_ATTRIBUTE, type TableKey } from '#table/table-layout.js';

export interface RepairRequest {
  id: string;
  /** List items no state of the release explains. */
  removeKeys?: readonly TableKey[];
}

/** List keys one request carries at most (the rest wait for the next reconcile). */
const MAX_HINTS = 100;

export class DynamoRepairRequests {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async request(requests: readonly RepairRequest[]): Promise<void> {
    await runLimited(requests, 16, async ({ id, removeKeys = [] }) => {
      const hints = removeKeys.slice(0, MAX_HINTS).map(({ pk, sk }) => ({ pk, sk }));
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: projectedKey(id),
          // A new value each time (the time), so that a request is a change the stream reports.
          UpdateExpression: 'SET #repair = :hints, #requested = :now',
          ExpressionAttributeNames: { '#repair': REPAIR_ATTRIBUTE, '#requested': 'repairRequestedAt' },
          ExpressionAttributeValues: { ':hints': JSON.stringify(hints), ':now': new Date().toISOString() },
        }),
      );
    });
  }
}
