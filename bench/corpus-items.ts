/**
 * The synthetic corpus as the benchmark uses it: generated files parsed by the real parser, and
 * the items ingestion and the projector would leave for them (release item, list items, entity
 * figures, source key), built by their own definitions (functions/table/release-items.ts) for
 * the raw BatchWriteItem baseline and the bulk loader.
 */
import { parseRelease } from '#release/parse-release.js';
import type { EntityKind, Release } from '#release/release.js';
import { detachedCopy, wordsOf } from '#search/fold.js';
import type { StopList } from '#search/keys.js';
import { textBitsOf } from '#search/text-bits.js';
import {
  EntityTally as CoreEntityTally,
  needsChunks,
  releaseItemFor,
  sourceItemFor,
} from '#table/release-items.js';
import { listItemsFor } from '#table/table-layout.js';
import type { CorpusFile } from '../scripts/corpus/generate.js';
import type { Item } from './dynamo.js';

export interface ParsedFile extends CorpusFile {
  release: Release;
}

export function parseFile(file: CorpusFile): ParsedFile {
  const parsed = parseRelease(file.text, file.key);
  if (!parsed.ok)
    throw new Error(`generated file ${file.key} does not parse: ${JSON.stringify(parsed.problem)}`);
  return { ...file, release: parsed.release };
}

/** Takes the next `count` files of the corpus, parsed. */
export function take(corpus: Iterator<CorpusFile | ParsedFile>, count: number): ParsedFile[] {
  const files: ParsedFile[] = [];
  while (files.length < count) {
    const next = corpus.next();
    if (next.done) throw new Error('the corpus ended early');
    files.push('release' in next.value ? next.value : parseFile(next.value));
  }
  return files;
}

/** The release item as ingestion writes it (generated bodies are far below the inline limit). */
export function releaseItem(release: Release, key: string, time: string): Item {
  if (needsChunks(release.body)) {
    throw new Error(`release ${release.id}: the benchmark corpus has no chunked bodies`);
  }
  return { ...releaseItemFor(release, { key, sourceTime: time, updatedAt: time, rev: 1 }) };
}

/** The source-key state ingest keeps per S3 key (the bulk loader writes it too, so the table is whole). */
export function sourceItem(key: string, releaseId: string, time: string): Item {
  return { ...sourceItemFor({ key, releaseId, deleted: false, rev: 1, updatedAt: time }) };
}

/** The list items as the projector writes them: with the release's stop-word bits under `stop`. */
export function listItems(release: Release, stop?: StopList): Item[] {
  const bits = stop ? textBitsOf(stop, release) : undefined;
  return listItemsFor(release, bits).map((item) => ({ ...item }));
}

/** Entity figures as the projector leaves them, plus the minister/portfolio pairs for choosing queries. */
export class EntityTally {
  private readonly figures = new CoreEntityTally();
  /** Releases per minister/portfolio pair, for choosing the combined query. */
  readonly pairs = new Map<string, number>();

  add(release: Pick<Release, 'id' | 'date' | 'ministers' | 'portfolios'>): void {
    this.figures.add(release);
    for (const m of release.ministers) {
      for (const p of release.portfolios) {
        const pair = `${m.slug}|${p.slug}`;
        this.pairs.set(pair, (this.pairs.get(pair) ?? 0) + 1);
      }
    }
  }

  /** Slugs of one kind, busiest first. */
  ranked(kind: EntityKind): Array<{ slug: string; count: number }> {
    return this.figures
      .all(kind)
      .sort((a, b) => b.count - a.count || (a.slug < b.slug ? -1 : 1))
      .map(({ slug, count }) => ({ slug, count }));
  }

  /** Minister/portfolio pairs, busiest first. */
  rankedPairs(): Array<{ minister: string; portfolio: string; count: number }> {
    return [...this.pairs.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([pair, count]) => {
        const [minister = '', portfolio = ''] = pair.split('|');
        return { minister, portfolio, count };
      });
  }

  /** The entity and monthly count items for every entity tallied (as after the projector settled). */
  items(): Item[] {
    return this.figures.items().map((item) => ({ ...item }));
  }
}

/** The items each release owns (release, list items, source-key state): the minimum it must write. */
export function ownedItemsForFiles(files: readonly ParsedFile[], time: string, stop?: StopList): Item[] {
  return files.flatMap((file) => [
    releaseItem(file.release, file.key, time),
    ...listItems(file.release, stop),
    sourceItem(file.key, file.release.id, time),
  ]);
}

/** Every item ingest writes for these files, entity items last (one per entity, as after ingest). */
export function itemsForFiles(
  files: readonly ParsedFile[],
  time: string,
  withSource: boolean,
  stop?: StopList,
): Item[] {
  const items: Item[] = [];
  const tally = new EntityTally();
  for (const file of files) {
    items.push(releaseItem(file.release, file.key, time), ...listItems(file.release, stop));
    if (withSource) items.push(sourceItem(file.key, file.release.id, time));
    tally.add(file.release);
  }
  items.push(...tally.items());
  return items;
}

/** Two-word phrases a WordTally keeps, from the first releases. */
const MAX_PHRASES = 200;

/** A WordTally's figures as plain data (structured-cloneable). */
export interface WordCounts {
  frequency: ReadonlyMap<string, number>;
  ministerOf: ReadonlyMap<string, string>;
  phrases: readonly string[][];
  releases: number;
}

/**
 * Word figures of the corpus for choosing the `q` parameter sets: document frequency of every
 * word, a minister of a release holding each word, and two-word phrases from the first releases.
 */
export class WordTally {
  readonly frequency = new Map<string, number>();
  readonly ministerOf = new Map<string, string>();
  readonly phrases: string[][] = [];
  releases = 0;

  add(release: Release): void {
    this.releases += 1;
    const words = wordsOf(`${release.title}\n${release.body}`);
    const minister = release.ministers[0]?.slug;
    for (const word of new Set(words)) {
      // A new key is a copy: the word's slice would keep this release's whole text alive.
      const count = this.frequency.get(word);
      if (count === undefined) this.frequency.set(detachedCopy(word), 1);
      else this.frequency.set(word, count + 1);
      if (minister !== undefined && !this.ministerOf.has(word))
        this.ministerOf.set(detachedCopy(word), minister);
    }
    if (this.phrases.length < MAX_PHRASES) {
      const body = wordsOf(release.body);
      for (let i = 20; i + 1 < body.length && this.phrases.length < MAX_PHRASES; i += 97)
        this.phrases.push([body[i] as string, body[i + 1] as string]);
    }
  }

  /** What has been tallied, as plain data (to tally parts of a corpus apart, in worker threads). */
  counted(): WordCounts {
    return {
      frequency: this.frequency,
      ministerOf: this.ministerOf,
      phrases: this.phrases,
      releases: this.releases,
    };
  }

  /** Adds the tally of releases that come after those tallied here, as if added here in order. */
  merge(other: WordCounts): void {
    for (const [word, count] of other.frequency)
      this.frequency.set(word, (this.frequency.get(word) ?? 0) + count);
    for (const [word, minister] of other.ministerOf)
      if (!this.ministerOf.has(word)) this.ministerOf.set(word, minister);
    for (const phrase of other.phrases) if (this.phrases.length < MAX_PHRASES) this.phrases.push(phrase);
    this.releases += other.releases;
  }

  /** Words (of 4+ letters) in between `min` and `max` releases, spread over the band, deterministic. */
  within(min: number, max: number, count: number): string[] {
    const words = [...this.frequency]
      .filter(([word, n]) => n >= min && n <= max && word.length >= 4 && !/\d/.test(word))
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
      .map(([word]) => word);
    const step = Math.max(1, Math.floor(words.length / count));
    return words.filter((_, i) => i % step === 0).slice(0, count);
  }
}

/** Index items per release: write units of a BatchWriteItem put of each, and storage, by item kind. */
export interface IndexFigures {
  releases: number;
  items: number;
  writeUnitsPerRelease: number;
  bytesPerRelease: number;
  byKind: Record<string, { items: number; writeUnits: number; bytes: number }>;
  stopWords: number;
  /** Common-pair buckets of the stop list (pairs of stop words outside them have postings). */
  commonPairs: number;
  /** Years per posting bucket. */
  bucketYears: number;
  seconds: number;
}

export function indexItemKind(item: Item): string {
  const pk = String(item.pk);
  if (pk.startsWith('W#')) return pk.includes(' ') ? 'pair posting' : 'posting';
  if (pk.startsWith('V#')) return 'vocabulary';
  if (pk === 'SEARCH') return 'stop list';
  return item.sk === 'S' ? 'search entry' : 'folded copy';
}
