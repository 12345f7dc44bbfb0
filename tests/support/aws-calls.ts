/**
 * Records every AWS call each function makes in the integration and end-to-end tests, for the IAM
 * check (iam-check.ts). `recordAwsCalls(client)` adds a middleware to any AWS SDK v3 client (the
 * clients the tests and harnesses hand to `makeHandler(deps)`; a DynamoDBDocumentClient shares its
 * DynamoDBClient's); for each call made inside a function's invocation (`invokedAs(name, handler)`,
 * scripts/local/invocation.ts) it notes the function and what IAM authorizes for the call
 * (aws-actions.ts). Calls outside any invocation (seeding, reading back, the stream poller standing
 * in for Lambda's event source mapping) are not recorded: the functions' roles do not make them.
 *
 * The tests name the local resources that stand for the stack's (`bindLocalName('table', name)`),
 * so the checker can substitute local names in the stack's ARNs. State is per test file.
 */
import { currentFunction, invokedAs } from '../../scripts/local/invocation.js';
import { type IamRequest, iamRequestsOf } from './aws-actions.js';
import type { LocalResource } from './stack-roles.js';

export { invokedAs } from '../../scripts/local/invocation.js';

/** A distinct call: function, action, resource (and transaction), with how often it was made. */
export interface AwsCall extends IamRequest {
  fn: string;
  count: number;
}

interface MiddlewareContext {
  clientName?: string;
  commandName?: string;
}
type Next = (args: { input: Record<string, unknown> }) => Promise<{ output?: Record<string, unknown> }>;
interface MiddlewareStackLike {
  add(
    middleware: (next: Next, context: MiddlewareContext) => Next,
    options: { step: 'initialize'; name: string; override: boolean },
  ): void;
}

const MIDDLEWARE_NAME = 'releasesRecordAwsCall';

const calls = new Map<string, AwsCall>();
const boundNames = new Map<LocalResource, Set<string>>();
/** DynamoDB Streams' GetRecords names a shard iterator only; which stream each iterator reads. */
const iteratorStreams = new Map<string, string>();

function remember(fn: string, request: IamRequest): void {
  const key = JSON.stringify([fn, request.action, request.resource, request.via ?? '']);
  const known = calls.get(key);
  if (known) known.count++;
  else calls.set(key, { fn, ...request, count: 1 });
}

/** Follows shard iterators from the stream that issued them to the ones GetRecords hands on. */
function followIterators(input: Record<string, unknown>, output: Record<string, unknown> | undefined): void {
  const stream =
    typeof input.StreamArn === 'string'
      ? input.StreamArn
      : typeof input.ShardIterator === 'string'
        ? iteratorStreams.get(input.ShardIterator)
        : undefined;
  if (typeof input.ShardIterator === 'string') iteratorStreams.delete(input.ShardIterator);
  for (const name of ['ShardIterator', 'NextShardIterator']) {
    const next = output?.[name];
    if (stream && typeof next === 'string') iteratorStreams.set(next, stream);
  }
}

async function regionOf(client: object): Promise<string> {
  const region = (client as { config?: { region?: unknown } }).config?.region;
  const value = typeof region === 'function' ? await (region as () => Promise<unknown>)() : region;
  return typeof value === 'string' ? value : 'unknown-region';
}

/**
 * Records the calls made through `client` from inside a function's invocation; returns the
 * client. Adding it twice to one client (or to a document client and its base) records once.
 */
export function recordAwsCalls<C extends { middlewareStack: object }>(client: C): C {
  const stack = client.middlewareStack as unknown as MiddlewareStackLike;
  stack.add(
    (next, context) => async (args) => {
      const fn = currentFunction();
      if (fn === undefined) return next(args);
      const requests = iamRequestsOf({
        client: context.clientName ?? 'UnknownClient',
        operation: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
        input: args.input,
        region: await regionOf(client),
        streamOfIterator: (iterator) => iteratorStreams.get(iterator),
      });
      for (const request of requests) remember(fn, request);
      const result = await next(args);
      followIterators(args.input, result.output);
      return result;
    },
    { step: 'initialize', name: MIDDLEWARE_NAME, override: true },
  );
  return client;
}

/** Says that the local resource `name` stands for the stack's `resource` (e.g. the table). */
export function bindLocalName(resource: LocalResource, name: string): void {
  const names = boundNames.get(resource) ?? new Set<string>();
  names.add(name);
  boundNames.set(resource, names);
}

/** The local names bound so far, by the stack resource they stand for. */
export function localNames(): Partial<Record<LocalResource, string[]>> {
  return Object.fromEntries([...boundNames].map(([resource, names]) => [resource, [...names]]));
}

/** The distinct calls recorded in this test file so far. */
export function recordedCalls(): AwsCall[] {
  return [...calls.values()].map((call) => ({ ...call }));
}

/** Forgets the calls and names recorded so far (for tests of the recorder itself). */
export function clearRecordedCalls(): void {
  calls.clear();
  boundNames.clear();
  iteratorStreams.clear();
}

/** `makeHandler` of function `name`, whose handlers each run as that function. */
export function asFunction<D, A extends unknown[], R>(
  name: string,
  makeHandler: (deps: D) => (...args: A) => R,
): (deps: D) => (...args: A) => R {
  return (deps) => invokedAs(name, makeHandler(deps));
}
