/**
 * Process lifecycle of `npm start`: stop on SIGINT/SIGTERM, and also when the launcher is killed.
 * `npm start` runs npm -> node (the script `exec`s node with tsx as an import hook: the tsx CLI
 * would sit between them and SIGKILL this process when it does not confirm a relayed signal within
 * 30 ms, as happens on a busy machine, leaving DynamoDB Local's JVM behind). Ctrl-C signals the
 * whole group and npm passes a SIGTERM on; should the launcher die without passing anything (a
 * SIGKILL, or a wrapper in between that does not relay), this process would run on, re-parented.
 * Watching our parent, and our parent's parent, catches that.
 */
import { readFileSync } from 'node:fs';

/** The parent pid of `pid` from /proc, or undefined where /proc is unavailable. */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 4, after the command name in parentheses (which may itself contain spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

export type StopReason = NodeJS.Signals | 'launcher gone';

/**
 * Resolves once with the reason to stop: the first SIGINT or SIGTERM, or the launcher chain
 * dying (checked every `pollMs`). A second signal calls `onSecondSignal` (exit at once).
 */
export function untilStopRequested(options: {
  onSecondSignal: (signal: NodeJS.Signals) => void;
  pollMs?: number;
}): Promise<StopReason> {
  return new Promise((resolveStop) => {
    let requested = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (requested) {
        options.onSecondSignal(signal);
        return;
      }
      requested = true;
      clearInterval(watch);
      resolveStop(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const launcher = process.ppid;
    const launcherParent = parentOf(launcher);
    const watch = setInterval(() => {
      const gone =
        process.ppid !== launcher ||
        (launcherParent !== undefined && launcherParent !== 1 && parentOf(launcher) !== launcherParent);
      if (gone && !requested) {
        requested = true;
        clearInterval(watch);
        resolveStop('launcher gone');
      }
    }, options.pollMs ?? 1_000);
    watch.unref();
  });
}

/** Stops a process by pid when this one exits, however it exits (used for DynamoDB Local's JVM). */
export function killOnExit(pid: number): void {
  process.on('exit', () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already stopped
    }
  });
}
