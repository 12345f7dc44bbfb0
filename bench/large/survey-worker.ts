/**
 * The survey's worker thread (survey.ts): counts its part of the corpus and sends the counts, with
 * a tick every TICK releases for the progress line.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EntityRef } from '#release/release.js';
import { detachedCopy } from '#search/fold.js';
import { countPart, type PartCounts, type SurveyPart, type TallyInput } from './survey.js';

const part = workerData as SurveyPart;
const tally: TallyInput[] = [];
// Copies: what is kept of every release must not keep its text alive (fold.ts `detachedCopy`).
const refs = (list: readonly EntityRef[]) =>
  list.map((ref) => ({ slug: detachedCopy(ref.slug), name: detachedCopy(ref.name) }));
const { frequency, words } = await countPart(
  part,
  (release) =>
    tally.push({
      id: detachedCopy(release.id),
      date: detachedCopy(release.date),
      ministers: refs(release.ministers),
      portfolios: refs(release.portfolios),
    }),
  async () => parentPort?.postMessage({ tick: true }),
);
const counts: PartCounts = { frequency: frequency.counted(), words: words.counted(), tally };
parentPort?.postMessage({ counts });
