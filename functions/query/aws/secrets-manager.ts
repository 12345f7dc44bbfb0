/**
 * Adapter: AWS Secrets Manager. Reads the cursor keys (AWSCURRENT and AWSPREVIOUS) for the query
 * functions, and implements the rotation port for the rotation function.
 */
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { CursorKeys } from '../query-cursor.js';
import type { RotatableSecret } from '../secret-rotation.js';

/** Re-read at most this often, so a warm function learns a rotation within minutes. */
export const CURSOR_KEYS_MAX_AGE_MS = 5 * 60 * 1000;

/**
 * The cursor keys of one secret, read on first use (the cold start) and again after
 * {@link CURSOR_KEYS_MAX_AGE_MS}; the values stay in memory only, never in a log.
 */
export class SecretsManagerCursorKeys {
  private cached?: { keys: CursorKeys; at: number };
  private pending?: Promise<CursorKeys>;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly now: () => number = Date.now,
  ) {}

  get = (): Promise<CursorKeys> => {
    if (this.cached && this.now() - this.cached.at < CURSOR_KEYS_MAX_AGE_MS)
      return Promise.resolve(this.cached.keys);
    this.pending ??= this.read().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  };

  private async read(): Promise<CursorKeys> {
    const [current, previous] = await Promise.all([this.value('AWSCURRENT'), this.value('AWSPREVIOUS')]);
    if (current === undefined) throw new Error(`Secret ${this.secretId} has no AWSCURRENT value`);
    const keys: CursorKeys = previous === undefined ? { current } : { current, previous };
    this.cached = { keys, at: this.now() };
    return keys;
  }

  private async value(stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<string | undefined> {
    try {
      const output = await this.client.send(
        new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: stage }),
      );
      return output.SecretString;
    } catch (error) {
      // Before the first rotation there is no AWSPREVIOUS.
      if (stage === 'AWSPREVIOUS' && error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }
}

export class SecretsManagerRotatableSecret implements RotatableSecret {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
  ) {}

  async describe(): ReturnType<RotatableSecret['describe']> {
    const output = await this.client.send(new DescribeSecretCommand({ SecretId: this.secretId }));
    return { rotationEnabled: output.RotationEnabled === true, versions: output.VersionIdsToStages ?? {} };
  }

  async putPending(versionId: string, value: string): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: this.secretId,
        ClientRequestToken: versionId,
        SecretString: value,
        VersionStages: ['AWSPENDING'],
      }),
    );
  }

  async moveCurrent(to: string, from: string): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: this.secretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: to,
        RemoveFromVersionId: from,
      }),
    );
  }

  async randomValue(): Promise<string> {
    const output = await this.client.send(
      new GetRandomPasswordCommand({ PasswordLength: 64, ExcludePunctuation: true }),
    );
    if (!output.RandomPassword) throw new Error('GetRandomPassword returned no password');
    return output.RandomPassword;
  }
}

/** Cursor keys as handlers take them: fixed (tests, local stack) or read from the store. */
export type CursorSecret = string | CursorKeys | (() => Promise<CursorKeys>);

/** The keys to sign and verify with for one request. */
export async function resolveCursorSecret(secret: CursorSecret): Promise<string | CursorKeys> {
  return typeof secret === 'function' ? secret() : secret;
}
