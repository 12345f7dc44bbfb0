/**
 * The cursor key in Secrets Manager through the real functions (Secrets Manager in memory,
 * tests/support/secrets-manager-memory.ts): the rotation function's four steps, and the API
 * reading AWSCURRENT and AWSPREVIOUS, so that a reader's cursor from before a rotation still
 * works after it. Their Secrets Manager calls go through the IAM check like every other call.
 */
import { randomUUID } from 'node:crypto';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { CURSOR_KEYS_MAX_AGE_MS, SecretsManagerCursorKeys } from '#query/aws/secrets-manager.js';
import { ROTATION_STEPS } from '#query/secret-rotation.js';
import { asFunction } from '../../support/aws-calls.js';
import { seedReleases, storedCorpus } from '../../support/corpus-seed.js';
import { memorySecret } from '../../support/secrets-manager-memory.js';
import { freshServices } from '../../support/services.js';
import { asJson, httpEvent } from './query-events.js';

process.env.TABLE_NAME ??= 'not-used-by-these-tests';
process.env.CURSOR_SECRET ??= 'not-used-by-these-tests';
const makeApi = asFunction('api', (await import('#handlers/api.js')).makeHandler);
const makeRotation = asFunction(
  'rotate-cursor-secret',
  (await import('#handlers/rotate-cursor-secret.js')).makeHandler,
);

describe('the cursor key in Secrets Manager', () => {
  it('is rotated by the rotation function, and a cursor signed before a rotation still works after it', async () => {
    const services = await freshServices({ stream: false });
    await seedReleases(
      services.doc,
      services.tableName,
      storedCorpus({ seed: 5, count: 12, endDate: '2025-06-30' }),
    );
    const secret = memorySecret({ value: 'the-first-key' });
    let now = Date.now();
    const keys = new SecretsManagerCursorKeys(secret.client, secret.arn, () => now);
    const api = makeApi({ ...services, textSearch: true, cursorSecret: keys.get });
    const page = async (query: string) => {
      const result = asJson(await api(httpEvent(`/releases?limit=5${query}`)));
      return { status: result.status, nextCursor: (result.json as { nextCursor?: string }).nextCursor };
    };
    const first = await page('');
    expect(first.status).toBe(200);
    expect(first.nextCursor).toEqual(expect.any(String));

    const [original] = Object.keys(secret.versions());
    const token = randomUUID();
    const rotation = makeRotation({ client: secret.client });
    const step = (Step: string) =>
      rotation({ Step, SecretId: secret.arn, ClientRequestToken: token } as SecretsManagerRotationEvent);
    for (const name of ROTATION_STEPS) await step(name);
    const rotated = { [original as string]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT', 'AWSPENDING'] };
    expect(secret.versions()).toEqual(rotated);
    // Secrets Manager may call a step twice.
    await step('createSecret');
    await step('finishSecret');
    expect(secret.versions()).toEqual(rotated);

    // Once the API has re-read the keys, the old cursor is good (AWSPREVIOUS) ...
    now += CURSOR_KEYS_MAX_AGE_MS + 1;
    const second = await page(`&cursor=${encodeURIComponent(first.nextCursor as string)}`);
    expect(second.status).toBe(200);
    // ... and the new one is signed with the new key, which the old key alone does not verify.
    const oldKeyOnly = makeApi({ ...services, textSearch: true, cursorSecret: 'the-first-key' });
    const cursor = encodeURIComponent(second.nextCursor as string);
    expect(asJson(await oldKeyOnly(httpEvent(`/releases?limit=5&cursor=${cursor}`))).status).toBe(400);
  });
});
