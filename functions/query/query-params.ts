/**
 * The query parameters of every route, each declared by one zod schema: the schema validates the
 * request, its inferred type is the TypeScript type, and the OpenAPI document is generated from it.
 */
// A namespace import lets esbuild drop what is unused (zod's locales): 85 KB instead of 450 KB.
import * as z from 'zod';
import { BadParameterError, type ParameterIssue } from '#platform/errors.js';
import { ministerSlug, portfolioSlug } from '#release/slug.js';
import { MAX_QUERY_WORDS } from '#search/query.js';
import { MAX_CURSOR_LENGTH } from './query-cursor.js';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
/** Long enough for any real name or text filter; bounds the work a request can ask for. */
const MAX_TEXT_LENGTH = 300;

function isCalendarDate(value: string): boolean {
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
}

const dateParam = (meaning: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date in the form YYYY-MM-DD' })
    .refine(isCalendarDate, { error: 'is not a calendar date' })
    .meta({ description: `${meaning} (YYYY-MM-DD, inclusive)`, format: 'date', example: '2024-07-02' });

const nameParam = (what: string, slug: (name: string) => string) =>
  z
    .string()
    .max(MAX_TEXT_LENGTH, { error: `must be at most ${MAX_TEXT_LENGTH} characters` })
    .refine((value) => slug(value) !== '', { error: `must name a ${what} (letters or digits)` })
    .meta({
      description: `A ${what}'s slug or name, in any case, with or without honorific or accents`,
      example: what === 'minister' ? 'christopher-luxon' : 'Prime Minister',
    });

/** A page size from 1 to `max`, as a query string carries it. */
export const limitParam = (defaultLimit: number, max = MAX_LIMIT, label = 'Page size') =>
  z
    .string()
    .regex(/^\d{1,3}$/, { error: `must be a whole number from 1 to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, { error: `must be a whole number from 1 to ${max}` })
        .max(max, { error: `must be a whole number from 1 to ${max}` }),
    )
    .meta({ description: `${label}, 1 to ${max}`, default: defaultLimit });

const cursorParam = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(MAX_CURSOR_LENGTH, { error: 'is not a cursor this API issued' })
  .meta({ description: 'The nextCursor of the previous page of the same query' });

/** What selects the releases of `/releases` and `/releases.atom`. */
export const releaseFilters = {
  minister: nameParam('minister', ministerSlug).optional(),
  portfolio: nameParam('portfolio', portfolioSlug).optional(),
  from: dateParam('Earliest release date').optional(),
  to: dateParam('Latest release date').optional(),
  q: z
    .string()
    .max(MAX_TEXT_LENGTH, { error: `must be at most ${MAX_TEXT_LENGTH} characters` })
    .meta({
      description:
        'Text filter over title and body, by whole words after folding case, accents, spaces and ' +
        'punctuation: every word must appear; `term*` is a word prefix (3 or more characters, 1 or ' +
        'more of Chinese, Japanese or Korean); ' +
        '`"quoted phrase"` is consecutive words; `-term` or `-"phrase"` excludes; at most ' +
        `${MAX_QUERY_WORDS} words (each word of a phrase counts, and each prefix)`,
      example: 'nato "prime minister" -trade',
    })
    .optional(),
};

function fromNotAfterTo(
  params: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (params.from !== undefined && params.to !== undefined && params.from > params.to) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: `is after to (${params.to})` });
  }
}

export const releasesParamsSchema = z
  .strictObject({
    ...releaseFilters,
    limit: limitParam(DEFAULT_LIMIT).optional(),
    cursor: cursorParam.optional(),
  })
  .superRefine(fromNotAfterTo);

export type ReleasesParams = z.output<typeof releasesParamsSchema>;

/** `/facets`: the filters of `/releases`, the period and how many values per facet. */
export const FACETS_DEFAULT_SIZE = 10;
export const FACETS_MAX_SIZE = 100;

export const facetsParamsSchema = z
  .strictObject({
    ...releaseFilters,
    interval: z
      .enum(['year', 'month'], { error: 'must be year or month' })
      .meta({ description: 'The length of each period counted', default: 'year' })
      .optional(),
    size: limitParam(FACETS_DEFAULT_SIZE, FACETS_MAX_SIZE, 'Values per facet').optional(),
  })
  .superRefine(fromNotAfterTo);

export type FacetsParams = z.output<typeof facetsParamsSchema>;

/** A feed is the first page of a query, larger by default; readers poll it and never page. */
export const FEED_DEFAULT_LIMIT = 50;

export const releasesFeedParamsSchema = z
  .strictObject({ ...releaseFilters, limit: limitParam(FEED_DEFAULT_LIMIT).optional() })
  .superRefine(fromNotAfterTo);

export type ReleasesFeedParams = z.output<typeof releasesFeedParamsSchema>;

export const problemsParamsSchema = z.strictObject({
  limit: limitParam(DEFAULT_LIMIT).optional(),
  cursor: cursorParam.optional(),
});

export type ProblemsParams = z.output<typeof problemsParamsSchema>;

/** Routes without parameters still reject unknown ones, so a typo never passes silently. */
export const noParamsSchema = z.strictObject({});

export const releaseIdSchema = z.string().meta({
  description: 'The release id (the last segment of its url)',
  example: 'prime-minister-heads-united-states-nato',
});

function allowedNames(schema: z.ZodType): string[] {
  const shape = schema instanceof z.ZodObject ? schema.shape : undefined;
  return shape ? Object.keys(shape) : [];
}

/** Validates query parameters with a schema; every failure becomes a 400 naming its parameter. */
export function parseParams<S extends z.ZodType>(schema: S, params: Record<string, string>): z.output<S> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const allowed = allowedNames(schema);
  const issues: ParameterIssue[] = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const name = issue.keys[0] ?? '';
      return {
        parameter: name,
        detail:
          allowed.length > 0
            ? `Unknown query parameter "${name}"; this route takes ${allowed.join(', ')}.`
            : `Unknown query parameter "${name}"; this route takes no query parameters.`,
      };
    }
    const name = String(issue.path[0] ?? '');
    return { parameter: name, detail: `Query parameter "${name}" ${issue.message}.` };
  });
  const [first, ...rest] = issues;
  if (!first) throw BadParameterError.of('', 'The query parameters are not valid.');
  throw new BadParameterError([first, ...rest]);
}
