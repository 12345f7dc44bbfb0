/**
 * Secrets Manager in memory, for the tests of the cursor key: no local Secrets Manager exists, so
 * a real SecretsManagerClient gets a middleware that answers each request from one secret held
 * here, as the service documents it, before anything is sent. The requests still pass the rest of
 * the client's middleware: the functions' calls are recorded for the IAM check, and the secret
 * stands for the stack's cursor secret. What it answers: GetSecretValue
 * (by stage or version; ResourceNotFoundException for a stage no version has), DescribeSecret,
 * PutSecretValue (labels move to the new version), UpdateSecretVersionStage (moving AWSCURRENT
 * labels the version that had it AWSPREVIOUS) and GetRandomPassword.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  InvalidParameterException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { bindLocalName, recordAwsCalls } from './aws-calls.js';

export interface MemorySecret {
  client: SecretsManagerClient;
  arn: string;
  /** The secret's name as its ARN ends: name and suffix (`cursor-AbCdEf`). */
  name: string;
  /** Each version's id and staging labels. */
  versions(): Record<string, string[]>;
}

type Input = Record<string, unknown>;

export function memorySecret(options: { name?: string; value: string; region?: string }): MemorySecret {
  const region = options.region ?? 'ap-southeast-2';
  const name = `${options.name ?? 'cursor'}-AbCdEf`;
  const arn = `arn:aws:secretsmanager:${region}:000000000000:secret:${name}`;
  const values = new Map<string, string>([[randomUUID(), options.value]]);
  const stages = new Map<string, Set<string>>([[[...values.keys()][0] as string, new Set(['AWSCURRENT'])]]);
  const metadata = { $metadata: {} };
  const notFound = (message: string) => new ResourceNotFoundException({ message, $metadata: {} });
  const holder = (stage: string) => [...stages].find(([, labels]) => labels.has(stage))?.[0];
  const moveLabel = (stage: string, to: string) => {
    for (const labels of stages.values()) labels.delete(stage);
    stages.get(to)?.add(stage);
  };
  const secretOf = (input: Input) => {
    if (input.SecretId !== arn && input.SecretId !== options.name)
      throw notFound(`no secret ${input.SecretId}`);
  };

  const answers: Record<string, (input: Input) => Input> = {
    GetSecretValue(input) {
      secretOf(input);
      const id =
        (input.VersionId as string | undefined) ?? holder((input.VersionStage as string) ?? 'AWSCURRENT');
      const value = id === undefined ? undefined : values.get(id);
      if (id === undefined || value === undefined)
        throw notFound("Secrets Manager can't find the specified secret value");
      return {
        ARN: arn,
        Name: name,
        VersionId: id,
        SecretString: value,
        VersionStages: [...(stages.get(id) ?? [])],
      };
    },
    DescribeSecret(input) {
      secretOf(input);
      const versions = Object.fromEntries([...stages].map(([id, labels]) => [id, [...labels]]));
      return { ARN: arn, Name: name, RotationEnabled: true, VersionIdsToStages: versions };
    },
    PutSecretValue(input) {
      secretOf(input);
      const id = input.ClientRequestToken as string;
      const value = input.SecretString as string;
      if (values.has(id) && values.get(id) !== value) {
        throw new InvalidParameterException({
          message: `version ${id} exists with another value`,
          $metadata: {},
        });
      }
      values.set(id, value);
      if (!stages.has(id)) stages.set(id, new Set());
      for (const stage of (input.VersionStages as string[] | undefined) ?? ['AWSCURRENT'])
        moveLabel(stage, id);
      return { ARN: arn, Name: name, VersionId: id, VersionStages: [...(stages.get(id) ?? [])] };
    },
    UpdateSecretVersionStage(input) {
      secretOf(input);
      const stage = input.VersionStage as string;
      const from = input.RemoveFromVersionId as string | undefined;
      const to = input.MoveToVersionId as string;
      if (from !== holder(stage)) {
        throw new InvalidParameterException({ message: `${stage} is not on version ${from}`, $metadata: {} });
      }
      if (!values.has(to)) throw notFound(`no version ${to}`);
      moveLabel(stage, to);
      if (stage === 'AWSCURRENT' && from !== undefined) moveLabel('AWSPREVIOUS', from);
      return { ARN: arn, Name: name };
    },
    GetRandomPassword(input) {
      const length = (input.PasswordLength as number | undefined) ?? 32;
      return {
        RandomPassword: randomBytes(length).toString('base64url').replace(/[-_]/g, 'x').slice(0, length),
      };
    },
  };

  const client = new SecretsManagerClient({
    region,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const operation = String(context.commandName).replace(/Command$/, '');
      const answer = answers[operation];
      if (!answer) throw new Error(`the in-memory Secrets Manager does not answer ${operation}`);
      return { output: { ...metadata, ...answer(args.input as Input) } as never, response: {} };
    },
    { step: 'initialize', priority: 'low', name: 'secretsManagerInMemory' },
  );
  recordAwsCalls(client);
  bindLocalName('cursorSecret', name);
  return {
    client,
    arn,
    name,
    versions: () => Object.fromEntries([...stages].map(([id, labels]) => [id, [...labels].sort()])),
  };
}
