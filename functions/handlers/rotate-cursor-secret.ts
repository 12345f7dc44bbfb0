/**
 * Lambda entry point that Secrets Manager calls to rotate the cursor signing key (monthly).
 * Generic secrets have no hosted rotation, so this is ours; the steps are in
 * query/secret-rotation.ts. Logs the step and version id, never a value.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { logger } from '#platform/aws/logger.js';
import { SecretsManagerRotatableSecret } from '#query/aws/secrets-manager.js';
import { isRotationStep, RotationError, rotate } from '#query/secret-rotation.js';

export interface RotateDeps {
  client: SecretsManagerClient;
}

export function makeHandler(deps: RotateDeps): (event: SecretsManagerRotationEvent) => Promise<void> {
  return async (event) => {
    if (!isRotationStep(event.Step)) throw new RotationError(`unknown rotation step ${String(event.Step)}`);
    logger.info('Rotation step', { step: event.Step, versionId: event.ClientRequestToken });
    await rotate(
      new SecretsManagerRotatableSecret(deps.client, event.SecretId),
      event.Step,
      event.ClientRequestToken,
    );
  };
}

export const handler = makeHandler({ client: new SecretsManagerClient({}) });
