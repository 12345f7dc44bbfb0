import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { BadParameterError } from '#platform/errors.js';
import { errorResponse, etagOf, ifNoneMatchHits, parseQueryString } from '#query/aws/http.js';
import { buildOpenApiDocument, OPERATIONS } from '#query/query-openapi.js';
import { ROUTES } from '#query/routes.js';

describe('HTTP adapter', () => {
  it('reads the raw query string and rejects a repeated name', () => {
    expect(parseQueryString('q=a+b&limit=5')).toEqual({ q: 'a b', limit: '5' });
    expect(() => parseQueryString('minister=a&minister=b')).toThrow(BadParameterError);
  });

  it('compares If-None-Match weakly, in lists and with *', () => {
    const etag = etagOf('{"items":[]}');
    expect(ifNoneMatchHits(etag, etag)).toBe(true);
    expect(ifNoneMatchHits(`"x", W/${etag}`, etag)).toBe(true);
    expect(ifNoneMatchHits('*', etag)).toBe(true);
    expect(ifNoneMatchHits('"other"', etag)).toBe(false);
    expect(ifNoneMatchHits(undefined, etag)).toBe(false);
  });

  it('maps an unexpected error to an opaque 500 problem', () => {
    const result = errorResponse(new Error('secret table name releases-prod'));
    expect(result.statusCode).toBe(500);
    expect(result.headers?.['content-type']).toContain('application/problem+json');
    expect(result.body).not.toContain('releases-prod');
  });
});

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(buildOpenApiDocument({ serverUrl: 'https://api.example.test' }));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every route of the shared route table, with its parameters', () => {
    const document = buildOpenApiDocument() as {
      paths: Record<string, Record<string, { operationId: string; parameters?: { name: string }[] }>>;
    };
    for (const route of ROUTES) {
      const operation = document.paths[route.path]?.get;
      expect(operation?.operationId).toBe(route.operationId);
      const names = (operation?.parameters ?? []).map((parameter) => parameter.name);
      const spec = OPERATIONS[route.operationId];
      expect(names).toEqual([...Object.keys(spec?.path ?? {}), ...Object.keys(spec?.query.shape ?? {})]);
    }
    const limit = document.paths['/releases']?.get?.parameters?.find(
      (p) => p.name === 'limit',
    ) as unknown as {
      schema: { type: string; minimum: number; maximum: number };
    };
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
  });
});
