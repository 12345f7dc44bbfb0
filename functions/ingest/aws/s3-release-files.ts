/**
 * Adapter: release files in an S3 bucket (use case -> this -> S3). Reads the object's current
 * content, refusing oversized or non-UTF-8 files as problems without loading them whole.
 */
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  NoSuchKey,
  type S3Client,
} from '@aws-sdk/client-s3';
import { decodeReleaseFile, isReleaseFileKey, oversizeProblem } from '#release/release-files.js';
import type { ObjectListing, ObjectRead, ReleaseFileSource } from '../ingest-ports.js';

export class S3ReleaseFiles implements ReleaseFileSource {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async read(key: string): Promise<ObjectRead> {
    let response: GetObjectCommandOutput;
    try {
      response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (
        error instanceof NoSuchKey ||
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
      ) {
        return { status: 'missing' };
      }
      throw error;
    }
    const etag = response.ETag ?? '';
    const lastModified = (response.LastModified ?? new Date()).toISOString();
    const tooLarge = oversizeProblem(response.ContentLength ?? 0);
    if (tooLarge) {
      (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
      return { status: 'unreadable', etag, lastModified, field: tooLarge.field, reason: tooLarge.message };
    }
    const decoded = decodeReleaseFile((await response.Body?.transformToByteArray()) ?? new Uint8Array());
    if (!decoded.ok) {
      return {
        status: 'unreadable',
        etag,
        lastModified,
        field: decoded.problem.field,
        reason: decoded.problem.message,
      };
    }
    return { status: 'found', text: decoded.text, etag, lastModified };
  }

  async *list(): AsyncIterable<ObjectListing> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key || !isReleaseFileKey(object.Key)) continue;
        yield {
          key: object.Key,
          etag: object.ETag ?? '',
          lastModified: (object.LastModified ?? new Date(0)).toISOString(),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
