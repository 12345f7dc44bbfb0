/**
 * S3 versioning on moto's server (tests/support/moto-s3.ts): which version is current after each
 * kind of delete, and the event records that go with each change.
 */
import { GetObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeS3EventKey } from '../../../scripts/local/s3-events.js';
import { type MotoS3, motoSkipReason, startMotoS3 } from '../../support/moto-s3.js';

const skipReason = motoSkipReason();
// Said where a run's output shows it, not only in the skipped suite's title.
if (skipReason) console.warn(`Skipping the S3 versioning tests: ${skipReason}`);

describe.skipIf(skipReason !== undefined)(
  `S3 object versions on moto${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let moto: MotoS3;

    beforeAll(async () => {
      moto = await startMotoS3();
    });

    afterAll(async () => {
      await moto?.stop();
    });

    async function current(key: string): Promise<{ body: string; versionId?: string } | 'NoSuchKey'> {
      try {
        const got = await moto.s3.send(new GetObjectCommand({ Bucket: moto.bucket, Key: key }));
        return { body: (await got.Body?.transformToString()) ?? '', versionId: got.VersionId };
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') return 'NoSuchKey';
        throw error;
      }
    }

    it('keeps v2 current when v1 is deleted by its version id', async () => {
      const key = '2024/07/older version.md';
      const v1 = await moto.versioned.put(key, 'one');
      const v2 = await moto.versioned.put(key, 'two');
      const removed = await moto.versioned.deleteVersion(key, v1.versionId);

      expect(await current(key)).toEqual({ body: 'two', versionId: v2.versionId });
      const [record] = removed.event.Records;
      expect(record?.eventName).toBe('ObjectRemoved:Delete');
      expect(record?.s3.object.versionId).toBe(v1.versionId);
    });

    it('makes v1 current again when the current version v2 is deleted by its version id', async () => {
      const key = '2024/07/newer version.md';
      const v1 = await moto.versioned.put(key, 'one');
      const v2 = await moto.versioned.put(key, 'two');
      await moto.versioned.deleteVersion(key, v2.versionId);

      expect(await current(key)).toEqual({ body: 'one', versionId: v1.versionId });
    });

    it('hides the object behind a delete marker, and brings v2 back when the marker is deleted', async () => {
      const key = '2024/07/marked.md';
      await moto.versioned.put(key, 'one');
      const v2 = await moto.versioned.put(key, 'two');
      const marker = await moto.versioned.delete(key);

      expect(await current(key)).toBe('NoSuchKey');
      const [record] = marker.event.Records;
      expect(record?.eventName).toBe('ObjectRemoved:DeleteMarkerCreated');
      expect(record?.s3.object.versionId).toBe(marker.versionId);
      expect(marker.versionId).not.toBe(v2.versionId);
      const versions = await moto.s3.send(
        new ListObjectVersionsCommand({ Bucket: moto.bucket, Prefix: key }),
      );
      expect(versions.DeleteMarkers?.map((entry) => entry.VersionId)).toEqual([marker.versionId]);
      expect(versions.Versions).toHaveLength(2);

      await moto.versioned.deleteVersion(key, marker.versionId);
      expect(await current(key)).toEqual({ body: 'two', versionId: v2.versionId });
    });

    it('describes a PUT as real S3 does: version id, size, eTag, encoded key, increasing sequencer', async () => {
      const key = '2024/07/a b+c.md';
      const first = await moto.versioned.put(key, 'héllo');
      const second = await moto.versioned.put(key, 'again');
      const [record] = first.event.Records;
      expect(record).toMatchObject({
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: moto.bucket, arn: `arn:aws:s3:::${moto.bucket}` },
          object: { versionId: first.versionId, size: Buffer.byteLength('héllo') },
        },
      });
      expect(record?.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
      expect(decodeS3EventKey(record?.s3.object.key ?? '')).toBe(key);
      expect(record?.s3.object.key).not.toContain(' ');
      const later = second.event.Records[0]?.s3.object.sequencer ?? '';
      expect(later > (record?.s3.object.sequencer ?? '')).toBe(true);
    });
  },
);
