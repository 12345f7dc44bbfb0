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
import { type PrefixWalk, verdictOf } from './prefix-progress.js';
import { vocabularyPrefix } from './terms.js';

/** Terms (other than the driver) whose posting items are read with each bucket the driver visits. */
export const MAX_BUCKET_TERMS = 6;
/** Read units a probe (a Query of PROBE_BUCKETS posting items of an indexed term) is expected to cost. */
export const PROBE_UNITS = 1;
/** A word driver estimated at no more entries than this is walked without expanding any prefix. */
const ENOUGH_FOR_A_WORD = 100;
/** Probes run at once. */
const PROBES_IN_FLIGHT = 8;
/**
 * Words of a prefix listed at most per request (one `Query` of small keys): more than
 * MAX_PREFIX_WORDS, so that words known to have no postings left can be skipped and the rest walked.
 */
export const MAX_LISTED_WORDS = 200;

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
  /** The prefix progress the cursor brought; told what this page's probes learn. */
  walk?: PrefixWalk,
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
    const expansion = { reader, probe, budget, stopVersion: stop.version, walk };
    options.push(...(await expandPrefixes(expansion, parts.expandable, options.length === 0)));
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

interface Expansion {
  reader: SearchIndexReader;
  probe: (term: string) => Promise<PostingPage>;
  budget: RequestBudget;
  stopVersion: string;
  walk: PrefixWalk | undefined;
}

/**
 * Prefixes expanded into their words and probed, fewest words first, while the planning share
 * allows. Words the cursor's progress knows to have no postings at or before its position are
 * neither probed nor walked. A prefix left with more than MAX_PREFIX_WORDS words, or whose probes
 * do not fit, is left to the verification; when no term at all can drive (`nothingElse`), part
 * of such a prefix is probed, its new words first, so that the next page goes on from there.
 */
async function expandPrefixes(
  expansion: Expansion,
  prefixes: readonly string[],
  nothingElse: boolean,
): Promise<ProbedOption[]> {
  const { reader, budget, walk } = expansion;
  const listed: Array<{ prefix: string; words: string[]; complete: boolean }> = [];
  for (const prefix of prefixes) {
    if (!budget.allows(1, PROBE_UNITS, PLANNING_SHARE)) break;
    const all = await reader.vocabulary(vocabularyPrefix(prefix), MAX_LISTED_WORDS);
    const dead = walk?.listed(prefix, all, expansion.stopVersion) ?? new Set<string>();
    const words = all.filter((word) => !dead.has(word));
    listed.push({ prefix, words, complete: all.length <= MAX_LISTED_WORDS });
  }
  listed.sort((a, b) => a.words.length - b.words.length);
  const out: ProbedOption[] = [];
  const left: string[] = [];
  for (const { prefix, words, complete } of listed) {
    const fits = budget.allows(words.length, words.length * PROBE_UNITS, PLANNING_SHARE);
    if (!complete || words.length > MAX_PREFIX_WORDS || !fits) {
      left.push(prefix);
      continue;
    }
    const pages = await Promise.all(words.map(expansion.probe));
    words.forEach((word, i) => {
      walk?.learn(prefix, word, verdictOf(pages[i] as PostingPage));
    });
    out.push({ kind: 'prefix', term: prefix, words, probe: probeFigures(pages), pages });
  }
  if (out.length === 0 && nothingElse && walk) await probeAhead(expansion, walk, left);
  return out;
}

/**
 * Part of the prefixes no request can walk yet, probed while the planning share allows (at most
 * MAX_PREFIX_WORDS words a prefix), so that their words with no postings at or before the
 * position are known to the next page: the words after the progress's position first, in
 * order, then the ones it carries as live.
 */
async function probeAhead(
  expansion: Expansion,
  walk: PrefixWalk,
  prefixes: readonly string[],
): Promise<void> {
  for (const prefix of prefixes) {
    const ahead = walk.unexplored(prefix);
    const words = [...ahead, ...walk.liveCarried(prefix)].slice(0, MAX_PREFIX_WORDS);
    const pages = await probeWhileAllowed(words, expansion.probe, expansion.budget);
    for (const [word, page] of pages) walk.learn(prefix, word, verdictOf(page));
    if (pages.size < words.length) return;
  }
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
