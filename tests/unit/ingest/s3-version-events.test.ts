import { describe, expect, it } from 'vitest';
import { decodeS3EventKey, Sequencer } from '#local/s3-events.js';
import {
  deleteMarkerCreatedRecord,
  objectCreatedRecord,
  s3Event,
  versionDeletedRecord,
} from '../../support/s3-version-events.js';

const base = { bucket: 'releases', key: '2024/07/Te Pāti + co.md', eventTime: '2024-07-02T01:02:03.456Z' };

describe('S3 event records for a versioned bucket', () => {
  it('describes a PUT with the version, size and unquoted eTag', () => {
    const record = objectCreatedRecord({
      ...base,
      versionId: 'v1',
      size: 12,
      eTag: '"abc"',
      sequencer: '0A',
    });
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      eventTime: base.eventTime,
      s3: {
        bucket: { name: 'releases', arn: 'arn:aws:s3:::releases' },
        object: { versionId: 'v1', size: 12, eTag: 'abc', sequencer: '0A' },
      },
    });
    expect(decodeS3EventKey(record.s3.object.key)).toBe(base.key);
  });

  it('describes a DELETE without version id as a delete marker, carrying the marker version', () => {
    const record = deleteMarkerCreatedRecord({ ...base, versionId: 'marker-1', sequencer: '0B' });
    expect(record.eventName).toBe('ObjectRemoved:DeleteMarkerCreated');
    expect(record.s3.object).toEqual({
      key: record.s3.object.key,
      versionId: 'marker-1',
      sequencer: '0B',
    });
  });

  it('describes a DELETE of one version with that version, and no size or eTag', () => {
    const record = versionDeletedRecord({ ...base, versionId: 'v1', sequencer: '0C' });
    expect(record.eventName).toBe('ObjectRemoved:Delete');
    expect(record.s3.object).not.toHaveProperty('size');
    expect(record.s3.object).not.toHaveProperty('eTag');
    expect(record.s3.object.versionId).toBe('v1');
  });

  it('takes increasing sequencers from a shared Sequencer, and wraps one record per event', () => {
    const sequencer = new Sequencer();
    const first = objectCreatedRecord({ ...base, versionId: 'v1', size: 1, eTag: 'e', sequencer });
    const second = versionDeletedRecord({ ...base, versionId: 'v1', sequencer });
    expect(second.s3.object.sequencer > first.s3.object.sequencer).toBe(true);
    expect(s3Event(first)).toEqual({ Records: [first] });
  });
});
