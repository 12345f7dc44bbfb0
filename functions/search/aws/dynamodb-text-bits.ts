/**
 * Adapter: the projector's stop-word bits (search/text-bits.ts) from the stop list in the
 * table. Read only: before a stop list exists (the index is not built) releases get no bits, and
 * the word index's first sync, not this, writes the default one.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Release } from '#release/release.js';
import { STOP_LIST_KEY, type StopList, stopListFromItem } from '../keys.js';
import { type TextBits, textBitsOf } from '../text-bits.js';

/** How long a read stop list is reused; a release projected meanwhile under an older one gets bits no query uses. */
const STOP_LIST_TTL_MILLIS = 60_000;

export function stopWordBits(
  doc: DynamoDBDocumentClient,
  tableName: string,
): (release: Release) => Promise<TextBits | undefined> {
  let cache: { at: number; value: StopList | undefined } | undefined;
  const stopList = async (): Promise<StopList | undefined> => {
    if (cache && Date.now() - cache.at < STOP_LIST_TTL_MILLIS) return cache.value;
    const { Item } = await doc.send(
      new GetCommand({ TableName: tableName, Key: STOP_LIST_KEY, ConsistentRead: true }),
    );
    const value = Item ? stopListFromItem(Item) : undefined;
    // An absent stop list is not kept: the index's first sync is about to write one.
    if (value) cache = { at: Date.now(), value };
    return value;
  };
  return async (release) => {
    const stop = await stopList();
    return stop ? textBitsOf(stop, release) : undefined;
  };
}
