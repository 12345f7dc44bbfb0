/**
 * Adapter: one full scan of the table for reindex, reduced to what reconciliation compares:
 * source-key states, release items without their bodies, list items, body chunk sets and entity
 * figures. A Scan costs the same read units whatever it returns, so it reads everything once.
 */
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { EntityKind } from '#release/release.js';
import {
  type EntityItem,
  type EntityMonthItem,
  RELEASE_SORT_KEY,
  type ReleaseItem,
  type SourceItem,
  type StoredListItem,
} from '#table/table-layout.js';
import type { TableState, TableStateReader } from '../reindex.js';

/**
 * What reconciliation reads of each item: bodies, chunk data, extra and stop-word bits are all a
 * scan would carry that it does not need. `#t`..`#s`: the short names of list items (ListItem).
 */
export const SCAN_PROJECTION =
  '#pk, #sk, #key, #seq, etag, releaseId, problem, deleted, #rev, updatedAt, id, title, #date, #url, ministers, portfolios, summary, sourceKey, sourceTime, bodyHash, bodyChunks, createdAt, #name, #count, latestDate, ver, settledVer, #t, #u, #up, #m, #p, #s, #d, #overflow, #months';
export const SCAN_NAMES: Record<string, string> = {
  '#t': 't',
  '#u': 'u',
  '#up': 'up',
  '#m': 'm',
  '#p': 'p',
  '#s': 's',
  '#pk': 'pk',
  '#sk': 'sk',
  '#key': 'key',
  '#seq': 'seq',
  '#rev': 'rev',
  '#date': 'date',
  '#url': 'url',
  '#name': 'name',
  '#count': 'count',
  '#d': 'd',
  '#overflow': 'overflow',
  '#months': 'months',
};

export class DynamoTableState implements TableStateReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(): Promise<TableState> {
    const state: TableState = {
      sources: [],
      releases: [],
      lists: [],
      chunks: new Map(),
      entities: [],
      entityMonths: [],
      facetYears: [],
    };
    const pages = paginateScan(
      { client: this.doc },
      {
        TableName: this.tableName,
        ProjectionExpression: SCAN_PROJECTION,
        ExpressionAttributeNames: SCAN_NAMES,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const pk = String(item.pk);
        const sk = String(item.sk);
        if (pk.startsWith('K#')) state.sources.push(item as SourceItem);
        else if (pk.startsWith('L#')) state.lists.push(item as StoredListItem);
        else if (pk.startsWith('R#') && sk === RELEASE_SORT_KEY) state.releases.push(item as ReleaseItem);
        else if (pk.startsWith('R#') && sk.startsWith('B#')) {
          const bodyId = sk.split('#')[1] ?? '';
          const id = `${pk.slice(2)}#${bodyId}`;
          const created = Number(item.createdAt ?? 0);
          const known = state.chunks.get(id);
          if (!known || created > known.createdAt)
            state.chunks.set(id, { id: pk.slice(2), bodyId, createdAt: created });
        } else if (pk.startsWith('EM#')) state.entityMonths.push(item as EntityMonthItem);
        else if (pk.startsWith('EY#')) state.facetYears.push(item as EntityMonthItem);
        else if (pk.startsWith('E#'))
          state.entities.push({ ...(item as EntityItem), kind: pk.slice(2) as EntityKind });
      }
    }
    return state;
  }
}
