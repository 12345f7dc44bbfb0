/**
 * The `--large` survey counts half the corpus in a worker thread and merges its counts after its
 * own: the result must be exactly the count of the whole corpus in order, by one thread (the stop
 * list, the entity items in their order, the word figures with their first ministers and phrases,
 * and what the queries can read of the index).
 */
import { expect, it } from 'vitest';
import { DocumentFrequency } from '#search/stop-list.js';
import { EntityTally, parseFile, WordTally } from '../../../bench/corpus-items.js';
import { survey } from '../../../bench/large/survey.js';
import { options } from '../../../bench/options.js';
import type { Progress } from '../../../bench/progress.js';
import { generateCorpus } from '../../../scripts/corpus/generate.js';

// Above the stop list's minimum (1,000), and odd: the halves differ by one.
const RELEASES = 2_501;

it('merges a worker thread’s half into exactly the count of the whole corpus in order', async () => {
  const opts = options([]);
  let ticks = 0;
  const progress: Progress = {
    phase() {},
    tick: (steps = 1) => {
      ticks += steps;
    },
    note() {},
    done() {},
  };
  const split = await survey(opts, RELEASES, progress);

  const frequency = new DocumentFrequency();
  const tally = new EntityTally();
  const words = new WordTally();
  for (const file of generateCorpus({ seed: opts.seed, count: RELEASES, endDate: opts.endDate })) {
    const { release } = parseFile(file);
    frequency.add(release);
    tally.add(release);
    words.add(release);
  }
  const stop = frequency.stopList();

  expect(split.stop.words.size).toBeGreaterThan(0);
  expect(split.stop).toEqual(stop);
  expect(split.tally.items()).toEqual(tally.items());
  expect(split.tally.rankedPairs()).toEqual(tally.rankedPairs());
  expect([...split.words.frequency]).toEqual([...words.frequency]);
  expect([...split.words.ministerOf]).toEqual([...words.ministerOf]);
  expect(split.words.phrases).toEqual(words.phrases);
  expect(split.words.releases).toBe(RELEASES);
  expect(split.wanted.terms.size).toBeGreaterThan(0);
  // Both halves' ticks reach the progress line (a tick per 1,000 releases of each).
  expect(ticks).toBe(2_000);
}, 120_000);
