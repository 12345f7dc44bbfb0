import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { freshServices } from '../support/services.js';

describe('s3rver listings (local stack and tests)', () => {
  it('pages a truncated ListObjectsV2 with continuation tokens (s3rver uses DES, gone from OpenSSL 3)', async () => {
    const { s3, bucket } = await freshServices({ stream: false });
    const keys = ['a.md', 'Te Pāti Māori + 100% ready.md', 'z/b c.md'];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1, ContinuationToken: token }),
      );
      seen.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token);
    expect(seen.sort()).toEqual([...keys].sort());
  });
});
