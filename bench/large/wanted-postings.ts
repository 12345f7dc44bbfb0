/**
 * The wanted part of one release's word index (postings of the wanted terms, vocabulary items of
 * the wanted partitions), computed without the rest of a sync plan: the pass over every release
 * of a materialized run spends its time here. `checked` compares it with the sync plan itself
 * (functions/search/sync-plan.ts), which the run does on its first releases.
 */
import type { Release } from '#release/release.js';
import { distinctWords, foldedCopyOf } from '#search/fold.js';
import type { PostingAdd } from '#search/fragments.js';
import {
  bucketOf,
  pairTerm,
  postingEntry,
  type StopList,
  textVersion,
  vocabularyKey,
  vocabularyPartition,
} from '#search/keys.js';
import { hasVocabulary, planSync } from '#search/sync-plan.js';
import { forEachAdjacentPair, indexTerm, isIndexable, isIndexablePair } from '#search/terms.js';
import type { TableKey } from '#table/table-layout.js';
import type { WantedIndex } from './wanted.js';

export interface WantedPart {
  adds: PostingAdd[];
  vocabulary: TableKey[];
}

export function wantedPart(release: Release, stop: StopList, wanted: WantedIndex): WantedPart {
  const copy = foldedCopyOf(release.title, release.body);
  const text = { title: copy.title, body: copy.whole };
  const entry = postingEntry(
    release.date,
    release.id,
    textVersion(release.date, copy.title, copy.whole),
    stop.span,
  );
  const bucket = bucketOf(release.date, stop.span);
  const terms = new Set<string>();
  const vocabulary: TableKey[] = [];
  for (const word of distinctWords(text)) {
    if (!isIndexable(word, stop)) continue;
    const term = indexTerm(word);
    if (wanted.terms.has(term)) terms.add(term);
    if (wanted.vocabularyPartitions.has(vocabularyPartition(term)) && hasVocabulary(term))
      vocabulary.push(vocabularyKey(term));
  }
  if (wanted.pairs.size > 0) {
    forEachAdjacentPair(text, (first, second) => {
      const pair = pairTerm(first, second);
      if (wanted.pairs.has(pair) && isIndexablePair(first, second, stop)) terms.add(pair);
    });
  }
  const unique = new Map(vocabulary.map((key) => [key.sk, key]));
  return { adds: [...terms].map((word) => ({ word, bucket, entry })), vocabulary: [...unique.values()] };
}

/** Throws when `part` is not what the sync plan writes of the wanted terms and partitions. */
export function checked(release: Release, stop: StopList, wanted: WantedIndex, part: WantedPart): WantedPart {
  const plan = planSync(release, undefined, stop);
  const expected = {
    adds: plan.adds
      .filter((add) => wanted.terms.has(add.word))
      .map((a) => `${a.word}|${a.bucket}|${a.entry}`),
    vocabulary: plan.vocabulary
      .filter((key) => wanted.vocabularyPartitions.has(key.pk))
      .map((k) => `${k.pk}|${k.sk}`),
  };
  const got = {
    adds: part.adds.map((a) => `${a.word}|${a.bucket}|${a.entry}`),
    vocabulary: part.vocabulary.map((k) => `${k.pk}|${k.sk}`),
  };
  for (const kind of ['adds', 'vocabulary'] as const) {
    const a = [...expected[kind]].sort().join('\n');
    const b = [...got[kind]].sort().join('\n');
    if (a !== b)
      throw new Error(`--large: the wanted ${kind} of release ${release.id} differ from its sync plan's`);
  }
  return part;
}
