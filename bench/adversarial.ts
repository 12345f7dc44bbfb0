import { round, sum } from './stats.js';

/** The most read units one API request consumed, for a `q` meant to be costly. */
export interface AdversarialFigures {
  q: string;
  /** Status of the first page (a `q` over the word limit is a 400). */
  status: number;
  mostUnitsPerRequest: number;
  pages: number;
}

/**
 * The costly shapes of `q`: a wide prefix less a narrower one, a word over 64 characters, 20
 * prefixes, a 40-word phrase (a 400: over the word limit) and a 20-word one, two prefixes.
 */
export function adversarialQueries(middling: readonly string[]): string[] {
  const prefixes = [...new Set(middling.filter((w) => /^\p{L}{3}/u.test(w)).map((w) => w.slice(0, 3)))].slice(
    0,
    20,
  );
  const phraseWords = (n: number) =>
    Array.from({ length: n }, (_, i) => middling[i % Math.max(1, middling.length)] ?? 'a');
  return [
    'acce* -accel*',
    'x'.repeat(65),
    prefixes.map((p) => `${p}*`).join(' '),
    `"${phraseWords(40).join(' ')}"`,
    `"${phraseWords(20).join(' ')}"`,
    'thit* tam*',
  ];
}

/** Each adversarial `q`, `pagesEach` pages at most (`limit` 1 for the last, two prefixes). */
export async function measureAdversarial(
  get: (params: Record<string, string>) => Promise<{ statusCode?: number; body?: string }>,
  readings: () => number[],
  queries: readonly string[],
  pagesEach: number,
): Promise<AdversarialFigures[]> {
  const out: AdversarialFigures[] = [];
  for (const q of queries) {
    let cursor: string | undefined;
    let most = 0;
    let pages = 0;
    let status = 200;
    for (let page = 0; page < pagesEach; page += 1) {
      const params = { q, limit: q === 'thit* tam*' ? '1' : '20', ...(cursor ? { cursor } : {}) };
      const before = readings().length;
      const result = await get(params);
      most = Math.max(most, sum(readings().slice(before)));
      pages += 1;
      if (page === 0) status = result.statusCode ?? 0;
      if (result.statusCode !== 200) break;
      cursor = (JSON.parse(result.body ?? '{}') as { nextCursor: string | null }).nextCursor ?? undefined;
      if (!cursor) break;
    }
    out.push({
      q: q.length > 80 ? `${q.slice(0, 77)}...` : q,
      status,
      mostUnitsPerRequest: round(most, 1),
      pages,
    });
  }
  return out;
}
