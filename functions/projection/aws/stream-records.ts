/**
 * Adapter: DynamoDB Stream records (as Lambda delivers them) -> release image changes of the
 * projector use case. Records of other items are not release changes and are skipped (the
 * event source mapping's filter already leaves most of them out in the cloud).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { ReleaseImageChange } from '#table/release-change.js';
import { RELEASE_SORT_KEY, type ReleaseItem } from '#table/table-layout.js';

type Image = Record<string, AttributeValue>;

/** RELEASE_CHANGE_FILTER as a predicate, for the local stack's stand-in for the mapping. */
export function isReleaseChangeRecord(record: DynamoDBRecord): boolean {
  const keys = record.dynamodb?.Keys;
  return keys?.pk?.S?.startsWith('R#') === true && keys.sk?.S === RELEASE_SORT_KEY;
}

export function toReleaseChange(record: DynamoDBRecord): ReleaseImageChange | undefined {
  const data = record.dynamodb;
  const pk = data?.Keys?.pk?.S;
  if (!data || !pk?.startsWith('R#') || data.Keys?.sk?.S !== RELEASE_SORT_KEY) return undefined;
  const image = (value: unknown) => (value ? (unmarshall(value as Image) as ReleaseItem) : undefined);
  const seconds = data.ApproximateCreationDateTime ?? Date.now() / 1000;
  return {
    id: pk.slice(2),
    before: image(data.OldImage),
    after: record.eventName === 'REMOVE' ? undefined : image(data.NewImage),
    sequenceNumber: data.SequenceNumber ?? '',
    at: new Date(seconds * 1000).toISOString(),
  };
}
