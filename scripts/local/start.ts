/**
 * `npm start` (`npm start -- --fresh` starts empty): the whole system on loopback until Ctrl-C.
 * Ports from RELEASES_API_PORT, RELEASES_S3_PORT, RELEASES_DYNAMODB_PORT; data under
 * RELEASES_LOCAL_DIR (default `.local/`); RELEASES_RECONCILE_SECONDS sets the reconcile period.
 */
import { parseArgs } from 'node:util';
import { killOnExit, untilStopRequested } from './lifecycle.js';
import {
  DataDirInUseError,
  DEFAULT_DATA_DIR,
  DEFAULT_PORTS,
  type LocalStack,
  PortTakenError,
  startLocalStack,
} from './stack.js';

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  }
  return port;
}

function secondsFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new Error(`${name} must be a number of seconds, got "${raw}"`);
  return seconds;
}

function log(line: string): void {
  process.stderr.write(`[local] ${line}\n`);
}

function banner(stack: LocalStack, startedInMs: number): string {
  const api = stack.apiUrl;
  const s3 = stack.s3Endpoint;
  return [
    '',
    `Releases local stack is up (${(startedInMs / 1000).toFixed(1)} s)${stack.seeded > 0 ? `; uploaded ${stack.seeded} seed file(s)` : ''}.`,
    '',
    `  API         ${api}          (GET /releases, /releases/{id}, /ministers, /portfolios, /openapi.json; /problems without IAM locally)`,
    `  S3          ${s3}          bucket "${stack.bucket}", access key S3RVER, secret key S3RVER`,
    `  DynamoDB    ${stack.dynamoEndpoint}          table "${stack.tableName}" (shared database: any credentials)`,
    `  Data        ${stack.dataDir}`,
    '',
    'Try:',
    `  curl -s ${api}/releases/prime-minister-heads-united-states-nato`,
    `  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${s3} s3 cp release.md s3://${stack.bucket}/`,
    `  curl -s '${api}/releases?limit=5'`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { fresh: { type: 'boolean', default: false } }, strict: true });
  const started = performance.now();
  // Listen before starting: a Ctrl-C during start-up stops the stack once it is up.
  const stopRequested = untilStopRequested({
    onSecondSignal(signal) {
      log(`${signal} again: exiting now`);
      process.exit(130);
    },
  });
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      apiPort: portFromEnv('RELEASES_API_PORT', DEFAULT_PORTS.api),
      s3Port: portFromEnv('RELEASES_S3_PORT', DEFAULT_PORTS.s3),
      dynamoPort: portFromEnv('RELEASES_DYNAMODB_PORT', DEFAULT_PORTS.dynamodb),
      dataDir: process.env.RELEASES_LOCAL_DIR || DEFAULT_DATA_DIR,
      fresh: values.fresh,
      reconcileIntervalMs: secondsFromEnv('RELEASES_RECONCILE_SECONDS', 30) * 1000,
      log,
    });
  } catch (error) {
    if (error instanceof PortTakenError || error instanceof DataDirInUseError) {
      log(error.message);
      return 1;
    }
    throw error;
  }

  // Should this process die without stopping the stack, DynamoDB Local's JVM must not outlive it.
  killOnExit(stack.dynamoPid);

  process.stdout.write(`${banner(stack, performance.now() - started)}\n`);

  const reason = await stopRequested;
  log(
    `${reason}: stopping once the running invocations finish (after a bulk load, a minute or more; Ctrl-C again exits at once, and the next start's reconcile repairs what they leave)`,
  );
  await stack.stop();
  log('stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
