/** Rare made-up names of places, each in a few releases only (the rare words of a corpus). */
import { int, makeRandom } from './random.js';
import { syllableWord } from './zipf-vocabulary.js';

const NAME_ENDINGS = ['ville', 'ton', 'borough', 'ford', 'haven', 'mere', 'wick', 'stead', 'dale', 'field'];

/**
 * The n-th rare name or place, e.g. `Korvastead`: drawn from a pool of about a third as many names
 * as releases, so each is in a few releases only.
 */
export function rareName(n: number): string {
  const random = makeRandom(0x7a3e ^ (n * 2_654_435_761));
  const stem = syllableWord(random, int(random, 2, 3));
  const name = `${stem}${NAME_ENDINGS[n % NAME_ENDINGS.length]}${n.toString(36)}`;
  return name.charAt(0).toUpperCase() + name.slice(1);
}
