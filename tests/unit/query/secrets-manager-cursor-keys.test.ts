import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { CURSOR_KEYS_MAX_AGE_MS, SecretsManagerCursorKeys } from '#query/aws/secrets-manager.js';

/** No local Secrets Manager exists; this stands in for one, serving values by staging label. */
function fakeClient(stages: Record<string, string>) {
  const calls: string[] = [];
  const client = {
    send: async (command: unknown) => {
      if (!(command instanceof GetSecretValueCommand)) throw new Error('unexpected command');
      const stage = command.input.VersionStage ?? 'AWSCURRENT';
      calls.push(stage);
      const value = stages[stage];
      if (value === undefined) {
        throw new ResourceNotFoundException({ message: 'no such version', $metadata: {} });
      }
      return { SecretString: value };
    },
  } as unknown as SecretsManagerClient;
  return { client, calls };
}

describe('cursor keys from Secrets Manager', () => {
  it('reads AWSCURRENT and AWSPREVIOUS once, then serves them from memory until they are stale', async () => {
    let now = 0;
    const { client, calls } = fakeClient({ AWSCURRENT: 'key-2', AWSPREVIOUS: 'key-1' });
    const keys = new SecretsManagerCursorKeys(client, 'arn:secret', () => now);
    const [a, b] = await Promise.all([keys.get(), keys.get()]);
    expect(a).toEqual({ current: 'key-2', previous: 'key-1' });
    expect(b).toEqual(a);
    expect(calls.sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
    now = CURSOR_KEYS_MAX_AGE_MS - 1;
    await keys.get();
    expect(calls).toHaveLength(2);
    now = CURSOR_KEYS_MAX_AGE_MS + 1;
    await keys.get();
    expect(calls).toHaveLength(4);
  });

  it('has no previous key before the first rotation', async () => {
    const { client } = fakeClient({ AWSCURRENT: 'key-1' });
    expect(await new SecretsManagerCursorKeys(client, 'arn:secret').get()).toEqual({ current: 'key-1' });
  });

  it('fails when the current value cannot be read', async () => {
    const { client } = fakeClient({});
    await expect(new SecretsManagerCursorKeys(client, 'arn:secret').get()).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});
