/**
 * Adapter: S3 event notification records -> object events of the ingestion use case.
 */
import type { S3EventRecord } from 'aws-lambda';
import type { ObjectEvent } from '#core/apply-object-event.js';
import { isReleaseFileKey } from '#core/release-files.js';

/** Keys in S3 events are URL-encoded with `+` for spaces. */
export function decodeEventKey(key: string): string {
  const spaced = key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** The record as an object event, or undefined for objects that are not release files. */
export function toObjectEvent(record: S3EventRecord): ObjectEvent | undefined {
  const key = decodeEventKey(record.s3.object.key);
  if (!isReleaseFileKey(key)) return undefined;
  const kind = record.eventName.startsWith('ObjectRemoved')
    ? 'removed'
    : record.eventName.startsWith('ObjectCreated')
      ? 'created'
      : undefined;
  if (!kind) return undefined;
  return { key, kind, sequencer: record.s3.object.sequencer, eventTime: record.eventTime };
}
