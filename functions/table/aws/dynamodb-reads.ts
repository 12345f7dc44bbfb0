/**
 * What every read adapter of the single table shares: the client, the table name, and the
 * consumed capacity each request reports when a caller asks for it (tests, the benchmark and the
 * API's read-unit metric count in the units DynamoDB bills).
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoReadOptions {
  /** Called with the consumed capacity of every request (asks DynamoDB for `TOTAL`); for tests and the benchmark. */
  onConsumedCapacity?: (capacity: ConsumedCapacity) => void;
}

export abstract class DynamoReads<Options extends DynamoReadOptions = DynamoReadOptions> {
  constructor(
    protected readonly doc: DynamoDBDocumentClient,
    protected readonly tableName: string,
    protected readonly options: Options = {} as Options,
  ) {}

  protected get capacityRequest(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.options.onConsumedCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {};
  }

  /** The shared batch reader's way of reporting capacity, when asked for. */
  protected get capacityOption(): { onConsumedCapacity?: (capacity: ConsumedCapacity) => void } {
    return this.options.onConsumedCapacity ? { onConsumedCapacity: this.options.onConsumedCapacity } : {};
  }

  protected record(capacity: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    if (!capacity || !this.options.onConsumedCapacity) return;
    for (const entry of Array.isArray(capacity) ? capacity : [capacity])
      this.options.onConsumedCapacity(entry);
  }
}
