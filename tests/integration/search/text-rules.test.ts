/**
 * The text rules through the word index, against DynamoDB Local: Chinese found by its segmented
 * words, a soft hyphen that does not split a word, `ß` as `ss`, words longer than the indexed
 * length found by a prefix or whole, one-character prefixes of Chinese. The table holds nothing but
 * the index's items (no list or release items), so every answer comes from the index, not the
 * scan. Releases are written by a bulk load and by `DynamoIndexer.sync` (the indexer's path),
 * and a release indexed by the folding rules before is re-derived by its next sync.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiHandler } from '#handlers/api.js';
import { releasePageSchema } from '#query/query-schemas.js';
import type { Release } from '#release/release.js';
import { DynamoIndexer as DynamoSearchIndex } from '#search/aws/dynamodb-indexer.js';
import { searchItemsForBulk } from '#search/bulk-index.js';
import { fragmentEntries } from '#search/fragments.js';
import { foldedCopyKey, postingKey, vocabularyKey } from '#search/keys.js';
import { stopListOf } from '#search/stop-list.js';
import { indexTerm } from '#search/terms.js';
import { writeItems } from '../../support/corpus-seed.js';
import { freshServices, type TestServices } from '../../support/services.js';
import { asJson, httpEvent } from '../query/query-events.js';

process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const { makeHandler } = await import('#handlers/api.js');

/** A word of 70 characters, and another with the same first 64. */
const LONG = `pneumono${'ultramicroscopicsilicovolcano'.repeat(2)}coniosis`.slice(0, 70);
const TWIN = `${LONG.slice(0, 64)}zzzzzz`;

function release(id: string, date: string, title: string, body: string): Release {
  return {
    id,
    title,
    date,
    url: null,
    ministers: [{ slug: 'hon-a', name: 'Hon A' }],
    portfolios: [{ slug: 'finance', name: 'Finance' }],
    summary: body.slice(0, 50),
    body,
    extra: {},
  };
}

const BULK = [
  release('zh-policy', '2024-03-01', '国务院新闻发布会', '据报道，中国政府宣布新的经济政策。'),
  release('zh-republic', '2024-02-01', '人民代表大会', '中华人民共和国第十四届全国人民代表大会。'),
  release('agreement', '2024-01-15', 'A new agreement', 'An inter\u00ADnational agreement on trade.'),
  release('long-word', '2023-06-01', 'Lung disease report', `The ${LONG} report.`),
  release('filler', '2023-01-01', 'Nothing here', 'Nothing of interest to anyone.'),
];
const SYNCED = [
  release('street', '2024-04-01', 'Straße gesperrt', 'Die Hauptstraße und die STRASSE am Markt.'),
  release('twin-word', '2023-07-01', 'Another report', `A ${TWIN} finding.`),
];

let services: TestServices;
let api: ApiHandler;

async function ids(q: string, handler: ApiHandler = api): Promise<string[]> {
  const result = asJson(await handler(httpEvent(`/releases?${new URLSearchParams({ q })}`)));
  expect(result.status, `${q}: ${JSON.stringify(result.json)}`).toBe(200);
  return releasePageSchema.parse(result.json).items.map((item) => item.id);
}

beforeAll(async () => {
  services = await freshServices({ stream: false });
  await writeItems(services.doc, services.tableName, searchItemsForBulk(BULK, { stopList: stopListOf([]) }));
  const index = new DynamoSearchIndex(services.doc, services.tableName);
  for (const synced of SYNCED) await index.sync(synced.id, synced);
  api = makeHandler({
    doc: services.doc,
    tableName: services.tableName,
    textSearch: true,
    cursorSecret: 'text-rules-test',
  });
}, 120_000);

describe('q by the text rules, from the word index', () => {
  it('finds Chinese by its words: 中国 in 中国政府宣布, not in 中华人民共和国', async () => {
    expect(await ids('中国')).toEqual(['zh-policy']);
    expect(await ids('中国政府')).toEqual(['zh-policy']);
    expect(await ids('"政府 中国"')).toEqual([]);
    expect(await ids('人民')).toEqual(['zh-republic']);
    // One character is a prefix of Chinese.
    expect(await ids('中*')).toEqual(['zh-policy', 'zh-republic']);
    expect(await ids('中* -中国')).toEqual(['zh-republic']);
  });

  it('finds international in inter\u00ADnational (a soft hyphen joins), either way round', async () => {
    expect(await ids('international')).toEqual(['agreement']);
    expect(await ids('inter\u00ADnational')).toEqual(['agreement']);
    expect(await ids('inter')).toEqual([]);
    expect(await ids('internat*')).toEqual(['agreement']);
  });

  it('finds Straße by strasse, STRASSE and straße', async () => {
    for (const q of ['strasse', 'STRASSE', 'straße', 'Straße', 'STRAẞE'])
      expect(await ids(q), q).toEqual(['street']);
    expect(await ids('hauptstrasse')).toEqual(['street']);
    expect(await ids('stras*')).toEqual(['street']);
  });

  it('finds a word of 70 characters by a prefix, short or past 64, and whole', async () => {
    expect(await ids(`${LONG.slice(0, 5)}*`)).toEqual(['twin-word', 'long-word']);
    expect(await ids(`${LONG.slice(0, 64)}*`)).toEqual(['twin-word', 'long-word']);
    expect(await ids(`${LONG.slice(0, 66)}*`)).toEqual(['long-word']);
    expect(await ids(`${TWIN.slice(0, 66)}*`)).toEqual(['twin-word']);
    expect(await ids(LONG)).toEqual(['long-word']);
    expect(await ids(TWIN)).toEqual(['twin-word']);
    expect(await ids(`${LONG.slice(0, 5)}* -${TWIN}`)).toEqual(['long-word']);
    // Posted under the shared truncated term; the folded copies keep each word whole.
    const { Items: fragments = [] } = await services.doc.send(
      new QueryCommand({
        TableName: services.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :bucket)',
        ExpressionAttributeValues: { ':pk': postingKey(indexTerm(LONG), '2023').pk, ':bucket': '2023#' },
      }),
    );
    expect(
      fragments
        .flatMap(fragmentEntries)
        .map((e) => e.split('#')[1])
        .sort(),
    ).toEqual(['long-word', 'twin-word']);
  });
});

describe('a release indexed by earlier folding rules', () => {
  it('is re-derived by its next sync: new words posted and listed, old entries skipped', async () => {
    const own = await freshServices({ stream: false });
    const news = release('zh-news', '2024-03-01', '新闻', '中国：政府宣布新的经济政策。');
    await writeItems(own.doc, own.tableName, searchItemsForBulk([news], { stopList: stopListOf([]) }));
    // Make the index what the rules before wrote: a Chinese run was one word (`中国`, then
    // `政府宣布新的经济政策`), a word of fewer than 3 characters had no vocabulary item, the folded
    // copy had no `folding`, and the entries another text version.
    const scan = await own.doc.send(new ScanCommand({ TableName: own.tableName }));
    for (const item of scan.Items ?? []) {
      const key = { pk: item.pk, sk: item.sk };
      if (String(item.pk).startsWith('V#')) {
        await own.doc.send(new DeleteCommand({ TableName: own.tableName, Key: key }));
      } else if (String(item.pk).startsWith('W#')) {
        await own.doc.send(new DeleteCommand({ TableName: own.tableName, Key: key }));
      }
    }
    const old = (word: string) =>
      own.doc.send(
        new UpdateCommand({
          TableName: own.tableName,
          Key: postingKey(word, '2024'),
          UpdateExpression: 'ADD #ids :entry',
          ExpressionAttributeNames: { '#ids': 'ids' },
          ExpressionAttributeValues: { ':entry': new Set([`03-01#${news.id}#oldrules`]) },
        }),
      );
    for (const word of ['新闻', '中国', '政府宣布新的经济政策']) await old(word);
    await own.doc.send(
      new PutCommand({
        TableName: own.tableName,
        Item: { ...vocabularyKey('政府宣布新的经济政策'), pk: 'V#政府宣' },
      }),
    );
    const copy = await own.doc.send(
      new GetCommand({ TableName: own.tableName, Key: foldedCopyKey(news.id) }),
    );
    const { folding: _, ...earlier } = copy.Item ?? {};
    await own.doc.send(
      new PutCommand({
        TableName: own.tableName,
        Item: { ...earlier, version: 'oldrules', title: '新闻', body: '中国 政府宣布新的经济政策' },
      }),
    );
    await own.doc.send(
      new UpdateCommand({
        TableName: own.tableName,
        Key: { pk: `R#${news.id}`, sk: 'S' },
        UpdateExpression: 'SET #v = :v',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: { ':v': 'oldrules' },
      }),
    );
    const handler = makeHandler({
      doc: own.doc,
      tableName: own.tableName,
      textSearch: true,
      cursorSecret: 's',
    });
    expect(await ids('中国', handler)).toEqual([news.id]);
    expect(await ids('政府', handler)).toEqual([]);
    expect(await ids('中*', handler)).toEqual([]);

    await new DynamoSearchIndex(own.doc, own.tableName).sync(news.id, news);
    expect(await ids('政府', handler)).toEqual([news.id]);
    expect(await ids('中国', handler)).toEqual([news.id]);
    // `中国` was a word of the release before too: its vocabulary item is put all the same.
    expect(await ids('中*', handler)).toEqual([news.id]);
    const after = await own.doc.send(
      new GetCommand({ TableName: own.tableName, Key: foldedCopyKey(news.id) }),
    );
    expect(after.Item?.folding).toBeDefined();
    expect(after.Item?.body).toBe('中国 政府 宣布 新的 经济 政策');
  }, 120_000);
});
