/**
 * One progress bar per phase (cli-progress), on stderr; when stderr is not a terminal (a log
 * file), a line every few seconds instead. `note` prints a line without breaking the bar.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Starts a phase of `total` steps; replaces the previous bar. */
  phase(name: string, total: number): void;
  tick(steps?: number): void;
  note(line: string): void;
  done(): void;
}

export function createProgress(): Progress {
  let bar: cliProgress.SingleBar | undefined;
  let phaseStart = 0;
  const finish = () => {
    if (!bar) return;
    bar.stop();
    bar = undefined;
    process.stderr.write(`  (${((performance.now() - phaseStart) / 1000).toFixed(1)} s)\n`);
  };
  return {
    phase(name, total) {
      finish();
      phaseStart = performance.now();
      bar = new cliProgress.SingleBar(
        {
          format: `${name.padEnd(44)} [{bar}] {value}/{total} | {duration_formatted} | eta {eta_formatted}`,
          barsize: 24,
          noTTYOutput: true,
          notTTYSchedule: 5_000,
          hideCursor: null,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(1, total), 0);
    },
    tick(steps = 1) {
      bar?.increment(steps);
    },
    note(line) {
      if (bar && process.stderr.isTTY) {
        process.stderr.write(`\r\x1b[2K${line}\n`);
        bar.render();
      } else {
        process.stderr.write(`${line}\n`);
      }
    },
    done: finish,
  };
}
