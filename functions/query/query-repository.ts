/**
 * The read port of the query core. The DynamoDB implementation is
 * functions/query/aws/dynamodb-release-reader.ts; the core never sees a table.
 */

import type {
  EntityKind,
  EntitySummary,
  ProblemRecord,
  ReleaseSummary,
  StoredRelease,
} from '#release/release.js';
import type { ListScope, TextBits } from '#table/table-layout.js';
import type { SortKeyRange } from './query-plan.js';

export interface ListEntry {
  /** The list sort key `date#id`: the keyset position of this entry. */
  sk: string;
  summary: ReleaseSummary;
  /** The release's stop-word bits, when its list item has them. */
  bits?: TextBits;
}

export interface ListRequest {
  scope: ListScope;
  range: SortKeyRange;
  /** Continue strictly after (older than) this sort key. */
  after?: string;
  /** How many entries at most. */
  limit: number;
}

export interface ListPage {
  /** Newest first. */
  entries: ListEntry[];
  /** Whether the list holds more entries after the last one returned. */
  hasMore: boolean;
}

/** What `q` is matched against, and what a feed entry adds to the summary. */
export interface ReleaseText {
  title: string;
  body: string;
  /** ISO 8601 instant of the write that made this version. */
  updatedAt: string;
}

export interface ProblemPage {
  items: ProblemRecord[];
  hasMore: boolean;
}

export interface ReleaseReader {
  listReleases(request: ListRequest): Promise<ListPage>;
  /** Title and full body of each id that still exists (missing ids are left out). */
  releaseTexts(ids: readonly string[]): Promise<Map<string, ReleaseText>>;
  getRelease(id: string): Promise<StoredRelease | undefined>;
  listEntities(kind: EntityKind): Promise<EntitySummary[]>;
  /** The display names of these entities (slugs without an entity item are left out). */
  entityNames(kind: EntityKind, slugs: readonly string[]): Promise<Map<string, string>>;
  /** Problems in key order, strictly after `after`. */
  listProblems(request: { after?: string; limit: number }): Promise<ProblemPage>;
}
