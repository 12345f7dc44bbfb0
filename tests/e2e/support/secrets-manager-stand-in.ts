/**
 * A stand-in for AWS Secrets Manager on loopback, for running the deployed bundles: answers
 * GetSecretValue (the AWS JSON protocol the SDK speaks) with a fixed AWSCURRENT value, and
 * ResourceNotFoundException for any other stage, as a secret that has not rotated yet does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsManagerStandIn {
  endpoint: string;
  /** How many GetSecretValue requests arrived. */
  readonly requests: number;
  stop(): Promise<void>;
}

export async function startSecretsManagerStandIn(
  secretArn: string,
  value: string,
): Promise<SecretsManagerStandIn> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const input = JSON.parse(body || '{}') as { SecretId?: string; VersionStage?: string };
      const reply = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(payload));
      };
      if (target !== 'secretsmanager.GetSecretValue') {
        reply(400, { __type: 'UnsupportedOperation', message: `not supported here: ${target}` });
        return;
      }
      requests++;
      if (input.SecretId !== secretArn || (input.VersionStage ?? 'AWSCURRENT') !== 'AWSCURRENT') {
        reply(400, {
          __type: 'ResourceNotFoundException',
          message: 'Secrets Manager can’t find the specified secret value',
        });
        return;
      }
      reply(200, { ARN: secretArn, Name: 'cursor', SecretString: value, VersionStages: ['AWSCURRENT'] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
