/**
 * Adapter: large release bodies as binary chunk items under the release's partition. Each stored
 * version has its own chunk set (see newBodyId), written before the release item that names it
 * and deleted by the projector once no release item names it any more.
 */
import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { bodyChunksFor } from '../release-items.js';
import { bodyChunkPrefix } from '../table-layout.js';
import { batchWrite, putRequests } from './dynamodb-batch.js';

export class DynamoBodyChunks {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async write(id: string, body: string, bodyId: string, now: Date): Promise<void> {
    // One chunk per request: each is ~300 KB and a batch may carry at most 16 MB.
    await batchWrite(this.doc, this.tableName, putRequests(bodyChunksFor(id, body, bodyId, now)), {
      groupSize: 1,
    });
  }

  /** The chunks of one body version in order, or undefined when any is missing. */
  async read(id: string, bodyId: string, expected: number, consistent = false): Promise<string | undefined> {
    const parts: Uint8Array[] = [];
    for await (const page of this.pages(id, bodyId, { ConsistentRead: consistent })) {
      for (const item of page.Items ?? []) parts.push(item.data as Uint8Array);
    }
    if (parts.length !== expected) return undefined;
    return new TextDecoder().decode(Buffer.concat(parts));
  }

  async delete(id: string, bodyId: string): Promise<number> {
    const keys: Array<{ pk: string; sk: string }> = [];
    for await (const page of this.pages(id, bodyId, { ProjectionExpression: '#pk, #sk' })) {
      for (const item of page.Items ?? []) keys.push({ pk: item.pk, sk: item.sk });
    }
    await batchWrite(
      this.doc,
      this.tableName,
      keys.map((Key) => ({ DeleteRequest: { Key } })),
    );
    return keys.length;
  }

  /** The pages of one body version's chunk items, in chunk order. */
  private pages(
    id: string,
    bodyId: string,
    options: { ConsistentRead?: boolean; ProjectionExpression?: string },
  ) {
    const prefix = bodyChunkPrefix(id, bodyId);
    return paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.sk },
        ...options,
      },
    );
  }
}
