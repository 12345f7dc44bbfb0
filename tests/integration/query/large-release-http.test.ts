/**
 * 5 MiB releases read whole through the real API handler, DynamoDB Local (chunked bodies) and the
 * local API Gateway, which enforces Lambda's 6,291,456-byte response limit as the cloud does.
 */
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiHandler } from '#handlers/api.js';
import { dispatch, type HttpResponse, type RawRequest } from '#local/http-adapter.js';
import { parseRelease } from '#release/parse-release.js';
import type { StoredRelease } from '#release/release.js';
import { LAMBDA_RESPONSE_LIMIT_BYTES, lambdaResultBytes } from '#release/response-size.js';
import { asFunction } from '../../support/aws-calls.js';
import { seedReleases, stored } from '../../support/corpus-seed.js';
import { freshServices } from '../../support/services.js';

process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const makeHandler = asFunction('api', (await import('#handlers/api.js')).makeHandler);

const FILE_LIMIT = 5 * 1024 * 1024;

/** A deterministic generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

/** A release file of exactly 5 MiB (or just under) whose body is drawn from `next`. */
function fiveMiBFile(title: string, next: () => string): string {
  const head = `---\ntitle: ${title}\ndate: 2024-07-02\n---\n`;
  const budget = FILE_LIMIT - Buffer.byteLength(head, 'utf8');
  const parts: string[] = [];
  let bytes = 0;
  for (;;) {
    const part = next();
    const size = Buffer.byteLength(part, 'utf8');
    if (bytes + size > budget) break;
    parts.push(part);
    bytes += size;
  }
  return head + parts.join('');
}

function codePoint(rng: () => number, max: number): string {
  for (;;) {
    const cp = Math.floor(rng() * max);
    if (cp < 0xd800 || cp > 0xdfff) return String.fromCodePoint(cp);
  }
}

const files: Record<string, string> = {
  quotes: fiveMiBFile('Quotes', () => '"'),
  // Every code point alike: barely compressible, so it is sent plain.
  unicode: (() => {
    const rng = random(11);
    return fiveMiBFile('Unicode', () => codePoint(rng, 0x110000));
  })(),
  // Text of any BMP letters where a quarter of the characters escape in JSON (quotes, backslashes,
  // control characters), so the plain result is over the limit and gzip is needed.
  'unicode with escapes': (() => {
    const rng = random(12);
    const escaping = ['"', '\\', '\n', '\t', '\u0001', '\u001f'];
    return fiveMiBFile('Mixed', () =>
      rng() < 0.25 ? (escaping[Math.floor(rng() * escaping.length)] ?? '"') : codePoint(rng, 0x3000),
    );
  })(),
};

let api: ApiHandler;
const releases: Record<string, StoredRelease> = {};

beforeAll(async () => {
  const services = await freshServices({ stream: false });
  for (const [name, text] of Object.entries(files)) {
    const parsed = parseRelease(text, `${name}.md`);
    if (!parsed.ok) throw new Error(`${name} does not parse: ${JSON.stringify(parsed.problem)}`);
    releases[name] = stored(parsed.release, `${name}.md`);
  }
  await seedReleases(services.doc, services.tableName, Object.values(releases));
  api = makeHandler({
    doc: services.doc,
    tableName: services.tableName,
    textSearch: true,
    cursorSecret: 'x',
  });
}, 300_000);

async function get(id: string, headers: string[]): Promise<{ response: HttpResponse; resultBytes: number }> {
  let resultBytes = 0;
  const measured: ApiHandler = async (event) => {
    const result = await api(event);
    resultBytes = lambdaResultBytes(result);
    return result;
  };
  const request: RawRequest = {
    method: 'GET',
    url: `/releases/${encodeURIComponent(id)}`,
    rawHeaders: ['Host', '127.0.0.1:3000', ...headers],
    httpVersion: '1.1',
    sourceIp: '127.0.0.1',
  };
  const response = await dispatch(request, { api: measured, problems: measured }, (line) =>
    console.log(line),
  );
  return { response, resultBytes };
}

describe('a 5 MiB release is served whole', () => {
  it.each(Object.keys(files))('%s, to a client that accepts gzip', async (name) => {
    const release = releases[name] as StoredRelease;
    const { response, resultBytes } = await get(release.id, ['Accept-Encoding', 'gzip, deflate, br']);
    const gzip = response.headers['content-encoding'] === 'gzip';
    const json = gzip ? gunzipSync(response.body).toString('utf8') : response.body.toString('utf8');
    console.log(
      `${name}: file ${Buffer.byteLength(files[name] ?? '', 'utf8')} bytes, Lambda result ${resultBytes} bytes ` +
        `(${gzip ? 'gzip' : 'plain'}), HTTP body ${response.body.length} bytes, JSON ${Buffer.byteLength(json)} bytes`,
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers.vary).toBe('accept-encoding');
    expect(resultBytes).toBeLessThanOrEqual(LAMBDA_RESPONSE_LIMIT_BYTES);
    const served = JSON.parse(json) as StoredRelease;
    expect(served.body).toBe(release.body);
    expect(served.body.length).toBeGreaterThan(1_000_000);
    if (name !== 'unicode') expect(gzip).toBe(true);
  });

  it.each(['quotes', 'unicode with escapes'])(
    '%s, to a client that does not accept gzip: a 406 that says to send Accept-Encoding: gzip',
    async (name) => {
      const release = releases[name] as StoredRelease;
      const { response, resultBytes } = await get(release.id, []);
      console.log(`${name} without gzip: ${response.statusCode}, Lambda result ${resultBytes} bytes`);
      expect(response.statusCode).toBe(406);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      const problem = JSON.parse(response.body.toString('utf8'));
      expect(problem).toMatchObject({ status: 406 });
      expect(problem.detail).toContain('"Accept-Encoding: gzip"');
    },
  );

  it('unicode, to a client that does not accept gzip: plain, whole', async () => {
    const release = releases.unicode as StoredRelease;
    const { response } = await get(release.id, ['Accept-Encoding', 'gzip;q=0, identity']);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect((JSON.parse(response.body.toString('utf8')) as StoredRelease).body).toBe(release.body);
  });
});
