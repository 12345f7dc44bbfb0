/**
 * The release as the product knows it: what the parser produces, what the table stores and
 * what the API returns. Pure types; no AWS imports in any flow's core (docs/architecture.md).
 */

/** A minister or portfolio as it appears on one release. */
export interface EntityRef {
  /** Stable identity: lower-case, accents removed, honorifics left out for ministers. */
  slug: string;
  /** Display form as written on the release (trimmed, Unicode spaces folded). */
  name: string;
}

export type EntityKind = 'minister' | 'portfolio';

/** What the parser makes of one release file. */
export interface Release {
  id: string;
  title: string;
  /** Calendar date, `YYYY-MM-DD`, never shifted by a time zone. */
  date: string;
  url: string | null;
  ministers: EntityRef[];
  portfolios: EntityRef[];
  /** The body's opening as plain text, at most 280 characters, cut at a word. */
  summary: string;
  /** Markdown after the front matter; may be empty. */
  body: string;
  /** Every front-matter field that is not one of the known ones, as it was. */
  extra: Record<string, unknown>;
}

/** The list form served by `GET /releases`. */
export type ReleaseSummary = Pick<
  Release,
  'id' | 'title' | 'date' | 'url' | 'ministers' | 'portfolios' | 'summary'
>;

/** The full form served by `GET /releases/{id}`. */
export interface StoredRelease extends Release {
  source: { key: string };
  /** ISO 8601 instant of the write that made this version. */
  updatedAt: string;
}

/** A minister or portfolio with its aggregate figures, as served by `/ministers` and `/portfolios`. */
export interface EntitySummary {
  slug: string;
  name: string;
  count: number;
  latestDate: string;
}

/** A file that could not be ingested, as served by `GET /problems`. */
export interface ProblemRecord {
  key: string;
  reason: string;
  /** ISO 8601 instant at which the problem was recorded. */
  at: string;
}

export function toSummary(release: Release): ReleaseSummary {
  const { id, title, date, url, ministers, portfolios, summary } = release;
  return { id, title, date, url, ministers, portfolios, summary };
}
