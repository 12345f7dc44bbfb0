/**
 * Makes DynamoDB Local behave, for the requests a test sends through it, the way the real service
 * does where DynamoDB Local does not: transaction conflicts and throttling. DynamoDB Local runs
 * every request one after another, so two transactions on one item never collide there, and it
 * never throttles; code that must survive both in the cloud is otherwise never exercised.
 *
 * How: `wrap()` returns a new DynamoDBClient (same class, so DynamoDBDocumentClient.from() works)
 * with the real client's region, credentials and endpoint, whose HTTP handler sits between the
 * SDK and DynamoDB Local. It reads each request as it goes over the wire and either answers it
 * with the error response the real service sends (status 400, JSON body with `__type`), or
 * forwards it. The SDK therefore parses, classifies and retries these errors with its own
 * deserialiser and retry strategy, exactly as it would in the cloud; nothing is mocked above the
 * wire. Every SDK attempt (retries included) passes through the handler.
 *
 * Behaviour emulated, as the DynamoDB developer guide describes it:
 * - While a TransactWriteItems is in flight its items are locked. Another TransactWriteItems
 *   touching any of them is cancelled (TransactionCanceledException, reason `TransactionConflict`
 *   at that item's index, `None` elsewhere). A PutItem/UpdateItem/DeleteItem on a locked item
 *   fails with TransactionConflictException. The SDK retries neither.
 * - BatchWriteItem is not serialisable with a transaction as a whole, only per item, and its API
 *   lists no TransactionConflictException: a batch write on a locked item is returned in
 *   `UnprocessedItems` (the documented channel for item-level failures) and the rest is written.
 * - A TransactGetItems touching an item that a write (transactional, single or batch) has in
 *   flight is cancelled with `TransactionConflict`; so is one during whose flight such a write
 *   arrives (the write succeeds; the read transaction is the one that fails).
 * - GetItem, Query and Scan never conflict.
 * - Throttling (optional): token buckets of write and read units per second for the whole table
 *   set. A request the bucket cannot admit fails with ThrottlingException (on-demand table whose
 *   maximum throughput is exceeded) or ProvisionedThroughputExceededException (provisioned
 *   table), both of which the SDK retries with backoff. A transaction that cannot be admitted is
 *   cancelled with reason `ThrottlingError` / `ProvisionedThroughputExceeded` on every item, as
 *   the service reports it (not retried by the SDK), unless `transactionThrottle: 'exception'`.
 *   BatchWriteItem/BatchGetItem admit what fits and return the rest as unprocessed; only when
 *   nothing fits do they fail with the throttling exception.
 *
 * Capacity: every forwarded request asks DynamoDB Local for `ReturnConsumedCapacity: TOTAL`
 * (DynamoDB Local reports it for every operation); the figure is counted and then removed from
 * the response when the caller did not ask for it, so callers see what they would have seen. The
 * buckets admit a request on an estimate (item size for puts, one unit otherwise) and then settle
 * the difference with the reported figure, so a bucket can go briefly negative, as real burst
 * accounting does.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DescribeTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { HttpHandlerOptions, HttpRequest, HttpResponse, RequestHandler } from '@smithy/types';
import { outsideAnyFunction } from '../../scripts/local/invocation.js';

export interface DynamoDbSemanticsOptions {
  /**
   * Extra time a transaction keeps its items locked before it is forwarded, on top of the real
   * call's own duration. DynamoDB Local answers a transaction in about a millisecond, so without
   * this hardly anything would overlap. @default 5
   */
  transactionHoldMs?: number;
  /** Write units per second admitted across all tables; unlimited when absent. */
  writeUnitsPerSecond?: number;
  /** Read units per second admitted across all tables; unlimited when absent. */
  readUnitsPerSecond?: number;
  /** Bucket size in seconds of the rate (how much burst is tolerated). @default 1 */
  burstSeconds?: number;
  /** Chooses the throttling error and reasons the real service uses for that mode. @default 'on-demand' */
  capacityMode?: 'on-demand' | 'provisioned';
  /**
   * How a throttled transaction fails: `cancel` (TransactionCanceledException with a throttling
   * reason per item, which is what the service sends) or `exception` (the mode's throttling
   * exception, retried by the SDK). @default 'cancel'
   */
  transactionThrottle?: 'cancel' | 'exception';
  /** Key attribute names for every table; looked up with DescribeTable (once per table) when absent. */
  keyAttributes?: readonly string[];
  /**
   * Called while a write (transactional, single or batch) or a read transaction is in flight,
   * with its locks held, just before it is forwarded; the request waits for the returned promise.
   * Lets a test hold one request in flight while it sends others, instead of relying on timing.
   */
  onInFlight?: (operation: string, input: Record<string, unknown>) => Promise<void> | void;
  /** Clock for the buckets, in milliseconds. @default Date.now */
  now?: () => number;
}

export interface DynamoDbSemanticsCounters {
  /** Operations the caller issued, by name (the SDK's first attempt of each). */
  calls: Record<string, number>;
  /** Every attempt that reached the wire, by operation name: calls plus SDK retries. */
  attempts: Record<string, number>;
  /** TransactWriteItems / TransactGetItems cancelled because an item was in another's flight. */
  transactionConflicts: number;
  /** PutItem / UpdateItem / DeleteItem refused with TransactionConflictException. */
  singleItemConflicts: number;
  /** Individual BatchWriteItem requests returned unprocessed because their item was locked. */
  batchItemConflicts: number;
  /** Sum of the three conflict counters. */
  conflicts: number;
  /** Requests refused by a bucket (throttling exceptions and throttled transaction cancellations). */
  throttles: number;
  /** Individual batch requests (writes or keys) returned unprocessed by a bucket. */
  throttledBatchItems: number;
  /** Write capacity units DynamoDB Local reported for forwarded write operations. */
  writeUnits: number;
  /** Read capacity units DynamoDB Local reported for forwarded read operations. */
  readUnits: number;
}

type Json = Record<string, unknown>;
type AttributeMap = Record<string, unknown>;

const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';
const TARGET_PREFIX = 'DynamoDB_20120810.';
const CONFLICT_MESSAGE = 'Transaction is ongoing for the item.';
const SINGLE_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const WRITE_OPERATIONS = new Set([...SINGLE_WRITES, 'BatchWriteItem', 'TransactWriteItems']);
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

function emptyCounters(): DynamoDbSemanticsCounters {
  return {
    calls: {},
    attempts: {},
    transactionConflicts: 0,
    singleItemConflicts: 0,
    batchItemConflicts: 0,
    conflicts: 0,
    throttles: 0,
    throttledBatchItems: 0,
    writeUnits: 0,
    readUnits: 0,
  };
}

/** The codes of a TransactionCanceledException's reasons, in request order; undefined for other errors. */
export function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
  return reasons?.map((reason) => reason.Code ?? 'None');
}

class TokenBucket {
  private tokens: number;
  private last: number;
  readonly capacity: number;

  constructor(
    private readonly rate: number,
    burstSeconds: number,
    private readonly now: () => number,
  ) {
    this.capacity = Math.max(rate * burstSeconds, 1);
    this.tokens = this.capacity;
    this.last = now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Takes `units` when they are there (a request larger than the bucket needs a full bucket). */
  tryTake(units: number): boolean {
    this.refill();
    if (this.tokens < Math.min(units, this.capacity)) return false;
    this.tokens -= units;
    return true;
  }

  /** Settles an estimate against the real figure; may leave the bucket in debt. */
  adjust(units: number): void {
    this.refill();
    this.tokens -= units;
  }
}

/** A read transaction in flight: which of its indexes a concurrent write has hit. */
interface ReaderInFlight {
  indexesById: Map<string, number[]>;
  conflicted: Set<number>;
}

/** Approximate DynamoDB item size in bytes: attribute names plus values. */
function attributeValueSize(value: unknown): number {
  if (!value || typeof value !== 'object') return 1;
  const [type, inner] = Object.entries(value as Json)[0] ?? [];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(inner));
    case 'N':
      return Math.ceil(String(inner).length / 2) + 1;
    case 'B':
      return Buffer.from(String(inner), 'base64').length;
    case 'SS':
    case 'NS':
    case 'BS':
      return (inner as string[]).reduce((sum, item) => sum + Buffer.byteLength(item), 0);
    case 'M':
      return 3 + itemSize(inner as AttributeMap);
    case 'L':
      return 3 + (inner as unknown[]).reduce<number>((sum, item) => sum + 1 + attributeValueSize(item), 0);
    default:
      return 1;
  }
}

function itemSize(item: AttributeMap): number {
  let size = 0;
  for (const [name, value] of Object.entries(item))
    size += Buffer.byteLength(name) + attributeValueSize(value);
  return size;
}

function writeUnitsFor(item: AttributeMap | undefined): number {
  return item ? Math.max(1, Math.ceil(itemSize(item) / 1024)) : 1;
}

/** Sums CapacityUnits over a ConsumedCapacity value (one object or a list of them). */
function reportedUnits(consumed: unknown): number | undefined {
  if (!consumed) return undefined;
  const list = Array.isArray(consumed) ? consumed : [consumed];
  let total = 0;
  for (const entry of list as Array<{ CapacityUnits?: number }>) total += entry.CapacityUnits ?? 0;
  return total;
}

function tableName(nameOrArn: string): string {
  const slash = nameOrArn.indexOf(':table/');
  return slash >= 0 ? (nameOrArn.slice(slash + ':table/'.length).split('/')[0] ?? nameOrArn) : nameOrArn;
}

async function readBody(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  // A view on the same bytes: the SDK's body is a Uint8Array subclass whose valueOf() (which
  // Buffer.from would call) warns.
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function jsonResponse(statusCode: number, body: Json, headers: Record<string, string> = {}): HttpResponse {
  const bytes = Buffer.from(JSON.stringify(body));
  return {
    statusCode,
    reason: statusCode === 200 ? 'OK' : 'Bad Request',
    headers: {
      'x-amzn-requestid': randomUUID(),
      ...headers,
      'content-type': 'application/x-amz-json-1.0',
      'content-length': String(bytes.length),
    },
    body: Readable.from([bytes]),
  };
}

function pushTo<T>(lists: Record<string, T[]>, name: string, value: T): void {
  const list = lists[name] ?? [];
  list.push(value);
  lists[name] = list;
}

/** Adds a key to a BatchGetItem table request, keeping that request's other parameters. */
function pushKey(requests: Record<string, Json>, table: string, request: Json, key: AttributeMap): void {
  const existing = requests[table] ?? { ...request, Keys: [] };
  (existing.Keys as AttributeMap[]).push(key);
  requests[table] = existing;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** One emulated DynamoDB: lock table, buckets and counters shared by every client it wraps. */
export class DynamoDbSemantics {
  /** Live counters; read them after awaiting the calls of interest. */
  counters: DynamoDbSemanticsCounters = emptyCounters();

  private readonly holdMs: number;
  private readonly mode: 'on-demand' | 'provisioned';
  private readonly transactionThrottle: 'cancel' | 'exception';
  private readonly writeBucket?: TokenBucket;
  private readonly readBucket?: TokenBucket;
  private readonly keySchemas = new Map<string, Promise<readonly string[]>>();
  /** Item id -> the in-flight write transaction holding it. */
  private readonly locks = new Map<string, symbol>();
  /** Item id -> number of non-transactional writes in flight on it. */
  private readonly plainWrites = new Map<string, number>();
  /** Item id -> read transactions in flight that include it. */
  private readonly readers = new Map<string, Set<ReaderInFlight>>();

  constructor(private readonly options: DynamoDbSemanticsOptions = {}) {
    this.holdMs = options.transactionHoldMs ?? 5;
    this.mode = options.capacityMode ?? 'on-demand';
    this.transactionThrottle = options.transactionThrottle ?? 'cancel';
    const now = options.now ?? Date.now;
    const burst = options.burstSeconds ?? 1;
    if (options.writeUnitsPerSecond !== undefined)
      this.writeBucket = new TokenBucket(options.writeUnitsPerSecond, burst, now);
    if (options.readUnitsPerSecond !== undefined)
      this.readBucket = new TokenBucket(options.readUnitsPerSecond, burst, now);
  }

  /** Sets every counter back to zero (locks and buckets are untouched). */
  resetCounters(): void {
    this.counters = emptyCounters();
  }

  /** Items currently locked by write transactions in flight (0 once everything has settled). */
  get lockedItems(): number {
    return this.locks.size;
  }

  /**
   * A new client with `real`'s region, credentials, endpoint and maxAttempts (nothing else: give
   * a custom retry strategy or logger in `clientConfig`) whose requests go through this emulation,
   * over `real`'s own HTTP handler (destroying the new client leaves `real` usable). `clientConfig`
   * overrides the rest, e.g. `{ maxAttempts: 1 }` to see throttling errors without retries.
   */
  wrap(real: DynamoDBClient, clientConfig: Partial<DynamoDBClientConfig> = {}): DynamoDBClient {
    const inner = real.config.requestHandler as RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions>;
    const handler: RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions> = {
      metadata: inner.metadata,
      handle: (request, handlerOptions) => this.handle(real, inner, request, handlerOptions),
      // The inner handler belongs to `real`; its owner destroys it.
      destroy: () => {},
    };
    return new DynamoDBClient({
      region: real.config.region,
      credentials: real.config.credentials,
      endpoint: real.config.endpoint,
      maxAttempts: real.config.maxAttempts,
      ...clientConfig,
      requestHandler: handler,
    });
  }

  private keyAttributes(real: DynamoDBClient, table: string): Promise<readonly string[]> {
    if (this.options.keyAttributes) return Promise.resolve(this.options.keyAttributes);
    let schema = this.keySchemas.get(table);
    if (!schema) {
      // The emulation's own request (DynamoDB's knowledge), not the calling function's.
      schema = outsideAnyFunction(() => real.send(new DescribeTableCommand({ TableName: table }))).then(
        ({ Table }) => (Table?.KeySchema ?? []).map((element) => element.AttributeName ?? ''),
      );
      // A failed lookup (say, the table does not exist) is not cached: the request goes on and
      // DynamoDB Local answers it with the real error.
      schema.catch(() => this.keySchemas.delete(table));
      this.keySchemas.set(table, schema);
    }
    return schema;
  }

  /** A stable identity for one item: table plus its key attributes' wire values. */
  private async itemId(real: DynamoDBClient, table: string, attributes: AttributeMap): Promise<string> {
    const name = tableName(table);
    let keys: readonly string[];
    try {
      keys = await this.keyAttributes(real, name);
    } catch {
      keys = Object.keys(attributes).sort();
    }
    return `${name}\u0000${keys.map((key) => JSON.stringify(attributes[key] ?? null)).join('\u0000')}`;
  }

  private async handle(
    real: DynamoDBClient,
    inner: RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions>,
    request: HttpRequest,
    handlerOptions?: HttpHandlerOptions,
  ): Promise<{ response: HttpResponse }> {
    const target = headerValue(request.headers, 'x-amz-target') ?? '';
    if (!target.startsWith(TARGET_PREFIX)) return inner.handle(request, handlerOptions);
    const operation = target.slice(TARGET_PREFIX.length);
    const attempt = /attempt=(\d+)/.exec(headerValue(request.headers, 'amz-sdk-request') ?? '')?.[1];
    const { counters } = this;
    counters.attempts[operation] = (counters.attempts[operation] ?? 0) + 1;
    if (attempt === undefined || attempt === '1')
      counters.calls[operation] = (counters.calls[operation] ?? 0) + 1;
    if (!WRITE_OPERATIONS.has(operation) && !READ_OPERATIONS.has(operation)) {
      return inner.handle(request, handlerOptions);
    }
    const input = JSON.parse((await readBody(request.body)).toString('utf8')) as Json;
    const forward = (body: Json) => this.forward(inner, request, handlerOptions, operation, body);

    switch (operation) {
      case 'TransactWriteItems':
        return this.transactWrite(real, input, forward);
      case 'TransactGetItems':
        return this.transactGet(real, input, forward);
      case 'BatchWriteItem':
        return this.batchWrite(real, input, forward);
      case 'BatchGetItem':
        return this.batchGet(input, forward);
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return this.singleWrite(real, operation, input, forward);
      default:
        return this.read(input, forward);
    }
  }

  /** Sends `body` to DynamoDB Local with consumed capacity on, counts it, hides it if not asked. */
  private async forward(
    inner: RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions>,
    request: HttpRequest,
    handlerOptions: HttpHandlerOptions | undefined,
    operation: string,
    body: Json,
  ): Promise<{ response: HttpResponse; output?: Json; reported?: number }> {
    const callerAsked = body.ReturnConsumedCapacity !== undefined && body.ReturnConsumedCapacity !== 'NONE';
    const sent = callerAsked ? body : { ...body, ReturnConsumedCapacity: 'TOTAL' };
    const bytes = Buffer.from(JSON.stringify(sent));
    const headers = { ...request.headers };
    for (const key of Object.keys(headers)) if (key.toLowerCase() === 'content-length') delete headers[key];
    headers['content-length'] = String(bytes.length);
    // DynamoDB Local does not check request signatures, so a rewritten body is accepted.
    const { response } = await inner.handle(
      { ...request, headers, body: bytes.toString('utf8') },
      handlerOptions,
    );
    const raw = await readBody(response.body);
    if (response.statusCode !== 200) {
      return { response: { ...response, body: Readable.from([raw]) } };
    }
    const output = JSON.parse(raw.toString('utf8')) as Json;
    const reported = reportedUnits(output.ConsumedCapacity);
    if (reported !== undefined) {
      if (WRITE_OPERATIONS.has(operation)) this.counters.writeUnits += reported;
      else this.counters.readUnits += reported;
    }
    if (!callerAsked) delete output.ConsumedCapacity;
    const replyHeaders: Record<string, string> = {};
    // The body changed, so its checksum header no longer applies.
    for (const [key, value] of Object.entries(response.headers))
      if (!/^(content-length|x-amz-crc32)$/i.test(key)) replyHeaders[key] = value;
    return { response: jsonResponse(200, output, replyHeaders), output, reported };
  }

  private throttleError(kind: 'Read' | 'Write', table: string): HttpResponse {
    this.counters.throttles += 1;
    const resource = `arn:aws:dynamodb:local:000000000000:table/${table}`;
    if (this.mode === 'provisioned') {
      return jsonResponse(400, {
        __type: `${ERROR_PREFIX}ProvisionedThroughputExceededException`,
        message:
          'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
        ThrottlingReasons: [{ reason: `Table${kind}ProvisionedThroughputExceeded`, resource }],
      });
    }
    return jsonResponse(400, {
      __type: 'com.amazon.coral.availability#ThrottlingException',
      message:
        'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly.',
      throttlingReasons: [{ reason: `Table${kind}MaxOnDemandThroughputExceeded`, resource }],
    });
  }

  private cancelled(reasons: Array<{ Code: string; Message?: string }>): HttpResponse {
    return jsonResponse(400, {
      __type: `${ERROR_PREFIX}TransactionCanceledException`,
      Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
        .map((reason) => reason.Code)
        .join(', ')}]`,
      CancellationReasons: reasons,
    });
  }

  private throttledTransaction(kind: 'Read' | 'Write', table: string, size: number): HttpResponse {
    if (this.transactionThrottle === 'exception') return this.throttleError(kind, table);
    this.counters.throttles += 1;
    const reason =
      this.mode === 'provisioned'
        ? {
            Code: 'ProvisionedThroughputExceeded',
            Message:
              'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
          }
        : {
            Code: 'ThrottlingError',
            Message:
              'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly.',
          };
    return this.cancelled(Array.from({ length: size }, () => reason));
  }

  private conflictCancel(size: number, conflicted: Iterable<number>): HttpResponse {
    this.counters.transactionConflicts += 1;
    this.counters.conflicts += 1;
    const reasons: Array<{ Code: string; Message?: string }> = Array.from({ length: size }, () => ({
      Code: 'None',
    }));
    for (const index of conflicted)
      reasons[index] = { Code: 'TransactionConflict', Message: CONFLICT_MESSAGE };
    return this.cancelled(reasons);
  }

  /** A write is starting on these items: read transactions in flight on them must fail. */
  private hitReaders(ids: Iterable<string>): void {
    for (const id of ids) {
      for (const reader of this.readers.get(id) ?? []) {
        for (const index of reader.indexesById.get(id) ?? []) reader.conflicted.add(index);
      }
    }
  }

  private async inFlight(operation: string, input: Json, holdMs: number): Promise<void> {
    if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
    await this.options.onInFlight?.(operation, input);
  }

  private settle(bucket: TokenBucket | undefined, estimate: number, reported: number | undefined): void {
    if (bucket && reported !== undefined) bucket.adjust(reported - estimate);
  }

  private async transactWrite(
    real: DynamoDBClient,
    input: Json,
    forward: (body: Json) => ReturnType<DynamoDbSemantics['forward']>,
  ): Promise<{ response: HttpResponse }> {
    const items = (input.TransactItems ?? []) as Array<Record<string, Json>>;
    const targets = await Promise.all(
      items.map(async (entry) => {
        const action = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck ?? {};
        const attributes = (entry.Put ? action.Item : action.Key) as AttributeMap;
        const table = String(action.TableName ?? '');
        return {
          table,
          id: await this.itemId(real, table, attributes ?? {}),
          units: entry.Put ? writeUnitsFor(attributes) : 1,
        };
      }),
    );
    // Decide and lock synchronously (no await between), so concurrent calls see each other.
    const conflicted = targets.flatMap((target, index) => (this.locks.has(target.id) ? [index] : []));
    if (conflicted.length > 0) return { response: this.conflictCancel(items.length, conflicted) };
    const estimate = 2 * targets.reduce((sum, target) => sum + target.units, 0);
    if (this.writeBucket && !this.writeBucket.tryTake(estimate)) {
      return { response: this.throttledTransaction('Write', targets[0]?.table ?? '', items.length) };
    }
    const owner = Symbol('transaction');
    for (const target of targets) this.locks.set(target.id, owner);
    this.hitReaders(targets.map((target) => target.id));
    try {
      await this.inFlight('TransactWriteItems', input, this.holdMs);
      const result = await forward(input);
      this.settle(this.writeBucket, estimate, result.reported);
      return { response: result.response };
    } finally {
      for (const target of targets) if (this.locks.get(target.id) === owner) this.locks.delete(target.id);
    }
  }

  private async transactGet(
    real: DynamoDBClient,
    input: Json,
    forward: (body: Json) => ReturnType<DynamoDbSemantics['forward']>,
  ): Promise<{ response: HttpResponse }> {
    const items = (input.TransactItems ?? []) as Array<Record<string, Json>>;
    const targets = await Promise.all(
      items.map(async (entry) => {
        const table = String(entry.Get?.TableName ?? '');
        return { table, id: await this.itemId(real, table, (entry.Get?.Key ?? {}) as AttributeMap) };
      }),
    );
    const busy = targets.flatMap((target, index) =>
      this.locks.has(target.id) || (this.plainWrites.get(target.id) ?? 0) > 0 ? [index] : [],
    );
    if (busy.length > 0) return { response: this.conflictCancel(items.length, busy) };
    const estimate = 2 * items.length;
    if (this.readBucket && !this.readBucket.tryTake(estimate)) {
      return { response: this.throttledTransaction('Read', targets[0]?.table ?? '', items.length) };
    }
    const reader: ReaderInFlight = { indexesById: new Map(), conflicted: new Set() };
    targets.forEach((target, index) => {
      reader.indexesById.set(target.id, [...(reader.indexesById.get(target.id) ?? []), index]);
      const set = this.readers.get(target.id) ?? new Set();
      set.add(reader);
      this.readers.set(target.id, set);
    });
    try {
      await this.inFlight('TransactGetItems', input, this.holdMs);
      const result = await forward(input);
      this.settle(this.readBucket, estimate, result.reported);
      if (result.output && reader.conflicted.size > 0) {
        return { response: this.conflictCancel(items.length, reader.conflicted) };
      }
      return { response: result.response };
    } finally {
      for (const id of reader.indexesById.keys()) {
        const set = this.readers.get(id);
        set?.delete(reader);
        if (set?.size === 0) this.readers.delete(id);
      }
    }
  }

  private async withPlainWrites<T>(ids: string[], run: () => Promise<T>): Promise<T> {
    for (const id of ids) this.plainWrites.set(id, (this.plainWrites.get(id) ?? 0) + 1);
    this.hitReaders(ids);
    try {
      return await run();
    } finally {
      for (const id of ids) {
        const left = (this.plainWrites.get(id) ?? 1) - 1;
        if (left > 0) this.plainWrites.set(id, left);
        else this.plainWrites.delete(id);
      }
    }
  }

  private async singleWrite(
    real: DynamoDBClient,
    operation: string,
    input: Json,
    forward: (body: Json) => ReturnType<DynamoDbSemantics['forward']>,
  ): Promise<{ response: HttpResponse }> {
    const table = String(input.TableName ?? '');
    const attributes = (operation === 'PutItem' ? input.Item : input.Key) as AttributeMap | undefined;
    const id = await this.itemId(real, table, attributes ?? {});
    if (this.locks.has(id)) {
      this.counters.singleItemConflicts += 1;
      this.counters.conflicts += 1;
      return {
        response: jsonResponse(400, {
          __type: `${ERROR_PREFIX}TransactionConflictException`,
          message: CONFLICT_MESSAGE,
        }),
      };
    }
    const estimate = operation === 'PutItem' ? writeUnitsFor(attributes) : 1;
    if (this.writeBucket && !this.writeBucket.tryTake(estimate)) {
      return { response: this.throttleError('Write', tableName(table)) };
    }
    return this.withPlainWrites([id], async () => {
      await this.inFlight(operation, input, 0);
      const result = await forward(input);
      this.settle(this.writeBucket, estimate, result.reported);
      return { response: result.response };
    });
  }

  private async batchWrite(
    real: DynamoDBClient,
    input: Json,
    forward: (body: Json) => ReturnType<DynamoDbSemantics['forward']>,
  ): Promise<{ response: HttpResponse }> {
    const requestItems = (input.RequestItems ?? {}) as Record<string, Array<Record<string, Json>>>;
    const entries = await Promise.all(
      Object.entries(requestItems).flatMap(([table, requests]) =>
        requests.map(async (request) => {
          const attributes = (request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {}) as AttributeMap;
          return {
            table,
            request,
            id: await this.itemId(real, table, attributes),
            units: request.PutRequest ? writeUnitsFor(attributes) : 1,
          };
        }),
      ),
    );
    const unprocessed: Record<string, Array<Record<string, Json>>> = {};
    const send: Record<string, Array<Record<string, Json>>> = {};
    const sentIds: string[] = [];
    let estimate = 0;
    let admittedAny = false;
    let throttledAny = false;
    let lockedAny = false;
    for (const entry of entries) {
      if (this.locks.has(entry.id)) {
        lockedAny = true;
        this.counters.batchItemConflicts += 1;
        this.counters.conflicts += 1;
        pushTo(unprocessed, entry.table, entry.request);
      } else if (this.writeBucket && (throttledAny || !this.writeBucket.tryTake(entry.units))) {
        // Once one request does not fit, the rest of the batch waits too (keeps order simple).
        throttledAny = true;
        this.counters.throttledBatchItems += 1;
        pushTo(unprocessed, entry.table, entry.request);
      } else {
        admittedAny = true;
        estimate += entry.units;
        sentIds.push(entry.id);
        pushTo(send, entry.table, entry.request);
      }
    }
    // The documented rule: a batch of which nothing could be written for lack of throughput fails
    // as a whole with the throttling error; otherwise the held-back requests come back unprocessed.
    if (!admittedAny && throttledAny && !lockedAny) {
      this.counters.throttledBatchItems -= entries.length;
      return { response: this.throttleError('Write', tableName(entries[0]?.table ?? '')) };
    }
    if (!admittedAny) return { response: jsonResponse(200, { UnprocessedItems: unprocessed }) };
    return this.withPlainWrites(sentIds, async () => {
      await this.inFlight('BatchWriteItem', input, 0);
      const result = await forward({ ...input, RequestItems: send });
      this.settle(this.writeBucket, estimate, result.reported);
      if (!result.output || Object.keys(unprocessed).length === 0) return { response: result.response };
      return {
        response: this.mergeUnprocessed(result.response, result.output, 'UnprocessedItems', unprocessed),
      };
    });
  }

  private async batchGet(
    input: Json,
    forward: (body: Json) => ReturnType<DynamoDbSemantics['forward']>,
  ): Promise<{ response: HttpResponse }> {
    const requestItems = (input.RequestItems ?? {}) as Record<string, Json & { Keys?: AttributeMap[] }>;
    if (!this.readBucket) return { response: (await forward(input)).response };
    const send: Record<string, Json> = {};
    const unprocessed: Record<string, Json> = {};
    let estimate = 0;
    let throttledAny = false;
    for (const [table, request] of Object.entries(requestItems)) {
      const units = request.ConsistentRead ? 1 : 0.5;
      for (const key of request.Keys ?? []) {
        if (!throttledAny && this.readBucket.tryTake(units)) {
          estimate += units;
          pushKey(send, table, request, key);
        } else {
          throttledAny = true;
          this.counters.throttledBatchItems += 1;
          pushKey(unprocessed, table, request, key);
        }
      }
    }
    if (Object.keys(send).length === 0 && throttledAny) {
      this.counters.throttledBatchItems -= Object.values(unprocessed).reduce(
        (sum, request) => sum + (request.Keys as unknown[]).length,
        0,
      );
      return { response: this.throttleError('Read', tableName(Object.keys(requestItems)[0] ?? '')) };
    }
    const result = await forward({ ...input, RequestItems: send });
    this.settle(this.readBucket, estimate, result.reported);
    if (!result.output || !throttledAny) return { response: result.response };
    return {
      response: this.mergeUnprocessed(result.response, result.output, 'UnprocessedKeys', unprocessed),
    };
  }

  /** Adds the requests this emulation held back to the ones DynamoDB Local left unprocessed. */
  private mergeUnprocessed(
    response: HttpResponse,
    output: Json,
    field: 'UnprocessedItems' | 'UnprocessedKeys',
    held: Record<string, unknown>,
  ): HttpResponse {
    const merged = { ...((output[field] ?? {}) as Record<string, unknown>) };
    for (const [table, value] of Object.entries(held)) {
      const existing = merged[table];
      if (field === 'UnprocessedItems') {
        merged[table] = [...((existing as unknown[]) ?? []), ...(value as unknown[])];
      } else {
        const keys = [
          ...(((existing as Json)?.Keys as unknown[]) ?? []),
          ...((value as Json).Keys as unknown[]),
        ];
        merged[table] = { ...(value as Json), Keys: keys };
      }
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(response.headers))
      if (!/^content-length$/i.test(key)) headers[key] = value;
    return jsonResponse(200, { ...output, [field]: merged }, headers);
  }

  private async read(
    input: Json,
    forward: (body: Json) => ReturnType<DynamoDbSemantics['forward']>,
  ): Promise<{ response: HttpResponse }> {
    const estimate = input.ConsistentRead ? 1 : 0.5;
    if (this.readBucket && !this.readBucket.tryTake(estimate)) {
      return { response: this.throttleError('Read', tableName(String(input.TableName ?? ''))) };
    }
    const result = await forward(input);
    this.settle(this.readBucket, estimate, result.reported);
    return { response: result.response };
  }
}

/** Shorthand: one emulation and one wrapped client for it. */
export function withDynamoDbSemantics(
  real: DynamoDBClient,
  options: DynamoDbSemanticsOptions & { clientConfig?: Partial<DynamoDBClientConfig> } = {},
): { client: DynamoDBClient; semantics: DynamoDbSemantics } {
  const { clientConfig, ...semanticsOptions } = options;
  const semantics = new DynamoDbSemantics(semanticsOptions);
  return { client: semantics.wrap(real, clientConfig), semantics };
}
