import { readFileSync } from 'node:fs';

/**
 * True while a process with this pid runs (signal 0 checks without signalling). A zombie, exited
 * but not yet reaped (its parent died first, and not every container's init reaps), counts as gone:
 * it holds no port, no file and no memory.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return processState(pid) !== 'Z';
}

/** The state letter from /proc (R, S, Z, ...), or undefined where /proc is unavailable. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the command name in parentheses (which may itself contain spaces).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}
