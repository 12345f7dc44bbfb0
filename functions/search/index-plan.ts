/**
 * The planning of an index walk within a request's budget: which terms are probed (their newest
 * posting items), which prefixes are expanded into their words, which term drives the walk and
 * which few are read with each bucket it visits. What the budget leaves out is not lost: a term
 * neither walked nor read per bucket is verified on the candidates' search entries and folded
 * copies instead.
 */
import { PLANNING_SHARE, type RequestBudget } from './budget.js';
import type { StopList } from './keys.js';
import {
  chooseDriver,
  type DriverOption,
  estimate,
  MAX_PREFIX_WORDS,
  PROBE_BUCKETS,
  type QueryParts,
} from './planner.js';
import type { PostingPage, SearchIndexReader } from './ports.js';
import type { Bounds } from './posting-streams.js';
import { vocabularyPrefix } from './terms.js';

/** Terms (other than the driver) whose posting items are read with each bucket the driver visits. */
export const MAX_BUCKET_TERMS = 6;
/** Read units a probe (a Query of PROBE_BUCKETS posting items of an indexed term) is expected to cost. */
export const PROBE_UNITS = 1;
/** A word driver estimated at no more entries than this is walked without expanding any prefix. */
const ENOUGH_FOR_A_WORD = 100;
/** Probes run at once. */
const PROBES_IN_FLIGHT = 8;

export type ProbedOption = DriverOption & { pages: PostingPage[] };

export interface WalkPlan {
  driver: ProbedOption;
  options: ProbedOption[];
  /** Required terms read with each bucket (the driver's own excluded). */
  intersect: string[];
  /** Excluded words subtracted with each bucket. */
  subtract: string[];
  /** The query's parts as the walk proves them: terms left out of `intersect`/`subtract` are verified. */
  parts: QueryParts;
}

function isPair(term: string): boolean {
  return term.includes(' ');
}

/** Probes `terms` in groups while the planning share allows; the probed options, in order. */
async function probeWhileAllowed(
  terms: readonly string[],
  probe: (term: string) => Promise<PostingPage>,
  budget: RequestBudget,
): Promise<Map<string, PostingPage>> {
  const out = new Map<string, PostingPage>();
  for (let i = 0; i < terms.length; i += PROBES_IN_FLIGHT) {
    const group = terms.slice(i, i + PROBES_IN_FLIGHT);
    if (!budget.allows(group.length, group.length * PROBE_UNITS, PLANNING_SHARE)) break;
    const pages = await Promise.all(group.map(probe));
    group.forEach((term, j) => {
      out.set(term, pages[j] as PostingPage);
    });
  }
  return out;
}

export async function planWalk(
  reader: SearchIndexReader,
  parts: QueryParts,
  bounds: Bounds,
  budget: RequestBudget,
  stop: StopList,
): Promise<WalkPlan | undefined> {
  const probe = (word: string) => reader.postings({ word, ...bounds, limit: PROBE_BUCKETS });
  const options: ProbedOption[] = [];
  // Words before pairs, longer words first: the likelier to be rare, and so to drive.
  const order = [...parts.indexed].sort(
    (a, b) => Number(isPair(a)) - Number(isPair(b)) || [...b].length - [...a].length || (a < b ? -1 : 1),
  );
  const probed = await probeWhileAllowed(order, probe, budget);
  for (const [term, page] of probed) {
    options.push({ kind: 'word', term, words: [term], probe: probeFigures([page]), pages: [page] });
  }
  const bestWord = chooseDriver(options, stop.span);
  if (!bestWord || estimate(bestWord, stop.span) > ENOUGH_FOR_A_WORD) {
    options.push(...(await expandPrefixes(reader, parts.expandable, probe, budget)));
  }
  const driver = chooseDriver(options, stop.span) as ProbedOption | undefined;
  if (!driver) return undefined;

  const rank = (term: string) => {
    const option = options.find((o) => o.kind === 'word' && o.term === term);
    return option ? estimate(option, stop.span) : Number.POSITIVE_INFINITY;
  };
  const others = parts.indexed
    .filter((term) => !(driver.kind === 'word' && driver.term === term))
    .sort((a, b) => rank(a) - rank(b));
  const intersect = others.slice(0, MAX_BUCKET_TERMS);
  const subtract = parts.excludedIndexed.slice(0, Math.max(0, MAX_BUCKET_TERMS - intersect.length));
  const read = new Set([...intersect, ...(driver.kind === 'word' ? [driver.term] : [])]);
  const dropped = others.slice(MAX_BUCKET_TERMS).filter((term) => !isPair(term));
  return {
    driver,
    options,
    intersect,
    subtract,
    parts: {
      ...parts,
      indexed: [...read],
      provenPhrases: parts.provenPhrases.filter((phrase) => read.has(phrase.join(' '))),
      unindexed: [...new Set([...parts.unindexed, ...dropped])].sort(),
      excludedIndexed: subtract,
      otherExclusions: parts.otherExclusions || subtract.length < parts.excludedIndexed.length,
    },
  };
}

/**
 * Prefixes expanded into their words and probed, fewest words first, while the planning share
 * allows; a prefix with more than MAX_PREFIX_WORDS words, or whose probes do not fit, is left to
 * the verification.
 */
async function expandPrefixes(
  reader: SearchIndexReader,
  prefixes: readonly string[],
  probe: (term: string) => Promise<PostingPage>,
  budget: RequestBudget,
): Promise<ProbedOption[]> {
  const listed: Array<{ prefix: string; words: string[] }> = [];
  for (const prefix of prefixes) {
    if (!budget.allows(1, PROBE_UNITS, PLANNING_SHARE)) break;
    const words = await reader.vocabulary(vocabularyPrefix(prefix), MAX_PREFIX_WORDS);
    if (words.length <= MAX_PREFIX_WORDS) listed.push({ prefix, words });
  }
  listed.sort((a, b) => a.words.length - b.words.length);
  const out: ProbedOption[] = [];
  for (const { prefix, words } of listed) {
    if (!budget.allows(words.length, words.length * PROBE_UNITS, PLANNING_SHARE)) break;
    const pages = await Promise.all(words.map(probe));
    out.push({ kind: 'prefix', term: prefix, words, probe: probeFigures(pages), pages });
  }
  return out;
}

function probeFigures(pages: readonly PostingPage[]): DriverOption['probe'] {
  const months = new Set<string>();
  let entries = 0;
  for (const page of pages) {
    for (const month of page.months) {
      months.add(month.month);
      entries += month.entries.length;
    }
  }
  return { entries, months: months.size, complete: pages.every((page) => !page.hasMore) };
}
