/**
 * The report's part for a materialized size (`--large`): how its table was made, the read
 * recorder's count of reads outside it, and every query target at each size side by side.
 */
import { describeSpan } from '#search/keys.js';
import type { RecorderFigures } from '../large/read-recorder.js';
import { round } from '../stats.js';
import { n, table } from './markdown-format.js';
import type { LargeResult, Results, SizeResult, Target } from './results.js';
import { computeTargets } from './targets.js';

const mb = (bytes: number) => `${n(Math.round(bytes / 1024 ** 2))} MB`;

/** The targets the queries decide, which a materialized size measures too. */
const QUERY_TARGETS: ReadonlyArray<Target['name']> = [
  'query-cost-vs-minimum',
  'q-cost-vs-minimum',
  'q-rare-requests',
  'q-worst-request-units',
  'facets-read-units',
  'handler-overhead',
];

/** The sizes whose queries were measured, loaded and materialized, for the query tables. */
export function queriedSizes(
  results: Results,
): Array<Pick<SizeResult, 'queries' | 'adversarial' | 'facets'> & { size: number; label: string }> {
  return [
    ...results.results.map((r) => ({ ...r, label: n(r.size) })),
    ...(results.large ? [{ ...results.large, label: `${n(results.large.size)} (materialized)` }] : []),
  ];
}

/** The sentence naming the run that measured the materialized size, for the report's head. */
export function largeRunLine(large: LargeResult): string {
  return (
    `The queries${large.eventPath ? ' and the whole event path' : ''} at ${n(large.size)} releases (the section "${n(large.size)} releases, materialized for the queries"${large.eventPath ? ' and the rows marked materialized' : ''}) were measured by a later run, ` +
    `\`${large.command}\`, on ${large.generatedAt.slice(0, 10)} in ${Math.round(large.durationSeconds / 60)} minutes ` +
    `(load average at start ${large.loadAverageAtStart.map((l) => l.toFixed(1)).join(' / ')})` +
    (large.code
      ? `, code at commit ${large.code.commit.slice(0, 7)}${large.code.dirty ? ' with uncommitted changes' : ''}`
      : '') +
    '; its figures count in the targets.'
  );
}

function targetValue(targets: readonly Target[], name: Target['name']): string {
  const value = targets.find((t) => t.name === name)?.value;
  return value === undefined || Number.isNaN(value) ? '-' : String(value);
}

export function largeSection(results: Results): string[] {
  const large = results.large;
  if (!large) return [];
  const m = large.materialized;
  const r = large.recorder;
  const out: string[] = [`## ${n(large.size)} releases, materialized for the queries`, ''];
  out.push(
    `The table holds only what the measured queries read (bench/large, method in \`docs/benchmark.md\`): the list items and entity ` +
      `figures of all ${n(m.releases)} releases; the stop list derived from all of them (${n(m.stopWords)} stop words, ` +
      `buckets of ${describeSpan(m.bucketYears)}); the postings of the ${n(m.terms)} terms the \`q\` parameter ` +
      `sets use or list (${n(m.postingEntries)} entries, every bucket) and ${n(m.vocabularyPartitions)} vocabulary partitions; and the ` +
      `search entries, folded copies and release items of ${n(m.releaseItems)} releases a measured walk can reach` +
      (m.toppedUp ? ` (${n(m.toppedUp)} of them added after a probe of the queries read them)` : '') +
      `. ${n(m.items)} items, ${mb(m.bytes)}${m.toppedUp === undefined ? ' as JSON' : ''}; made in ${Math.round(m.seconds.survey)} s (survey) + ` +
      `${Math.round(m.seconds.lists)} s (lists and index) + ${Math.round(m.seconds.releaseItems)} s (release items)` +
      (m.seconds.topUp ? ` + ${Math.round(m.seconds.topUp)} s (top-up)` : '') +
      ". The naive Scan's figures are computed for a whole " +
      `table of ${mb(large.fullTableBytes)} (85 KB a release).`,
    '',
  );
  out.push(
    `**Read recorder:** ${n(r.requests)} DynamoDB requests made by the measured requests, ${n(r.keysRead)} keys read and ` +
      `${n(r.partitionsQueried)} partitions queried; **${n(r.outside)} reads outside the materialized set**` +
      (r.outside > 0 ? ` (${r.outsideExamples.join('; ')})` : '') +
      '.',
    '',
  );
  out.push(...unitsByItemLines(r.unitsByKind));
  const columns = [...results.results.map((s) => s.size), large.size];
  const perSize = [
    ...results.results.map((s) => computeTargets([s], []).targets),
    computeTargets([], [], large).targets,
  ];
  out.push(
    table(
      [
        'query target',
        'limit',
        ...columns.map((size, i) => (i === columns.length - 1 ? `${n(size)} (materialized)` : n(size))),
      ],
      QUERY_TARGETS.map((name) => [
        `\`${name}\``,
        String(results.targets.find((t) => t.name === name)?.limit ?? ''),
        ...perSize.map((targets) => targetValue(targets, name)),
      ]),
    ),
    '',
  );
  return out;
}

/** Where each query kind's read units went, by kind of item (runs before the split have none). */
function unitsByItemLines(byKind: RecorderFigures['unitsByKind']): string[] {
  const kinds = Object.entries(byKind ?? {}).filter(([, items]) => Object.keys(items).length > 0);
  if (kinds.length === 0) return [];
  const lines = [
    "Read units of the measured requests by query kind and kind of item (share of the kind's units):",
    '',
  ];
  for (const [kind, items] of kinds.sort(([a], [b]) => a.localeCompare(b))) {
    const total = Object.values(items).reduce((sum, item) => sum + item.units, 0);
    const parts = Object.entries(items)
      .sort((a, b) => b[1].units - a[1].units)
      .map(([item, figures]) => `${item} ${total > 0 ? Math.round((figures.units / total) * 100) : 0} %`);
    lines.push(`- ${kind}: ${round(total, 1)} units; ${parts.join(', ')}`);
  }
  lines.push('');
  return lines;
}
