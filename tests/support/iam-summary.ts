/**
 * The run's summary of the IAM check: what each function was checked for, across the test files
 * that recorded calls (iam-check.ts writes one file each into the run's directory).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckedFile } from './iam-check.js';

export interface FunctionFigures {
  fn: string;
  /** Calls made, transaction parts counted besides their transaction. */
  calls: number;
  /** Distinct (action, resource, transaction) checked, local names read as the stack's resources. */
  distinct: number;
  /** The same, with all the objects of a bucket as one resource (`<releaseBucket>/*`). */
  distinctByBucket: number;
  actions: string[];
  files: number;
}

interface Tally {
  calls: number;
  keys: Set<string>;
  byBucket: Set<string>;
  actions: Set<string>;
  files: number;
}

export function functionFigures(files: readonly CheckedFile[]): FunctionFigures[] {
  const byFunction = new Map<string, Tally>();
  for (const file of files) {
    const seen = new Set<string>();
    for (const call of file.calls) {
      const tally = byFunction.get(call.fn) ?? {
        calls: 0,
        keys: new Set<string>(),
        byBucket: new Set<string>(),
        actions: new Set<string>(),
        files: 0,
      };
      byFunction.set(call.fn, tally);
      tally.calls += call.count;
      tally.keys.add(JSON.stringify([call.action, call.resource, call.via ?? '']));
      const objects = call.resource.replace(/^(arn:aws:s3:::[^/]+\/).*$/, '$1*');
      tally.byBucket.add(JSON.stringify([call.action, objects, call.via ?? '']));
      tally.actions.add(call.action);
      if (!seen.has(call.fn)) tally.files++;
      seen.add(call.fn);
    }
  }
  return [...byFunction]
    .map(([fn, tally]) => ({
      fn,
      calls: tally.calls,
      distinct: tally.keys.size,
      distinctByBucket: tally.byBucket.size,
      actions: [...tally.actions].sort(),
      files: tally.files,
    }))
    .sort((a, b) => a.fn.localeCompare(b.fn));
}

/** The summary's lines, or none when no test file recorded a call. */
export function iamCheckSummary(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const files = names.map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as CheckedFile);
  if (files.length === 0) return [];
  const failing = files.filter((file) => file.failures > 0).length;
  const stages = [...new Set(files.flatMap((file) => file.stages))];
  return [
    `IAM check: the AWS calls of ${files.length} test file(s) against the roles of ${stages.join(', ')}` +
      (failing > 0 ? ` (${failing} file(s) with calls not allowed)` : ''),
    ...functionFigures(files).map(
      (f) =>
        `  ${f.fn}: ${f.calls} calls in ${f.files} file(s); ${f.distinct} distinct (action on resource) checked, ` +
        `${f.distinctByBucket} with a bucket's objects as one; ${f.actions.length} actions: ${f.actions.join(' ')}`,
    ),
  ];
}
