/** The Markdown report made from results.json. */
import type { IndexFigures } from './corpus-items.js';
import { isTextKind, QUERY_KIND_LABELS } from './queries.js';
import type { Results, Target } from './report/results.js';

const TARGET_TEXT: Record<Target['name'], string> = {
  'query-cost-vs-minimum': 'non-`q` query cost vs minimum (worst kind, any size)',
  'ingest-vs-raw-write':
    'ingest (through the projector, without the word index) vs raw write rate (worst size)',
  'write-units-vs-minimum': 'write units per release on the event path vs the items it owns (worst size)',
  'cold-start-vs-minimal': 'cold start vs minimal handler (worst of ingest, api, problems)',
  'http-p99-vs-in-process': 'HTTP p99 vs in-process p99 (worst kind, any size)',
  'q-cost-vs-minimum': '`q` read units per page vs minimum (worst kind, median over its parameter sets)',
  'q-rare-requests': "API requests until a rare word's results are complete (worst parameter set)",
  'index-write-units-per-release': 'word index write units per release in a bulk load (worst size)',
};

/** How a target's value and limit read: ratios with `x`, counts plain. */
function targetUnit(name: Target['name']): string {
  return name === 'q-rare-requests' || name === 'index-write-units-per-release' ? '' : 'x';
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const n = (value: number) => value.toLocaleString('en-US');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

function ingestAnalysis(results: Results, target: Target): string[] {
  const last = results.results.at(-1);
  if (!last) return [];
  const { eventPath, rawWrite, writeUnits } = last.ingest;
  const perRelease = eventPath.requests.reduce((total, r) => total + r.perRelease, 0);
  const cpuEvent = eventPath.cpuMsPerRelease.node + eventPath.cpuMsPerRelease.dynamodbLocal;
  const cpuRaw = rawWrite.cpuMsPerRelease.node + rawWrite.cpuMsPerRelease.dynamodbLocal;
  const top = eventPath.requests
    .slice(0, 6)
    .map((r) => `${r.request} ${r.perRelease} x ${r.meanMs} ms (${(r.share * 100).toFixed(0)}%)`)
    .join(', ');
  const lines = [
    `**\`ingest-vs-raw-write\` ${target.met ? 'met' : 'not met'}: ${target.value}x (limit ${target.limit}x).** ` +
      `At ${n(last.size)} each file took ${perRelease.toFixed(1)} requests on the event path, ingest and projector together ` +
      `(${top}), against ${(rawWrite.requests / last.ingest.sample).toFixed(2)} BatchWriteItem requests per release on the raw path ` +
      `(${rawWrite.itemsPerRelease} items per release, 25 per request). CPU per release: event path ${eventPath.cpuMsPerRelease.node} ms in ` +
      `Node (handlers, SDK, parser, and the in-process s3rver) + ${eventPath.cpuMsPerRelease.dynamodbLocal} ms in DynamoDB Local = ` +
      `${cpuEvent.toFixed(1)} ms; raw path ${rawWrite.cpuMsPerRelease.node} + ${rawWrite.cpuMsPerRelease.dynamodbLocal} = ${cpuRaw.toFixed(1)} ms. ` +
      'The event path reads the key state and the object, reads the release, commits one transaction of the items the file ' +
      'owns, then the projector writes the list items and the change log and recounts the entity months the batch touched ' +
      '(the word index is left out of both paths: its cost is its own target).',
  ];
  if (writeUnits) {
    lines.push(
      `Write units per release: ${writeUnits.eventPath} on the event path against ${writeUnits.minimum} for putting the items the ` +
        `release owns once (${writeUnits.ratio}x). The transaction costs twice the units of plain writes, and the projector adds ` +
        'the entity recounts and the change log; the word index is its own target below.',
    );
  }
  return lines;
}

function coldStartAnalysis(results: Results, target: Target): string[] {
  const lines: string[] = [];
  const last = results.results.at(-1);
  const parts = results.coldStarts
    .map((c) => {
      const b = results.bundles.find((x) => x.function === c.function);
      const biggest = b?.largest[0];
      return (
        `${c.function} ${c.ratio}x (load ${c.real.initMs} vs ${c.minimal.initMs} ms, first answer ${c.real.invokeMs} vs ` +
        `${c.minimal.invokeMs} ms; bundle ${b ? kb(b.bytes) : '?'} vs ${b ? kb(b.minimalBytes) : '?'}` +
        `${biggest ? `, of which ${biggest.source} ${kb(biggest.bytes)}` : ''})`
      );
    })
    .join('; ');
  lines.push(
    `**\`cold-start-vs-minimal\` ${target.met ? 'met' : 'not met'}: ${target.value}x (limit ${target.limit}x, worst ${results.targetsWorstAt[target.name] ?? ''}).** ${parts}. ` +
      `Without Node's own start-up (the same in both) the ratios are ${results.coldStarts.map((c) => `${c.function} ${c.loadAndAnswerRatio}x`).join(', ')}.`,
  );
  const project = results.coldStarts.find((c) => c.function === 'project');
  if (project) {
    lines.push(
      `The projector is not part of the target: nobody waits for its start-up (it runs behind the stream), and its first answer is a ` +
        `batch's projection, the replay of a release already projected and indexed: about thirty DynamoDB requests (its state, ` +
        `list items, change log, entity recounts, folded copy and stop list) against the minimal handler's one ` +
        `(${project.real.invokeMs} vs ${project.minimal.invokeMs} ms here). Its loading is ` +
        `${project.real.initMs} vs ${project.minimal.initMs} ms.`,
    );
  }
  if (!target.met || results.coldStarts.some((c) => c.loadAndAnswerRatio > target.limit)) {
    lines.push(
      'Why: loading is proportional to the code evaluated, and the bundles carry more than the SDK (largest parts above: ' +
        `${results.bundles
          .map(
            (b) =>
              `${b.function} ${b.largest
                .filter((part) => !part.source.startsWith('@aws-sdk/') && !part.source.startsWith('@smithy/'))
                .slice(0, 3)
                .map((part) => `${part.source} ${kb(part.bytes)}`)
                .join(', ')}`,
          )
          .join('; ')}). ` +
        'The query functions build at import the zod schemas of every parameter and of the OpenAPI document ' +
        '(functions/query/query-schemas.ts through query-openapi.ts, which `/problems` imports for its cache policy), although only ' +
        '`/openapi.json` needs the response schemas. ' +
        `${results.bundles.some((b) => b.largest.some((part) => part.source === 'js-yaml')) ? "Ingest bundles two YAML parsers (`yaml` for the parser, `js-yaml` through gray-matter's default engines). " : ''}` +
        `The ingest first answer makes ${last ? last.ingest.eventPath.requests.reduce((total, r) => total + r.perRelease, 0).toFixed(0) : 'several'} ` +
        'DynamoDB and S3 requests where the minimal handler makes two, and the first use of each command pays for its ' +
        "serializers. What would bring it down: build the OpenAPI document's schemas only for `/openapi.json` (a dynamic " +
        'import) and give `/problems` its cache policy from routes.ts; `zod/mini` or plain validators for the handful of ' +
        'parameters; the front matter split without gray-matter (the parser already uses `yaml`).',
    );
  }
  return lines;
}

function queryAnalysis(results: Results, cost: Target, http: Target): string[] {
  const lines: string[] = [];
  const rows = results.results.flatMap((r) => r.queries.map((q) => ({ size: r.size, q })));
  const plain = rows.filter((row) => !isTextKind(row.q.kind));
  const text = rows.filter((row) => isTextKind(row.q.kind));
  const maxScanRatio = Math.min(...plain.map((row) => row.q.scanVsConsumed));
  lines.push(
    `**\`query-cost-vs-minimum\` ${cost.met ? 'met' : 'not met'}: ${cost.value}x (limit ${cost.limit}x, worst ${results.targetsWorstAt[cost.name] ?? ''}).** ` +
      'Every page without `q` is one Query of its list partition, and its cost does not grow with the table: the same ' +
      `${plain.map((row) => row.q.cost.consumedPerPage).reduce((a, b) => Math.min(a, b), Infinity)} to ` +
      `${plain.map((row) => row.q.cost.consumedPerPage).reduce((a, b) => Math.max(a, b), 0)} RCU per page at every size, while a naive ` +
      `Scan costs ${n(Math.min(...plain.map((row) => row.q.scanPerPage)))} to ${n(Math.max(...plain.map((row) => row.q.scanPerPage)))} RCU ` +
      `per page (at least ${n(maxScanRatio)}x more). What is left above the minimum is the one extra item each page reads to know ` +
      'whether a next page exists (functions/query/aws/dynamodb-release-reader.ts, `Limit: limit + 1`): when the 21st item takes ' +
      'the read across a 4 KB boundary the page costs half a unit more, so the ratio lands between 1.0x and about 1.2x depending ' +
      'on the sizes of the items near the page end. Reading exactly `limit` items and taking `LastEvaluatedKey` as the next ' +
      'page would remove it, at the price of an occasional empty last page.',
  );
  lines.push(
    `\`q\` per kind (consumed / minimum, median over parameter sets; requests to the end): ${text
      .map(
        (row) =>
          `${row.q.kind} at ${n(row.size)} ${row.q.cost.medianRatio ?? row.q.cost.ratio}x, ${row.q.cost.consumedPerPage} RCU/page, ` +
          `${(row.q.cost.requestsToEnd ?? []).map((r) => (r < 0 ? '>pages' : r)).join('/')}`,
      )
      .join(
        '; ',
      )}. Words with postings walk the rarest term's postings and read one small search entry per ` +
      'candidate; a query of stop words only (in more than a tenth of the releases when the index was built) uses the ' +
      'bounded scan, where matches are dense.',
  );
  const worstHttp = rows.find((row) => `${row.q.kind} at ${row.size}` === results.targetsWorstAt[http.name]);
  lines.push(
    `**\`http-p99-vs-in-process\` ${http.met ? 'met' : 'not met'}: ${http.value}x (limit ${http.limit}x, worst ${results.targetsWorstAt[http.name] ?? ''}).** ` +
      `The local API Gateway stand-in and a keep-alive loopback connection add about ${(
        plain.reduce((total, row) => total + (row.q.latency.http.p50 - row.q.latency.inProcess.p50), 0) /
          Math.max(1, plain.length)
      ).toFixed(
        1,
      )} ms at p50 to pages without \`q\`. p99 is the slowest 1% on a shared machine, so it is the noisiest figure here` +
      `${worstHttp ? ` (the worst: ${worstHttp.q.latency.inProcess.p99} ms in process, ${worstHttp.q.latency.http.p99} ms over HTTP, of ${worstHttp.q.latency.requests} requests each)` : ''}.`,
  );
  return lines;
}

function analysis(results: Results): string[] {
  const byName = new Map(results.targets.map((t) => [t.name, t]));
  const ingest = byName.get('ingest-vs-raw-write');
  const cold = byName.get('cold-start-vs-minimal');
  const cost = byName.get('query-cost-vs-minimum');
  const http = byName.get('http-p99-vs-in-process');
  return [
    ...(ingest ? ingestAnalysis(results, ingest) : []),
    ...(cold ? coldStartAnalysis(results, cold) : []),
    ...(cost && http ? queryAnalysis(results, cost, http) : []),
  ];
}

export function renderMarkdown(results: Results, notes: string[]): string {
  const out: string[] = [];
  const m = results.machine;
  out.push('# Benchmark results', '');
  out.push(
    `Generated by \`${results.command}\` on ${results.generatedAt.slice(0, 10)} in ${Math.round(results.durationSeconds / 60)} minutes. ` +
      `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform}); load average at start ` +
      `${m.loadAverageAtStart.map((l) => l.toFixed(1)).join(' / ')} (a machine shared with other work: absolute figures are noisy, ` +
      `every target is a ratio against a baseline measured in the same run). DynamoDB Local ${results.settings.dynamodbLocal.replace(', shared database', '')}; method in \`docs/benchmark.md\`.` +
      (results.code
        ? ` Code measured: commit ${results.code.commit.slice(0, 7)}${results.code.dirty ? ' with uncommitted changes' : ''}.`
        : ''),
    '',
  );
  out.push('## Targets', '');
  out.push(
    table(
      ['target', 'value', 'limit', 'met', 'worst at'],
      results.targets.map((t) => [
        `\`${t.name}\`: ${TARGET_TEXT[t.name]}`,
        `${t.value}${targetUnit(t.name)}`,
        `${t.name === 'ingest-vs-raw-write' ? '>=' : '<='} ${t.limit}${targetUnit(t.name)}`,
        t.met ? 'met' : '**not met**',
        results.targetsWorstAt[t.name] ?? '',
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
  out.push(
    table(
      ['size', 'CPU ms per release: event path (Node + DynamoDB Local)', 'raw write (Node + DynamoDB Local)'],
      results.results.map((r) => {
        const e = r.ingest.eventPath.cpuMsPerRelease;
        const w = r.ingest.rawWrite.cpuMsPerRelease;
        return [n(r.size), `${e.node} + ${e.dynamodbLocal}`, `${w.node} + ${w.dynamodbLocal}`];
      }),
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
  const indexed = results.results.filter((r) => r.index !== undefined);
  if (indexed.length > 0) {
    out.push('## Word index (bulk load)', '');
    out.push(
      table(
        [
          'size',
          'releases indexed',
          'stop words',
          'common pairs',
          'bucket years',
          'write units / release',
          'bytes / release',
          'by item kind (WCU, bytes per release)',
          'seconds',
        ],
        indexed.map((r) => {
          const index = r.index as IndexFigures;
          return [
            n(r.size),
            n(index.releases),
            n(index.stopWords),
            n(index.commonPairs ?? 0),
            index.bucketYears ?? 1,
            index.writeUnitsPerRelease,
            n(Math.round(index.bytesPerRelease)),
            Object.entries(index.byKind)
              .map(([kind, f]) => `${kind} ${f.writeUnits} WCU, ${n(Math.round(f.bytes))} B`)
              .join('; '),
            index.seconds,
          ];
        }),
      ),
      '',
    );
  }
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
        'bundle (gzip)',
        'minimal bundle (gzip)',
        'cold start ms',
        'minimal ms',
        'ratio',
        'load + answer ms (real / minimal)',
        'ratio without Node start-up',
      ],
      results.coldStarts.map((c) => {
        const b = results.bundles.find((x) => x.function === c.function);
        return [
          c.function,
          b ? `${kb(b.bytes)} (${kb(b.gzipBytes)})` : '',
          b ? `${kb(b.minimalBytes)} (${kb(b.minimalGzipBytes)})` : '',
          c.real.processMs,
          c.minimal.processMs,
          `${c.ratio}x`,
          `${c.real.initMs} + ${c.real.invokeMs} / ${c.minimal.initMs} + ${c.minimal.invokeMs}`,
          `${c.loadAndAnswerRatio}x`,
        ];
      }),
    ),
    '',
    `Medians of ${results.settings.coldStartRuns} runs each, real and minimal alternating. Cold start: a fresh \`node\` process from its start to its answer (as Lambda's init duration includes the runtime's start-up), split into loading the bundle and the first answer.`,
    '',
  );
  out.push('Largest parts of each bundle:', '');
  out.push(
    table(
      ['function', 'largest contributors (minified bytes in the bundle)'],
      results.bundles.map((b) => [
        b.function,
        b.largest
          .slice(0, 6)
          .map((part) => `${part.source} ${kb(part.bytes)}`)
          .join(', '),
      ]),
    ),
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
