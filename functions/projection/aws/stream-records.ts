/**
 * Adapter: DynamoDB Stream records (as Lambda delivers them) -> the projector's records: changes
 * of release items, and repair requests (a projector state item written with the repair
 * attribute). Records of other items are skipped (the event source mapping's filters already
 * leave them out in the cloud).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import {
  PROJECTED_SORT_KEY,
  RELEASE_SORT_KEY,
  REPAIR_ATTRIBUTE,
  type ReleaseItem,
  type TableKey,
} from '#table/table-layout.js';
import type { ProjectorRecord } from '../project-release-changes.js';

type Image = Record<string, AttributeValue>;

export function toProjectorRecord(record: DynamoDBRecord): ProjectorRecord | undefined {
  const data = record.dynamodb;
  const pk = data?.Keys?.pk?.S;
  const sk = data?.Keys?.sk?.S;
  if (!data || !pk?.startsWith('R#')) return undefined;
  const seconds = data.ApproximateCreationDateTime ?? Date.now() / 1000;
  const common = {
    id: pk.slice(2),
    sequenceNumber: data.SequenceNumber ?? '',
    at: new Date(seconds * 1000).toISOString(),
  };
  if (sk === PROJECTED_SORT_KEY) {
    const repair = record.eventName === 'REMOVE' ? undefined : data.NewImage?.[REPAIR_ATTRIBUTE]?.S;
    if (repair === undefined) return undefined;
    const removeKeys = repairHints(repair);
    return { ...common, kind: 'repair', ...(removeKeys.length > 0 ? { removeKeys } : {}) };
  }
  if (sk !== RELEASE_SORT_KEY) return undefined;
  const image = (value: unknown) => (value ? (unmarshall(value as Image) as ReleaseItem) : undefined);
  const after = record.eventName === 'REMOVE' ? undefined : image(data.NewImage);
  const before = image(data.OldImage);
  return { ...common, kind: 'change', ...(after ? { after } : {}), ...(before ? { before } : {}) };
}

/** The list keys a repair request names (a JSON array of `{ pk, sk }`); anything else names none. */
function repairHints(value: string): TableKey[] {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (key): key is TableKey =>
        typeof key === 'object' &&
        key !== null &&
        typeof (key as TableKey).pk === 'string' &&
        (key as TableKey).pk.startsWith('L#') &&
        typeof (key as TableKey).sk === 'string',
    );
  } catch {
    return [];
  }
}
