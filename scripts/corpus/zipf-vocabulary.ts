/** The made-up words of release bodies, ranked by a Zipf law, and the syllables they are built from. */
import { int, makeRandom, pick, type Random } from './random.js';
import { WORDS } from './word-lists.js';

/**
 * The body vocabulary: 50,000 made-up words ranked by a Zipf law (the word of rank r is drawn with
 * probability proportional to 1/r), so a corpus has common words (in most releases), middling
 * ones (in a fraction of a percent) and a long tail. The same for every seed, so a word means the
 * same frequency band in every corpus.
 */
export const ZIPF_VOCABULARY_SIZE = 50_000;
const ONSETS = [
  '',
  'b',
  'd',
  'f',
  'g',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'w',
  'br',
  'tr',
  'st',
  'pl',
  'gr',
  'ch',
  'sh',
  'th',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou', 'io'];
const CODAS = ['', '', '', 'n', 'r', 's', 'l', 'm', 't', 'nd', 'st', 'ck'];

export function syllableWord(random: Random, syllables: number): string {
  let word = '';
  for (let i = 0; i < syllables; i += 1)
    word += pick(random, ONSETS) + pick(random, VOWELS) + pick(random, CODAS);
  return word;
}

let zipf: { words: string[]; cumulative: Float64Array } | undefined;

/** The vocabulary, most frequent first, and its cumulative weights. */
export function zipfVocabulary(): { words: string[]; cumulative: Float64Array } {
  if (zipf) return zipf;
  const random = makeRandom(0x21bf);
  const reserved = new Set(WORDS.map((w) => w.toLowerCase()));
  const seen = new Set<string>();
  const words: string[] = [];
  while (words.length < ZIPF_VOCABULARY_SIZE) {
    const word = syllableWord(random, int(random, 1, 4));
    if (word.length < 2 || seen.has(word) || reserved.has(word)) continue;
    seen.add(word);
    words.push(word);
  }
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let rank = 0; rank < words.length; rank += 1) {
    total += 1 / (rank + 1);
    cumulative[rank] = total;
  }
  zipf = { words, cumulative };
  return zipf;
}

export function zipfWord(random: Random): string {
  const { words, cumulative } = zipfVocabulary();
  const target = random() * (cumulative[cumulative.length - 1] as number);
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) < target) lo = mid + 1;
    else hi = mid;
  }
  return words[lo] as string;
}
