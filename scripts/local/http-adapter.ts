/**
 * The local stand-in for API Gateway's HTTP API: each HTTP request becomes a payload format 2.0
 * event for the function of the matching route (functions/query/routes.ts, the same table the CDK
 * stack reads), and the function's result becomes the HTTP response. Unmatched requests go to the
 * default route's function, OPTIONS preflights are answered from the shared CORS settings, and
 * CORS headers are added to responses, as API Gateway does.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { CORS, DEFAULT_ROUTE_FUNCTION, type FunctionName, matchRoute } from '#query/routes.js';
import { LAMBDA_RESPONSE_LIMIT_BYTES, lambdaResultBytes } from '#release/response-size.js';

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;

/** What the adapter needs from an HTTP request (a subset of IncomingMessage, easy to build in tests). */
export interface RawRequest {
  method: string;
  /** The request target, e.g. `/releases?minister=a&minister=b`. */
  url: string;
  /** Alternating names and values, as `IncomingMessage.rawHeaders`. */
  rawHeaders: string[];
  httpVersion: string;
  sourceIp: string;
  body?: Buffer;
}

/** API Gateway's own limit on a request payload. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's maximum integration timeout. */
const INTEGRATION_TIMEOUT_MS = 30_000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time` in API Gateway's format, e.g. `12/Mar/2020:19:03:58 +0000`. */
export function apiGatewayTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** Duplicate names are joined with commas, as API Gateway does for payload format 2.0. */
export function parseQueryString(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const params: Record<string, string> = {};
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    params[name] = name in params ? `${params[name]},${value}` : value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    /[/+](json|xml|javascript)$/.test(type) ||
    type === 'application/x-www-form-urlencoded'
  );
}

/** The function a request goes to and the payload format 2.0 event it receives. */
export function toApiGatewayEvent(
  request: RawRequest,
  now: Date = new Date(),
  requestId: string = randomUUID(),
): { function: FunctionName; event: APIGatewayProxyEventV2 } {
  const method = request.method.toUpperCase();
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : request.url.slice(queryAt + 1);

  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    const value = request.rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      // Payload 2.0 moves cookies out of the headers into their own list.
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const host = headers.host ?? '127.0.0.1';
  const port = host.includes(':') ? host.slice(host.lastIndexOf(':') + 1) : '80';
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-port'] = port;
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] =
    `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${requestId.replace(/-/g, '').slice(0, 24)}`;

  // Routes match the path as sent; matchRoute decodes the path parameters it extracts.
  const matched = matchRoute(method, rawPath);
  const routeKey = matched ? matched.route.routeKey : '$default';
  const fn = matched ? matched.route.function : DEFAULT_ROUTE_FUNCTION;

  let body: string | undefined;
  let isBase64Encoded = false;
  if (request.body && request.body.length > 0) {
    if (isTextContentType(headers['content-type'])) {
      body = request.body.toString('utf8');
    } else {
      body = request.body.toString('base64');
      isBase64Encoded = true;
    }
  }

  const domainName = host.replace(/:\d+$/, '');
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded,
  };
  if (cookies.length > 0) event.cookies = cookies;
  const queryStringParameters = parseQueryString(rawQueryString);
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (matched && Object.keys(matched.pathParameters).length > 0)
    event.pathParameters = matched.pathParameters;
  if (body !== undefined) event.body = body;
  return { function: fn, event };
}

export interface HttpResponse {
  statusCode: number;
  /** Header values; `set-cookie` may hold several. */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * The HTTP response API Gateway makes of a function's result. A result without `statusCode` is
 * inferred as API Gateway does: 200, `application/json`, the value serialised (a string as is).
 */
export function fromApiGatewayResult(result: APIGatewayProxyResultV2): HttpResponse {
  const structured: APIGatewayProxyStructuredResultV2 =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : {
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
          body: typeof result === 'string' ? result : JSON.stringify(result),
        };
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) {
    headers[name.toLowerCase()] = String(value);
  }
  if (structured.cookies && structured.cookies.length > 0) headers['set-cookie'] = [...structured.cookies];
  const raw = structured.body ?? '';
  const body = structured.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (body.length > 0 && !headers['content-type']) headers['content-type'] = 'application/json';
  return { statusCode: structured.statusCode ?? 200, headers, body };
}

/** CORS response headers for a request with an `Origin`, as API Gateway adds them. */
export function corsHeaders(requestHeaders: Record<string, string>): Record<string, string> {
  if (!requestHeaders.origin) return {};
  const allowed = CORS.allowOrigins.includes('*') || CORS.allowOrigins.includes(requestHeaders.origin as '*');
  if (!allowed) return {};
  return {
    'access-control-allow-origin': CORS.allowOrigins.includes('*') ? '*' : requestHeaders.origin,
    'access-control-expose-headers': CORS.exposeHeaders.join(','),
  };
}

/** The answer to a CORS preflight, or undefined when the request is not one. */
export function preflightResponse(
  method: string,
  requestHeaders: Record<string, string>,
): HttpResponse | undefined {
  if (method.toUpperCase() !== 'OPTIONS' || !requestHeaders.origin) return undefined;
  if (!requestHeaders['access-control-request-method']) return undefined;
  return {
    statusCode: 204,
    headers: {
      'access-control-allow-origin': CORS.allowOrigins.includes('*') ? '*' : requestHeaders.origin,
      'access-control-allow-methods': CORS.allowMethods.join(','),
      'access-control-allow-headers': CORS.allowHeaders.join(','),
      'access-control-max-age': String(CORS.maxAgeSeconds),
    },
    body: Buffer.alloc(0),
  };
}

function jsonMessage(statusCode: number, message: string): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

/** Runs one request through the adapter and the handler (no sockets: the benchmark calls it too). */
export async function dispatch(
  request: RawRequest,
  handlers: Record<FunctionName, ApiHandler>,
  log: (line: string) => void = () => {},
  timeoutMs: number = INTEGRATION_TIMEOUT_MS,
): Promise<HttpResponse> {
  const { function: fn, event } = toApiGatewayEvent(request);
  const preflight = preflightResponse(request.method, event.headers as Record<string, string>);
  let response: HttpResponse;
  if (preflight) {
    response = preflight;
  } else {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        handlers[fn](event),
        new Promise<'timeout'>((resolveTimeout) => {
          timer = setTimeout(() => resolveTimeout('timeout'), timeoutMs);
        }),
      ]);
      const bytes = result === 'timeout' ? 0 : lambdaResultBytes(result);
      if (result === 'timeout') {
        log(`${event.requestContext.requestId} ${fn} timed out after ${timeoutMs} ms`);
        response = jsonMessage(503, 'Service Unavailable');
      } else if (bytes > LAMBDA_RESPONSE_LIMIT_BYTES) {
        // Lambda refuses a result this large and API Gateway answers with its plain 500.
        log(
          `${event.requestContext.requestId} ${fn} returned ${bytes} bytes, over Lambda's ${LAMBDA_RESPONSE_LIMIT_BYTES}-byte response limit`,
        );
        response = jsonMessage(500, 'Internal Server Error');
      } else {
        response = fromApiGatewayResult(result);
        // With CORS configured, API Gateway ignores the function's own CORS headers and adds its own.
        for (const name of Object.keys(response.headers)) {
          if (name.startsWith('access-control-')) delete response.headers[name];
        }
        Object.assign(response.headers, corsHeaders(event.headers as Record<string, string>));
      }
    } catch (error) {
      // API Gateway answers an integration error with this body; the details stay in the log.
      log(
        `${event.requestContext.requestId} ${fn} threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      response = jsonMessage(500, 'Internal Server Error');
    } finally {
      clearTimeout(timer);
    }
  }
  response.headers['apigw-requestid'] = event.requestContext.requestId;
  return response;
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolveBody(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: HttpResponse, method: string): void {
  res.statusCode = response.statusCode;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('content-length', response.body.length);
  res.end(method === 'HEAD' ? undefined : response.body);
}

export interface ApiServer {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

/** Serves the handlers over HTTP on 127.0.0.1 (port 0 picks a free one). */
export async function startApiServer(options: {
  port: number;
  handlers: Record<FunctionName, ApiHandler>;
  log?: (line: string) => void;
}): Promise<ApiServer> {
  const log = options.log ?? (() => {});
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        if (body === 'too-large') {
          send(res, jsonMessage(413, 'Request Entity Too Large'), req.method ?? 'GET');
          return;
        }
        const response = await dispatch(
          {
            method: req.method ?? 'GET',
            url: req.url ?? '/',
            rawHeaders: req.rawHeaders,
            httpVersion: req.httpVersion,
            sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
            body,
          },
          options.handlers,
          log,
        );
        send(res, response, req.method ?? 'GET');
      } catch (error) {
        log(`request failed: ${String(error)}`);
        if (!res.headersSent) send(res, jsonMessage(500, 'Internal Server Error'), req.method ?? 'GET');
        else res.destroy();
      }
    })();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
