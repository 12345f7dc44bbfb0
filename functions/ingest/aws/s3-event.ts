/**
 * Adapter: S3 event notification records -> object events of the ingestion use case.
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { isReleaseFileKey } from '#release/release-files.js';
import type { ObjectEvent } from '../apply-object-event.js';

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

/**
 * The S3 notification an SQS message carries, or undefined for S3's `s3:TestEvent` (sent when a
 * queue is subscribed) and anything else without records. A body that is not JSON is an error:
 * the message is retried, then dead-lettered where it can be looked at.
 */
export function s3EventOfMessage(body: string): S3Event | undefined {
  const parsed = JSON.parse(body) as Partial<S3Event> & { Event?: string };
  return Array.isArray(parsed.Records) && parsed.Records.length > 0 ? (parsed as S3Event) : undefined;
}
