/**
 * Where a run's figures end up: results.json (every figure, so the report can be rendered again),
 * RESULTS.md and the same Markdown on stdout.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportNotes } from './method-notes.js';
import { renderMarkdown } from './render-markdown.js';
import type { Results } from './results.js';
import { computeTargets } from './targets.js';

export function writeReport(output: Results, out: string): void {
  const markdown = renderMarkdown(output, reportNotes(output));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(output, null, 2)}\n`);
  writeFileSync(join(out, 'RESULTS.md'), markdown);
  process.stdout.write(`\n${markdown}`);
}

/** `--render`: the report of an existing results.json again, its targets computed anew (no measuring). */
export function rerenderReport(out: string): void {
  const output = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  const computed = computeTargets(output.results, output.coldStarts);
  output.targets = computed.targets;
  output.targetsWorstAt = computed.worstAt;
  writeReport(output, out);
}
