/**
 * The corpus's release files as `{ key, text }`: for each index, a date, ministers and portfolios
 * of the seed's cast, a title, the front matter and a body, from a random stream of its own.
 */
import { makeBody } from './body-text.js';
import { makeCast, ministerName, type Person } from './cast.js';
import { dateField, yamlList } from './front-matter.js';
import { int, makeRandom, pick, type Random } from './random.js';
import { rareName } from './rare-names.js';
import { PLACES, TOPICS, WORDS } from './word-lists.js';

export interface CorpusOptions {
  seed: number;
  count: number;
  /** Last possible release date, `YYYY-MM-DD`. @default today (UTC): pass it for reproducible output */
  endDate?: string;
  /** First possible release date. @default '1990-01-01' */
  startDate?: string;
  /** Body size range in bytes. @default { min: 1024, max: 20480 } */
  bodyBytes?: { min: number; max: number };
  /**
   * Index of the first file: `count` files from there on, exactly as a longer corpus of the same
   * seed and `corpusCount` would give them (files past its end continue it). @default 0
   */
  first?: number;
  /** The corpus the files belong to, which sizes the pool of rare names. @default count */
  corpusCount?: number;
}

export interface CorpusFile {
  key: string;
  text: string;
}

function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000);
}

function addDays(start: string, days: number): string {
  return new Date(Date.parse(`${start}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function slugish(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Release files, newest and oldest mixed, as `{ key, text }`. */
export function* generateCorpus(options: CorpusOptions): Generator<CorpusFile> {
  const endDate = options.endDate ?? new Date().toISOString().slice(0, 10);
  const startDate = options.startDate ?? '1990-01-01';
  const bodyBytes = options.bodyBytes ?? { min: 1024, max: 20 * 1024 };
  const span = daysBetween(startDate, endDate);
  const { ministers, portfolios } = makeCast(options.seed);
  // Some ministers and portfolios are far busier than others, as in a real archive.
  const skewed = <T>(random: Random, list: readonly T[]): T =>
    list[Math.floor(random() ** 2 * list.length)] as T;

  const first = options.first ?? 0;
  const namePool = Math.max(100, Math.floor((options.corpusCount ?? options.count) / 3));
  for (let n = first; n < first + options.count; n += 1) {
    const random = makeRandom((options.seed * 1_000_003 + n) >>> 0);
    const date = addDays(startDate, int(random, 0, span));
    const people = [...new Set(Array.from({ length: int(random, 1, 3) }, () => skewed(random, ministers)))];
    const areas = [...new Set(Array.from({ length: int(random, 1, 3) }, () => skewed(random, portfolios)))];
    const lead = people[0] as Person;
    const title = `${pick(random, areas)} ${pick(random, TOPICS)} in ${pick(random, PLACES)}`;
    const id = `${slugish(title)}-${n.toString(36)}`;
    const names = people.map((person) => ministerName(random, person));
    let front = `title: ${JSON.stringify(title)}\ndate: ${dateField(random, date)}\n`;
    const hasUrl = random() < 0.9;
    if (hasUrl) front += `url: https://www.beehive.govt.nz/release/${id}\n`;
    if (random() < 0.97) front += yamlList('ministers', names, random);
    front += yamlList('portfolios', areas, random);
    if (random() < 0.15) {
      front += `attachments:\n  - name: ${JSON.stringify(`${pick(random, WORDS)} factsheet.pdf`)}\n    url: https://www.beehive.govt.nz/sites/default/files/${id}.pdf\n`;
    }
    if (random() < 0.05) front += `embargo: ${JSON.stringify(`${date}T06:00:00+12:00`)}\n`;
    const places = Array.from({ length: int(random, 1, 2) }, () => rareName(Math.floor(random() * namePool)));
    const body = makeBody(
      random,
      title,
      `${lead.given} ${lead.family}`,
      int(random, bodyBytes.min, bodyBytes.max),
      places,
    );
    const extension = pick(random, ['.md', '.md', '.md', '.txt', '.markdown']);
    const key = hasUrl
      ? `releases/${date.slice(0, 4)}/${n.toString(16).padStart(6, '0')}${extension}`
      : `releases/${id}${extension}`;
    yield { key, text: `---\n${front}---\n\n${body}\n` };
  }
}

/**
 * The file at `position` of a corpus of `corpusCount` files, generated alone: every file has its
 * own seed, so none before it is generated.
 */
export function corpusFileAt(
  options: Omit<CorpusOptions, 'count' | 'first' | 'corpusCount'> & { corpusCount: number },
  position: number,
): CorpusFile {
  const [file] = generateCorpus({ ...options, count: 1, first: position });
  if (!file) throw new Error(`no file at ${position}`);
  return file;
}
