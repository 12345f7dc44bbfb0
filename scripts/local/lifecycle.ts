/**
 * Process lifecycle of `npm start`: stop on SIGINT/SIGTERM, and also when the launcher is killed.
 * `npm start` runs npm -> node (the script `exec`s node with tsx as an import hook: the tsx CLI
 * would sit between them and SIGKILL this process when it does not confirm a relayed signal within
 * 30 ms, as happens on a busy machine, leaving DynamoDB Local's JVM behind). Ctrl-C signals the
 * whole group, and npm passes the signal on too (when its stdin is its own, as a terminal's is):
 * this process gets it twice within milliseconds, which is one request to stop, not two
 * (RELAYED_SIGNAL_MS). Should the launcher die without passing anything (a SIGKILL, or a wrapper
 * in between that does not relay), this process would run on, re-parented.
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
 * A signal this soon after the first is the same Ctrl-C passed on by npm (checked with npm 11: a
 * SIGINT from the terminal, then npm's), not a second one asking to exit at once.
 */
export const RELAYED_SIGNAL_MS = 1000;

/**
 * Resolves once with the reason to stop: the first SIGINT or SIGTERM, or the launcher chain
 * dying (checked every `pollMs`). A second signal, later than RELAYED_SIGNAL_MS after the first,
 * calls `onSecondSignal` (exit at once).
 */
export function untilStopRequested(options: {
  onSecondSignal: (signal: NodeJS.Signals) => void;
  pollMs?: number;
}): Promise<StopReason> {
  return new Promise((resolveStop) => {
    let requested = false;
    let firstSignalAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (requested) {
        if (firstSignalAt === undefined || Date.now() - firstSignalAt >= RELAYED_SIGNAL_MS)
          options.onSecondSignal(signal);
        return;
      }
      requested = true;
      firstSignalAt = Date.now();
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
