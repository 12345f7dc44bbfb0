import { describe, expect, it } from 'vitest';
import { type RotatableSecret, RotationError, rotate } from '#query/secret-rotation.js';

/** An in-memory secret with Secrets Manager's staging-label rules (AWSPREVIOUS follows AWSCURRENT). */
class MemorySecret implements RotatableSecret {
  values = new Map<string, string>([['v1', 'key-1']]);
  labels = new Map<string, string[]>([['v1', ['AWSCURRENT']]]);
  rotationEnabled = true;
  private counter = 1;

  async describe() {
    return { rotationEnabled: this.rotationEnabled, versions: Object.fromEntries(this.labels) };
  }
  async putPending(versionId: string, value: string) {
    for (const [id, labels] of this.labels)
      this.labels.set(
        id,
        labels.filter((l) => l !== 'AWSPENDING'),
      );
    this.values.set(versionId, value);
    this.labels.set(versionId, ['AWSPENDING']);
  }
  async moveCurrent(to: string, from: string) {
    for (const [id, labels] of this.labels)
      this.labels.set(
        id,
        labels.filter((l) => l !== 'AWSPREVIOUS'),
      );
    this.labels.set(from, [
      ...(this.labels.get(from) ?? []).filter((l) => l !== 'AWSCURRENT'),
      'AWSPREVIOUS',
    ]);
    this.labels.set(to, [...(this.labels.get(to) ?? []), 'AWSCURRENT']);
  }
  async randomValue() {
    this.counter += 1;
    return `key-${this.counter}`;
  }
  valueAt(label: string): string | undefined {
    for (const [id, labels] of this.labels) if (labels.includes(label)) return this.values.get(id);
    return undefined;
  }
}

async function rotateFully(secret: MemorySecret, token: string) {
  for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
    await rotate(secret, step, token);
  }
}

describe('rotating the cursor key', () => {
  it('makes a new current value and keeps the old one as AWSPREVIOUS', async () => {
    const secret = new MemorySecret();
    await rotateFully(secret, 'v2');
    expect(secret.valueAt('AWSCURRENT')).toBe('key-2');
    expect(secret.valueAt('AWSPREVIOUS')).toBe('key-1');
    await rotateFully(secret, 'v3');
    expect(secret.valueAt('AWSCURRENT')).toBe('key-3');
    expect(secret.valueAt('AWSPREVIOUS')).toBe('key-2');
  });

  it('is idempotent: every step repeated changes nothing more', async () => {
    const secret = new MemorySecret();
    await rotate(secret, 'createSecret', 'v2');
    await rotate(secret, 'createSecret', 'v2');
    expect(secret.values.get('v2')).toBe('key-2');
    await rotateFully(secret, 'v2');
    await rotate(secret, 'finishSecret', 'v2');
    expect(secret.valueAt('AWSCURRENT')).toBe('key-2');
    expect(secret.valueAt('AWSPREVIOUS')).toBe('key-1');
  });

  it('refuses to run when rotation is off, or to finish a version that is not pending', async () => {
    const off = new MemorySecret();
    off.rotationEnabled = false;
    await expect(rotate(off, 'createSecret', 'v2')).rejects.toBeInstanceOf(RotationError);
    const secret = new MemorySecret();
    await expect(rotate(secret, 'finishSecret', 'nope')).rejects.toBeInstanceOf(RotationError);
    expect(secret.valueAt('AWSCURRENT')).toBe('key-1');
  });
});
