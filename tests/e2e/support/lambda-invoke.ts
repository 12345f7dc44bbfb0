/**
 * Invokes a deployed function's package (deployed-bundles.ts) under a given Node.js binary, the
 * way Lambda does: a fresh process whose working directory is the package, whose environment is
 * the function's template environment plus what Lambda itself sets, and nothing inherited from
 * the test process. Variables the template resolves at deploy time (a table name, a secret) must
 * be given values by the caller, and a value given for a variable the template lacks is an error,
 * so a rename on either side fails the test instead of passing on a stale name.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DeployedFunction } from './deployed-bundles.js';

const RUNNER = fileURLToPath(new URL('./lambda-runner.mjs', import.meta.url));

export interface InvokeOptions {
  /** The Node.js executable to run the package under. */
  node: string;
  /** Values for the template's deploy-time variables (e.g. TABLE_NAME), by name. */
  deployTimeValues: Record<string, string>;
  /** Settings of the local stand-ins for AWS (endpoints, region, credentials), not in the template. */
  awsEnvironment: Record<string, string>;
  /** @default 60000 */
  timeoutMs?: number;
}

export interface Invocation<R> {
  /** `process.version` of the process that ran the handler. */
  version: string;
  results: R[];
  /** What the function wrote to stdout and stderr (its logs). */
  output: string;
}

/** The environment Lambda gives the function: the template's variables and its own reserved ones. */
export function lambdaEnvironment(fn: DeployedFunction, options: InvokeOptions): Record<string, string> {
  const fromTemplate: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    if (typeof value === 'string') fromTemplate[name] = value;
    else if (name in options.deployTimeValues) fromTemplate[name] = options.deployTimeValues[name] as string;
    else
      throw new Error(`${fn.name}: environment variable ${name} is resolved at deploy time; give it a value`);
  }
  for (const name of Object.keys(options.deployTimeValues)) {
    if (!(name in fn.environment))
      throw new Error(`${fn.name}: the template sets no environment variable ${name}`);
  }
  const functionName = `releases-${fn.name}`;
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: fn.assetDir,
    _HANDLER: fn.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    // Never the machine's AWS configuration: only what is given here.
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...options.awsEnvironment,
    ...fromTemplate,
  };
}

/** Imports the package once in a new process and calls its handler with each event in turn. */
export function invokeDeployed<R = unknown>(
  fn: DeployedFunction,
  events: unknown[],
  options: InvokeOptions,
): Promise<Invocation<R>> {
  const env = lambdaEnvironment(fn, options);
  const child = fork(RUNNER, [], {
    execPath: options.node,
    // Not the test worker's loader flags: the runtime starts with NODE_OPTIONS from the template only.
    execArgv: [],
    cwd: fn.assetDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    let reply: { version: string; results?: R[]; error?: string } | undefined;
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`${fn.name}: no answer within ${options.timeoutMs ?? 60_000} ms\n${output}`));
    }, options.timeoutMs ?? 60_000);
    child.once('message', (message) => {
      reply = message as typeof reply;
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!reply) reject(new Error(`${fn.name}: exited (${code ?? signal}) without an answer\n${output}`));
      else if (reply.error) reject(new Error(`${fn.name} under ${reply.version}: ${reply.error}\n${output}`));
      else resolve({ version: reply.version, results: reply.results ?? [], output });
    });
    child.send({
      assetDir: fn.assetDir,
      handler: fn.handler,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      memorySize: fn.memorySize,
      // The template's timeout: what the context's remaining time counts down from, as in Lambda.
      timeoutMs: fn.timeoutSeconds * 1000,
      events,
    });
  });
}
