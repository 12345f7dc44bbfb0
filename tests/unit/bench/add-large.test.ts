/**
 * `npm run bench -- --large`: a materialized size's figures (a real run's, at 5,000 releases,
 * fixtures/large-figures.json) added to the committed results of a longer run. Its queries count
 * in the query targets, and the report names the run, shows how the table was made, the read
 * recorder's count, and every query target at each size.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPathFigures } from '../../../bench/event-path.js';
import type { LargeFigures } from '../../../bench/large/measure-large.js';
import type { LargeResult, Results } from '../../../bench/report/results.js';
import { addLarge } from '../../../bench/report/write-report.js';

const committed = join(import.meta.dirname, '../../../bench/results.json');
const figures = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures/large-figures.json'), 'utf8'),
) as LargeFigures;

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'add-large-'));
  const base = JSON.parse(readFileSync(committed, 'utf8')) as Results;
  delete base.large;
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(base, null, 2)}\n`);
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

const read = () => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
const large = (changes: Partial<LargeFigures> = {}): LargeResult => ({
  ...figures,
  size: 500_000,
  ...changes,
  command: 'npm run bench -- --large',
  generatedAt: '2026-12-07T18:00:00.000Z',
  durationSeconds: 4200,
  code: { commit: 'b'.repeat(40), dirty: false },
  loadAverageAtStart: [0.5, 0.5, 0.5],
});

const eventPath = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures/event-path-figures.json'), 'utf8'),
) as EventPathFigures;

describe('addLarge', () => {
  it('keeps the longer run and reports the materialized size beside its sizes', () => {
    const before = read();
    addLarge(large(), out, false);
    const after = read();
    expect(after.large).toEqual(large());
    expect(after.results).toEqual(before.results);
    expect(after.command).toBe(before.command);
    const markdown = readFileSync(join(out, 'RESULTS.md'), 'utf8');
    expect(markdown).toContain('The queries at 500,000 releases');
    expect(markdown).toContain('## 500,000 releases, materialized for the queries');
    expect(markdown).toContain('**0 reads outside the materialized set**');
    expect(markdown).toMatch(/\| `q-rare-requests` \| 2 \| 1 \| \d+ \| 1 \|/);
    expect(markdown).toContain('| 500,000 (materialized) | newest (`/releases`) |');
  });

  it('counts its queries in the targets: a worse figure there is the worst', () => {
    const worse = structuredClone(figures.queries);
    const rare = worse.find((q) => q.kind === 'q-rare');
    if (!rare) throw new Error('no q-rare figures');
    rare.cost.requestsToEnd = [1, 3, 1, 1, 1];
    addLarge(large({ queries: worse }), out, false);
    const after = read();
    expect(after.targets.find((t) => t.name === 'q-rare-requests')).toMatchObject({ value: 3, met: false });
    expect(after.targetsWorstAt['q-rare-requests']).toBe('at 500000');
  });

  it('reports the whole event path into the materialized table beside the loaded sizes, and counts it', () => {
    const costly = structuredClone(eventPath);
    costly.bulk.requestsPerRelease = 99;
    addLarge(large({ eventPath: costly }), out, false);
    const after = read();
    expect(after.targets.find((t) => t.name === 'projection-requests-per-release')).toMatchObject({
      value: 99,
      met: false,
    });
    expect(after.targetsWorstAt['projection-requests-per-release']).toMatch(/^at 500000 /);
    const markdown = readFileSync(join(out, 'RESULTS.md'), 'utf8');
    expect(markdown).toContain('The queries and the whole event path at 500,000 releases');
    expect(markdown).toContain(`| 500,000 (materialized) | 99 |`);
  });
});
