/**
 * Whether a release is searchable through the query path: `GET /releases?q=<word>` answered by the
 * real API handler (word index included), the release among the results. Each release is looked
 * for by a rare word of its own: the word of its text in the fewest releases of the corpus.
 */
import type { Release } from '#release/release.js';
import { wordsOf } from '#search/fold.js';
import { type BenchEnvironment, documentClient } from './environment.js';
import { eventFor } from './queries.js';
import { forEachBounded } from './stats.js';

/** Pages of 100 read at most before a release counts as not found. */
const MAX_PAGES = 5;

/**
 * For each release, its rarest word in `frequency` (releases per word of the corpus loaded)
 * plus `releases` themselves: letters only, 4 or more, not a stop word.
 */
export function rareWordsOf(
  releases: readonly Release[],
  frequency: ReadonlyMap<string, number>,
  stop: ReadonlySet<string>,
): Map<string, string> {
  const own = new Map<string, number>();
  const wordsBy = releases.map((release) => new Set(wordsOf(`${release.title}\n${release.body}`)));
  for (const words of wordsBy) for (const word of words) own.set(word, (own.get(word) ?? 0) + 1);
  const out = new Map<string, string>();
  releases.forEach((release, i) => {
    let best: string | undefined;
    let fewest = Number.POSITIVE_INFINITY;
    for (const word of wordsBy[i] ?? []) {
      if (word.length < 4 || !/^\p{L}+$/u.test(word) || stop.has(word)) continue;
      const count = (frequency.get(word) ?? 0) + (own.get(word) ?? 0);
      if (count < fewest || (count === fewest && best !== undefined && word < best)) {
        best = word;
        fewest = count;
      }
    }
    if (best !== undefined) out.set(release.id, best);
  });
  return out;
}

export type SearchCheck = (id: string, word: string) => Promise<boolean>;

/**
 * A check through the real API handler, in process, with a client of its own. A release whose
 * date `dates` knows is looked for within that day (`from` and `to`), so a word also found in
 * other years costs one bucket's walk, not the whole index's.
 */
export async function searchCheck(
  env: BenchEnvironment,
  dates: ReadonlyMap<string, string> = new Map(),
): Promise<SearchCheck> {
  const { makeHandler } = await import('#handlers/api.js');
  const handler = makeHandler({
    doc: documentClient(env.newDynamoClient()),
    tableName: env.tableName,
    textSearch: true,
    cursorSecret: env.cursorSecret,
  });
  return async (id, word) => {
    let cursor: string | null = null;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const date = dates.get(id);
      const params = new URLSearchParams({
        q: word,
        limit: '100',
        ...(date ? { from: date, to: date } : {}),
        ...(cursor ? { cursor } : {}),
      });
      const result = await handler(eventFor(`/releases?${params}`));
      if (result.statusCode !== 200) throw new Error(`q=${word}: ${result.statusCode} ${result.body}`);
      const body = JSON.parse(result.body ?? '{}') as {
        items: Array<{ id: string }>;
        nextCursor: string | null;
      };
      if (body.items.some((item) => item.id === id)) return true;
      cursor = body.nextCursor;
      if (!cursor) return false;
    }
    return false;
  };
}

/** Polls until the release is found or `timeoutMs` passed; whether it was found. */
export async function waitUntilFound(
  check: SearchCheck,
  id: string,
  word: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check(id, word)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** How many of the releases their rare word finds (`concurrency` queries at a time). */
export async function countFound(
  check: SearchCheck,
  words: ReadonlyMap<string, string>,
  concurrency: number,
): Promise<{ found: number; missing: string[] }> {
  const missing: string[] = [];
  await forEachBounded([...words], concurrency, async ([id, word]) => {
    if (!(await check(id, word))) missing.push(id);
  });
  return { found: words.size - missing.length, missing };
}
