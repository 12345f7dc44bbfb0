/**
 * Lambda entry point of the public query API: every route of routes.ts served by function `api`,
 * plus problem+json 404s for whatever reaches the `$default` route.
 * HTTP event -> query/aws/http.ts -> query/query-releases.ts -> query/aws/dynamodb-release-reader.ts.
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { cursorSecretSource, envSwitch, requireEnv } from '#platform/aws/config.js';
import { logger } from '#platform/aws/logger.js';
import { createMetrics, type Metrics } from '#platform/aws/metrics.js';
import { NO_ROUTE } from '#platform/metric-names.js';
import { DynamoChangeReader } from '#query/aws/dynamodb-change-reader.js';
import { DynamoFacetReader } from '#query/aws/dynamodb-facet-reader.js';
import { DynamoReleaseReader } from '#query/aws/dynamodb-release-reader.js';
import { type MatchedRequest, type Ok, queryOf, serve } from '#query/aws/http.js';
import { publishRequestMetrics, RequestWork } from '#query/aws/request-metrics.js';
import {
  type CursorSecret,
  resolveCursorSecret,
  SecretsManagerCursorKeys,
} from '#query/aws/secrets-manager.js';
import { listChanges } from '#query/query-changes.js';
import type { CursorKeys } from '#query/query-cursor.js';
import { getFacets } from '#query/query-facets.js';
import { noParamsSchema, parseParams } from '#query/query-params.js';
import {
  DEFAULT_TEXT_BUDGET,
  getRelease,
  listEntities,
  listReleases,
  type QueryContext,
  releasesFeed,
  type TextSearchBudget,
} from '#query/query-releases.js';
import { DynamoIndexReader, type StopListCache } from '#search/aws/dynamodb-index-reader.js';
import { ReadMeter } from '#search/budget.js';
import type { DynamoReadOptions } from '#table/aws/dynamodb-reads.js';

export interface ApiDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** Whether `q` is served; off answers `q` with a 400 that says so. */
  textSearch: boolean;
  /** HMAC keys for page cursors, or where to read them (Secrets Manager in the cloud). */
  cursorSecret: CursorSecret;
  /** @default DEFAULT_TEXT_BUDGET */
  textBudget?: Partial<TextSearchBudget>;
  /** Receives DynamoDB's consumed capacity of every read (tests, benchmark). */
  onConsumedCapacity?: (capacity: ConsumedCapacity) => void;
  /** @default Date.now */
  now?: () => number;
  /**
   * Receives each request's metrics (route, status, read units, `q` work).
   * @default - no metrics (the Lambda entry point passes the function's own)
   */
  metrics?: Metrics;
  /** How far behind now `/changes` serves the log. @default DEFAULT_READ_LAG_MILLIS */
  changeLagMillis?: number;
}

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The query context of one request; `work` gathers what it reads, for metrics. Every read asks
 * DynamoDB for its consumed capacity, which the request's `meter` counts (the `q` budget). The
 * stop list read is kept across the requests of one handler (`stopLists`).
 */
export function queryContext(
  deps: ApiDeps,
  work?: RequestWork,
  keys?: string | CursorKeys,
  stopLists: StopListCache = {},
): QueryContext {
  const cursorSecret = keys ?? (typeof deps.cursorSecret === 'function' ? undefined : deps.cursorSecret);
  if (cursorSecret === undefined) throw new Error('queryContext needs the cursor keys read first');
  const meter = new ReadMeter();
  const sinks = [
    deps.onConsumedCapacity,
    work?.onConsumedCapacity,
    (capacity: ConsumedCapacity) => meter.record(capacity.CapacityUnits ?? 0),
  ].filter((sink) => sink !== undefined);
  const options: DynamoReadOptions = {
    onConsumedCapacity: (capacity) => {
      for (const sink of sinks) sink(capacity);
    },
  };
  const ctx: QueryContext = {
    reader: new DynamoReleaseReader(deps.doc, deps.tableName, options),
    // The same table holds the word index; `q` falls back to the scan while it is not built.
    search: new DynamoIndexReader(deps.doc, deps.tableName, { ...options, stopListCache: stopLists }),
    meter,
    cursorSecret,
    textSearch: deps.textSearch,
    textBudget: { ...DEFAULT_TEXT_BUDGET, ...deps.textBudget },
    now: deps.now ?? Date.now,
    ...(work ? { onTextSearch: work.onTextSearch } : {}),
  };
  readOptionsOf.set(ctx, options);
  return ctx;
}

/** Each context's read options, for the readers an operation makes beside it. */
const readOptionsOf = new WeakMap<QueryContext, DynamoReadOptions>();

/** What `/facets` reads beside the releases: the aggregates, with the same capacity sinks. */
function facetReader(ctx: QueryContext, deps: ApiDeps): DynamoFacetReader {
  return new DynamoFacetReader(deps.doc, deps.tableName, readOptionsOf.get(ctx) ?? {});
}

/** What `/changes` reads: the change log beside the releases of the same request's reader. */
function changesContext(ctx: QueryContext, deps: ApiDeps) {
  return {
    changes: new DynamoChangeReader(
      deps.doc,
      deps.tableName,
      ctx.reader as DynamoReleaseReader,
      deps.onConsumedCapacity,
    ),
    cursorSecret: ctx.cursorSecret,
    now: ctx.now,
    ...(deps.changeLagMillis !== undefined ? { lagMillis: deps.changeLagMillis } : {}),
  };
}

/** A JSON body, or a body already serialised in another media type; the cache policy is the route's. */
type Served = { body: unknown } | { text: string; contentType: string };
type Operation = (ctx: QueryContext, request: MatchedRequest, deps: ApiDeps) => Promise<Served>;

const json =
  (run: (ctx: QueryContext, request: MatchedRequest) => Promise<unknown>): Operation =>
  async (ctx, request) => ({ body: await run(ctx, request) });

const OPERATIONS: Readonly<Record<string, Operation>> = {
  listReleases: json((ctx, request) => listReleases(ctx, queryOf(request))),
  listReleasesAtom: async (ctx, request) => {
    // Loaded on first use, like the OpenAPI document below: Markdown rendering, HTML sanitizing
    // and XML writing are code a cold start of any other route should not run.
    const [page, { ATOM_MEDIA_TYPE, atomFeed }] = await Promise.all([
      releasesFeed(ctx, queryOf(request)),
      import('#query/release-feed.js'),
    ]);
    return { text: atomFeed(page, request.baseUrl ?? ''), contentType: ATOM_MEDIA_TYPE };
  },
  getRelease: json((ctx, request) => getRelease(ctx, request.pathParameters.id ?? '', queryOf(request))),
  listChanges: async (ctx, request, deps) => ({
    body: await listChanges(changesContext(ctx, deps), queryOf(request)),
  }),
  getFacets: async (ctx, request, deps) => ({
    body: await getFacets(ctx, facetReader(ctx, deps), queryOf(request)),
  }),
  listMinisters: json((ctx, request) => listEntities(ctx, 'minister', queryOf(request))),
  listPortfolios: json((ctx, request) => listEntities(ctx, 'portfolio', queryOf(request))),
  getOpenApi: json(async (_ctx, request) => {
    parseParams(noParamsSchema, queryOf(request));
    const { buildOpenApiDocument } = await import('#query/query-openapi.js');
    return buildOpenApiDocument(request.baseUrl ? { serverUrl: request.baseUrl } : {});
  }),
};

export function makeHandler(deps: ApiDeps): ApiHandler {
  // Each request its own context: it counts its own reads (its budget, its metrics).
  const stopLists: StopListCache = {};
  return async (event, context) => {
    // Request id and cold start on every log line of this invocation.
    if (context) logger.addContext(context);
    const work = deps.metrics ? new RequestWork() : undefined;
    let route = NO_ROUTE;
    const result = await serve(event, 'api', async (request): Promise<Ok> => {
      route = request.route.operationId;
      const operate = OPERATIONS[route];
      if (!operate) throw new Error(`No api operation for ${route}`);
      const ctx = queryContext(deps, work, await resolveCursorSecret(deps.cursorSecret), stopLists);
      return {
        ...(await operate(ctx, request, deps)),
        cacheControl: request.route.cacheControl,
      };
    });
    if (deps.metrics) {
      publishRequestMetrics(deps.metrics, {
        route,
        status: result.statusCode ?? 200,
        ...(work ? { work } : {}),
      });
    }
    return result;
  };
}

export function fromEnvironment(env: NodeJS.ProcessEnv = process.env): ApiDeps {
  const tableName = requireEnv('TABLE_NAME', env);
  const source = cursorSecretSource(env);
  const cursorSecret =
    'secretArn' in source
      ? new SecretsManagerCursorKeys(new SecretsManagerClient({}), source.secretArn).get
      : source.literal;
  const textSearch = envSwitch('TEXT_SEARCH', true, env);
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const lag = env.CHANGE_FEED_LAG_SECONDS;
  return {
    doc,
    tableName,
    textSearch,
    cursorSecret,
    metrics: createMetrics(env.POWERTOOLS_SERVICE_NAME ?? 'releases-api', env),
    ...(lag !== undefined && /^\d+(\.\d+)?$/.test(lag) ? { changeLagMillis: Number(lag) * 1000 } : {}),
  };
}

export const handler = makeHandler(fromEnvironment());
