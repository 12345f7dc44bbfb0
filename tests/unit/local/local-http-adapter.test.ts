import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  apiGatewayTime,
  dispatch,
  fromApiGatewayResult,
  parseQueryString,
  type RawRequest,
  toApiGatewayEvent,
} from '#local/http-adapter.js';

function request(url: string, headers: string[] = [], extra: Partial<RawRequest> = {}): RawRequest {
  return {
    method: 'GET',
    url,
    rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'curl/8', ...headers],
    httpVersion: '1.1',
    sourceIp: '127.0.0.1',
    ...extra,
  };
}

describe('HTTP request -> API Gateway HTTP API payload 2.0 event', () => {
  it('maps a matched route with path and query parameters', () => {
    const now = new Date(Date.UTC(2020, 2, 12, 19, 3, 58));
    const { function: fn, event } = toApiGatewayEvent(
      request('/releases/te%20p%C4%81ti?minister=a%2Bb&minister=c+d&q=%22x%22&empty', [
        'X-Multi',
        'one',
        'x-multi',
        'two',
      ]),
      now,
      'req-1',
    );
    expect(fn).toBe('api');
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /releases/{id}',
      rawPath: '/releases/te%20p%C4%81ti',
      rawQueryString: 'minister=a%2Bb&minister=c+d&q=%22x%22&empty',
      pathParameters: { id: 'te pāti' },
      queryStringParameters: { minister: 'a+b,c d', q: '"x"', empty: '' },
      isBase64Encoded: false,
      requestContext: {
        http: {
          method: 'GET',
          path: '/releases/te%20p%C4%81ti',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8',
        },
        requestId: 'req-1',
        routeKey: 'GET /releases/{id}',
        stage: '$default',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: now.getTime(),
        domainName: '127.0.0.1',
      },
    });
    expect(event.headers).toMatchObject({
      host: '127.0.0.1:3000',
      'x-multi': 'one,two',
      'x-forwarded-proto': 'http',
    });
    expect(event.body).toBeUndefined();
    expect(event.cookies).toBeUndefined();
  });

  it('moves cookies out of the headers and omits absent query and path parameters', () => {
    const { event } = toApiGatewayEvent(request('/releases', ['Cookie', 'a=1; b=2', 'Cookie', 'c=3']));
    expect(event.cookies).toEqual(['a=1', 'b=2', 'c=3']);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
    expect(event.rawQueryString).toBe('');
  });

  it('sends /problems to the problems function and unknown routes to the default route', () => {
    expect(toApiGatewayEvent(request('/problems?limit=5')).function).toBe('problems');
    const unknown = toApiGatewayEvent(request('/nope/x'));
    expect(unknown.function).toBe('api');
    expect(unknown.event.routeKey).toBe('$default');
    expect(unknown.event.requestContext.routeKey).toBe('$default');
    const post = toApiGatewayEvent(
      request('/releases', ['Content-Type', 'image/png'], { method: 'POST', body: Buffer.from([0, 1, 2]) }),
    );
    expect(post.event.routeKey).toBe('$default');
    expect(post.event).toMatchObject({ body: 'AAEC', isBase64Encoded: true });
  });

  it('joins duplicate query names with commas and decodes them', () => {
    expect(parseQueryString('a=1&a=2&b=%C4%81&c')).toEqual({ a: '1,2', b: 'ā', c: '' });
    expect(parseQueryString('')).toBeUndefined();
  });

  it('formats requestContext.time as API Gateway does', () => {
    expect(apiGatewayTime(new Date(Date.UTC(2024, 0, 5, 3, 4, 5)))).toBe('05/Jan/2024:03:04:05 +0000');
  });
});

describe('function result -> HTTP response', () => {
  it('keeps status and headers, turns cookies into set-cookie and decodes base64 bodies', () => {
    const response = fromApiGatewayResult({
      statusCode: 201,
      headers: { 'Content-Type': 'image/png', ETag: '"x"' },
      cookies: ['a=1; Path=/', 'b=2'],
      body: Buffer.from([0xff, 0x00]).toString('base64'),
      isBase64Encoded: true,
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers).toMatchObject({
      'content-type': 'image/png',
      etag: '"x"',
      'set-cookie': ['a=1; Path=/', 'b=2'],
    });
    expect([...response.body]).toEqual([0xff, 0x00]);
  });

  it('infers a 200 JSON response from a result without statusCode', () => {
    const response = fromApiGatewayResult({ hello: 'world' } as never);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body.toString())).toEqual({ hello: 'world' });
  });
});

describe('dispatch (the local API Gateway without sockets)', () => {
  const seen: APIGatewayProxyEventV2[] = [];
  const handlers = {
    api: async (event: APIGatewayProxyEventV2) => {
      seen.push(event);
      if (event.rawPath === '/boom') throw new Error('secret internals');
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    },
    problems: async () => ({ statusCode: 200, body: '{"items":[]}' }),
  };

  it('adds CORS headers for a request with an Origin', async () => {
    const response = await dispatch(request('/releases', ['Origin', 'https://example.org']), handlers);
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['access-control-expose-headers']).toContain('etag');
    expect(response.headers['apigw-requestid']).toEqual(expect.any(String));
  });

  it("replaces the function's own CORS headers, as API Gateway does when CORS is configured", async () => {
    const own = {
      ...handlers,
      api: async () => ({
        statusCode: 200,
        headers: { 'Access-Control-Allow-Origin': 'https://only.me' },
        body: '{}',
      }),
    };
    expect(
      (await dispatch(request('/releases'), own)).headers['access-control-allow-origin'],
    ).toBeUndefined();
    const withOrigin = await dispatch(request('/releases', ['Origin', 'https://example.org']), own);
    expect(withOrigin.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers a CORS preflight itself, without calling a function', async () => {
    const before = seen.length;
    const response = await dispatch(
      request('/releases', ['Origin', 'https://example.org', 'Access-Control-Request-Method', 'GET'], {
        method: 'OPTIONS',
      }),
      handlers,
    );
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-methods']).toContain('GET');
    expect(seen.length).toBe(before);
  });

  it("answers a throwing function with API Gateway's 500, never the internals", async () => {
    const logged: string[] = [];
    const response = await dispatch(request('/boom'), handlers, (line) => logged.push(line));
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body.toString())).toEqual({ message: 'Internal Server Error' });
    expect(logged.join('\n')).toContain('secret internals');
  });

  it('answers a function that exceeds the integration timeout with 503', async () => {
    const slow = { ...handlers, api: () => new Promise<never>(() => {}) };
    const response = await dispatch(request('/releases'), slow, () => {}, 20);
    expect(response.statusCode).toBe(503);
  });
});
