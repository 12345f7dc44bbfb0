/**
 * One seed's cast: about 150 ministers (some `Rt Hon`, some Māori names) and 200 portfolios, and
 * how a release writes a minister's name.
 */
import { FIRST_NAMES, LAST_NAMES, MAORI_NAMES, PORTFOLIO_AREAS, SPECIALISATIONS } from './cast-lists.js';
import { makeRandom, pick, type Random } from './random.js';

export interface Person {
  given: string;
  family: string;
  /** Probability the release writes "Rt Hon" (prime ministers and senior ministers). */
  rtHon: number;
}

function uniqueList<T>(
  random: Random,
  count: number,
  make: (random: Random) => T,
  keyOf: (t: T) => string,
): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (let guard = 0; out.length < count && guard < count * 50; guard += 1) {
    const candidate = make(random);
    const key = keyOf(candidate);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(candidate);
  }
  return out;
}

export function makeCast(seed: number): { ministers: Person[]; portfolios: string[] } {
  const random = makeRandom(seed ^ 0x5eed);
  const ministers = uniqueList(
    random,
    150,
    (r): Person => ({
      given: r() < 0.2 ? pick(r, MAORI_NAMES) : pick(r, FIRST_NAMES),
      family: pick(r, LAST_NAMES),
      rtHon: r() < 0.08 ? 0.7 : 0,
    }),
    (p) => `${p.given} ${p.family}`.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase(),
  );
  const portfolios = [...PORTFOLIO_AREAS];
  const extra = uniqueList(
    random,
    200 - portfolios.length,
    (r) => {
      const area = pick(r, PORTFOLIO_AREAS);
      const form = pick(r, SPECIALISATIONS);
      return form === 'Minister for'
        ? `${area} (${pick(r, ['Rural', 'Urban', 'Regional', 'International'])})`
        : `${form} ${area}`;
    },
    (name) => name.toLowerCase(),
  ).filter((name) => !portfolios.includes(name));
  portfolios.push(...extra);
  return { ministers, portfolios: portfolios.slice(0, 200) };
}

export function ministerName(random: Random, person: Person): string {
  const honorific = random() < person.rtHon ? 'Rt Hon' : 'Hon';
  // A few releases spell a macron name without its macrons, or add spacing quirks.
  let name = `${person.given} ${person.family}`;
  if (random() < 0.05) name = name.normalize('NFKD').replace(/\p{M}/gu, '');
  const space = random() < 0.03 ? '\u00a0' : ' ';
  return `${honorific}${space}${name}`;
}
