/** The seeds of a first start: uploaded from `seeds/` when the bucket is still empty. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isReleaseFileKey } from '#release/release-files.js';

export async function bucketIsEmpty(s3: S3Client, bucket: string): Promise<boolean> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
  return (listed.KeyCount ?? 0) === 0;
}

export async function uploadSeeds(s3: S3Client, bucket: string, seedsDir: string): Promise<number> {
  if (!existsSync(seedsDir)) return 0;
  const files = readdirSync(seedsDir).filter((name) => isReleaseFileKey(name));
  for (const name of files) {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: basename(name), Body: readFileSync(join(seedsDir, name)) }),
    );
  }
  return files.length;
}
