/**
 * Lambda entry point of the public query API: every route of routes.ts served by function `api`,
 * plus problem+json 404s for whatever reaches the `$default` route.
 * HTTP event -> adapters/http.ts -> core/query-releases.ts -> adapters/dynamodb-release-reader.ts.
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { envSwitch, requireEnv } from '#adapters/config.js';
import { DynamoChangeReader } from '#adapters/dynamodb-change-log.js';
import { DynamoReleaseReader } from '#adapters/dynamodb-release-reader.js';
import { type MatchedRequest, type Ok, queryOf, serve } from '#adapters/http.js';
import { listChanges } from '#core/query-changes.js';
import { buildOpenApiDocument, operationFor } from '#core/query-openapi.js';
import { parseParams } from '#core/query-params.js';
import {
  DEFAULT_TEXT_BUDGET,
  getRelease,
  listEntities,
  listReleases,
  type QueryContext,
  releasesFeed,
  type TextSearchBudget,
} from '#core/query-releases.js';
import { ATOM_MEDIA_TYPE, atomFeed } from '#core/release-feed.js';

export interface ApiDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** Whether `q` is served; off answers `q` with a 400 that says so. */
  textSearch: boolean;
  /** HMAC key for page cursors. */
  cursorSecret: string;
  /** @default DEFAULT_TEXT_BUDGET */
  textBudget?: Partial<TextSearchBudget>;
  /** Receives DynamoDB's consumed capacity of every read (tests, benchmark). */
  onConsumedCapacity?: (capacity: ConsumedCapacity) => void;
  /** @default Date.now */
  now?: () => number;
  /** How far behind now `/changes` serves the log. @default DEFAULT_READ_LAG_MILLIS */
  changeLagMillis?: number;
}

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export function queryContext(deps: ApiDeps): QueryContext {
  const reader = new DynamoReleaseReader(
    deps.doc,
    deps.tableName,
    deps.onConsumedCapacity ? { onConsumedCapacity: deps.onConsumedCapacity } : {},
  );
  return {
    reader,
    // The same table holds the word index; `q` falls back to the scan while it is not built.
    search: reader,
    cursorSecret: deps.cursorSecret,
    textSearch: deps.textSearch,
    textBudget: { ...DEFAULT_TEXT_BUDGET, ...deps.textBudget },
    now: deps.now ?? Date.now,
  };
}

export function makeHandler(deps: ApiDeps): ApiHandler {
  const ctx = queryContext(deps);
  const changes = {
    changes: new DynamoChangeReader(
      deps.doc,
      deps.tableName,
      new DynamoReleaseReader(
        deps.doc,
        deps.tableName,
        deps.onConsumedCapacity ? { onConsumedCapacity: deps.onConsumedCapacity } : {},
      ),
      deps.onConsumedCapacity,
    ),
    cursorSecret: deps.cursorSecret,
    now: ctx.now,
    ...(deps.changeLagMillis !== undefined ? { lagMillis: deps.changeLagMillis } : {}),
  };
  // A JSON body, or a body already serialised in another media type; the cache policy is the route's.
  type Served = { body: unknown } | { text: string; contentType: string };
  const json = async (body: Promise<unknown>): Promise<Served> => ({ body: await body });
  const operations: Record<string, (request: MatchedRequest) => Promise<Served>> = {
    listReleases: (request) => json(listReleases(ctx, queryOf(request))),
    listReleasesAtom: async (request) => ({
      text: atomFeed(await releasesFeed(ctx, queryOf(request)), request.baseUrl ?? ''),
      contentType: ATOM_MEDIA_TYPE,
    }),
    getRelease: (request) => json(getRelease(ctx, request.pathParameters.id ?? '', queryOf(request))),
    listChanges: (request) => json(listChanges(changes, queryOf(request))),
    listMinisters: (request) => json(listEntities(ctx, 'minister', queryOf(request))),
    listPortfolios: (request) => json(listEntities(ctx, 'portfolio', queryOf(request))),
    getOpenApi: async (request) => {
      parseParams(operationFor(request.route).query, queryOf(request));
      return { body: buildOpenApiDocument(request.baseUrl ? { serverUrl: request.baseUrl } : {}) };
    },
  };
  return (event) =>
    serve(event, 'api', async (request): Promise<Ok> => {
      const operate = operations[request.route.operationId];
      if (!operate) throw new Error(`No api operation for ${request.route.operationId}`);
      return { ...(await operate(request)), cacheControl: operationFor(request.route).cacheControl };
    });
}

export function fromEnvironment(env: NodeJS.ProcessEnv = process.env): ApiDeps {
  const tableName = requireEnv('TABLE_NAME', env);
  const cursorSecret = requireEnv('CURSOR_SECRET', env);
  const textSearch = envSwitch('TEXT_SEARCH', true, env);
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const lag = env.CHANGE_FEED_LAG_SECONDS;
  return {
    doc,
    tableName,
    textSearch,
    cursorSecret,
    ...(lag !== undefined && /^\d+(\.\d+)?$/.test(lag) ? { changeLagMillis: Number(lag) * 1000 } : {}),
  };
}

export const handler = makeHandler(fromEnvironment());
