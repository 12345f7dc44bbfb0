/**
 * Adapter: API Gateway HTTP API (payload 2.0) events <-> the query core. The one place where
 * typed errors become RFC 9457 problem+json, where ETag/304 and Cache-Control are applied, and
 * where CORS headers are added. Internals of unexpected errors are logged, never returned.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '#platform/aws/logger.js';
import { BadParameterError, GoneError, NotFoundError, TextSearchDisabledError } from '#platform/errors.js';
import {
  type EncodedBody,
  encodedBodyBytes,
  gzipBody,
  LAMBDA_RESPONSE_LIMIT_BYTES,
  lambdaResultBytes,
} from '#release/response-size.js';
import { CORS, type FunctionName, matchRoute, ROUTES, type RouteDefinition } from '../routes.js';

export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface HttpRequest {
  method: string;
  path: string;
  /** The raw query string; read it with {@link queryOf}. */
  rawQuery: string;
  headers: Record<string, string | undefined>;
  /** The request's own origin, for the OpenAPI `servers` entry. */
  baseUrl?: string;
}

export interface MatchedRequest extends HttpRequest {
  route: RouteDefinition;
  pathParameters: Record<string, string>;
}

/** A 200 body plus its cache policy; the adapter serialises it and applies ETag/304. */
export interface JsonOk {
  body: unknown;
  cacheControl: string;
}

/** A 200 body already serialised in another media type (the Atom feed); ETag/304 alike. */
export interface TextOk {
  text: string;
  /** The full Content-Type, with its charset. */
  contentType: string;
  cacheControl: string;
}

export type Ok = JsonOk | TextOk;

const PROBLEM_TYPE_BASE = 'urn:releases:problem:';

const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': CORS.allowOrigins.join(','),
  'access-control-expose-headers': CORS.exposeHeaders.join(', '),
};

/**
 * Parses the raw query string rather than `queryStringParameters`, which joins repeated names
 * with commas and would let `?minister=a&minister=b` pass as one odd name.
 */
export function parseQueryString(raw: string | undefined): Record<string, string> {
  const query: Record<string, string> = Object.create(null);
  if (!raw) return query;
  for (const [name, value] of new URLSearchParams(raw)) {
    if (Object.hasOwn(query, name)) {
      throw BadParameterError.of(name, `Query parameter "${name}" is given more than once.`);
    }
    query[name] = value;
  }
  return query;
}

export function requestFromEvent(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    method: (event.requestContext?.http?.method ?? 'GET').toUpperCase(),
    path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
    rawQuery: event.rawQueryString ?? '',
    headers,
    ...baseUrlOf(event, headers),
  };
}

const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$/;

/**
 * Where this API is served, for the OpenAPI `servers` entry: API Gateway's domain over https in
 * the cloud; the local stack forwards `http` and the Host with its port. Malformed values are
 * ignored (the header is the client's).
 */
function baseUrlOf(
  event: APIGatewayProxyEventV2,
  headers: Record<string, string | undefined>,
): { baseUrl?: string } {
  const proto = headers['x-forwarded-proto'] === 'http' ? 'http' : 'https';
  const host = [headers.host, event.requestContext?.domainName].find((h) => h !== undefined && HOST.test(h));
  return host ? { baseUrl: `${proto}://${host}` } : {};
}

/** The request's query parameters, each given once (a repeated name is a 400 naming it). */
export function queryOf(request: HttpRequest): Record<string, string> {
  return parseQueryString(request.rawQuery);
}

/**
 * Finds the route of a request for one function. API Gateway names the matched route in
 * `routeKey`; requests to `$default` (and the local stack) are matched by path. HEAD is answered
 * as GET without a body. A route of another function is not found here: `/problems` is never
 * served by the public function, whatever path reaches it.
 */
export function routeRequest(
  event: APIGatewayProxyEventV2,
  request: HttpRequest,
  fn: FunctionName,
): MatchedRequest | undefined {
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const named =
    event.routeKey && event.routeKey !== '$default'
      ? ROUTES.find((r) => r.routeKey === event.routeKey)
      : undefined;
  if (named && named.function === fn) {
    const pathParameters: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
      if (value !== undefined) pathParameters[name] = value;
    }
    return { ...request, route: named, pathParameters };
  }
  const matched = matchRoute(method, request.path);
  if (!matched || matched.route.function !== fn) return undefined;
  return { ...request, ...matched };
}

/**
 * Strong ETag: a hash of the exact body bytes. A gzip-encoded response is another representation
 * of the same resource, so it gets its own strong tag (RFC 9110, 8.8.3).
 */
export function etagOf(body: string, contentEncoding?: 'gzip'): string {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  return contentEncoding ? `"${hash}-${contentEncoding}"` : `"${hash}"`;
}

/** RFC 9110 weak comparison over a comma-separated If-None-Match list (or `*`). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === bare;
  });
}

/**
 * Whether an Accept-Encoding header (RFC 9110, 12.5.3) allows gzip: `gzip` (or `x-gzip`) with a
 * q-value above 0, or else `*` with one. No header means only identity is wanted.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const element of header.split(',')) {
    const [coding = '', ...params] = element.split(';').map((part) => part.trim().toLowerCase());
    let q = 1;
    for (const param of params) {
      const match = /^q\s*=\s*([0-9.]+)$/.exec(param);
      if (match) q = Number(match[1]);
    }
    if (!Number.isFinite(q)) continue;
    if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (coding === '*') any = Math.max(any ?? 0, q);
  }
  return (gzip ?? any ?? 0) > 0;
}

/** Bodies below this are sent as they are: compressing them saves next to nothing. */
export const GZIP_MIN_BYTES = 1024;

/**
 * A 200 with the JSON body, gzip-compressed when the client accepts it and that is smaller, or a
 * 304 for a matching If-None-Match. A response Lambda could not return (over 6,291,456 bytes
 * serialised, which API Gateway would turn into a 500) is a problem instead: 406 asking for
 * `Accept-Encoding: gzip` when compressing would make it fit, else 413.
 */
export function jsonResponse(request: HttpRequest, ok: JsonOk): HttpResult {
  return okResponse(request, ok);
}

/** The same for any 200 body: JSON, or text of its own type (the Atom feed). */
export function okResponse(request: HttpRequest, ok: Ok): HttpResult {
  const [json, contentType] =
    'text' in ok ? [ok.text, ok.contentType] : [JSON.stringify(ok.body), 'application/json; charset=utf-8'];
  const plain: EncodedBody = { body: json, isBase64Encoded: false };
  const gzipAllowed = acceptsGzip(request.headers['accept-encoding']) && json.length >= GZIP_MIN_BYTES;
  const compressed = gzipAllowed ? gzipBody(json) : undefined;
  const useGzip = compressed !== undefined && encodedBodyBytes(compressed) < encodedBodyBytes(plain);
  const encoded = useGzip ? compressed : plain;
  const etag = etagOf(json, useGzip ? 'gzip' : undefined);
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    etag,
    'cache-control': ok.cacheControl,
    // The encoding chosen depends on this request header, so caches must key on it.
    vary: 'accept-encoding',
  };
  if (ifNoneMatchHits(request.headers['if-none-match'], etag)) {
    return { statusCode: 304, headers, body: '' };
  }
  if (useGzip) headers['content-encoding'] = 'gzip';
  headers['content-type'] = contentType;
  const result: HttpResult = {
    statusCode: 200,
    headers,
    body: encoded.body,
    isBase64Encoded: encoded.isBase64Encoded,
  };
  if (lambdaResultBytes(result) > LAMBDA_RESPONSE_LIMIT_BYTES) return tooLargeResponse(json, result);
  return request.method === 'HEAD' ? { ...result, body: '' } : result;
}

function tooLargeResponse(json: string, result: HttpResult): HttpResult {
  const limit = LAMBDA_RESPONSE_LIMIT_BYTES.toLocaleString('en');
  const bytes = lambdaResultBytes(result);
  if (!result.isBase64Encoded) {
    const headers = { ...result.headers, 'content-encoding': 'gzip' };
    if (lambdaResultBytes({ ...result, headers, ...gzipBody(json) }) <= LAMBDA_RESPONSE_LIMIT_BYTES) {
      return problemResponse(
        {
          type: `${PROBLEM_TYPE_BASE}gzip-required`,
          title: 'Send Accept-Encoding: gzip',
          status: 406,
          detail: `This response is ${bytes.toLocaleString('en')} bytes uncompressed, over the ${limit} bytes one response can carry; request it again with the header "Accept-Encoding: gzip".`,
        },
        { vary: 'accept-encoding' },
      );
    }
  }
  logger.error('Response too large to send, even compressed', { bytes });
  return problemResponse({
    type: `${PROBLEM_TYPE_BASE}response-too-large`,
    title: 'Response too large',
    status: 413,
    detail: `This response is too large to send, even compressed (over ${limit} bytes).`,
  });
}

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  parameter?: string;
  errors?: { parameter: string; detail: string }[];
}

export function problemResponse(problem: ProblemBody, extraHeaders: Record<string, string> = {}): HttpResult {
  return {
    statusCode: problem.status,
    headers: {
      ...CORS_HEADERS,
      ...extraHeaders,
      'content-type': 'application/problem+json; charset=utf-8',
      'cache-control': 'no-store',
    },
    body: JSON.stringify(problem),
  };
}

export function notFound(detail: string): HttpResult {
  return problemResponse({ type: `${PROBLEM_TYPE_BASE}not-found`, title: 'Not Found', status: 404, detail });
}

export function methodNotAllowed(method: string): HttpResult {
  return problemResponse(
    {
      type: `${PROBLEM_TYPE_BASE}method-not-allowed`,
      title: 'Method Not Allowed',
      status: 405,
      detail: `Method ${method.slice(0, 20)} is not allowed; every route of this API is GET.`,
    },
    { allow: 'GET, HEAD, OPTIONS' },
  );
}

/** Maps every error to a response: typed errors to 4xx, anything else to a logged, opaque 500. */
export function errorResponse(error: unknown): HttpResult {
  if (error instanceof TextSearchDisabledError) {
    return problemResponse({
      type: `${PROBLEM_TYPE_BASE}text-search-disabled`,
      title: 'Text search is switched off',
      status: 400,
      detail: error.message,
      parameter: error.parameter,
      errors: [...error.issues],
    });
  }
  if (error instanceof BadParameterError) {
    return problemResponse({
      type: `${PROBLEM_TYPE_BASE}bad-parameter`,
      title: 'Bad request parameter',
      status: 400,
      detail: error.issues[0]?.detail ?? error.message,
      parameter: error.parameter,
      errors: [...error.issues],
    });
  }
  if (error instanceof NotFoundError) return notFound(error.message);
  if (error instanceof GoneError) {
    return problemResponse({
      type: `${PROBLEM_TYPE_BASE}token-expired`,
      title: 'Token expired',
      status: 410,
      detail: error.message,
      parameter: error.parameter,
    });
  }
  logger.error('Request failed', { error: error instanceof Error ? error : String(error) });
  return problemResponse({
    type: 'about:blank',
    title: 'Internal Server Error',
    status: 500,
    detail: 'The request could not be completed; it has been logged.',
  });
}

/** The answer to a CORS preflight that reaches the function (API Gateway usually answers it). */
export function preflightResponse(): HttpResult {
  return {
    statusCode: 204,
    headers: {
      ...CORS_HEADERS,
      'access-control-allow-methods': CORS.allowMethods.join(', '),
      'access-control-allow-headers': CORS.allowHeaders.join(', '),
      'access-control-max-age': String(CORS.maxAgeSeconds),
    },
    body: '',
  };
}

/**
 * Runs one request of one function: routing, OPTIONS/405/404, then the operation; every throw is
 * mapped by {@link errorResponse}, so nothing escapes as an unhandled Lambda error.
 */
export async function serve(
  event: APIGatewayProxyEventV2,
  fn: FunctionName,
  operate: (request: MatchedRequest) => Promise<Ok>,
): Promise<HttpResult> {
  try {
    const request = requestFromEvent(event);
    if (request.method === 'OPTIONS') return preflightResponse();
    const matched = routeRequest(event, request, fn);
    if (!matched) {
      if (request.method !== 'GET' && request.method !== 'HEAD' && matchRoute('GET', request.path)) {
        return methodNotAllowed(request.method);
      }
      return notFound(`No route GET ${request.path.slice(0, 200)}.`);
    }
    const ok = await operate(matched);
    return okResponse(matched, ok);
  } catch (error) {
    return errorResponse(error);
  }
}
