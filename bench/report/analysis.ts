/**
 * The report's analysis: for the ingest, cold-start and query targets, the figures behind each
 * result in prose, and where a target is missed, what costs the time and what would bring it down.
 */
import { isTextKind } from '../queries.js';
import { kb, n } from './markdown-format.js';
import type { Results, Target } from './results.js';

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
        'the entity recounts and the change log; the word index is its own target below.' +
        (writeUnits.byRequest
          ? ` By request and item kind, per release: ${Object.entries(writeUnits.byRequest)
              .map(([label, units]) => `${label} ${units}`)
              .join(', ')}.`
          : ''),
    );
  }
  return lines;
}

function coldStartAnalysis(results: Results, target: Target): string[] {
  const lines: string[] = [];
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
        'The bundles already leave out, or leave unevaluated until asked, what a first answer does not run: js-yaml (gray-matter requires it; ' +
        'infra/bundling.ts aliases it to a stand-in, as front-matter.ts replaces every engine), the OpenAPI ' +
        "document's schemas and the Atom feed's Markdown, HTML and XML code (loaded by `/openapi.json` and " +
        "`/releases.atom` when first asked, by a dynamic import), ICU's collator and word segmenter (made on first use), and the parser's " +
        'zod is `zod/mini`. What remains: the query parameters are validated with classic zod (about 90 KB in api and ' +
        "problems), the front matter is parsed by `yaml` (about 110 KB in ingest), and ingest's first answer makes " +
        "four requests (the key's state, the object, the release, one transaction) where the minimal handler makes " +
        'two, each command paying for its serializers on first use.',
    );
  }
  return lines;
}

function queryAnalysis(results: Results, cost: Target, overhead: Target): string[] {
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
  const measured = rows.filter((row) => row.q.overhead !== undefined);
  const worstOverhead = measured.find(
    (row) => `${row.q.kind} at ${row.size}` === results.targetsWorstAt[overhead.name],
  );
  lines.push(
    `**\`handler-overhead\` ${overhead.met ? 'met' : measured.length === 0 ? 'not measured' : 'not met'}: ${overhead.value}x (limit ${overhead.limit}x, worst ${results.targetsWorstAt[overhead.name] ?? ''}).** ` +
      (worstOverhead?.q.overhead
        ? `The median request of the worst kind took ${worstOverhead.q.overhead.realCpuUs} µs of CPU in the handler's process against ` +
          `${worstOverhead.q.overhead.minimalCpuUs} µs for a handler making its ${worstOverhead.q.overhead.callsPerRequest} DynamoDB calls and returning their items as JSON. `
        : results.settings.skipped?.includes('queries')
          ? 'This run left the queries out (`--skip queries`), and this measurement with them. '
          : 'This run predates the measurement (CPU per request against a minimal handler making the same calls). ') +
      (plain.length === 0
        ? ''
        : `Over HTTP, the local API Gateway stand-in and a keep-alive loopback connection add about ${(
            plain.reduce((total, row) => total + (row.q.latency.http.p50 - row.q.latency.inProcess.p50), 0) /
              Math.max(1, plain.length)
          ).toFixed(
            1,
          )} ms at p50 to pages without \`q\` (reported, not a target: its p99 is the noise of a shared machine).`),
  );
  return lines;
}

export function analysis(results: Results): string[] {
  const byName = new Map(results.targets.map((t) => [t.name, t]));
  const ingest = byName.get('ingest-vs-raw-write');
  const cold = byName.get('cold-start-vs-minimal');
  const cost = byName.get('query-cost-vs-minimum');
  const overhead = byName.get('handler-overhead');
  return [
    ...(ingest ? ingestAnalysis(results, ingest) : []),
    ...(cold ? coldStartAnalysis(results, cold) : []),
    ...(cost && overhead ? queryAnalysis(results, cost, overhead) : []),
  ];
}
