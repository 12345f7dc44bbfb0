import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dispatch, type RawRequest } from '#local/http-adapter.js';
import { acceptsGzip, type HttpRequest, jsonResponse } from '#query/aws/http.js';
import { parseRelease } from '#release/parse-release.js';
import { jsonStringBytes, LAMBDA_RESPONSE_LIMIT_BYTES, lambdaResultBytes } from '#release/response-size.js';

const anyUtf16 = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 })
  .map((codes) => String.fromCharCode(...codes));

describe('response size, measured without serialising', () => {
  it('jsonStringBytes is the UTF-8 size of JSON.stringify, lone surrogates and control characters included', () => {
    fc.assert(
      fc.property(fc.oneof(anyUtf16, fc.string({ unit: 'grapheme' })), (text) => {
        expect(jsonStringBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text), 'utf8'));
      }),
      { numRuns: 2000 },
    );
  });

  it('lambdaResultBytes is the size of the serialised result', () => {
    fc.assert(
      fc.property(anyUtf16, fc.boolean(), fc.dictionary(fc.string(), anyUtf16), (body, base64, headers) => {
        const result = { statusCode: 200, headers, body, isBase64Encoded: base64 };
        expect(lambdaResultBytes(result)).toBe(Buffer.byteLength(JSON.stringify(result), 'utf8'));
      }),
    );
    expect(lambdaResultBytes('plain')).toBe(7);
  });
});

describe('Accept-Encoding', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['deflate, gzip;q=0.5', true],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
    ['gzip;q=0', false],
    ['gzip; q=0.000', false],
    ['*', true],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['identity', false],
    ['deflate, br', false],
  ])('%s -> %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

function request(headers: Record<string, string> = {}, method = 'GET'): HttpRequest {
  return { method, path: '/releases/x', rawQuery: '', headers };
}

const ok = (body: unknown) => ({ body, cacheControl: 'public, max-age=60' });

describe('jsonResponse: gzip and the Lambda response limit', () => {
  const large = { text: 'Press release text. '.repeat(200) };

  it('compresses a body over 1 KiB for a client that accepts gzip, with its own ETag', () => {
    const plain = jsonResponse(request(), ok(large));
    const gzip = jsonResponse(request({ 'accept-encoding': 'gzip, br' }), ok(large));
    expect(plain.isBase64Encoded).toBeFalsy();
    expect(plain.headers).toMatchObject({ vary: 'accept-encoding' });
    expect(plain.headers?.['content-encoding']).toBeUndefined();
    expect(gzip).toMatchObject({
      statusCode: 200,
      isBase64Encoded: true,
      headers: { 'content-encoding': 'gzip', vary: 'accept-encoding' },
    });
    expect(gunzipSync(Buffer.from(gzip.body ?? '', 'base64')).toString('utf8')).toBe(plain.body);
    expect(gzip.headers?.etag).not.toBe(plain.headers?.etag);
    expect(String(gzip.headers?.etag)).toMatch(/^"[^"]+-gzip"$/);
  });

  it('sends small bodies as they are', () => {
    const small = jsonResponse(request({ 'accept-encoding': 'gzip' }), ok({ a: 1 }));
    expect(small.body).toBe('{"a":1}');
    expect(small.headers?.['content-encoding']).toBeUndefined();
  });

  it('answers If-None-Match per representation, and HEAD without a body', () => {
    const gzip = jsonResponse(request({ 'accept-encoding': 'gzip' }), ok(large));
    const plain = jsonResponse(request(), ok(large));
    const again = jsonResponse(
      request({ 'accept-encoding': 'gzip', 'if-none-match': String(gzip.headers?.etag) }),
      ok(large),
    );
    expect(again).toMatchObject({ statusCode: 304, body: '' });
    const other = jsonResponse(
      request({ 'accept-encoding': 'gzip', 'if-none-match': String(plain.headers?.etag) }),
      ok(large),
    );
    expect(other.statusCode).toBe(200);
    const head = jsonResponse(request({ 'accept-encoding': 'gzip' }, 'HEAD'), ok(large));
    expect(head).toMatchObject({ statusCode: 200, body: '', headers: { 'content-encoding': 'gzip' } });
  });

  it('answers 406 asking for gzip when only the plain response is too large', () => {
    const quotes = { body: '"'.repeat(1_600_000) };
    const plain = jsonResponse(request(), ok(quotes));
    expect(plain.statusCode).toBe(406);
    expect(plain.headers?.['content-type']).toBe('application/problem+json; charset=utf-8');
    const problem = JSON.parse(plain.body ?? '');
    expect(problem).toMatchObject({ status: 406, title: 'Send Accept-Encoding: gzip' });
    expect(problem.detail).toContain('Accept-Encoding: gzip');
    const gzip = jsonResponse(request({ 'accept-encoding': 'gzip' }), ok(quotes));
    expect(gzip.statusCode).toBe(200);
    expect(lambdaResultBytes(gzip)).toBeLessThan(LAMBDA_RESPONSE_LIMIT_BYTES);
  });

  it('answers 413 when even the compressed response is too large, never a 500', () => {
    const noise = { body: randomBytes(5_000_000).toString('latin1') };
    for (const headers of [{}, { 'accept-encoding': 'gzip' }] as Record<string, string>[]) {
      const response = jsonResponse(request(headers), ok(noise));
      expect(response.statusCode).toBe(413);
      expect(JSON.parse(response.body ?? '')).toMatchObject({ status: 413, title: 'Response too large' });
    }
  });
});

describe('parseRelease: every accepted release can be served whole', () => {
  it('rejects a body too large to serve even compressed, naming body', () => {
    // Random ASCII, control characters included: incompressible, and escaped to up to 7 bytes.
    const head = '---\ntitle: Noise\ndate: 2024-01-01\n---\n';
    const noise = Buffer.from(randomBytes(5 * 1024 * 1024 - head.length).map((byte) => byte & 0x7f)).toString(
      'latin1',
    );
    const result = parseRelease(head + noise, 'noise.md');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.field).toBe('body');
    expect(result.problem.message).toMatch(
      /^is too large to serve in one response, even compressed \(\d+ bytes/,
    );
  });
});

describe('the local API Gateway enforces the Lambda response limit', () => {
  const raw: RawRequest = {
    method: 'GET',
    url: '/releases/x',
    rawHeaders: ['Host', '127.0.0.1:3000'],
    httpVersion: '1.1',
    sourceIp: '127.0.0.1',
  };
  /** A result of exactly `bytes` bytes serialised. */
  const resultOf = (bytes: number) => {
    const empty = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '' };
    return { ...empty, body: 'a'.repeat(bytes - lambdaResultBytes(empty)) };
  };

  it('passes a result of exactly 6,291,456 bytes', async () => {
    const result = resultOf(LAMBDA_RESPONSE_LIMIT_BYTES);
    expect(lambdaResultBytes(result)).toBe(LAMBDA_RESPONSE_LIMIT_BYTES);
    const response = await dispatch(raw, { api: async () => result, problems: async () => result });
    expect(response.statusCode).toBe(200);
    expect(response.body.length).toBe(result.body.length);
  });

  it("turns a larger result into API Gateway's 500 and logs it", async () => {
    const result = resultOf(LAMBDA_RESPONSE_LIMIT_BYTES + 1);
    const lines: string[] = [];
    const response = await dispatch(raw, { api: async () => result, problems: async () => result }, (line) =>
      lines.push(line),
    );
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body.toString('utf8'))).toEqual({ message: 'Internal Server Error' });
    expect(lines.join('\n')).toMatch(/6291457 bytes, over Lambda's 6291456-byte response limit/);
  });
});
