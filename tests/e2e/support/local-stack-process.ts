/**
 * Runs `npm start`'s entry point (scripts/local/start.ts) as a child process, as a developer
 * would, on the given ports and data directory, and stops it by its process id.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface StackPorts {
  api: number;
  s3: number;
  dynamodb: number;
}

export interface StackProcess {
  child: ChildProcess;
  pid: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** DynamoDB Local's Java process id, from the pid file the stack writes in its data directory. */
  javaPid(): number;
  /** The stack's own Node.js process id (not npm's), from the same file. */
  nodePid(): number;
}

export function spawnStack(options: {
  ports: StackPorts;
  dataDir: string;
  args?: string[];
  env?: Record<string, string>;
  /** Run `npm start` itself (npm -> node) rather than node on start.ts. */
  viaNpm?: boolean;
}): StackProcess {
  const [command, args] = options.viaNpm
    ? ['npm', ['start', '--silent', '--', ...(options.args ?? [])]]
    : [process.execPath, ['--import', 'tsx', 'scripts/local/start.ts', ...(options.args ?? [])]];
  const child = spawn(command, args, {
    cwd: resolve('.'),
    env: {
      ...process.env,
      RELEASES_API_PORT: String(options.ports.api),
      RELEASES_S3_PORT: String(options.ports.s3),
      RELEASES_DYNAMODB_PORT: String(options.ports.dynamodb),
      RELEASES_LOCAL_DIR: options.dataDir,
      DDB_LOCAL_TELEMETRY: '0',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | string>((resolveExit) => {
    child.once('exit', (code, signal) => {
      resolveExit(code ?? signal ?? 'unknown');
      for (const listener of listeners) listener();
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the local stack');

  return {
    child,
    pid,
    output: () => text,
    exited,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolveWait, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            done();
            resolveWait();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`local stack exited before ${pattern}:\n${text}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    javaPid: () => pidFile(options.dataDir).javaPid,
    nodePid: () => pidFile(options.dataDir).nodePid,
  };
}

function pidFile(dataDir: string): { javaPid: number; nodePid: number } {
  return JSON.parse(readFileSync(join(dataDir, 'stack.pid.json'), 'utf8')) as {
    javaPid: number;
    nodePid: number;
  };
}

export { isAlive } from '../../../scripts/local/processes.js';

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
