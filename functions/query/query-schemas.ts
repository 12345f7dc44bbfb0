/**
 * The response bodies of the API as zod schemas: the OpenAPI document is generated from them, and
 * the tests check real responses against them, so the document and the code cannot drift.
 * Type-level checks below keep them equal to the core types in release.ts.
 */
// A namespace import lets esbuild drop what is unused (zod's locales): 85 KB instead of 450 KB.
import * as z from 'zod';
import type { EntitySummary, ProblemRecord, ReleaseSummary, StoredRelease } from '#release/release.js';

export const entityRefSchema = z
  .object({
    slug: z.string().meta({ example: 'christopher-luxon' }),
    name: z.string().meta({ example: 'Rt Hon Christopher Luxon' }),
  })
  .meta({ description: 'A minister or portfolio as written on the release' });

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .meta({ format: 'date', example: '2024-07-02' });

export const releaseSummarySchema = z.object({
  id: z.string().meta({ example: 'prime-minister-heads-united-states-nato' }),
  title: z.string(),
  date: isoDate,
  url: z.string().nullable(),
  ministers: z.array(entityRefSchema),
  portfolios: z.array(entityRefSchema),
  summary: z.string().max(280).meta({ description: "The body's opening as plain text, cut at a word" }),
});

export const releaseSchema = releaseSummarySchema.extend({
  body: z.string().meta({ description: 'Markdown' }),
  extra: z.record(z.string(), z.unknown()).meta({ description: 'Every other front-matter field, as it was' }),
  source: z.object({ key: z.string().meta({ description: 'The S3 key the release was read from' }) }),
  updatedAt: z.string().meta({ format: 'date-time' }),
});

export const releasePageSchema = z.object({
  items: z.array(releaseSummarySchema),
  nextCursor: z
    .string()
    .nullable()
    .meta({ description: 'Pass as cursor for the next page; null at the end' }),
  partial: z
    .literal(true)
    .optional()
    .meta({
      description:
        'Present (true) when the work budget of a q request cut the page short: it may hold fewer ' +
        'than limit items, none at all, while more may follow; nextCursor continues, always past ' +
        'where this page started. Absent on a page that is full or the last.',
    }),
});

export const entitySummarySchema = z.object({
  slug: z.string(),
  name: z.string().meta({ description: 'The form on the newest release' }),
  count: z.number().int().min(0),
  latestDate: isoDate,
});

export const entityListSchema = z.object({ items: z.array(entitySummarySchema) });

const facetValuesSchema = z.object({
  items: z.array(
    z.object({
      slug: z.string(),
      name: z
        .string()
        .meta({ description: 'The form on the newest release, as in /ministers and /portfolios' }),
      count: z.number().int().min(1),
    }),
  ),
  others: z
    .object({ values: z.number().int().min(0), count: z.number().int().min(0) })
    .meta({ description: 'The values left out by size: how many, and their releases together' }),
});

export const facetsSchema = z.object({
  total: z.number().int().min(0).meta({ description: 'Releases that match' }),
  exact: z.boolean().meta({
    description:
      'False when the counts cover only the newest `bound` matches (narrow the dates for exact figures)',
  }),
  bound: z.number().int().optional().meta({ description: 'With exact false: the matches counted' }),
  interval: z.enum(['year', 'month']),
  ministers: facetValuesSchema.meta({
    description: 'By count, then name; a release with two ministers counts for both',
  }),
  portfolios: facetValuesSchema.meta({ description: 'By count, then name' }),
  periods: z
    .array(
      z.object({
        period: z.string().meta({ description: '`YYYY`, or `YYYY-MM`' }),
        count: z.number().int().min(0),
      }),
    )
    .meta({ description: 'Every period in range, in date order, zero where none matched' }),
});

export const problemRecordSchema = z.object({
  key: z.string(),
  reason: z.string(),
  at: z.string().meta({ format: 'date-time' }),
});

export const problemListSchema = z.object({
  items: z.array(problemRecordSchema),
  nextCursor: z.string().nullable(),
});

export const changeSchema = z
  .object({
    token: z.string().meta({ description: 'Pass as after to continue right after this change' }),
    type: z.enum(['upsert', 'delete']),
    id: z.string().meta({ example: 'prime-minister-heads-united-states-nato' }),
    at: z.string().meta({ format: 'date-time', description: 'When the change was committed (approximate)' }),
    release: releaseSchema.optional().meta({
      description:
        'Upserts only: the release as /releases/{id} serves it now, whole (one over the page limit comes alone on its page)',
    }),
  })
  .meta({ description: "A release's latest change" });

export const changePageSchema = z.object({
  items: z.array(changeSchema),
  nextToken: z.string().meta({
    description: 'Always present: pass as after to continue (poll it when items is empty)',
  }),
});

/** RFC 9457 problem details, with the parameter at fault for 400s. */
export const problemDetailsSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  parameter: z.string().optional().meta({ description: 'The parameter at fault (400 only)' }),
  errors: z
    .array(z.object({ parameter: z.string(), detail: z.string() }))
    .optional()
    .meta({ description: 'Every parameter at fault (400 only)' }),
});

export const openApiDocumentSchema = z.record(z.string(), z.unknown());

/** An Atom 1.0 document (RFC 4287), served as application/atom+xml. */
export const atomFeedSchema = z.string().meta({ description: 'An Atom 1.0 feed document (RFC 4287)' });

// Compile-time proof that the schemas describe exactly the core types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const proofs: [
  Same<z.infer<typeof releaseSummarySchema>, ReleaseSummary>,
  Same<z.infer<typeof releaseSchema>, StoredRelease>,
  Same<z.infer<typeof entitySummarySchema>, EntitySummary>,
  Same<z.infer<typeof problemRecordSchema>, ProblemRecord>,
] = [true, true, true, true];
void proofs;
