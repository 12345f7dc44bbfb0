/**
 * How `npm start` stops (scripts/local/lifecycle.ts), in real processes: Ctrl-C signals the whole
 * process group and npm passes the signal on as well, so the stack gets SIGINT twice within
 * milliseconds. That is one request to stop gracefully; only a later second one exits at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const FIXTURE = join(ROOT, 'tests/support/stop-request-fixture.ts');
const scratch = mkdtempSync(join(tmpdir(), 'releases-stop-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

/** Starts `command` in a process group of its own (as a terminal's foreground job), `ready` awaited. */
async function start(command: string, args: string[], cwd: string, stopMs: number): Promise<Run> {
  const child = spawn(command, args, {
    cwd,
    detached: true,
    // With a stdin of its own, npm passes a signal on to its script (checked with npm 11), as a
    // terminal's npm does: the case where one Ctrl-C arrives twice.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, STOP_MS: String(stopMs) },
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.resume();
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const deadline = Date.now() + 30_000;
  while (!out.includes('ready')) {
    if (Date.now() > deadline) throw new Error(`no ready: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, exit };
}

it('stops gracefully on one Ctrl-C through npm start, though the signal arrives twice', async () => {
  symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({
      name: 'stop-request',
      private: true,
      // As the repository's own start script: npm, then node in its place.
      scripts: { start: `exec node --import tsx ${JSON.stringify(FIXTURE)}` },
    }),
  );
  const run = await start('npm', ['start'], scratch, 1_000);
  process.kill(-(run.child.pid as number), 'SIGINT');
  expect(await run.exit).toBe(0);
  expect(run.output()).toContain('stop SIGINT');
  expect(run.output()).toContain('stopped');
  expect(run.output()).not.toContain('again');
}, 60_000);

it('exits at once on a second Ctrl-C a moment later', async () => {
  // The graceful stop would take 20 s: the second signal cuts it short.
  const run = await start(process.execPath, ['--import', 'tsx', FIXTURE], ROOT, 20_000);
  process.kill(-(run.child.pid as number), 'SIGINT');
  await new Promise((r) => setTimeout(r, 1_500));
  process.kill(-(run.child.pid as number), 'SIGINT');
  expect(await run.exit).toBe(130);
  expect(run.output()).toContain('again SIGINT');
  expect(run.output()).not.toContain('stopped');
}, 60_000);
