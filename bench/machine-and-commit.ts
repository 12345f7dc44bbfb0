/**
 * What a run measured on: the machine (its load at the start included, since the machine is shared)
 * and the commit, so that results.json says which code and which hardware its figures belong to.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { BENCH_DIR } from './paths.js';
import type { Machine } from './report/results.js';
import { round } from './stats.js';

export function machine(): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((l) => round(l, 2)),
  };
}

/** The commit measured, and whether the measured code differed from it. */
export function codeVersion(): { commit: string; dirty: boolean } | undefined {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: BENCH_DIR, encoding: 'utf8' }).trim();
    return {
      commit: git('rev-parse', 'HEAD'),
      dirty: git('status', '--porcelain', '--', '../functions', '../infra', '../scripts', '.') !== '',
    };
  } catch {
    return undefined;
  }
}
