/**
 * `npm run bench -- --add-event-path`: a run of the whole event path alone adds its figures to the
 * committed results of a longer run, for the sizes both hold, and the report says which run
 * measured them. The base is the committed bench/results.json without its event path figures;
 * those added are a real run's (fixtures/event-path-figures.json).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPathFigures } from '../../../bench/event-path.js';
import type { Results, SizeResult } from '../../../bench/report/results.js';
import { addEventPath } from '../../../bench/report/write-report.js';

const committed = join(import.meta.dirname, '../../../bench/results.json');
const figures = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures/event-path-figures.json'), 'utf8'),
) as EventPathFigures;

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'add-event-path-'));
  // The committed run without any event path figures (the materialized size's too), as a run
  // with `--skip event-path` leaves it.
  const base = JSON.parse(readFileSync(committed, 'utf8')) as Results;
  delete base.eventPathRuns;
  for (const result of base.results) delete result.eventPath;
  if (base.large) delete base.large.eventPath;
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(base, null, 2)}\n`);
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

const read = () => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
const measuredAt = (size: number, eventPath: EventPathFigures): SizeResult =>
  ({ size, eventPath }) as SizeResult;
const run = (commit: string) => ({
  command: 'npm run bench -- --sizes 5000 --add-event-path',
  generatedAt: '2026-12-07T12:00:00.000Z',
  durationSeconds: 1500,
  code: { commit, dirty: false },
  loadAverageAtStart: [1, 1, 1],
});

describe('addEventPath', () => {
  it('puts the figures into the size they were measured at, recomputes the targets and names the run', () => {
    const before = read();
    const size = before.results[0]?.size as number;
    const other = before.results[1]?.size as number;
    expect(addEventPath([measuredAt(size, figures)], run('a'.repeat(40)), out, false)).toEqual([size]);

    const after = read();
    expect(after.results[0]?.eventPath).toEqual(figures);
    expect(after.results[1]?.eventPath).toEqual(before.results[1]?.eventPath);
    // Everything else is the longer run's.
    expect(after.results[1]).toEqual(before.results[1]);
    expect({ ...after.results[0], eventPath: undefined }).toEqual({
      ...before.results[0],
      eventPath: undefined,
    });
    expect(after.command).toBe(before.command);
    expect(after.eventPathRuns).toEqual([{ ...run('a'.repeat(40)), sizes: [size] }]);

    const target = (name: string) => after.targets.find((t) => t.name === name);
    expect(target('projection-requests-per-release')?.value).toBe(figures.bulk.requestsPerRelease);
    expect(target('index-write-units-per-release')?.value).toBe(figures.bulk.writeUnits.indexer);
    expect(target('bulk-searchable-vs-raw-write')?.value).toBe(figures.ratio);
    // Targets the event path does not feed are unchanged.
    expect(target('facets-read-units')).toEqual(before.targets.find((t) => t.name === 'facets-read-units'));

    const markdown = readFileSync(join(out, 'RESULTS.md'), 'utf8');
    expect(markdown).toContain(`The whole event path at ${size.toLocaleString('en-US')} releases`);
    expect(markdown).toContain('code at commit aaaaaaa');
    expect(markdown).toContain('## Event path until searchable');
    expect(other).toBeGreaterThan(size);
  });

  it('replaces what an earlier added run measured at the same size', () => {
    const size = read().results[0]?.size as number;
    addEventPath([measuredAt(size, figures)], run('a'.repeat(40)), out, false);
    const again = { ...figures, ratio: 0.123 };
    addEventPath([measuredAt(size, again)], run('b'.repeat(40)), out, false);
    const after = read();
    expect(after.results[0]?.eventPath?.ratio).toBe(0.123);
    expect(after.eventPathRuns?.map((r) => r.code?.commit.slice(0, 1))).toEqual(['b']);
  });

  it('refuses figures of a size the results do not hold, and leaves them as they were', () => {
    const before = readFileSync(join(out, 'results.json'), 'utf8');
    expect(() => addEventPath([measuredAt(1234, figures)], run('a'.repeat(40)), out, false)).toThrow(/1234/);
    expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe(before);
  });
});
