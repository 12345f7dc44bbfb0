/**
 * Turns s3rver's 'event' records into the records real S3 sends to Lambda, so the ingest handler
 * sees locally exactly what it sees in the cloud: the key URL-encoded as S3 encodes it (spaces as
 * `+`), a `sequencer` that orders events for the same key, an `eTag` and a `size`. s3rver sends raw
 * keys, a millisecond-clock sequencer that repeats within a millisecond, and no event at all for a
 * multi-object delete (the periodic reconcile covers that).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { S3Event, S3EventRecord, SQSEvent } from 'aws-lambda';
import { isReleaseFileKey } from '#release/release-files.js';
import type { S3rverEvent } from './s3-server.js';

/** Encodes an object key the way S3 does in event notifications: form encoding, space as `+`. */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+');
}

/** The inverse, as every S3 event consumer must apply it (`+` first, then percent escapes). */
export function decodeS3EventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** Fixed width, so sequencers compare correctly as strings as well as after zero padding. */
const SEQUENCER_HEX_DIGITS = 20;

/**
 * Hands out strictly increasing hex sequencers: nanoseconds since the epoch (wall clock at start,
 * advanced by the monotonic clock) or the previous value plus one, whichever is larger. A restart
 * continues above the previous run's values as long as the wall clock does not go back.
 */
export class Sequencer {
  private last = 0n;
  private readonly origin: bigint;

  constructor(
    nowMs: () => number = Date.now,
    private readonly hrtime: () => bigint = process.hrtime.bigint,
  ) {
    this.origin = BigInt(Math.trunc(nowMs())) * 1_000_000n - hrtime();
  }

  next(): string {
    const now = this.origin + this.hrtime();
    this.last = now > this.last ? now : this.last + 1n;
    return this.last.toString(16).toUpperCase().padStart(SEQUENCER_HEX_DIGITS, '0');
  }
}

const EVENT_NAMES: Record<string, string> = {
  'ObjectCreated:Put': 'ObjectCreated:Put',
  'ObjectCreated:Post': 'ObjectCreated:Post',
  'ObjectCreated:Copy': 'ObjectCreated:Copy',
  'ObjectCreated:CompleteMultipartUpload': 'ObjectCreated:CompleteMultipartUpload',
  'ObjectRemoved:Delete': 'ObjectRemoved:Delete',
};

/** One S3 event notification record as S3 sends it to Lambda (the object key already encoded). */
export function s3EventRecord(fields: {
  bucket: string;
  eventName: string;
  eventTime: string;
  object: S3EventRecord['s3']['object'];
  region?: string;
}): S3EventRecord {
  const { bucket } = fields;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: fields.region ?? 'us-east-1',
    eventTime: fields.eventTime,
    eventName: fields.eventName,
    userIdentity: { principalId: 'AWS:LOCAL' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'LOCAL', 'x-amz-id-2': 'LOCAL' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'releases-local',
      bucket: { name: bucket, ownerIdentity: { principalId: 'LOCAL' }, arn: `arn:aws:s3:::${bucket}` },
      object: fields.object,
    },
  };
}

export interface ConvertOptions {
  sequencer: Sequencer;
  region?: string;
}

/**
 * One real S3 event per release-file record (S3 sends one record per event, and the bucket's
 * notification filter drops other keys). Records for other keys or unknown event names are dropped.
 */
export function toS3Events(event: S3rverEvent, options: ConvertOptions): S3Event[] {
  const events: S3Event[] = [];
  for (const raw of event.Records) {
    const eventName = EVENT_NAMES[raw.eventName];
    const key = raw.s3.object.key;
    if (!eventName || !isReleaseFileKey(key)) continue;
    const bucket = raw.s3.bucket.name;
    const created = eventName.startsWith('ObjectCreated:');
    const object: S3EventRecord['s3']['object'] = {
      key: encodeS3EventKey(key),
      sequencer: options.sequencer.next(),
    } as S3EventRecord['s3']['object'];
    // Real S3 sends size and eTag for creations only; s3rver omits the eTag of copies.
    if (created) {
      object.size = Number(raw.s3.object.size ?? 0);
      if (raw.s3.object.eTag) object.eTag = raw.s3.object.eTag.replace(/"/g, '');
    }
    const record = s3EventRecord({
      bucket,
      eventName,
      eventTime: raw.eventTime,
      object,
      region: options.region,
    });
    events.push({ Records: [record] });
  }
  return events;
}

/** An S3 notification as the ingest queue delivers it: one SQS message. */
export function sqsEventOf(event: S3Event): SQSEvent {
  const body = JSON.stringify(event);
  return {
    Records: [
      {
        messageId: randomBytes(16).toString('hex'),
        receiptHandle: 'local',
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:releases-ingest',
        awsRegion: 'local',
      },
    ],
  };
}
