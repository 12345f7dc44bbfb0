/**
 * The local stack's data directory: one live stack per directory (its pid file, which also finds a
 * DynamoDB Local a crashed run left behind), and the cursor secret kept there across restarts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive as alive } from './processes.js';

/** Another stack runs on the same data directory. */
export class DataDirInUseError extends Error {}

export interface PidFile {
  nodePid: number;
  javaPid: number;
}

/** The command line of a process, or '' where /proc is unavailable. */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * Refuses a data directory another live stack uses, and stops the DynamoDB Local a crashed
 * earlier stack left on it (only if its command line shows it is that very DynamoDB Local).
 */
export function claimDataDir(dataDir: string, dynamoDir: string, log: (line: string) => void): string {
  const pidPath = join(dataDir, 'stack.pid.json');
  if (existsSync(pidPath)) {
    let previous: PidFile | undefined;
    try {
      previous = JSON.parse(readFileSync(pidPath, 'utf8')) as PidFile;
    } catch {
      previous = undefined;
    }
    if (previous && previous.nodePid !== process.pid && alive(previous.nodePid)) {
      throw new DataDirInUseError(
        `data directory ${dataDir} is used by another local stack (pid ${previous.nodePid}); stop it or set RELEASES_LOCAL_DIR`,
      );
    }
    if (previous && alive(previous.javaPid)) {
      const cmd = commandLine(previous.javaPid);
      if (cmd.includes('DynamoDBLocal') && cmd.includes(dynamoDir)) {
        log(`stopping DynamoDB Local left by an earlier run (pid ${previous.javaPid})`);
        process.kill(previous.javaPid, 'SIGKILL');
      }
    }
  }
  return pidPath;
}

export function cursorSecretFor(dataDir: string): string {
  const path = join(dataDir, 'cursor-secret');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(32).toString('hex');
  writeFileSync(path, secret, { mode: 0o600 });
  return secret;
}
