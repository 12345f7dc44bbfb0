import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { requestFromEvent } from '#query/aws/http.js';

function event(
  headers: Record<string, string>,
  domainName = 'abc123.execute-api.ap-southeast-2.amazonaws.com',
) {
  return {
    version: '2.0',
    routeKey: 'GET /openapi.json',
    rawPath: '/openapi.json',
    rawQueryString: '',
    headers,
    requestContext: { domainName, http: { method: 'GET', path: '/openapi.json' } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

describe('requestFromEvent: where the API is served (OpenAPI servers)', () => {
  it('is the API Gateway domain over https in the cloud', () => {
    const request = requestFromEvent(
      event({ host: 'abc123.execute-api.ap-southeast-2.amazonaws.com', 'x-forwarded-proto': 'https' }),
    );
    expect(request.baseUrl).toBe('https://abc123.execute-api.ap-southeast-2.amazonaws.com');
  });

  it('keeps the local stack http scheme and port', () => {
    const request = requestFromEvent(
      event({ host: '127.0.0.1:3000', 'x-forwarded-proto': 'http' }, '127.0.0.1'),
    );
    expect(request.baseUrl).toBe('http://127.0.0.1:3000');
  });

  it('ignores a malformed Host header and an unknown scheme', () => {
    const request = requestFromEvent(
      event({ host: 'evil.example/<script>', 'x-forwarded-proto': 'javascript' }),
    );
    expect(request.baseUrl).toBe('https://abc123.execute-api.ap-southeast-2.amazonaws.com');
  });
});
