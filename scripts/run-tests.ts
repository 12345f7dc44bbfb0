/**
 * `npm test`: runs every vitest suite and ends with the line `N passed, N failed` (and
 * `, N skipped` where any were), which CI reads. Extra arguments go to vitest.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{ status: string; assertionResults: Array<{ status: string }> }>;
}

// Per run, so that overlapping runs on one machine never read each other's report.
const out = resolve(`.test-out/vitest.${process.pid}.json`);
mkdirSync(resolve('.test-out'), { recursive: true });
rmSync(out, { force: true });

const vitest = resolve('node_modules/vitest/vitest.mjs');
const run = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' } },
);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(out)) {
  const report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
  passed = report.numPassedTests;
  // A file that fails to load (or whose hooks fail) has no failed test of its own; count it once
  // so it cannot pass silently.
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  ).length;
  failed = report.numFailedTests + brokenFiles;
  skipped = report.numPendingTests + report.numTodoTests;
} else {
  failed = 1;
}
if (run.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
rmSync(out, { force: true });
process.exit(failed > 0 ? 1 : 0);
