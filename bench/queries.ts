/**
 * Query cost and latency per kind. Cost: the consumed read capacity DynamoDB reports for every
 * read of a page (the API handler's `onConsumedCapacity` hook), against the minimum (the returned
 * items' size, rounded up to 4 KB and halved as an eventually consistent read) and against a
 * naive full Scan with a filter. Latency: the same first-page requests to the handler in process
 * and over HTTP through the local stack, interleaved so both see the same background load. CPU per
 * request against a minimal handler making the same calls: handler-overhead.ts.
 */

import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { toApiGatewayEvent } from '#local/http-adapter.js';
import { parseParams, releasesParamsSchema } from '#query/query-params.js';
import { planReleasesQuery } from '#query/query-plan.js';
import type { ReleaseSummary } from '#release/release.js';
import { listPartition, listSortKey } from '#table/table-layout.js';
import { type AdversarialFigures, adversarialQueries, measureAdversarial } from './adversarial.js';
import type { EntityTally, WordTally } from './corpus-items.js';
import { itemSize, readUnits } from './dynamo.js';
import { type BenchEnvironment, documentClient } from './environment.js';
import { type FacetFigures, facetPaths, measureFacets } from './facets.js';
import { measureOverhead, type OverheadFigures, recordCalls } from './handler-overhead.js';
import { httpGetter } from './http-getter.js';
import type { Progress } from './progress.js';
import { median, percentile, round, sum } from './stats.js';

export const QUERY_KINDS = [
  'newest',
  'minister',
  'portfolio',
  'dates',
  'combined',
  'q-rare',
  'q-middling',
  'q-common',
  'q-phrase',
  'q-prefix',
  'q-rare-minister',
] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

export const QUERY_KIND_LABELS: Record<QueryKind, string> = {
  newest: 'newest (`/releases`)',
  minister: 'by minister',
  portfolio: 'by portfolio',
  dates: 'by dates (`from`, `to`)',
  combined: 'combined (minister, portfolio, dates)',
  'q-rare': '`q` rare word (1-5 releases)',
  'q-middling': '`q` middling word (0.1-1%)',
  'q-common': '`q` common word (>10%)',
  'q-phrase': '`q` "two-word phrase"',
  'q-prefix': '`q` prefix (`word*`)',
  'q-rare-minister': '`q` rare word with a minister',
};

export function isTextKind(kind: QueryKind): boolean {
  return kind.startsWith('q-');
}

type Params = Record<string, string>;

/** Five-year windows inside the corpus' 1990-to-end span. */
const DATE_WINDOWS: ReadonlyArray<[string, string]> = [
  ['2000-01-01', '2004-12-31'],
  ['2005-01-01', '2009-12-31'],
  ['2010-01-01', '2014-12-31'],
  ['2015-01-01', '2019-12-31'],
  ['2020-01-01', '2024-12-31'],
];
const VARIANTS = 5;

/** Word prefixes (4 letters, of middling words) no stop word starts with, with at most 40 words. */
function prefixesOf(words: WordTally, middling: readonly string[], stop: ReadonlySet<string>): string[] {
  const all = [...words.frequency.keys()];
  const out: string[] = [];
  for (const word of middling) {
    const prefix = word.slice(0, 4);
    if (out.includes(prefix) || [...stop].some((s) => s.startsWith(prefix))) continue;
    if (all.filter((w) => w.startsWith(prefix)).length <= 40) out.push(prefix);
  }
  return out.slice(0, VARIANTS);
}

/** The parameter sets of each kind at one corpus size: the busiest ministers, portfolios, pairs; words by frequency band. */
export function queryVariants(
  tally: EntityTally,
  words: WordTally,
  stop: ReadonlySet<string>,
): Record<QueryKind, Params[]> {
  const n = words.releases;
  const rare = words.within(1, 5, VARIANTS);
  const middling = words.within(Math.max(2, Math.ceil(n * 0.001)), Math.floor(n * 0.01), 40);
  const common = words.within(Math.floor(n * 0.1) + 1, n, VARIANTS);
  const phrases = words.phrases.filter((p) => p.every((w) => w.length >= 3)).slice(0, VARIANTS);
  const ministers = tally.ranked('minister').slice(0, VARIANTS);
  const portfolios = tally.ranked('portfolio').slice(0, VARIANTS);
  const pairs = tally.rankedPairs().slice(0, VARIANTS);
  return {
    newest: [{}],
    minister: ministers.map((m) => ({ minister: m.slug })),
    portfolio: portfolios.map((p) => ({ portfolio: p.slug })),
    dates: DATE_WINDOWS.map(([from, to]) => ({ from, to })),
    combined: pairs.map((pair) => ({
      minister: pair.minister,
      portfolio: pair.portfolio,
      from: '1995-01-01',
      to: '2024-12-31',
    })),
    'q-rare': rare.map((q) => ({ q })),
    'q-middling': middling.slice(0, VARIANTS).map((q) => ({ q })),
    'q-common': common.map((q) => ({ q })),
    'q-phrase': phrases.map((p) => ({ q: `"${p.join(' ')}"` })),
    'q-prefix': prefixesOf(words, middling, stop).map((p) => ({ q: `${p}*` })),
    'q-rare-minister': rare.map((q) => ({ q, minister: words.ministerOf.get(q) ?? '' })),
  };
}

/**
 * The `q`s measured besides the kinds' parameter sets: the adversarial shapes (from middling
 * words) and the word `/facets` counts the matches of.
 */
export function textQueries(
  variants: Record<QueryKind, Params[]>,
  words: WordTally,
): { adversarial: string[]; facetWord: string | undefined } {
  const middling = variants['q-middling'].map((v) => v.q ?? '');
  const wide = words.within(
    Math.max(2, Math.ceil(words.releases * 0.001)),
    Math.floor(words.releases * 0.01),
    400,
  );
  return { adversarial: adversarialQueries([...middling, ...wide]), facetWord: middling[0] };
}

export function pathOf(params: Params): string {
  const query = new URLSearchParams(params).toString();
  return query === '' ? '/releases' : `/releases?${query}`;
}

export function eventFor(path: string): APIGatewayProxyEventV2 {
  return toApiGatewayEvent({
    method: 'GET',
    url: path,
    rawHeaders: ['host', '127.0.0.1', 'user-agent', 'releases-bench'],
    httpVersion: '1.1',
    sourceIp: '127.0.0.1',
  }).event;
}

export interface CostFigures {
  pages: number;
  itemsPerPage: number;
  /** Bytes of the list items a page returns, as DynamoDB sizes items. */
  bytesPerPage: number;
  consumedPerPage: number;
  minimumPerPage: number;
  /** consumed / minimum, summed over the pages measured */
  ratio: number;
  /** Requests to DynamoDB per page. */
  readsPerPage: number;
  /** consumed / minimum of each parameter set, and their median. */
  variantRatios: number[];
  medianRatio: number;
  /** API requests each parameter set took to reach `nextCursor: null` (-1: not within the pages walked). */
  requestsToEnd: number[];
  /** The most read units one API request of this kind consumed. */
  mostUnitsPerRequest?: number;
}

export interface LatencyFigures {
  requests: number;
  inProcess: { p50: number; p99: number };
  http: { p50: number; p99: number };
  /** http.p99 / inProcess.p99 */
  p99Ratio: number;
}

export interface KindFigures {
  kind: QueryKind;
  example: string;
  cost: CostFigures;
  /** Consumed read capacity of one naive full Scan with a filter at this size (per page). */
  scanPerPage: number;
  /** scanPerPage / consumedPerPage */
  scanVsConsumed: number;
  latency: LatencyFigures;
  /** CPU per request vs a minimal handler making the same calls; absent in older results. */
  overhead?: OverheadFigures;
}

interface HandlerResult {
  statusCode?: number;
  body?: string;
}

export type Handler = (event: APIGatewayProxyEventV2) => Promise<HandlerResult>;

async function measureCost(
  handler: Handler,
  readings: () => number[],
  variants: Params[],
  pagesEach: number,
) {
  let pages = 0;
  let items = 0;
  let bytes = 0;
  let consumed = 0;
  let minimum = 0;
  let reads = 0;
  const variantRatios: number[] = [];
  const requestsToEnd: number[] = [];
  let mostUnits = 0;
  for (const variant of variants) {
    let cursor: string | undefined;
    let variantConsumed = 0;
    let variantMinimum = 0;
    let ended = -1;
    for (let page = 0; page < pagesEach; page += 1) {
      const params = { ...variant, ...(cursor ? { cursor } : {}) };
      const before = readings().length;
      const result = await handler(eventFor(pathOf(params)));
      if (result.statusCode !== 200)
        throw new Error(`${pathOf(params)}: ${result.statusCode} ${result.body}`);
      const page_ = JSON.parse(result.body ?? '{}') as { items: ReleaseSummary[]; nextCursor: string | null };
      const units = readings().slice(before);
      const pk = listPartition(planReleasesQuery(parseParams(releasesParamsSchema, variant)).scope);
      const pageBytes = sum(page_.items.map((s) => itemSize({ pk, sk: listSortKey(s.date, s.id), ...s })));
      pages += 1;
      items += page_.items.length;
      bytes += pageBytes;
      consumed += sum(units);
      mostUnits = Math.max(mostUnits, sum(units));
      reads += units.length;
      // A request never costs less than half a unit, even when it returns nothing.
      minimum += Math.max(0.5, readUnits(pageBytes));
      variantConsumed += sum(units);
      variantMinimum += Math.max(0.5, readUnits(pageBytes));
      cursor = page_.nextCursor ?? undefined;
      if (!cursor) {
        ended = page + 1;
        break;
      }
    }
    variantRatios.push(round(variantConsumed / variantMinimum, 3));
    requestsToEnd.push(ended);
  }
  return {
    pages,
    itemsPerPage: round(items / pages, 1),
    bytesPerPage: Math.round(bytes / pages),
    consumedPerPage: round(consumed / pages, 2),
    minimumPerPage: round(minimum / pages, 2),
    ratio: round(consumed / minimum, 3),
    readsPerPage: round(reads / pages, 2),
    variantRatios,
    medianRatio: round(median(variantRatios), 3),
    requestsToEnd,
    mostUnitsPerRequest: round(mostUnits, 1),
  };
}

export async function measureQueries(
  env: BenchEnvironment,
  tally: EntityTally,
  words: WordTally,
  stop: ReadonlySet<string>,
  options: {
    scanUnits: number;
    reps: number;
    textReps: number;
    overheadReps: number;
    pages: number;
    progress: Progress;
    /** Told the kind of query measured next (`adversarial` and `facets` after the kinds). */
    onKind?: (kind: string) => void;
  },
): Promise<{ kinds: KindFigures[]; adversarial: AdversarialFigures[]; facets: FacetFigures[] }> {
  const { makeHandler } = await import('#handlers/api.js');
  const readings: number[] = [];
  const costHandler = makeHandler({
    doc: documentClient(env.newDynamoClient()),
    tableName: env.tableName,
    textSearch: true,
    cursorSecret: env.cursorSecret,
    onConsumedCapacity: (capacity) => readings.push(capacity.CapacityUnits ?? 0),
  });
  // The in-process handler is configured exactly as the one behind the stack's HTTP server.
  const handler = makeHandler({
    doc: documentClient(env.newDynamoClient()),
    tableName: env.tableName,
    textSearch: true,
    cursorSecret: env.cursorSecret,
  });
  // handler-overhead: a second real handler whose client records its calls, for the baseline to replay.
  const recordingClient = env.newDynamoClient();
  const recorder = recordCalls(recordingClient);
  const recording = makeHandler({
    doc: documentClient(recordingClient),
    tableName: env.tableName,
    textSearch: true,
    cursorSecret: env.cursorSecret,
  });
  const minimalClient = env.newDynamoClient();
  const http = httpGetter(env.stack.apiUrl);
  const variants = queryVariants(tally, words, stop);
  const figures: KindFigures[] = [];
  const total = sum(
    QUERY_KINDS.map((kind) => (isTextKind(kind) ? options.textReps : options.reps) + options.overheadReps),
  );
  options.progress.phase('queries (cost, latency in process and over HTTP, handler CPU)', total);
  try {
    for (const kind of QUERY_KINDS) {
      options.onKind?.(kind);
      const sets = variants[kind];
      const cost = await measureCost(costHandler, () => readings, sets, options.pages);
      const reps = isTextKind(kind) ? options.textReps : options.reps;
      const paths = Array.from({ length: reps }, (_, i) => pathOf(sets[i % sets.length] ?? {}));
      const events = paths.map(eventFor);
      const inProcess: number[] = [];
      const overHttp: number[] = [];
      const callInProcess = async (i: number, record: boolean) => {
        const start = performance.now();
        const result = await handler(events[i % events.length] as APIGatewayProxyEventV2);
        const ms = performance.now() - start;
        if (result.statusCode !== 200) throw new Error(`${paths[i]}: in process ${result.statusCode}`);
        if (record) inProcess.push(ms);
      };
      const callHttp = async (i: number, record: boolean) => {
        const start = performance.now();
        const status = await http.get(paths[i % paths.length] ?? '/releases');
        const ms = performance.now() - start;
        if (status !== 200) throw new Error(`${paths[i]}: HTTP ${status}`);
        if (record) overHttp.push(ms);
      };
      const warmUp = Math.min(20, Math.max(3, Math.floor(reps / 10)));
      for (let i = 0; i < warmUp; i += 1) {
        await callInProcess(i, false);
        await callHttp(i, false);
      }
      for (let i = 0; i < reps; i += 1) {
        if (i % 2 === 0) {
          await callInProcess(i, true);
          await callHttp(i, true);
        } else {
          await callHttp(i, true);
          await callInProcess(i, true);
        }
        options.progress.tick();
      }
      const overhead = await measureOverhead({
        handler,
        recording,
        recorder,
        minimalClient,
        events: sets.map((set) => eventFor(pathOf(set))),
        reps: options.overheadReps,
        onRequest: () => options.progress.tick(),
      });
      const inP99 = percentile(inProcess, 99);
      const httpP99 = percentile(overHttp, 99);
      figures.push({
        kind,
        example: pathOf(sets[0] ?? {}),
        cost,
        scanPerPage: round(options.scanUnits, 1),
        scanVsConsumed: round(options.scanUnits / cost.consumedPerPage, 0),
        latency: {
          requests: reps,
          inProcess: { p50: round(percentile(inProcess, 50)), p99: round(inP99) },
          http: { p50: round(percentile(overHttp, 50)), p99: round(httpP99) },
          p99Ratio: round(httpP99 / inP99, 3),
        },
        overhead,
      });
    }
  } finally {
    options.progress.done();
    http.close();
  }
  const text = textQueries(variants, words);
  options.onKind?.('adversarial');
  const adversarial = await measureAdversarial(
    (params) => costHandler(eventFor(pathOf(params))),
    () => readings,
    text.adversarial,
    options.pages,
  );
  options.onKind?.('facets');
  const facets = await measureFacets(
    (path) => costHandler(eventFor(path)),
    () => readings,
    facetPaths(tally, text.facetWord),
  );
  return { kinds: figures, adversarial, facets };
}
