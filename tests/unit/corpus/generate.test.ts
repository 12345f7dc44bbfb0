/**
 * The corpus generator's parts: files from `first` continue the whole corpus exactly, and a file
 * generated alone at its position is that position's file (what `--large` relies on to generate
 * only the releases it needs, and to survey the corpus in two halves).
 */
import { expect, it } from 'vitest';
import { corpusFileAt, generateCorpus } from '../../../scripts/corpus/generate.js';

const options = { seed: 7, endDate: '2025-06-30' };
// Above 300 files, the pool of rare names grows with the corpus (a third of it): a part must say its corpus.
const COUNT = 1_200;
const whole = [...generateCorpus({ ...options, count: COUNT })];

it('continues the whole corpus from `first`, given the corpus it belongs to', () => {
  const tail = [...generateCorpus({ ...options, count: 400, first: 800, corpusCount: COUNT })];
  expect(tail).toEqual(whole.slice(800));
});

it('generates the file at a position alone, equal to that position of the whole corpus', () => {
  for (const position of [0, 1, 599, 1_199])
    expect(corpusFileAt({ ...options, corpusCount: COUNT }, position)).toEqual(whole[position]);
});
