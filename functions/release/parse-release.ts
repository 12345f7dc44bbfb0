/**
 * Release file -> release, or a problem that names the field and, where known, the line.
 * Pure: no AWS, no I/O, no clock, no time zone (the format: docs/release-files.md).
 */
// zod/mini: the same checks without the chained methods, so esbuild drops what the parser does
// not use (ingest's cold start loads about a third of classic zod's code). Every schema here
// names its own messages, so no locale is loaded.
import * as z from 'zod/mini';
import { asFrontMatterError, fieldPath, splitFrontMatter } from './front-matter.js';
import type { EntityRef, Release } from './release.js';
import { oversizeProblem } from './release-files.js';
import { LAMBDA_RESPONSE_LIMIT_BYTES, servedReleaseBytes } from './response-size.js';
import { foldSpaces, ministerSlug, portfolioSlug, slugify } from './slug.js';
import { summarise } from './summary.js';

export const MAX_ID_LENGTH = 200;

export interface ReleaseProblem {
  /** The field (`date`, `ministers[2]`), or `file` / `front matter` for the whole. */
  field: string;
  message: string;
  line?: number;
}

export type ParseResult = { ok: true; release: Release } | { ok: false; problem: ReleaseProblem };

/** `date: '2024-13-01' is not a calendar date (line 3)`. */
export function describeProblem(problem: ReleaseProblem): string {
  return `${problem.field}: ${problem.message}${problem.line === undefined ? '' : ` (line ${problem.line})`}`;
}

const KNOWN_FIELDS = ['title', 'date', 'url', 'ministers', 'portfolios'] as const;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?[ ]?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/** `YYYY-MM-DD`, or an ISO 8601 date-time with offset whose date is taken in its own offset. */
export function calendarDate(value: string): string | undefined {
  const text = value.trim();
  const dateOnly = DATE_ONLY.exec(text);
  const dateTime = dateOnly ? undefined : DATE_TIME.exec(text);
  const match = dateOnly ?? dateTime;
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!isCalendarDate(year, month, day)) return undefined;
  if (dateTime) {
    const [hour, minute, second] = [Number(dateTime[4]), Number(dateTime[5]), Number(dateTime[6] ?? 0)];
    if (hour > 23 || minute > 59 || second > 60) return undefined;
    const offset = dateTime[7] ?? 'Z';
    const offsetMatch = /^[+-](\d{2}):?(\d{2})?$/.exec(offset);
    if (offsetMatch && (Number(offsetMatch[1]) > 14 || Number(offsetMatch[2] ?? 0) > 59)) return undefined;
  }
  return `${match[1]}-${match[2]}-${match[3]}`;
}

function entityList(slugOf: (name: string) => string) {
  return z.pipe(
    z.nullish(z.union([z.string(), z.array(z.unknown())], { error: 'must be a name or a list of names' })),
    z.transform((value: string | unknown[] | null | undefined, ctx): EntityRef[] => {
      const names = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
      const refs: EntityRef[] = [];
      const seen = new Set<string>();
      names.forEach((raw, index) => {
        if (typeof raw !== 'string') {
          ctx.issues.push({ code: 'custom', message: 'must be a name (text)', path: [index], input: raw });
          return;
        }
        const name = foldSpaces(raw);
        if (name === '') return;
        const slug = slugOf(name);
        if (slug === '') {
          ctx.issues.push({
            code: 'custom',
            message: `"${name}" has no letters or digits`,
            path: [index],
            input: raw,
          });
          return;
        }
        if (seen.has(slug)) return;
        seen.add(slug);
        refs.push({ slug, name });
      });
      return refs;
    }),
  );
}

/** The front matter's known fields; anything else is kept under `extra`. */
export const FrontMatterSchema = z.looseObject({
  title: z.pipe(
    z.pipe(
      z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') }),
      z.transform((title: string) => foldSpaces(title)),
    ),
    z.string().check(z.minLength(1, 'must not be empty')),
  ),
  date: z.pipe(
    z.string({
      error: (issue) =>
        issue.input === undefined
          ? 'is required'
          : 'must be a date like 2024-07-02 (quote it if YAML reads it otherwise)',
    }),
    z.transform((value: string, ctx) => {
      const date = calendarDate(value);
      if (date === undefined) {
        ctx.issues.push({
          code: 'custom',
          message: `"${value}" is not a calendar date (YYYY-MM-DD or an ISO 8601 date-time with offset)`,
          input: value,
        });
        return z.NEVER;
      }
      return date;
    }),
  ),
  url: z.pipe(
    z.nullish(z.string({ error: 'must be an absolute http(s) URL' })),
    z.transform((value: string | null | undefined, ctx) => {
      const text = value?.trim();
      if (!text) return null;
      const notUrl = () => {
        ctx.issues.push({
          code: 'custom',
          message: `"${text}" is not an absolute http(s) URL`,
          input: value,
        });
        return z.NEVER;
      };
      let parsed: URL;
      try {
        parsed = new URL(text);
      } catch {
        return notUrl();
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return notUrl();
      return text;
    }),
  ),
  ministers: entityList(ministerSlug),
  portfolios: entityList(portfolioSlug),
});
export type FrontMatter = z.infer<typeof FrontMatterSchema>;

/** Last path segment of the URL, else the file name without extension; folded to a slug. */
export function releaseIdFor(url: string | null, key: string): string {
  let source = '';
  if (url) {
    const segments = new URL(url).pathname.split('/').filter((segment) => segment !== '');
    const last = segments.at(-1);
    if (last) {
      try {
        source = decodeURIComponent(last);
      } catch {
        source = last;
      }
    }
  }
  if (source === '') {
    const fileName = key.split('/').at(-1) ?? key;
    source = fileName.replace(/\.[^.]*$/, '');
  }
  return slugify(source).slice(0, MAX_ID_LENGTH).replace(/-+$/, '');
}

export function parseRelease(text: string, key: string): ParseResult {
  const tooLarge = oversizeProblem(Buffer.byteLength(text, 'utf8'));
  if (tooLarge) return { ok: false, problem: { ...tooLarge } };
  let split: ReturnType<typeof splitFrontMatter>;
  try {
    split = splitFrontMatter(text);
  } catch (error) {
    const known = asFrontMatterError(error);
    if (!known) throw error;
    return { ok: false, problem: { field: known.field, message: known.message, line: known.line } };
  }

  const result = FrontMatterSchema.safeParse(split.data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path ?? [];
    const top = typeof path[0] === 'string' ? path[0] : undefined;
    return {
      ok: false,
      problem: {
        field:
          path.length > 0
            ? fieldPath(path.map((part) => (typeof part === 'number' ? part : String(part))))
            : 'front matter',
        message: issue?.message ?? 'is invalid',
        line: top === undefined ? undefined : split.lineOf(top),
      },
    };
  }
  const fields = result.data;
  const id = releaseIdFor(fields.url, key);
  if (id === '') {
    return {
      ok: false,
      problem: {
        field: fields.url ? 'url' : 'file',
        message: "yields an empty id (no letters or digits in the URL's last segment or the file name)",
        line: fields.url ? split.lineOf('url') : undefined,
      },
    };
  }
  // fromEntries defines properties, so a field named `__proto__` is kept as one.
  const extra: Record<string, unknown> = Object.fromEntries(
    Object.entries(split.data).filter(([name]) => !(KNOWN_FIELDS as readonly string[]).includes(name)),
  );
  const release: Release = {
    id,
    title: fields.title,
    date: fields.date,
    url: fields.url,
    ministers: fields.ministers,
    portfolios: fields.portfolios,
    summary: summarise(split.body),
    body: split.body,
    extra,
  };
  // Every accepted release must be readable whole: one API response, gzip-compressed if need be.
  const served = servedReleaseBytes(release, key);
  if (served > LAMBDA_RESPONSE_LIMIT_BYTES) {
    return {
      ok: false,
      problem: {
        field: 'body',
        message: `is too large to serve in one response, even compressed (${served} bytes; the limit is ${LAMBDA_RESPONSE_LIMIT_BYTES})`,
      },
    };
  }
  return { ok: true, release };
}
