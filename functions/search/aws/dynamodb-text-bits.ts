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

/** The bits of a release; `refresh()` makes the next call read the stop list again. */
export type StopWordBits = ((release: Release) => Promise<TextBits | undefined>) & { refresh(): void };

/**
 * The projector refreshes at the start of each invocation with a repair request: a stop list
 * written before a repair request was recorded is then the one its release is projected under.
 */
export function stopWordBits(doc: DynamoDBDocumentClient, tableName: string): StopWordBits {
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
  const bits = async (release: Release) => {
    const stop = await stopList();
    return stop ? textBitsOf(stop, release) : undefined;
  };
  return Object.assign(bits, {
    refresh() {
      cache = undefined;
    },
  });
}
