/**
 * What `--large` materializes of the word index: the terms, prefix words and vocabulary partitions
 * the measured `q`s can read (derived by the API's own parser and planner), and each release's
 * wanted postings, computed apart from the sync plan and checked against it.
 */
import { describe, expect, it } from 'vitest';
import { DocumentFrequency, stopListOf } from '#search/stop-list.js';
import { parseFile } from '../../../bench/corpus-items.js';
import { vocabularyTerms, wantedIndex } from '../../../bench/large/wanted.js';
import { checked, wantedPart } from '../../../bench/large/wanted-postings.js';
import { generateCorpus } from '../../../scripts/corpus/generate.js';

describe('wantedIndex', () => {
  const stop = stopListOf(['the', 'and', 'minister'], { span: 1, commonPairs: [] });
  const vocabulary = vocabularyTerms(['kiwi', 'kiwifruit', 'kiln', 'fern', 'the', 'x'.repeat(70)], stop);

  it('takes terms, pairs, exclusions and prefix words as the planner splits the query', () => {
    const wanted = wantedIndex(
      [
        'kiwi',
        '"the minister"',
        'kiw*',
        'fern -kiwi',
        Array.from({ length: 21 }, (_, i) => `w${i}x`).join(' '),
      ],
      ['fern'],
      stop,
      vocabulary,
    );
    expect([...wanted.terms].sort()).toEqual(['fern', 'kiwi', 'kiwifruit', 'the minister']);
    expect([...wanted.pairs]).toEqual(['the minister']);
    expect([...wanted.vocabularyPartitions]).toEqual(['V#kiw']);
    expect(wanted.drivers.map((d) => d.name)).toEqual(['kiwi', 'the minister', 'kiw*', 'fern', 'kiwi']);
    expect(wanted.drivers.find((d) => d.name === 'kiw*')?.terms).toEqual(['kiwi', 'kiwifruit']);
    expect([...wanted.counted]).toEqual(['fern']);
    // Over the word limit: a 400, which reads nothing.
    expect(wanted.refused).toHaveLength(1);
  });

  it('lists a long word under its truncated term, as the vocabulary holds it', () => {
    const terms = vocabularyTerms(['x'.repeat(70)], stop);
    expect(terms).toEqual([`${'x'.repeat(64)}…`]);
  });
});

describe('wantedPart', () => {
  const files = [...generateCorpus({ seed: 3, count: 60, endDate: '2025-06-30' })].map(parseFile);
  const frequency = new DocumentFrequency(10);
  for (const file of files) frequency.add(file.release);
  const stop = frequency.stopList();
  const words = [...frequency.wordCounts()].filter(([, count]) => count >= 2 && count <= 6).map(([w]) => w);
  const pair = [...stop.words].slice(0, 2).join(' ');
  const wanted = wantedIndex(
    [...words.slice(0, 10), `"${pair}"`, `${words[0]?.slice(0, 3)}*`],
    [],
    stop,
    vocabularyTerms(frequency.wordCounts().keys(), stop),
  );

  it('is what the sync plan writes of the wanted terms and partitions, release by release', () => {
    let adds = 0;
    for (const { release } of files)
      adds += checked(release, stop, wanted, wantedPart(release, stop, wanted)).adds.length;
    expect(adds).toBeGreaterThan(10);
  });

  it('is refused when it lacks an entry the sync plan has', () => {
    const { release } = files.find((f) => wantedPart(f.release, stop, wanted).adds.length > 0) ?? {};
    if (!release) throw new Error('no release with a wanted term');
    const part = wantedPart(release, stop, wanted);
    expect(() => checked(release, stop, wanted, { ...part, adds: part.adds.slice(1) })).toThrow(
      /adds of release/,
    );
  });
});
