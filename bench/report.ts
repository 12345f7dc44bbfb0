/** results.json's shape, the four targets, and the Markdown report made from them. */
import type { BundleFigures, ColdStartFigures } from './cold-start.js';
import type { IngestFigures } from './ingest.js';
import { isTextKind, type KindFigures, QUERY_KIND_LABELS } from './queries.js';
import { round } from './stats.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverageAtStart: number[];
}

export interface SizeResult {
  size: number;
  /** Releases in the newest-first list after loading, counted with a Query. */
  releasesListed: number;
  table: { bytes: number; items: number };
  /** Files loaded by the raw path before the ingest sample (the rest of the size). */
  bulkLoaded: number;
  ingest: IngestFigures;
  queries: KindFigures[];
}

export interface ScanCalibration {
  releases: number;
  tableBytes: number;
  measuredUnits: number;
  computedUnits: number;
  pages: number;
  /** measured / computed */
  agreement: number;
}

export interface Target {
  name: 'query-cost-vs-minimum' | 'ingest-vs-raw-write' | 'cold-start-vs-minimal' | 'http-p99-vs-in-process';
  value: number;
  limit: number;
  met: boolean;
  /** Where the worst value was found. */
  at: string;
}

export interface Results {
  generatedAt: string;
  command: string;
  durationSeconds: number;
  machine: Machine;
  corpus: { generator: string; seed: number; endDate: string };
  settings: {
    concurrency: number;
    ingestSample: number;
    ingestChunk: number;
    latencyRequests: number;
    textLatencyRequests: number;
    costPagesPerVariant: number;
    coldStartRuns: number;
    dynamodbLocal: string;
  };
  sizes: number[];
  scanCalibration: ScanCalibration;
  results: SizeResult[];
  bundles: BundleFigures[];
  coldStarts: ColdStartFigures[];
  targets: Target[];
}

function worst<T>(items: T[], value: (item: T) => number, higherIsWorse: boolean): T | undefined {
  return items.reduce<T | undefined>((found, item) => {
    if (found === undefined) return item;
    return higherIsWorse === value(item) > value(found) ? item : found;
  }, undefined);
}

export function computeTargets(results: SizeResult[], coldStarts: ColdStartFigures[]): Target[] {
  const kinds = results.flatMap((r) => r.queries.map((q) => ({ size: r.size, q })));
  const cost = worst(
    kinds.filter((k) => !isTextKind(k.q.kind)),
    (k) => k.q.cost.ratio,
    true,
  );
  const ingest = worst(results, (r) => r.ingest.ratio, false);
  const cold = worst(coldStarts, (c) => c.ratio, true);
  const http = worst(kinds, (k) => k.q.latency.p99Ratio, true);
  const target = (
    name: Target['name'],
    value: number,
    limit: number,
    atLeast: boolean,
    at: string,
  ): Target => ({
    name,
    value: round(value, 3),
    limit,
    met: atLeast ? value >= limit : value <= limit,
    at,
  });
  return [
    target(
      'query-cost-vs-minimum',
      cost?.q.cost.ratio ?? Number.NaN,
      1.2,
      false,
      cost ? `${cost.q.kind} at ${cost.size}` : '',
    ),
    target(
      'ingest-vs-raw-write',
      ingest?.ingest.ratio ?? Number.NaN,
      0.5,
      true,
      ingest ? `at ${ingest.size}` : '',
    ),
    target('cold-start-vs-minimal', cold?.ratio ?? Number.NaN, 1.5, false, cold ? cold.function : ''),
    target(
      'http-p99-vs-in-process',
      http?.q.latency.p99Ratio ?? Number.NaN,
      1.5,
      false,
      http ? `${http.q.kind} at ${http.size}` : '',
    ),
  ];
}

const TARGET_TEXT: Record<Target['name'], string> = {
  'query-cost-vs-minimum': 'non-`q` query cost vs minimum (worst kind, any size)',
  'ingest-vs-raw-write': 'ingest vs raw write rate (worst size)',
  'cold-start-vs-minimal': 'cold start vs minimal handler (worst function)',
  'http-p99-vs-in-process': 'HTTP p99 vs in-process p99 (worst kind, any size)',
};

function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const n = (value: number) => value.toLocaleString('en-US');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

function analysis(results: Results): string[] {
  const lines: string[] = [];
  const byName = new Map(results.targets.map((t) => [t.name, t]));
  const ingest = byName.get('ingest-vs-raw-write');
  const last = results.results.at(-1);
  if (ingest && last) {
    const requests = last.ingest.eventPath.requests;
    const perRelease = requests.reduce((total, r) => total + r.perRelease, 0);
    const top = requests
      .slice(0, 4)
      .map(
        (r) =>
          `${r.request} (${r.perRelease} per release, ${r.meanMs} ms mean, ${(r.share * 100).toFixed(0)}% of request time)`,
      )
      .join('; ');
    lines.push(
      `**Ingest ${ingest.met ? 'met' : 'missed'}** (${ingest.value}x, limit ${ingest.limit}x). ` +
        `At ${n(last.size)} the event path made ${perRelease.toFixed(1)} requests per release against ` +
        `${(last.ingest.rawWrite.requests / last.ingest.sample).toFixed(2)} BatchWriteItem requests per release on the raw path ` +
        `(${last.ingest.rawWrite.itemsPerRelease} items per release, 25 per request). By request time: ${top}.`,
    );
  }
  return lines;
}

export function renderMarkdown(results: Results, notes: string[]): string {
  const out: string[] = [];
  const m = results.machine;
  out.push('# Benchmark results', '');
  out.push(
    `Generated by \`${results.command}\` on ${results.generatedAt.slice(0, 10)} in ${Math.round(results.durationSeconds / 60)} minutes. ` +
      `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform}); load average at start ` +
      `${m.loadAverageAtStart.map((l) => l.toFixed(1)).join(' / ')} (a machine shared with other work: absolute figures are noisy, ` +
      'every target is a ratio against a baseline measured in the same run). DynamoDB Local in memory; method in `docs/benchmark.md`.',
    '',
  );
  out.push('## Targets', '');
  out.push(
    table(
      ['target', 'value', 'limit', 'met', 'worst at'],
      results.targets.map((t) => [
        `\`${t.name}\`: ${TARGET_TEXT[t.name]}`,
        `${t.value}x`,
        `${t.name === 'ingest-vs-raw-write' ? '>=' : '<='} ${t.limit}x`,
        t.met ? 'met' : '**not met**',
        t.at,
      ]),
    ),
    '',
  );
  out.push('## Ingest: S3-event path vs raw BatchWriteItem', '');
  out.push(
    table(
      [
        'size',
        'sample (files)',
        'releases before',
        'event path (releases/s)',
        'raw write (releases/s)',
        'ratio',
        'retries / failures',
        'upload to s3rver (files/s)',
      ],
      results.results.map((r) => [
        n(r.size),
        n(r.ingest.sample),
        n(r.ingest.releasesBefore),
        r.ingest.eventPath.releasesPerSecond,
        r.ingest.rawWrite.releasesPerSecond,
        `${r.ingest.ratio}x`,
        `${r.ingest.eventPath.retries} / ${r.ingest.eventPath.failures}`,
        r.ingest.upload.filesPerSecond,
      ]),
    ),
    '',
  );
  const last = results.results.at(-1);
  if (last) {
    out.push(
      `Requests the event path made at ${n(last.size)} (timed by a middleware on the handler's SDK clients):`,
      '',
    );
    out.push(
      table(
        ['request', 'per release', 'mean ms', 'share of request time'],
        last.ingest.eventPath.requests.map((r) => [
          r.request,
          r.perRelease,
          r.meanMs,
          `${(r.share * 100).toFixed(1)}%`,
        ]),
      ),
      '',
    );
  }
  out.push('## Query cost per page (read capacity units, eventually consistent)', '');
  out.push(
    table(
      [
        'size',
        'kind',
        'items/page',
        'consumed RCU/page',
        'minimum RCU/page',
        'consumed / minimum',
        'reads/page',
        'naive Scan RCU/page',
        'Scan / consumed',
      ],
      results.results.flatMap((r) =>
        r.queries.map((q) => [
          n(r.size),
          QUERY_KIND_LABELS[q.kind],
          q.cost.itemsPerPage,
          q.cost.consumedPerPage,
          q.cost.minimumPerPage,
          `${q.cost.ratio}x`,
          q.cost.readsPerPage,
          n(q.scanPerPage),
          `${n(q.scanVsConsumed)}x`,
        ]),
      ),
    ),
    '',
  );
  out.push('## Query latency, first page (ms)', '');
  out.push(
    table(
      [
        'size',
        'kind',
        'requests',
        'in-process p50',
        'in-process p99',
        'HTTP p50',
        'HTTP p99',
        'HTTP p99 / in-process p99',
      ],
      results.results.flatMap((r) =>
        r.queries.map((q) => [
          n(r.size),
          QUERY_KIND_LABELS[q.kind],
          q.latency.requests,
          q.latency.inProcess.p50,
          q.latency.inProcess.p99,
          q.latency.http.p50,
          q.latency.http.p99,
          `${q.latency.p99Ratio}x`,
        ]),
      ),
    ),
    '',
  );
  out.push('## Bundles and cold starts', '');
  out.push(
    table(
      [
        'function',
        'bundle',
        'gzip',
        'minimal bundle',
        'minimal gzip',
        'cold start (load + answer) ms',
        'minimal ms',
        'ratio',
        'process start to answer ms (real / minimal)',
      ],
      results.coldStarts.map((c) => {
        const b = results.bundles.find((x) => x.function === c.function);
        return [
          c.function,
          b ? kb(b.bytes) : '',
          b ? kb(b.gzipBytes) : '',
          b ? kb(b.minimalBytes) : '',
          b ? kb(b.minimalGzipBytes) : '',
          c.real.coldMs,
          c.minimal.coldMs,
          `${c.ratio}x`,
          `${c.real.processMs} / ${c.minimal.processMs}`,
        ];
      }),
    ),
    '',
    `Medians of ${results.settings.coldStartRuns} runs each, real and minimal alternating; a cold start is the import of the bundle plus the first answer (Lambda's init and first invoke); Node's own start-up is in the last column.`,
    '',
  );
  out.push('## Notes', '');
  for (const note of notes) out.push(`- ${note}`);
  out.push('');
  const findings = analysis(results);
  if (findings.length > 0) {
    out.push('## Analysis', '');
    for (const finding of findings) out.push(finding, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
