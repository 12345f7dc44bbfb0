/** TEST-ONLY: builds API Gateway HTTP API (payload 2.0) events as the cloud and the local stack send them. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { matchRoute } from '#query/routes.js';

export function httpEvent(
  pathAndQuery: string,
  options: { method?: string; headers?: Record<string, string>; viaDefault?: boolean } = {},
): APIGatewayProxyEventV2 {
  const [path = '/', rawQueryString = ''] = pathAndQuery.split(/\?(.*)/s);
  const method = options.method ?? 'GET';
  const matched = options.viaDefault ? undefined : matchRoute(method, path);
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    queryStringParameters[name] =
      name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  return {
    version: '2.0',
    routeKey: matched ? matched.route.routeKey : '$default',
    rawPath: path,
    rawQueryString,
    headers: { host: 'api.example.test', ...options.headers },
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(matched && Object.keys(matched.pathParameters).length > 0
      ? { pathParameters: matched.pathParameters }
      : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'test',
      routeKey: matched ? matched.route.routeKey : '$default',
      stage: '$default',
      time: '01/Jul/2025:00:00:00 +0000',
      timeEpoch: 1_751_328_000_000,
    },
    isBase64Encoded: false,
  };
}

export interface JsonResult {
  status: number;
  headers: Record<string, string>;
  json: unknown;
  raw: APIGatewayProxyStructuredResultV2;
}

export function asJson(result: APIGatewayProxyStructuredResultV2): JsonResult {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  const body = result.body ?? '';
  return {
    status: result.statusCode ?? 0,
    headers,
    json: body === '' ? undefined : JSON.parse(body),
    raw: result,
  };
}
