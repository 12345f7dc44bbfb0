/**
 * Rotation of a generic secret (the cursor signing key) in Secrets Manager's four steps:
 * `createSecret` stores a new random value as AWSPENDING, `setSecret` and `testSecret` have
 * nothing to do (no other system holds the key), `finishSecret` moves AWSCURRENT to it, and
 * Secrets Manager then labels the old value AWSPREVIOUS, which the API still accepts for a day.
 * Every step is idempotent: Secrets Manager may call one twice.
 */

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

export const ROTATION_STEPS: readonly RotationStep[] = [
  'createSecret',
  'setSecret',
  'testSecret',
  'finishSecret',
];

/** What a rotation needs of the secret store (port; the adapter is Secrets Manager). */
export interface RotatableSecret {
  /** Whether rotation is on, and each version's id with its staging labels. */
  describe(): Promise<{ rotationEnabled: boolean; versions: Readonly<Record<string, readonly string[]>> }>;
  /** Stores `value` as version `versionId` labelled AWSPENDING. */
  putPending(versionId: string, value: string): Promise<void>;
  /** Moves AWSCURRENT from version `from` to version `to`. */
  moveCurrent(to: string, from: string): Promise<void>;
  /** A new random value. */
  randomValue(): Promise<string>;
}

export class RotationError extends Error {}

export async function rotate(secret: RotatableSecret, step: RotationStep, token: string): Promise<void> {
  const { rotationEnabled, versions } = await secret.describe();
  if (!rotationEnabled) throw new RotationError('rotation is not enabled on this secret');
  const current = Object.keys(versions).find((id) => versions[id]?.includes('AWSCURRENT'));
  const labels = versions[token];
  if (labels?.includes('AWSCURRENT')) return; // Already finished: a repeated call.
  switch (step) {
    case 'createSecret':
      if (labels?.includes('AWSPENDING')) return;
      if (labels) throw new RotationError(`version ${token} exists but is not AWSPENDING`);
      await secret.putPending(token, await secret.randomValue());
      return;
    case 'setSecret':
    case 'testSecret':
      if (!labels?.includes('AWSPENDING')) throw new RotationError(`version ${token} is not AWSPENDING`);
      return;
    case 'finishSecret':
      if (!labels?.includes('AWSPENDING')) throw new RotationError(`version ${token} is not AWSPENDING`);
      if (!current) throw new RotationError('the secret has no AWSCURRENT version');
      await secret.moveCurrent(token, current);
      return;
  }
}

export function isRotationStep(value: unknown): value is RotationStep {
  return typeof value === 'string' && (ROTATION_STEPS as readonly string[]).includes(value);
}
