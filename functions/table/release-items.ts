/**
 * What the table holds for a release, defined once: the items ingestion writes (release item,
 * body chunks, source-key state) and the items the projector derives from them (list items,
 * entity figures). The DynamoDB store, the projector, the test seeding and the benchmark's bulk
 * load all build their items here, so they cannot drift apart.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EntityKind, Release } from '#release/release.js';
import {
  addRelease,
  emptyFigures,
  type MonthFigures,
  storedFigures,
  sumOfStored,
  yearFigures,
} from './facet-figures.js';
import { type FacetScope, facetDaysKey, facetMonthKey, facetYearKey, keepsDays } from './facet-keys.js';
import {
  BODY_CHUNK_BYTES,
  type BodyChunkItem,
  bodyChunkKey,
  type EntityItem,
  type EntityMonthItem,
  entityKey,
  INLINE_BODY_MAX_BYTES,
  listSortKey,
  monthOf,
  type ReleaseItem,
  releaseKey,
  type SourceItem,
  sourceKey,
  summaryOf,
  type TableKey,
} from './table-layout.js';

export interface ReleaseWrite {
  /** The S3 key the release now comes from. */
  key: string;
  /** When the source object was written, to decide which of two keys is newer. */
  sourceTime: string;
  updatedAt: string;
  rev: number;
}

/**
 * Names one stored version of a large body: the content hash and a nonce, so that two writes of
 * the same content (a move between keys, a re-upload) never share chunks, and deleting one
 * version's chunks can never take another's.
 */
export function newBodyId(body: string): string {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return `${hash}-${randomBytes(4).toString('hex')}`;
}

export function needsChunks(body: string): boolean {
  return Buffer.byteLength(body, 'utf8') > INLINE_BODY_MAX_BYTES;
}

/** The release item; `bodyId` is required exactly when the body is chunked. */
export function releaseItemFor(release: Release, write: ReleaseWrite, bodyId?: string): ReleaseItem {
  const base = {
    ...releaseKey(release.id),
    ...summaryOf(release),
    extra: release.extra,
    sourceKey: write.key,
    sourceTime: write.sourceTime,
    updatedAt: write.updatedAt,
    rev: write.rev,
  };
  if (!needsChunks(release.body)) return { ...base, body: release.body };
  if (!bodyId) throw new Error(`release ${release.id}: a chunked body needs a body id`);
  const bytes = Buffer.byteLength(release.body, 'utf8');
  return { ...base, bodyHash: bodyId, bodyChunks: Math.ceil(bytes / BODY_CHUNK_BYTES) };
}

/** The chunk items of a large body (split at byte boundaries; readers decode once joined). */
export function bodyChunksFor(id: string, body: string, bodyId: string, createdAt: Date): BodyChunkItem[] {
  const bytes = Buffer.from(body, 'utf8');
  const chunks: BodyChunkItem[] = [];
  for (let offset = 0, index = 0; offset < bytes.length; offset += BODY_CHUNK_BYTES, index += 1) {
    chunks.push({
      ...bodyChunkKey(id, bodyId, index),
      data: new Uint8Array(bytes.subarray(offset, offset + BODY_CHUNK_BYTES)),
      createdAt: Math.floor(createdAt.getTime() / 1000),
    });
  }
  return chunks;
}

export function sourceItemFor(state: Omit<SourceItem, 'pk' | 'sk'>): SourceItem {
  return { ...sourceKey(state.key), ...state };
}

/** Entity figures over a set of releases: count, latest date, the name on the newest release. */
export interface EntityFigures {
  kind: EntityKind;
  slug: string;
  name: string;
  count: number;
  latestDate: string;
  /** Releases per month, as the projector's monthly recounts hold them. */
  months: Map<string, number>;
}

/** A facet aggregate item (month, days or year) as the projector's recounts write it. */
export type FacetItem = TableKey & Record<string, unknown>;

/**
 * Tallies entity figures exactly as the projector leaves them once settled: entities, and the
 * facet aggregates (months, days, years) of every release and of each minister and portfolio.
 */
export class EntityTally {
  private readonly figures = new Map<string, EntityFigures & { newest: string }>();
  private readonly facetMonths = new Map<
    string,
    {
      scope: FacetScope;
      month: string;
      figures: MonthFigures;
      /** A minister's or a portfolio's newest release of the month, and the name it gives. */
      newest?: { sk: string; date: string; name: string };
    }
  >();

  add(release: Pick<Release, 'id' | 'date' | 'ministers' | 'portfolios'>): void {
    const sk = listSortKey(release.date, release.id);
    const month = monthOf(release.date);
    const scopes: Array<{ scope: FacetScope; name?: string }> = [
      { scope: { kind: 'all' } },
      ...release.ministers.map((ref) => ({
        scope: { kind: 'minister' as const, slug: ref.slug },
        name: ref.name,
      })),
      ...release.portfolios.map((ref) => ({
        scope: { kind: 'portfolio' as const, slug: ref.slug },
        name: ref.name,
      })),
    ];
    for (const { scope, name } of new Map(scopes.map((s) => [JSON.stringify(s.scope), s])).values()) {
      const id = `${facetMonthKey(scope, month).pk}|${month}`;
      const known = this.facetMonths.get(id) ?? { scope, month, figures: { ...emptyFigures(), days: {} } };
      this.facetMonths.set(id, known);
      if (name !== undefined && (!known.newest || sk >= known.newest.sk))
        known.newest = { sk, date: release.date, name };
      addRelease(known.figures, release);
      const day = release.date.slice(8, 10);
      const figures = known.figures.days[day] ?? emptyFigures();
      addRelease(figures, release);
      known.figures.days[day] = figures;
    }
    for (const kind of ['minister', 'portfolio'] as const) {
      for (const ref of kind === 'minister' ? release.ministers : release.portfolios) {
        const id = `${kind}#${ref.slug}`;
        let entity = this.figures.get(id);
        if (!entity) {
          entity = {
            kind,
            slug: ref.slug,
            name: ref.name,
            count: 0,
            latestDate: release.date,
            newest: sk,
            months: new Map(),
          };
          this.figures.set(id, entity);
        }
        entity.count += 1;
        entity.months.set(month, (entity.months.get(month) ?? 0) + 1);
        if (sk >= entity.newest)
          Object.assign(entity, { newest: sk, name: ref.name, latestDate: release.date });
      }
    }
  }

  all(kind?: EntityKind): EntityFigures[] {
    return [...this.figures.values()]
      .filter((entity) => kind === undefined || entity.kind === kind)
      .map(({ newest: _newest, ...entity }) => entity);
  }

  /** The entity items and facet aggregates (monthly counts among them), as after the projector settled. */
  items(): Array<EntityItem | EntityMonthItem | FacetItem> {
    const items: Array<EntityItem | EntityMonthItem | FacetItem> = [];
    for (const entity of this.all()) {
      items.push({
        ...entityKey(entity.kind, entity.slug),
        name: entity.name,
        count: entity.count,
        latestDate: entity.latestDate,
        ver: 1,
        settledVer: 1,
      });
    }
    const years = new Map<
      string,
      { scope: FacetScope; year: string; months: Array<[string, MonthFigures]> }
    >();
    for (const { scope, month, figures, newest } of this.facetMonths.values()) {
      const { count, m, p } = figures;
      const days = keepsDays(scope)
        ? Object.entries(figures.days).map(([day, dayFigures]) => ({
            ...facetDaysKey(scope, `${month}-${day}`),
            ...storedFigures(dayFigures),
            ver: 1,
            settledVer: 1,
          }))
        : [];
      items.push({
        ...facetMonthKey(scope, month),
        ...(keepsDays(scope) ? sumOfStored(days) : storedFigures({ count, m, p })),
        ...(newest ? { latestDate: newest.date, name: newest.name } : {}),
        ver: 1,
        settledVer: 1,
      });
      items.push(...days);
      const year = month.slice(0, 4);
      const id = `${facetYearKey(scope, year).pk}|${year}`;
      const known = years.get(id) ?? { scope, year, months: [] };
      known.months.push([month, figures]);
      years.set(id, known);
    }
    for (const { scope, year, months } of years.values()) {
      const { count, m, p, months: perMonth } = yearFigures(months);
      items.push({
        ...facetYearKey(scope, year),
        ...storedFigures({ count, m, p }),
        months: perMonth,
        ver: 1,
        settledVer: 1,
      });
    }
    return items;
  }
}
