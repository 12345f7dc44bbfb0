/**
 * The synthesized templates of `dev` and `prod` pass cfn-lint (a Python tool, installed on the
 * project's machines) with no errors. Without cfn-lint the test is reported as skipped, saying
 * why; it never passes without having linted.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from './synth.js';

// Synthesizing (and linting) a whole stack takes seconds, more on two busy cores.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

interface CfnLintMatch {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
  Location: { Path: (string | number)[] };
}

/**
 * W3005 ("dependency already enforced by GetAtt"): CDK adds an explicit DependsOn from each
 * function to its role (so the role's policy exists before the function), which cfn-lint
 * considers redundant. Harmless, and not ours to change.
 */
const ACCEPTED_WARNINGS = new Set(['W3005']);

function cfnLintVersion(): string | undefined {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

const version = cfnLintVersion();
let testApp: TestApp;
beforeAll(() => {
  testApp = buildTestApp(['dev', 'prod']);
  testApp.app.synth();
});
afterAll(() => testApp.cleanup());

describe.each(['dev', 'prod'])('cfn-lint on the Releases-%s template', (stage) => {
  it('finds no errors (and no warnings but the accepted ones)', (ctx) => {
    if (!version) {
      ctx.skip('cfn-lint is not installed (pip install cfn-lint); the templates were not linted');
    }
    const templatePath = join(testApp.outdir, `Releases-${stage}.template.json`);
    const run = spawnSync('cfn-lint', ['--format', 'json', '--', templatePath], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    // Exit status is a bit set: 2 errors, 4 warnings, 8 informational; 1 means it could not run.
    const status = run.status ?? 1;
    expect(status & 1, run.stderr).toBe(0);
    const matches = JSON.parse(run.stdout || '[]') as CfnLintMatch[];
    const describe = (m: CfnLintMatch) => `${m.Rule.Id} ${m.Location.Path.join('/')}: ${m.Message}`;
    expect(matches.filter((m) => m.Level === 'Error').map(describe)).toEqual([]);
    expect(
      matches.filter((m) => m.Level === 'Warning' && !ACCEPTED_WARNINGS.has(m.Rule.Id)).map(describe),
    ).toEqual([]);
    expect(status & 2).toBe(0);
  });
});
