/**
 * The API's operations, declared once over the shared route table (routes.ts): parameter schema
 * and response schema of each (the cache policy is the route's). The OpenAPI 3.1 document is
 * generated from this table, so the document describes exactly what is served. The handlers load
 * this module only to serve the document: its schemas cost a cold start that needs none of them.
 */
// A namespace import lets esbuild drop what is unused (zod's locales): 85 KB instead of 450 KB.
import * as z from 'zod';
import { changesParamsSchema } from './query-changes.js';
import {
  FEED_DEFAULT_LIMIT,
  facetsParamsSchema,
  noParamsSchema,
  problemsParamsSchema,
  releaseIdSchema,
  releasesFeedParamsSchema,
  releasesParamsSchema,
} from './query-params.js';
import {
  atomFeedSchema,
  changePageSchema,
  changeSchema,
  entityListSchema,
  entityRefSchema,
  entitySummarySchema,
  facetsSchema,
  openApiDocumentSchema,
  problemDetailsSchema,
  problemListSchema,
  problemRecordSchema,
  releasePageSchema,
  releaseSchema,
  releaseSummarySchema,
} from './query-schemas.js';
import { ROUTES, type RouteDefinition } from './routes.js';

export interface OperationSpec {
  /** The group the operation is listed under (one of {@link TAGS}). */
  tag: TagName;
  summary: string;
  description: string;
  query: z.ZodObject;
  path?: Record<string, z.ZodType>;
  response: z.ZodType;
  /** @default application/json */
  mediaType?: string;
  /** Whether a 404 is a normal answer (an unknown id). */
  mayBeNotFound?: boolean;
  /** Whether a 410 is a normal answer (an expired token). */
  mayBeGone?: boolean;
  /** Whether a 200 may carry a release of up to 5 MiB, which may fit one response only compressed. */
  mayNeedGzip?: boolean;
}

/** Operation groups, in the order a reader of the document meets them. */
export const TAGS = [
  { name: 'Releases', description: 'Press releases: queries, feeds and single releases' },
  { name: 'Ministers and portfolios', description: 'Who issued releases, and under which portfolios' },
  { name: 'API description', description: 'This OpenAPI document' },
  { name: 'Ingest problems', description: 'Release files that could not be ingested (IAM only)' },
] as const;

export type TagName = (typeof TAGS)[number]['name'];

export const OPERATIONS: Readonly<Record<string, OperationSpec>> = {
  listReleases: {
    tag: 'Releases',
    summary: 'List releases, newest first',
    description:
      'Newest date first, then id. Filters combine with AND. Without q a page reads only what it returns. ' +
      'q matches whole words of the title and body after folding case (full Unicode case folding: ' +
      '`strasse` finds "Straße"), compatibility forms, Latin, Greek and Cyrillic accents and any space or ' +
      'punctuation (`nato` finds "NATO\'s" but not "senator"); Chinese, Japanese, Thai, Lao, Khmer and ' +
      'Myanmar text is split into words by a dictionary (`中国` finds "中国政府宣布"); `term*` is a word ' +
      'prefix of at least 3 letters or digits (1 for a Chinese, Japanese or Korean character); ' +
      '`"quoted phrase"` matches consecutive words; `-term`, `-"phrase"` and `-term*` ' +
      'exclude. Every other part must match. q is answered from a word index when it holds a word or ' +
      'prefix of the query (rare words complete in one request), else by examining the releases in ' +
      'order. Every q request works within a budget (at most 100 read units, 50 DynamoDB requests, ' +
      '5 s and 1,000 entries examined); a request that reaches it returns what it found with ' +
      '"partial": true and a nextCursor to continue, so a page may be short or empty before the end; ' +
      'only nextCursor null means the end. At most 20 words in q (each word of a phrase counts).',
    query: releasesParamsSchema,
    response: releasePageSchema,
  },
  listReleasesAtom: {
    tag: 'Releases',
    summary: 'A query as an Atom feed',
    description:
      `The first page of the same query as /releases (limit default ${FEED_DEFAULT_LIMIT}, no cursor) as an ` +
      'Atom 1.0 feed: one entry per release with ministers as authors, portfolios as categories, the ' +
      'summary, and the body rendered from Markdown to sanitized HTML.',
    query: releasesFeedParamsSchema,
    response: atomFeedSchema,
    mediaType: 'application/atom+xml',
  },
  getRelease: {
    tag: 'Releases',
    summary: 'One release in full',
    description: 'The release with its Markdown body, other front-matter fields, source key and update time.',
    query: noParamsSchema,
    path: { id: releaseIdSchema },
    response: releaseSchema,
    mayBeNotFound: true,
    mayNeedGzip: true,
  },
  listChanges: {
    tag: 'Releases',
    summary: 'Every change to the archive, in order (for mirrors)',
    description:
      "Each release's latest change, in the order they were logged: an upsert carries the release as " +
      '/releases/{id} serves it, a delete only its id (a move between keys is a delete of the old id and ' +
      'an upsert of the new). Without after, the log from its start: every release that exists, as ' +
      'upserts, then the deletions of the last 30 days. Pass nextToken as after to continue; nextToken is ' +
      'always present, and an empty page means nothing new yet (poll again). The log is served up to a ' +
      'few seconds before now, so a change appears a few seconds after the projector logs it, and none is ' +
      'ever skipped. A token older than 30 days answers 410: start over without after. A page holds at ' +
      "most 4,000,000 bytes of releases' JSON; a larger release (files may be 5 MiB) comes whole, alone " +
      'on its page, which may fit a response only compressed: send Accept-Encoding: gzip (406 without).',
    query: changesParamsSchema,
    response: changePageSchema,
    mayBeGone: true,
    mayNeedGzip: true,
  },
  getFacets: {
    tag: 'Releases',
    summary: 'How many releases match, by minister, portfolio and period',
    description:
      'Takes the filters of /releases. Counts by minister and portfolio (top `size` each, with the ' +
      'rest summed in `others`; they add up to more than `total`, since a release has several) and ' +
      'by period. Without q, and with at most one of minister and portfolio, from aggregates; ' +
      'otherwise counted over the matches, exactly up to a bound (`exact`, `bound`).',
    query: facetsParamsSchema,
    response: facetsSchema,
  },
  listMinisters: {
    tag: 'Ministers and portfolios',
    summary: 'Every minister with releases',
    description: 'Sorted by name (honorifics aside), with the number of releases and the latest date.',
    query: noParamsSchema,
    response: entityListSchema,
  },
  listPortfolios: {
    tag: 'Ministers and portfolios',
    summary: 'Every portfolio with releases',
    description: 'Sorted by name, with the number of releases and the latest date.',
    query: noParamsSchema,
    response: entityListSchema,
  },
  getOpenApi: {
    tag: 'API description',
    summary: 'This document',
    description: 'The OpenAPI 3.1 description of this API.',
    query: noParamsSchema,
    response: openApiDocumentSchema,
  },
  listProblems: {
    tag: 'Ingest problems',
    summary: 'Release files that could not be ingested',
    description: 'In key order, paged like /releases. Requires IAM (SigV4) authorization in the cloud.',
    query: problemsParamsSchema,
    response: problemListSchema,
  },
};

export function operationFor(route: RouteDefinition): OperationSpec {
  const spec = OPERATIONS[route.operationId];
  if (!spec) throw new Error(`No operation declared for ${route.operationId}`);
  return spec;
}

const NAMED_SCHEMAS: ReadonlyArray<[string, z.ZodType]> = [
  ['EntityRef', entityRefSchema],
  ['ReleaseSummary', releaseSummarySchema],
  ['Release', releaseSchema],
  ['ReleasePage', releasePageSchema],
  ['Change', changeSchema],
  ['ChangePage', changePageSchema],
  ['EntitySummary', entitySummarySchema],
  ['EntityList', entityListSchema],
  ['Facets', facetsSchema],
  ['Problem', problemRecordSchema],
  ['ProblemList', problemListSchema],
  ['ProblemDetails', problemDetailsSchema],
  ['OpenApiDocument', openApiDocumentSchema],
  ['AtomFeed', atomFeedSchema],
];

type JsonObject = Record<string, unknown>;

function componentSchemas(): { schemas: JsonObject; refOf: (schema: z.ZodType) => JsonObject } {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of NAMED_SCHEMAS) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonObject> };
  const schemas: JsonObject = {};
  for (const [id, schema] of Object.entries(generated.schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    schemas[id] = rest;
  }
  return {
    schemas,
    refOf(schema) {
      const id = NAMED_SCHEMAS.find(([, candidate]) => candidate === schema)?.[0];
      if (!id) throw new Error('Response schema is not a named component');
      return { $ref: `#/components/schemas/${id}` };
    },
  };
}

function parameterSchema(schema: z.ZodType): { schema: JsonObject; description?: string; example?: unknown } {
  const {
    $schema: _dialect,
    description,
    example,
    ...rest
  } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
  }) as JsonObject;
  return {
    schema: rest,
    ...(typeof description === 'string' ? { description } : {}),
    ...(example !== undefined ? { example } : {}),
  };
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
});

/** The OpenAPI 3.1 document of every route in routes.ts. */
export function buildOpenApiDocument(options: { serverUrl?: string } = {}): JsonObject {
  const { schemas, refOf } = componentSchemas();
  const paths: Record<string, JsonObject> = {};
  for (const route of ROUTES) {
    const spec = operationFor(route);
    const parameters: JsonObject[] = [];
    for (const [name, schema] of Object.entries(spec.path ?? {})) {
      parameters.push({ name, in: 'path', required: true, ...parameterSchema(schema) });
    }
    for (const [name, schema] of Object.entries(spec.query.shape)) {
      parameters.push({ name, in: 'query', required: false, ...parameterSchema(schema as z.ZodType) });
    }
    const responses: JsonObject = {
      '200': {
        description: 'OK',
        headers: {
          ETag: {
            description: 'Hash of the body; send it back as If-None-Match',
            schema: { type: 'string' },
          },
          'Cache-Control': { schema: { type: 'string', example: route.cacheControl } },
        },
        content: { [spec.mediaType ?? 'application/json']: { schema: refOf(spec.response) } },
      },
      '304': { description: 'Not modified: the If-None-Match ETag is current' },
      '400': problemResponse('A parameter is unknown or not valid; `parameter` names it'),
      ...(spec.mayBeNotFound ? { '404': problemResponse('No such release') } : {}),
      ...(spec.mayBeGone ? { '410': problemResponse('The token has expired: start over without it') } : {}),
      ...(spec.mayNeedGzip
        ? { '406': problemResponse('Too large for one response uncompressed: send Accept-Encoding: gzip') }
        : {}),
      ...(route.auth === 'iam' ? { '403': { description: 'Not authorized (IAM)' } } : {}),
      '429': { description: 'Too many requests: the stage rate or burst limit is exceeded' },
      '500': problemResponse('Internal error (details are logged, never returned)'),
    };
    const pathItem = paths[route.path] ?? {};
    pathItem[route.method.toLowerCase()] = {
      operationId: route.operationId,
      tags: [spec.tag],
      summary: spec.summary,
      description: spec.description,
      // Public routes say so explicitly (an empty list: no authorization), not by omission.
      security: route.auth === 'iam' ? [{ sigv4: [] }] : [],
      ...(parameters.length > 0 ? { parameters } : {}),
      responses,
    };
    paths[route.path] = pathItem;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Releases',
      version: '1.0.0',
      description:
        'An archive of government press releases. Every route is GET; errors are application/problem+json ' +
        '(RFC 9457); any origin may call it (CORS).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    // Without a known origin, `/` says what a missing list would mean, explicitly: this origin.
    servers: [
      options.serverUrl
        ? { url: options.serverUrl }
        : { url: '/', description: 'The origin serving this document' },
    ],
    tags: TAGS.map((tag) => ({ ...tag })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (IAM authorization)',
        },
      },
    },
  };
}
