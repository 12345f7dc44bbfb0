/**
 * The S3 event notification records real S3 sends to Lambda for a versioned bucket, for the
 * three operations that matter to ingestion:
 * - a PUT: `ObjectCreated:Put`, with the new version's `versionId`, `size` and `eTag`;
 * - a DELETE without a version id: S3 keeps every version and adds a delete marker, and sends
 *   `ObjectRemoved:DeleteMarkerCreated` whose `versionId` is the marker's own version id;
 * - a DELETE of a specific version (which may be the current one, or a delete marker): the version
 *   is gone for good, and S3 sends `ObjectRemoved:Delete` with that `versionId`.
 * Removal records carry no size or eTag. Every record has a `sequencer` (hex, increasing for one
 * key) and the key encoded as S3 encodes it; both come from the local stack's own S3 event
 * helpers, so these records and the local stack's agree.
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { encodeS3EventKey, Sequencer, s3EventRecord } from '../../scripts/local/s3-events.js';

export const OBJECT_CREATED_PUT = 'ObjectCreated:Put';
export const OBJECT_REMOVED_DELETE = 'ObjectRemoved:Delete';
export const OBJECT_REMOVED_DELETE_MARKER_CREATED = 'ObjectRemoved:DeleteMarkerCreated';

interface RecordBase {
  bucket: string;
  /** The raw object key; the record carries it encoded. */
  key: string;
  versionId: string;
  /** Given, or the next value of `sequencer` below. */
  sequencer?: string | Sequencer;
  /** ISO time; now when absent. */
  eventTime?: string;
  region?: string;
}

const defaultSequencer = new Sequencer();

function sequencerValue(sequencer: string | Sequencer | undefined): string {
  if (typeof sequencer === 'string') return sequencer;
  return (sequencer ?? defaultSequencer).next();
}

function record(
  eventName: string,
  fields: RecordBase,
  extra: { size?: number; eTag?: string },
): S3EventRecord {
  const object = {
    key: encodeS3EventKey(fields.key),
    versionId: fields.versionId,
    sequencer: sequencerValue(fields.sequencer),
    ...extra,
  } as S3EventRecord['s3']['object'];
  return s3EventRecord({
    bucket: fields.bucket,
    eventName,
    eventTime: fields.eventTime ?? new Date().toISOString(),
    object,
    region: fields.region,
  });
}

/** `ObjectCreated:Put` for a new version. `eTag` may be given with or without S3's quotes. */
export function objectCreatedRecord(fields: RecordBase & { size: number; eTag: string }): S3EventRecord {
  return record(OBJECT_CREATED_PUT, fields, { size: fields.size, eTag: fields.eTag.replace(/"/g, '') });
}

/** `ObjectRemoved:DeleteMarkerCreated` for a DELETE without a version id; `versionId` is the marker's. */
export function deleteMarkerCreatedRecord(fields: RecordBase): S3EventRecord {
  return record(OBJECT_REMOVED_DELETE_MARKER_CREATED, fields, {});
}

/** `ObjectRemoved:Delete` for a DELETE of one version (an object version or a delete marker). */
export function versionDeletedRecord(fields: RecordBase): S3EventRecord {
  return record(OBJECT_REMOVED_DELETE, fields, {});
}

/** S3 delivers one record per event to Lambda. */
export function s3Event(...records: S3EventRecord[]): S3Event {
  return { Records: records };
}
