/**
 * Which Lambda function the code running now belongs to. The local stack and the test harnesses
 * invoke each handler through `invokedAs(name, handler)`; everything an invocation awaits (its AWS
 * SDK calls among them) can then ask `currentFunction()`, while code outside any invocation (a
 * test's seeding, the stream poller standing in for Lambda's event source mapping) gets undefined.
 * The name is the handler file's under functions/handlers/: `ingest`, `project`, `api`, ...
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const running = new AsyncLocalStorage<string>();

/** The handler, each of whose invocations runs as function `name`. */
export function invokedAs<A extends unknown[], R>(
  name: string,
  handler: (...args: A) => R,
): (...args: A) => R {
  return (...args) => running.run(name, handler, ...args);
}

/** The function whose invocation the caller is part of, if any. */
export function currentFunction(): string | undefined {
  return running.getStore();
}

/**
 * Runs `work` as part of no function, even from inside an invocation: for stand-ins of AWS
 * itself (an emulation layer's own requests are the service's, not the function's).
 */
export function outsideAnyFunction<R>(work: () => R): R {
  return running.exit(work);
}
