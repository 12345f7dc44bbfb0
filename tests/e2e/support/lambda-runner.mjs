/**
 * Runs one Lambda deployment package the way the Node.js runtime does, in a process of its own
 * (forked by lambda-invoke.ts with the Node.js binary to test): resolves the template's handler
 * (`index.handler` -> index.js, index.mjs or index.cjs, export `handler`) in the package
 * directory, imports it once (module-level code reads the environment, as at a cold start), then
 * calls it with each event and a Lambda context, one at a time. Plain JavaScript with built-in
 * modules only, so the runtime under test needs nothing from this repository.
 *
 * Protocol over the IPC channel: receives `{ assetDir, handler, functionName, memorySize, timeoutMs, events }`,
 * sends `{ version, results }` or `{ version, error }`, then exits.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** When the template gives no timeout (Lambda's default is 3 s; ours always set one). */
const DEFAULT_TIMEOUT_MS = 3_000;

function contextFor(functionName, memorySize, timeoutMs) {
  const deadline = Date.now() + (timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memorySize),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

async function run({ assetDir, handler, functionName, memorySize, timeoutMs, events }) {
  const dot = handler.lastIndexOf('.');
  const moduleName = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs']
    .map((extension) => join(assetDir, `${moduleName}${extension}`))
    .find((candidate) => existsSync(candidate));
  if (!file) throw new Error(`handler ${handler}: no ${moduleName}.js, .mjs or .cjs in ${assetDir}`);
  const module = await import(pathToFileURL(file).href);
  const fn = module[exportName];
  if (typeof fn !== 'function')
    throw new Error(`handler ${handler}: ${file} exports no function ${exportName}`);
  const results = [];
  for (const event of events) results.push(await fn(event, contextFor(functionName, memorySize, timeoutMs)));
  return results;
}

process.once('message', (request) => {
  const reply = (message) => process.send(message, () => process.exit(0));
  run(request).then(
    (results) => reply({ version: process.version, results }),
    (error) => reply({ version: process.version, error: error?.stack ?? String(error) }),
  );
});
