/**
 * What one Lambda response can carry, shared by the HTTP adapter (which encodes responses) and the
 * parser (which accepts a release only if it can be served whole).
 *
 * Lambda refuses a synchronous result whose JSON is over 6,291,456 bytes, and API Gateway then
 * answers 500. The result is `{statusCode, headers, body, isBase64Encoded}` serialised, so the
 * body is escaped twice: a release's `"` becomes `\"` in the API's JSON and `\\\"` in the result,
 * and a control character up to seven bytes. Gzip (sent base64-encoded) keeps almost any
 * release within the limit.
 */
import { gzipSync } from 'node:zlib';
import type { Release, StoredRelease } from './release.js';

/** Lambda's limit on the serialised result of a synchronous invocation. */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6_291_456;

/**
 * Room for what the parser cannot know of a served release: status, headers (CORS, ETag,
 * Cache-Control, Vary, Content-Encoding), `updatedAt`, and a few bytes of gzip's output that
 * depend on them. Generous: headers are well under 1 KiB.
 */
export const RESPONSE_OVERHEAD_ALLOWANCE_BYTES = 8 * 1024;

/** UTF-8 bytes of `JSON.stringify(text)`, quotes included, without building it. */
export function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) bytes += 2;
    else if (code < 0x20)
      bytes += code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 6;
    } else if (code >= 0xdc00 && code <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

/**
 * UTF-8 bytes of `JSON.stringify(release)`: the release as `/releases/{id}` and `/changes` serve
 * it. Only the body is large; it is measured without serialising it.
 */
export function storedReleaseBytes(release: StoredRelease): number {
  return (
    Buffer.byteLength(JSON.stringify({ ...release, body: '' }), 'utf8') - 2 + jsonStringBytes(release.body)
  );
}

/** UTF-8 bytes of `JSON.stringify(result)` as Lambda serialises a handler's result. */
export function lambdaResultBytes(result: unknown): number {
  if (
    result !== null &&
    typeof result === 'object' &&
    typeof (result as { body?: unknown }).body === 'string'
  ) {
    // Only the body is large; it is measured without serialising it (again).
    const { body, ...rest } = result as { body: string };
    return Buffer.byteLength(JSON.stringify({ ...rest, body: '' }), 'utf8') - 2 + jsonStringBytes(body);
  }
  return Buffer.byteLength(JSON.stringify(result) ?? '', 'utf8');
}

export interface EncodedBody {
  body: string;
  isBase64Encoded: boolean;
}

/** A JSON text gzip-compressed and base64-encoded, as API Gateway expects a binary body. */
export function gzipBody(json: string): EncodedBody {
  return { body: gzipSync(json).toString('base64'), isBase64Encoded: true };
}

/** The bytes a body adds to a serialised result. */
export function encodedBodyBytes(encoded: EncodedBody): number {
  // Base64 needs no escaping.
  return encoded.isBase64Encoded ? encoded.body.length + 2 : jsonStringBytes(encoded.body);
}

/**
 * The size of `GET /releases/{id}`'s result for this release as the API serves it to a client
 * that accepts gzip (the smaller of plain and compressed), allowance included.
 */
export function servedReleaseBytes(release: Release, key: string): number {
  const stored: StoredRelease = { ...release, source: { key }, updatedAt: '2000-01-01T00:00:00.000Z' };
  const json = JSON.stringify(stored);
  const base = lambdaResultBytes({ statusCode: 200, headers: {}, body: '', isBase64Encoded: false }) - 2;
  const plain = base + jsonStringBytes(json) + RESPONSE_OVERHEAD_ALLOWANCE_BYTES;
  // Compressing costs time; a release that fits plain needs none.
  if (plain <= LAMBDA_RESPONSE_LIMIT_BYTES) return plain;
  return Math.min(plain, base + encodedBodyBytes(gzipBody(json)) + RESPONSE_OVERHEAD_ALLOWANCE_BYTES);
}

/** Whether the release can be served whole by one Lambda response (with gzip when needed). */
export function fitsLambdaResponse(release: Release, key: string): boolean {
  return servedReleaseBytes(release, key) <= LAMBDA_RESPONSE_LIMIT_BYTES;
}
