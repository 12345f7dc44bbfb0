/**
 * `q` through the word index, against DynamoDB Local: the corpus is seeded with the real item
 * layouts plus the index's bulk items, and every answer is compared with an independent
 * in-memory computation over the same releases (whole words, prefixes, phrases, exclusions,
 * every other filter), across pages. Then the index is changed release by release with
 * DynamoSearchIndex.sync (edits, date changes, deletes, a move to another id, replays) and must
 * answer like the in-memory computation over the new releases and hold what a bulk load of them
 * would hold.
 */
import { readFileSync } from 'node:fs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiHandler } from '#handlers/api.js';
import { releasePageSchema } from '#query/query-schemas.js';
import { parseRelease } from '#release/parse-release.js';
import type { Release, StoredRelease } from '#release/release.js';
import { dynamoStopLists } from '#search/aws/dynamodb-index-store.js';
import { DynamoIndexer as DynamoSearchIndex } from '#search/aws/dynamodb-indexer.js';
import { type searchItemsForBulk as BulkFn, searchItemsForBulk } from '#search/bulk-index.js';
import { bucketOfFragment, fragmentEntries, postingFragments } from '#search/fragments.js';
import {
  foldedCopyKey,
  parsePostingEntry,
  SEARCH_ENTRY_SORT_KEY,
  STOP_LIST_KEY,
  type StopList,
} from '#search/keys.js';
import { DocumentFrequency, stopListItem, stopListItems, stopListOf } from '#search/stop-list.js';
import { planSync } from '#search/sync-plan.js';
import { listSortKey } from '#table/table-layout.js';
import { localDynamoDbClient } from '../../../scripts/local/dynamodb-local.js';
import { asFunction, recordAwsCalls } from '../../support/aws-calls.js';
import { seedReleases, stored, storedCorpus, writeItems } from '../../support/corpus-seed.js';
import { freshServices, type TestServices } from '../../support/services.js';
import { asJson, httpEvent } from '../query/query-events.js';

process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const makeHandler = asFunction('api', (await import('#handlers/api.js')).makeHandler);

const SECRET = 'search-index-test';

/** An independent reference: words by a plain split, phrases as consecutive words. */
function tokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

interface Want {
  words?: string[];
  phrases?: string[][];
  prefixes?: string[];
  notWords?: string[];
  notPhrases?: string[][];
  minister?: string;
  portfolio?: string;
  from?: string;
  to?: string;
}

function hasPhrase(list: string[], phrase: string[]): boolean {
  for (let i = 0; i + phrase.length <= list.length; i += 1) {
    if (phrase.every((w, j) => list[i + j] === w)) return true;
  }
  return false;
}

function expected(releases: readonly Release[], want: Want): string[] {
  return releases
    .filter((r) => want.minister === undefined || r.ministers.some((m) => m.slug === want.minister))
    .filter((r) => want.portfolio === undefined || r.portfolios.some((p) => p.slug === want.portfolio))
    .filter((r) => want.from === undefined || r.date >= want.from)
    .filter((r) => want.to === undefined || r.date <= want.to)
    .filter((r) => {
      const title = tokens(r.title);
      const body = tokens(r.body);
      const all = new Set([...title, ...body]);
      const phrase = (p: string[]) => hasPhrase(title, p) || hasPhrase(body, p);
      return (
        (want.words ?? []).every((w) => all.has(w)) &&
        (want.phrases ?? []).every(phrase) &&
        (want.prefixes ?? []).every((p) => [...all].some((w) => w.startsWith(p))) &&
        !(want.notWords ?? []).some((w) => all.has(w)) &&
        !(want.notPhrases ?? []).some(phrase)
      );
    })
    .sort((a, b) => {
      const x = listSortKey(a.date, a.id);
      const y = listSortKey(b.date, b.id);
      return x < y ? 1 : x > y ? -1 : 0;
    })
    .map((r) => r.id);
}

function queryString(want: Want, limit: number): string {
  const q = [
    ...(want.words ?? []).map((w) => w.toUpperCase()),
    ...(want.phrases ?? []).map((p) => `"${p.join(' ')}"`),
    ...(want.prefixes ?? []).map((p) => `${p}*`),
    ...(want.notWords ?? []).map((w) => `-${w}`),
    ...(want.notPhrases ?? []).map((p) => `-"${p.join('\u00a0')}"`),
  ].join(' ');
  const params = new URLSearchParams({ q, limit: String(limit) });
  for (const name of ['minister', 'portfolio', 'from', 'to'] as const) {
    const value = want[name];
    if (value !== undefined) params.set(name, value);
  }
  return params.toString();
}

async function walk(handler: ApiHandler, query: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url = `/releases?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const result = asJson(await handler(httpEvent(url)));
    expect(result.status, `${url} ${JSON.stringify(result.json)}`).toBe(200);
    const page = releasePageSchema.parse(result.json);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
    pages += 1;
    expect(pages, query).toBeLessThan(200);
  } while (cursor);
  return { ids, pages };
}

let services: TestServices;
let releases: StoredRelease[];
let api: ApiHandler;
let frequency: Map<string, number>;
let stop: StopList;

function mustParse(text: string, key: string): StoredRelease {
  const parsed = parseRelease(text, key);
  if (!parsed.ok) throw new Error(`fixture ${key} does not parse`);
  return stored(parsed.release, key);
}

beforeAll(async () => {
  services = await freshServices({ stream: false });
  const seedKey = '000_bfcbecb155f087da.txt';
  const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(12_000);
  releases = [
    ...storedCorpus({ seed: 21, count: 1500, endDate: '2025-06-30', bodyBytes: { min: 300, max: 2500 } }),
    mustParse(readFileSync(`seeds/${seedKey}`, 'utf8'), seedKey),
    mustParse(
      `---\ntitle: A very long report\ndate: 2021-05-06\nportfolios: [Statistics]\n---\n\n${filler}\n\nThe zebracorn appendix closes the report.\n`,
      'fixtures/long-report.md',
    ),
  ];
  const documents = new DocumentFrequency();
  for (const release of releases) documents.add(release);
  stop = documents.stopList();
  // The first 100 releases' list items without stop-word bits (written before the index existed).
  await seedReleases(services.doc, services.tableName, releases.slice(0, 100));
  await seedReleases(services.doc, services.tableName, releases.slice(100), { stopList: stop });
  await writeItems(services.doc, services.tableName, searchItemsForBulk(releases, { stopList: stop }));
  frequency = new Map();
  for (const r of releases)
    for (const w of new Set([...tokens(r.title), ...tokens(r.body)]))
      frequency.set(w, (frequency.get(w) ?? 0) + 1);
  // A small scan budget: a walk that the scan served would take many requests.
  api = makeHandler({
    doc: services.doc,
    tableName: services.tableName,
    textSearch: true,
    cursorSecret: SECRET,
    textBudget: { maxExamined: 300 },
  });
}, 600_000);

/** An API handler (unlimited scan budget) whose BatchGetItem keys are reported to `onKey`. */
function countingHandler(
  onKey: (key: { pk: string; sk: string }) => void,
  on: TestServices = services,
): ApiHandler {
  const counted = DynamoDBDocumentClient.from(recordAwsCalls(localDynamoDbClient(on.dynamoEndpoint)));
  counted.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchGetItemCommand') {
        const { RequestItems } = args.input as {
          RequestItems: Record<string, { Keys: Array<{ pk: string; sk: string }> }>;
        };
        for (const request of Object.values(RequestItems)) for (const key of request.Keys) onKey(key);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countBatchGets' },
  );
  return makeHandler({ doc: counted, tableName: on.tableName, textSearch: true, cursorSecret: SECRET });
}

/** An API handler that examines one bucket or candidate a request. */
function shortBudgetHandler(on: TestServices): ApiHandler {
  return makeHandler({
    doc: on.doc,
    tableName: on.tableName,
    textSearch: true,
    cursorSecret: SECRET,
    textBudget: { maxExamined: 1 },
  });
}

/** Words of the corpus whose document frequency lies in [min, max], deterministic order. */
function wordsWithin(min: number, max: number, count: number): string[] {
  return [...frequency]
    .filter(([w, n]) => n >= min && n <= max && w.length >= 4 && !/^\d+$/.test(w))
    .map(([w]) => w)
    .sort()
    .slice(0, count);
}

describe('q from the word index', () => {
  it('finds a rare word in one request, and matches the in-memory answer for every kind of q', async () => {
    const rare = wordsWithin(1, 5, 3);
    const middling = wordsWithin(10, 40, 4);
    const common = [...frequency]
      .sort((a, b) => b[1] - a[1])
      .map(([w]) => w)
      .filter((w) => w.length > 3)
      .slice(0, 3);
    expect(rare.length).toBe(3);
    const busiest = releases.flatMap((r) => r.ministers.map((m) => m.slug)).sort();
    const minister = busiest.find((s, i) => busiest[i + 40] === s) ?? '';
    const portfolio = releases.flatMap((r) => r.portfolios.map((p) => p.slug)).sort()[0] ?? '';
    const withPhrase = releases[5] as StoredRelease;
    const bodyWords = tokens(withPhrase.body);
    const phrase = bodyWords.slice(10, 12);
    const [m0 = '', m1 = '', m2 = '', m3 = ''] = middling;
    const cases: Want[] = [
      ...rare.map((w) => ({ words: [w] })),
      { words: [m0] },
      { words: [m0, m1] },
      { words: [m0], minister },
      { words: [m1], portfolio, from: '1995-01-01' },
      { words: [m2], from: '2000-01-01', to: '2012-12-31' },
      { words: [m3], notWords: [m1] },
      { words: [m3], notWords: [common[0] ?? ''] },
      { words: [m2], notPhrases: [phrase] },
      { phrases: [phrase] },
      { phrases: [phrase], words: [common[1] ?? ''] },
      { prefixes: [m0.slice(0, 4)] },
      { prefixes: [m1.slice(0, 5)], from: '2010-01-01' },
      { words: [common[0] ?? ''], prefixes: [m2.slice(0, 4)] },
      { words: ['nato', 'california'], phrases: [['indo', 'pacific', 'four']] },
      { phrases: [['new', 'zealand', 's', 'profile']] },
      { words: ['zebracorn'], portfolio: 'statistics' },
      { words: ['nat'] },
      { words: [rare[0] ?? ''], minister },
    ];
    for (const want of cases) {
      const query = queryString(want, 7);
      const answer = expected(releases, want);
      const { ids, pages } = await walk(api, query);
      expect(ids, query).toEqual(answer);
      if (want.words?.length === 1 && rare.includes(want.words[0] ?? '') && !want.minister) {
        expect(answer.length).toBeGreaterThan(0);
        expect(pages, query).toBe(1);
      }
    }
    expect(expected(releases, { words: ['zebracorn'] })).toEqual(['long-report']);
  }, 600_000);

  it('agrees with the scan on queries of common words only (served by the scan)', async () => {
    const common = [...frequency]
      .sort((a, b) => b[1] - a[1])
      .map(([w]) => w)
      .filter((w) => w.length > 3);
    const want: Want = { words: [common[0] ?? '', common[1] ?? ''], from: '2020-01-01' };
    const { ids } = await walk(api, queryString(want, 50));
    expect(ids).toEqual(expected(releases, want));
  }, 300_000);

  it("decides queries of stop words from the list items' stop-word bits, as the in-memory answer does", async () => {
    // Counts the items batch-read (release texts: the only items a stop-word query's scan reads
    // besides the list items).
    let itemsRead = 0;
    const scan = countingHandler(() => {
      itemsRead += 1;
    });
    const words = stop.bitWords.filter((w) => w.length > 3 && !/^\d+$/.test(w));
    const [a = '', b = '', c = ''] = [words[0], words[Math.floor(words.length / 2)], words.at(-1)];
    const minister = [...new Set(releases.flatMap((r) => r.ministers.map((m) => m.slug)))].sort()[0];
    const decided: Want[] = [
      { words: [a] },
      { words: [a, b], from: '2010-01-01' },
      { words: [b], notWords: [c] },
      { words: [c], minister },
    ];
    for (const want of decided) {
      itemsRead = 0;
      const query = queryString(want, 100);
      const { ids, pages } = await walk(scan, query);
      expect(ids, query).toEqual(expected(releases, want));
      // Only releases without bits (the 100 seeded without them) are read, each once, plus at most
      // one group of 25 again after each page boundary (a page ends inside a fetched group).
      expect(itemsRead, query).toBeLessThanOrEqual(100 + 25 * (pages - 1));
    }
    // The first walk alone covered far more releases than that bound.
    expect(expected(releases, { words: [a] }).length).toBeGreaterThan(500);
    // What the bits cannot decide (the order of a phrase, a prefix) is read and checked as before.
    for (const want of [{ phrases: [[a, b]] }, { words: [a], notPhrases: [[b, c]] }] as Want[]) {
      const query = queryString(want, 20);
      const { ids } = await walk(scan, query);
      expect(ids, query).toEqual(expected(releases, want));
    }
  }, 300_000);

  it('finds phrases of stop words by their pair postings, and rules others out on pair filters', async () => {
    // Counts the items batch-read by kind: folded copies (sort key X), search entries (S), others
    // (release items and their texts).
    const read = { copies: 0, entries: 0, texts: 0 };
    const handler = countingHandler((key) => {
      if (key.sk === 'X') read.copies += 1;
      else if (key.sk === 'S') read.entries += 1;
      else read.texts += 1;
    });
    // Adjacent pairs of the corpus, by how many releases hold the pair and how many hold both words.
    const bitWords = new Set(stop.bitWords);
    const indexed = (w: string) => !stop.words.has(w) && !/^\d+$/.test(w);
    const texts = releases.map((r) => ({ title: tokens(r.title), body: tokens(r.body) }));
    const holding = new Map<string, number>();
    texts.forEach(({ title, body }) => {
      const pairsOf = new Set<string>();
      for (const words of [title, body])
        for (let i = 0; i + 1 < words.length; i += 1) pairsOf.add(`${words[i]} ${words[i + 1]}`);
      for (const pair of pairsOf) holding.set(pair, (holding.get(pair) ?? 0) + 1);
    });
    const both = (pair: string[]) =>
      texts.filter(({ title, body }) => pair.every((w) => title.includes(w) || body.includes(w))).length;
    const sparse = (accept: (pair: [string, string]) => boolean, spare: number) => {
      const candidates = [...holding]
        .filter(([, n]) => n >= 1 && n <= 3)
        .map(([key, matches]) => ({ pair: key.split(' ') as [string, string], matches }))
        .filter(({ pair }) => accept(pair))
        .slice(0, 200)
        .map((c) => ({ ...c, both: both(c.pair) }))
        .filter(({ matches, both: n }) => n >= 5 * matches + spare);
      return candidates.sort((x, y) => y.both - x.both)[0];
    };
    const ofStopWords = sparse(([x, y]) => bitWords.has(x) && bitWords.has(y), 150);
    const withIndexedWord = sparse(
      ([x, y]) =>
        bitWords.has(x) && indexed(y) && (frequency.get(y) ?? 0) >= 20 && (frequency.get(y) ?? 0) < 150,
      10,
    );
    expect(ofStopWords, 'a sparse phrase of stop words').toBeDefined();
    expect(withIndexedWord, 'a sparse phrase with an indexed word').toBeDefined();

    // A phrase of two stop words whose pair is not common has postings of its own: its
    // candidates are exactly its releases, proven by the postings, so neither release texts nor
    // folded copies are read, and search entries only for the matches (one batch a page).
    const pairCase = ofStopWords as NonNullable<typeof ofStopWords>;
    Object.assign(read, { texts: 0, copies: 0, entries: 0 });
    const pairQuery = queryString({ phrases: [pairCase.pair] }, 20);
    const pairWalk = await walk(handler, pairQuery);
    expect(pairWalk.ids, pairQuery).toEqual(expected(releases, { phrases: [pairCase.pair] }));
    expect(read, pairQuery).toEqual({ texts: 0, copies: 0, entries: pairCase.matches });
    expect(pairCase.both).toBeGreaterThan(100);

    // The index: candidates are the indexed word's releases; their search entries rule out all
    // but the matches, so few folded copies are read.
    const indexCase = withIndexedWord as NonNullable<typeof withIndexedWord>;
    read.copies = 0;
    const indexQuery = queryString({ phrases: [indexCase.pair] }, 20);
    const indexWalk = await walk(handler, indexQuery);
    expect(indexWalk.ids, indexQuery).toEqual(expected(releases, { phrases: [indexCase.pair] }));
    expect(read.copies, indexQuery).toBeLessThanOrEqual(indexCase.matches + 2);
    expect(indexCase.both).toBeGreaterThan(indexCase.matches + 2);

    // Excluded phrases, and phrases with other parts, still equal the in-memory answer.
    const [x, y] = pairCase.pair;
    for (const want of [
      { words: [x], notPhrases: [pairCase.pair] },
      { phrases: [indexCase.pair], notPhrases: [[y, x]] },
      { words: [indexCase.pair[1]], notPhrases: [indexCase.pair] },
      { phrases: [pairCase.pair, indexCase.pair] },
      { phrases: [[x, y, x]] },
      {
        phrases: [pairCase.pair],
        minister: releases.find((r) => r.ministers.length > 0)?.ministers[0]?.slug,
      },
    ] as Want[]) {
      const query = queryString(want, 20);
      expect((await walk(handler, query)).ids, query).toEqual(expected(releases, want));
    }
  }, 300_000);

  it('never answers a random q with a 5xx', async () => {
    const word = fc.constantFrom(
      'nato',
      'gov',
      'prime',
      'minister',
      'the',
      'zebracorn',
      'whānau',
      'Ōtautahi',
      'a',
    );
    const part = fc.oneof(
      word,
      word.map((w) => `${w}*`),
      word.map((w) => `-${w}`),
      fc.array(word, { minLength: 1, maxLength: 3 }).map((ws) => `"${ws.join(' ')}"`),
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.constantFrom('*', '-', '"', '-"', '**', '-*', '\u00a0', '\u2212nato'),
    );
    const q = fc.array(part, { maxLength: 8 }).map((parts) => parts.join(' '));
    const extra = fc.constantFrom('', '&from=2020-01-01', '&minister=nobody', '&to=1991-01-01&limit=3');
    await fc.assert(
      fc.asyncProperty(q, extra, async (text, more) => {
        const result = await api(httpEvent(`/releases?q=${encodeURIComponent(text)}${more}`));
        expect([200, 400]).toContain(result.statusCode);
      }),
      // Found by this property once: a word both required and excluded made a BatchGetItem with a
      // duplicate key, which DynamoDB refuses (a 500).
      {
        numRuns: 150,
        examples: [
          ['"nato" -a a', ''],
          ['a -a', ''],
        ],
      },
    );
  }, 600_000);
});

function release(id: string, date: string, title: string, body: string, minister = 'hon-a'): Release {
  return {
    id,
    title,
    date,
    url: null,
    ministers: [{ slug: minister, name: minister }],
    portfolios: [{ slug: 'finance', name: 'Finance' }],
    summary: body.slice(0, 50),
    body,
    extra: {},
  };
}

/** Seeds `releases` (as files `<id>.md`) and their index as a bulk load writes it under `stop`. */
async function seedIndexed(on: TestServices, releases: readonly Release[], stop: StopList): Promise<void> {
  await seedReleases(
    on.doc,
    on.tableName,
    releases.map((r) => stored(r, `${r.id}.md`)),
    { stopList: stop },
  );
  await writeItems(on.doc, on.tableName, searchItemsForBulk(releases, { stopList: stop }));
}

type Item = Record<string, unknown>;

async function indexItems(own: TestServices): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await own.doc.send(new ScanCommand({ TableName: own.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items.filter((i) => /^(W#|V#|SEARCH)/.test(String(i.pk)) || /^[SX]$/.test(String(i.sk)));
}

/**
 * The index as a reader sees it: every posting entry that names a release's current text version
 * (entries of earlier versions stay in their fragments and are skipped by readers), by term and
 * bucket, whatever fragments hold them; and the releases' own items without their write times.
 */
function normalise(items: Item[]): string[] {
  const live = new Set(
    items.filter((i) => i.sk === SEARCH_ENTRY_SORT_KEY).map((i) => `${String(i.id)}#${String(i.version)}`),
  );
  const lines = new Set<string>();
  for (const item of items) {
    const pk = String(item.pk);
    if (pk.startsWith('V#')) continue;
    if (pk.startsWith('W#')) {
      const bucket = bucketOfFragment(String(item.sk));
      for (const raw of fragmentEntries(item)) {
        const entry = parsePostingEntry(bucket, raw);
        if (entry && live.has(`${entry.id}#${entry.version}`)) lines.add(`${pk} ${bucket} ${raw}`);
      }
      continue;
    }
    const { at: _at, ...rest } = item;
    const json = JSON.stringify(rest, (_, v) => (v instanceof Set ? [...v].sort() : v), 0);
    lines.add(JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(json)).sort())));
  }
  return [...lines].sort();
}

/** The entries of a term's bucket, from every fragment (and an item of the older layout). */
async function entriesOf(own: TestServices, term: string, bucket: string): Promise<string[]> {
  const { Items = [] } = await own.doc.send(
    new QueryCommand({
      TableName: own.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :bucket)',
      ExpressionAttributeValues: { ':pk': `W#${term}`, ':bucket': bucket },
      ConsistentRead: true,
    }),
  );
  return Items.filter((item) => bucketOfFragment(String(item.sk)) === bucket).flatMap(fragmentEntries);
}

describe('keeping the index in step with sync', () => {
  const stopLists: Array<[string, StopList | undefined]> = [
    ['no stop words, one-year buckets', undefined],
    [
      'pair postings of stop words, ten-year buckets',
      stopListOf(['a', 'and', 'at', 'from', 'in', 'of', 'the'], { span: 10, commonPairs: [] }),
    ],
  ];
  it.each(stopLists)(
    'is right after edits, date changes, deletes, a move to another id, and replays (%s)',
    async (_, stopList) => {
      const own = await freshServices({ stream: false });
      const bulk = (releases: Release[]) => searchItemsForBulk(releases, stopList ? { stopList } : {});
      let current: Release[] = [
        release('budget-one', '2024-07-02', 'Budget day', 'The kauri budget grows in the Taupō.'),
        release('budget-two', '2024-07-09', 'Budget night', 'Totara and kauri trees; the budget shrinks.'),
        release('harbour', '2023-03-01', 'Harbour works', 'Dredging the harbour at the Whangārei.', 'hon-b'),
        release('old-news', '1999-12-31', 'Old news', 'A kauri story from the last century.'),
      ];
      await writeItems(own.doc, own.tableName, bulk(current));
      const index = new DynamoSearchIndex(own.doc, own.tableName);
      const handler = makeHandler({
        doc: own.doc,
        tableName: own.tableName,
        textSearch: true,
        cursorSecret: SECRET,
      });
      const check = async () => {
        const cases: Want[] = [
          { words: ['kauri'] },
          { words: ['budget'] },
          { words: ['budget'], minister: 'hon-a' },
          { prefixes: ['kau'] },
          { phrases: [['kauri', 'budget']] },
          { words: ['harbour'] },
          { words: ['dredging'], minister: 'hon-b' },
          { words: ['totara'], notWords: ['shrinks'] },
          { words: ['century'] },
          { words: ['pohutukawa'] },
          { phrases: [['in', 'the']] },
          { phrases: [['at', 'the']] },
          { phrases: [['from', 'the']], words: ['kauri'] },
          { phrases: [['the', 'budget']] },
        ];
        for (const want of cases) {
          expect((await walk(handler, queryString(want, 2))).ids, JSON.stringify(want)).toEqual(
            expected(current, want),
          );
        }
      };
      await check();

      const edit = release('budget-one', '2024-07-02', 'Budget day', 'The pohutukawa budget grows in Taupō.');
      await index.sync(edit.id, edit);
      current = current.map((r) => (r.id === edit.id ? edit : r));
      await check();

      const redated = release(
        'harbour',
        '2025-01-15',
        'Harbour works',
        'Dredging the harbour at Whangārei.',
        'hon-b',
      );
      await index.sync(redated.id, redated);
      current = current.map((r) => (r.id === redated.id ? redated : r));
      await check();

      // The release moves to another id: the old id is deleted, the new one created.
      const moved = { ...(current.find((r) => r.id === 'old-news') as Release), id: 'old-news-moved' };
      await index.sync('old-news', undefined);
      await index.sync(moved.id, moved);
      current = [...current.filter((r) => r.id !== 'old-news'), moved];
      await check();

      await index.sync('budget-two', undefined);
      current = current.filter((r) => r.id !== 'budget-two');
      await check();

      // Replay from an earlier record: the same changes again, in order, end in the same state.
      const original = release(
        'budget-one',
        '2024-07-02',
        'Budget day',
        'The kauri budget grows in the Taupō.',
      );
      await index.sync(original.id, original);
      await index.sync(edit.id, edit);
      await index.sync('budget-two', undefined);
      await index.sync('budget-two', undefined);
      await index.sync(moved.id, moved);
      await check();

      const afterSyncs = normalise(await indexItems(own));
      const fresh = await freshServices({ stream: false });
      await writeItems(fresh.doc, fresh.tableName, bulk(current));
      expect(afterSyncs).toEqual(normalise(await indexItems(fresh)));
      if (stopList) expect(afterSyncs.some((line) => line.startsWith('W#from the '))).toBe(true);
    },
    300_000,
  );

  it('writes, release by release, what the bulk items hold', async () => {
    const own = await freshServices({ stream: false });
    const corpus = storedCorpus({
      seed: 5,
      count: 30,
      endDate: '2025-06-30',
      bodyBytes: { min: 200, max: 800 },
    });
    const bulk: ReturnType<typeof BulkFn> = searchItemsForBulk(corpus);
    // The stop list item first (empty for so few releases), then one sync per release.
    await writeItems(
      own.doc,
      own.tableName,
      bulk.filter((i) => i.pk === STOP_LIST_KEY.pk),
    );
    const index = new DynamoSearchIndex(own.doc, own.tableName);
    for (const r of corpus) await index.sync(r.id, r);
    const fresh = await freshServices({ stream: false });
    await writeItems(fresh.doc, fresh.tableName, bulk);
    const synced = await indexItems(own);
    const loaded = await indexItems(fresh);
    expect(normalise(synced)).toEqual(normalise(loaded));
    expect(synced.filter((i) => String(i.pk).startsWith('V#')).length).toBe(
      loaded.filter((i) => String(i.pk).startsWith('V#')).length,
    );
    expect(new DocumentFrequency().stopList().words.size).toBe(0);
  }, 300_000);

  it('puts a vocabulary word once: a container remembers what it put, a new one reads what is stored', async () => {
    const own = await freshServices({ stream: false });
    const vocabularyPuts: string[] = [];
    own.doc.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as {
          RequestItems?: Record<string, Array<{ PutRequest?: { Item: { pk: string; sk: string } } }>>;
        };
        for (const requests of Object.values(input.RequestItems ?? {}))
          for (const request of Array.isArray(requests) ? requests : [])
            if (request.PutRequest?.Item.pk.startsWith('V#')) vocabularyPuts.push(request.PutRequest.Item.sk);
        return next(args);
      },
      { step: 'initialize', name: 'countVocabularyPuts' },
    );
    const first = release('kauri-one', '2024-07-02', 'Kauri day', 'The kauri budget grows in Taupō.');
    const second = release('kauri-two', '2024-07-09', 'Kauri day', 'The kauri budget grows in Taupō.');
    const index = new DynamoSearchIndex(own.doc, own.tableName);
    await index.sync(first.id, first);
    const once = [...vocabularyPuts].sort();
    expect(once).toEqual(expect.arrayContaining(['kauri', 'budget', 'taupo']));
    await index.sync(second.id, second);
    expect(vocabularyPuts.sort(), 'the same words from the same container').toEqual(once);
    // A new container does not know what was put: it reads which words are stored and puts the others.
    const third = release(
      'kauri-three',
      '2024-07-16',
      'Kauri day',
      'The kauri budget grows in Taupō by rimu.',
    );
    await new DynamoSearchIndex(own.doc, own.tableName).sync(third.id, third);
    expect(vocabularyPuts.sort()).toEqual([...once, 'rimu'].sort());
    const words = (await indexItems(own)).filter((i) => String(i.pk).startsWith('V#')).map((i) => i.sk);
    expect(words.sort()).toEqual([...once, 'rimu'].sort());
  }, 60_000);
});

describe('pair filters in the scan', () => {
  it('uses a search entry only when it is of the text the list item was projected from', async () => {
    const own = await freshServices({ stream: false });
    const stop = stopListOf(['the', 'of', 'and', 'minister']);
    await writeItems(own.doc, own.tableName, [stopListItem(stop)]);
    // The index lags behind an edit: the list items and release hold the new text (with the
    // phrase), the search entry the old one (both words, never adjacent).
    const edited = release('edited', '2024-05-02', 'Budget', 'The minister of the day spoke.');
    const before = release('edited', '2024-05-02', 'Budget', 'The day of budgets and the minister.');
    const current = release('apart', '2024-05-01', 'Harbour', 'The harbour of Lyttelton and the port.');
    const adjacent = release('adjacent', '2024-04-30', 'Rail', 'Rail of the future.');
    await seedReleases(
      own.doc,
      own.tableName,
      [edited, current, adjacent].map((r) => stored(r, `${r.id}.md`)),
      {
        stopList: stop,
      },
    );
    await writeItems(
      own.doc,
      own.tableName,
      [before, current, adjacent].map(
        (r) => planSync(r, undefined, stop).searchEntry as Record<string, unknown>,
      ),
    );
    const texts: string[] = [];
    const handler = countingHandler((key) => {
      if (key.sk !== 'S') texts.push(key.pk);
    }, own);
    const { ids } = await walk(handler, queryString({ phrases: [['of', 'the']] }, 20));
    expect(ids).toEqual(['edited', 'adjacent']);
    // The stale entry is not trusted (its release is read); a current one rules its release out
    // unread, or leaves it (the pair is in its filter) to its text.
    expect(texts.sort()).toEqual(['R#adjacent', 'R#edited']);
  });
});

describe('exclusions while the stop list is re-derived', () => {
  it('exclude a release indexed under the list before, which had no postings of the excluded word', async () => {
    const own = await freshServices({ stream: false });
    const before = stopListOf(['the', 'associate']);
    const current = stopListOf(['the']);
    const all = [
      release('with-associate', '2024-03-03', 'Pilot scheme', 'The pilot names an associate minister.'),
      release('without', '2024-02-02', 'Pilot scheme', 'The pilot starts in March.'),
    ];
    // Indexed under `before` (no postings of `associate`); the list is then re-derived, and no
    // release re-synced yet.
    await seedIndexed(own, all, before);
    await writeItems(own.doc, own.tableName, [stopListItem(current)]);
    const handler = countingHandler(() => {}, own);
    for (const q of ['pilot -associate', 'pilot -associate -march']) {
      const { ids } = await walk(handler, `q=${encodeURIComponent(q)}&limit=5`);
      expect(ids, q).toEqual(q.includes('march') ? [] : ['without']);
    }
    expect((await walk(handler, 'q=pilot&limit=5')).ids).toEqual(['with-associate', 'without']);
  });
});

describe('posting buckets of another span', () => {
  const yearly = stopListOf(['the']);
  it.each([
    // The leftover year item 2023 is newer than the current decade item 2020.
    ['decades', stopListOf(['the'], { span: 10, commonPairs: [] })],
    // The leftover year item 2023 sorts after the month items of 2023 and before those of 2022.
    ['months', stopListOf(['the'], { span: 1 / 12, commonPairs: [] })],
  ])(
    'skips entries left in items of an earlier stop list under %s, so the walk stays newest first',
    async (_, current) => {
      const own = await freshServices({ stream: false });
      const all = [
        release('late', '2027-01-01', 'Harbour', 'The harbour.'),
        release('middle', '2023-05-05', 'Harbour', 'The harbour again.'),
        release('early', '2021-02-02', 'Harbour', 'The harbour once more.'),
      ];
      await seedIndexed(own, all, current);
      // What a sync under the yearly list left behind (a projector that still had it cached): the
      // same current entry of `middle`, in the year item 2023.
      const leftover = planSync(all[1], undefined, yearly).adds.filter((c) => c.word === 'harbour');
      const fragments = postingFragments(leftover);
      expect(fragments.map((f) => [f.pk, bucketOfFragment(f.sk)])).toEqual([['W#harbour', '2023']]);
      await writeItems(own.doc, own.tableName, fragments);
      const handler = countingHandler(() => {}, own);
      for (const limit of [1, 2, 20]) {
        const { ids } = await walk(handler, `q=harbour&limit=${limit}`);
        expect(ids, `limit ${limit}`).toEqual(['late', 'middle', 'early']);
      }
      // A budget that ends right after the leftover item: a cursor set on it (`2023-00`) would
      // skip `late` (2027) of the current bucket 2020 under decades.
      const short = shortBudgetHandler(own);
      expect((await walk(short, 'q=harbour&limit=20')).ids).toEqual(['late', 'middle', 'early']);
    },
  );
});

describe('posting buckets of a month', () => {
  it('answers every kind of q like the in-memory computation, across month buckets and bucket cursors', async () => {
    const own = await freshServices({ stream: false });
    // Two years of releases in month buckets: the span a corpus of 12,000 releases a year derives.
    const all = storedCorpus({
      seed: 33,
      count: 400,
      startDate: '2023-07-01',
      endDate: '2025-06-30',
      bodyBytes: { min: 300, max: 1500 },
    });
    const documents = new DocumentFrequency(1);
    for (const r of all) documents.add(r);
    const derived = documents.stopList();
    const monthly = stopListOf(derived.bitWords, { span: 1 / 12, commonPairs: derived.commonPairs ?? [] });
    await seedIndexed(own, all, monthly);
    const buckets = (await indexItems(own))
      .filter((item) => String(item.pk).startsWith('W#'))
      .map((item) => bucketOfFragment(String(item.sk)));
    expect(buckets.length).toBeGreaterThan(0);
    expect(buckets.every((b) => /^\d{4}-\d{2}$/.test(b))).toBe(true);
    expect(new Set(buckets).size).toBeGreaterThan(20);

    const counts = new Map<string, number>();
    for (const r of all)
      for (const w of new Set([...tokens(r.title), ...tokens(r.body)]))
        counts.set(w, (counts.get(w) ?? 0) + 1);
    const within = (min: number, max: number) =>
      [...counts]
        .filter(
          ([w, n]) => n >= min && n <= max && w.length >= 4 && !/^\d+$/.test(w) && !monthly.words.has(w),
        )
        .map(([w]) => w)
        .sort();
    const [rare = ''] = within(1, 3);
    const [m0 = '', m1 = ''] = within(15, 60);
    const [s0 = '', s1 = ''] = [...monthly.words].sort();
    const phrase = tokens((all[7] as StoredRelease).body).slice(4, 6);
    const minister = all[0]?.ministers[0]?.slug ?? '';
    const cases: Want[] = [
      { words: [rare] },
      { words: [m0] },
      { words: [m0, m1] },
      { words: [m0], minister },
      { words: [m1], from: '2024-02-10', to: '2024-11-20' },
      { words: [m0], notWords: [m1] },
      { phrases: [phrase] },
      { phrases: [[s0, s1]] },
      { prefixes: [m0.slice(0, 4)] },
    ];
    const handler = countingHandler(() => {}, own);
    // A budget of one bucket or candidate a page: pages end between months, on `yyyy-mm-00` cursors.
    const short = shortBudgetHandler(own);
    for (const want of cases) {
      const answer = expected(all, want);
      for (const [name, api, limit] of [
        ['pages of 3', handler, 3],
        ['short budget', short, 20],
      ] as const) {
        const query = queryString(want, limit);
        expect((await walk(api, query)).ids, `${name}: ${query}`).toEqual(answer);
      }
    }
    expect(expected(all, { words: [m0] }).length).toBeGreaterThan(10);

    // An edit under the monthly list moves the release to its new month's bucket.
    const moved = { ...(all[3] as StoredRelease), date: '2025-06-29' };
    await seedReleases(own.doc, own.tableName, [moved], { stopList: monthly });
    await new DynamoSearchIndex(own.doc, own.tableName).sync(moved.id, moved);
    const after = all.map((r) => (r.id === moved.id ? moved : r));
    for (const want of cases.slice(0, 4))
      expect((await walk(handler, queryString(want, 3))).ids, JSON.stringify(want)).toEqual(
        expected(after, want),
      );
  }, 300_000);
});

describe('a posting that has grown large', () => {
  it('takes a new entry in a new small item: the write never reads or rewrites what is there', async () => {
    const own = await freshServices({ stream: false });
    const list = stopListOf(['of', 'the'], { span: 10, commonPairs: [] });
    const before = [
      release('quay-a', '2021-03-03', 'Harbour works', 'Work on the harbour of the city.'),
      release('quay-b', '2022-04-04', 'Roads', 'The harbour road and the rail of the port.'),
    ];
    await seedIndexed(own, before, list);
    // A bucket of the older layout filled close to an item's 400 KB (entries of releases that do
    // not exist, skipped by readers): under string-set ADDs, every new entry cost its whole size.
    const filler = Array.from(
      { length: 9000 },
      (_, i) => `2020-01-01#f${String(i).padStart(5, '0')}#abcdefgh`,
    );
    await own.doc.send(
      new PutCommand({
        TableName: own.tableName,
        Item: { pk: 'W#harbour', sk: '2020', ids: new Set(filler) },
      }),
    );
    const writes: Array<{ pk: string; bytes: number }> = [];
    own.doc.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as {
          RequestItems?: Record<string, Array<{ PutRequest?: { Item: Record<string, unknown> } }>>;
        };
        for (const requests of Object.values(input.RequestItems ?? {}))
          for (const request of Array.isArray(requests) ? requests : []) {
            const item = request.PutRequest?.Item;
            if (item && String(item.pk).startsWith('W#'))
              writes.push({ pk: String(item.pk), bytes: Buffer.byteLength(JSON.stringify(item)) });
          }
        return next(args);
      },
      { step: 'initialize', name: 'recordPostingWrites' },
    );

    const added = release('harbour-quay-report', '2024-06-06', 'Quay', 'The harbour of the bay.');
    await seedReleases(own.doc, own.tableName, [stored(added, `${added.id}.md`)], { stopList: list });
    await new DynamoSearchIndex(own.doc, own.tableName).sync(added.id, added);

    const harbour = writes.filter((w) => w.pk === 'W#harbour');
    expect(harbour).toHaveLength(1);
    // One small item, billed at one write unit (1 KB), whatever the posting held before.
    expect(harbour[0]?.bytes).toBeLessThan(1024);
    expect((await entriesOf(own, 'harbour', '2020')).length).toBe(filler.length + 2 + 1);
    const all = [...before, added];
    const handler = countingHandler(() => {}, own);
    for (const want of [
      { words: ['harbour'] },
      { phrases: [['of', 'the']] },
      { phrases: [['harbour', 'of', 'the']] },
    ]) {
      expect((await walk(handler, queryString(want, 2))).ids, JSON.stringify(want)).toEqual(
        expected(all, want),
      );
    }
  });
});

describe('a stop list re-derived while a projector holds the old one', () => {
  it('syncs a release already re-synced under the new list under that list again, not the cached one', async () => {
    const own = await freshServices({ stream: false });
    const old = stopListOf(['of', 'the']);
    const derived = stopListOf(['of', 'the'], { span: 10, commonPairs: [] });
    await writeItems(own.doc, own.tableName, stopListItems(old));
    const r = release('quay', '2021-03-03', 'Harbour', 'Work on the harbour of the city.');
    // A projector that read the old list, and keeps it for an hour.
    const projector = new DynamoSearchIndex(own.doc, own.tableName, { stopListTtlMillis: 3_600_000 });
    await projector.sync(r.id, r);
    // The list is re-derived, and the release re-synced under it (as reindex does).
    await dynamoStopLists(own.doc, own.tableName).write(derived);
    await new DynamoSearchIndex(own.doc, own.tableName).sync(r.id, r);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // A replay reaches the projector that still caches the old list.
    await projector.sync(r.id, r);
    const get = async (key: { pk: string; sk: string }) =>
      (await own.doc.send(new GetCommand({ TableName: own.tableName, Key: key, ConsistentRead: true }))).Item;
    expect(await get(foldedCopyKey('quay'))).toMatchObject({ stopVersion: derived.version, span: 10 });
    // Under the new list: the pair is posted in the decade bucket, with the current version.
    expect((await entriesOf(own, 'of the', '2020')).some((e) => e.startsWith('2021-03-03#quay#'))).toBe(true);
  });
});

describe('sparse terms read in order', () => {
  it("reads a sparse second term's postings by Query, not item by item with the driver's buckets", async () => {
    const own = await freshServices({ stream: false });
    const yearly = stopListOf([], { span: 1, commonPairs: [] });
    // "kestrel" in one release a year for 20 years, "ferry" in every second of them.
    const all = Array.from({ length: 20 }, (_, i) =>
      release(
        `r${i}`,
        `${2001 + i}-06-0${1 + (i % 9)}`,
        `Report ${i}`,
        i % 2 === 0 ? `The kestrel and the ferry, year ${i}.` : `The kestrel alone, year ${i}.`,
      ),
    );
    await seedIndexed(own, all, yearly);
    const keys: string[] = [];
    const handler = countingHandler((key) => keys.push(key.pk), own);
    for (const limit of [2, 20]) {
      const want = { words: ['kestrel', 'ferry'] };
      expect((await walk(handler, queryString(want, limit))).ids, `limit ${limit}`).toEqual(
        expected(all, want),
      );
    }
    // The driver is "ferry" (10 entries); "kestrel" (20 entries, 640 bytes) is read in order.
    expect(keys.filter((pk) => pk === 'W#kestrel')).toEqual([]);
  });
});
