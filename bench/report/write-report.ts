/**
 * Where a run's figures end up: results.json (every figure, so the report can be rendered again),
 * RESULTS.md and the same Markdown on stdout.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportNotes } from './method-notes.js';
import { renderMarkdown } from './render-markdown.js';
import type { EventPathRun, LargeResult, Results, SizeResult } from './results.js';
import { computeTargets } from './targets.js';

export function writeReport(output: Results, out: string, print = true): void {
  const markdown = renderMarkdown(output, reportNotes(output));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(output, null, 2)}\n`);
  writeFileSync(join(out, 'RESULTS.md'), markdown);
  if (print) process.stdout.write(`\n${markdown}`);
}

/** `--render`: the report of an existing results.json again, its targets computed anew (no measuring). */
export function rerenderReport(out: string): void {
  const output = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  const computed = computeTargets(output.results, output.coldStarts, output.large);
  output.targets = computed.targets;
  output.targetsWorstAt = computed.worstAt;
  writeReport(output, out);
}

/** `--large`: the materialized size's figures put into the results.json already in `out`, targets anew. */
export function addLarge(large: LargeResult, out: string, print = true): void {
  const file = join(out, 'results.json');
  const output = JSON.parse(readFileSync(file, 'utf8')) as Results;
  output.large = large;
  const computed = computeTargets(output.results, output.coldStarts, large);
  output.targets = computed.targets;
  output.targetsWorstAt = computed.worstAt;
  writeReport(output, out, print);
}

/**
 * `--add-event-path`: this run's whole-event-path figures put into the results.json already in
 * `out` (replacing that size's, if any), for the sizes both hold; the run is named in
 * `eventPathRuns`, and the targets are computed anew. Returns the sizes added.
 */
export function addEventPath(
  measured: readonly SizeResult[],
  run: Omit<EventPathRun, 'sizes'>,
  out: string,
  print = true,
): number[] {
  const file = join(out, 'results.json');
  const output = JSON.parse(readFileSync(file, 'utf8')) as Results;
  const added: number[] = [];
  for (const result of measured) {
    const target = output.results.find((r) => r.size === result.size);
    if (!target || !result.eventPath) continue;
    target.eventPath = result.eventPath;
    added.push(result.size);
  }
  if (added.length === 0) {
    throw new Error(`${file} holds none of the sizes measured (${measured.map((r) => r.size).join(', ')})`);
  }
  const runs = (output.eventPathRuns ?? []).map((r) => ({
    ...r,
    sizes: r.sizes.filter((s) => !added.includes(s)),
  }));
  output.eventPathRuns = [...runs.filter((r) => r.sizes.length > 0), { ...run, sizes: added }];
  const computed = computeTargets(output.results, output.coldStarts, output.large);
  output.targets = computed.targets;
  output.targetsWorstAt = computed.worstAt;
  writeReport(output, out, print);
  return added;
}
