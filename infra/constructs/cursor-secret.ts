/**
 * The key that signs page cursors: a Secrets Manager secret generated at deploy (its value is
 * never in the template, an environment variable or a log), rotated monthly by a small function
 * of ours (generic secrets have no hosted rotation). Rotation keeps the old value as AWSPREVIOUS,
 * which the API accepts for a day on cursors it signed (see functions/query/query-cursor.ts).
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { LogLevel } from '#infra/stages.js';
import { HouseFunction } from './house-function.js';

export const ROTATION_ENTRY = 'functions/handlers/rotate-cursor-secret.ts';

export interface CursorSecretProps {
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  /** @default Duration.days(30) */
  readonly rotateEvery?: Duration;
  /** @default ROTATION_ENTRY */
  readonly rotationEntry?: string;
}

export class CursorSecret extends Construct {
  readonly secret: Secret;
  readonly rotation: HouseFunction;

  constructor(scope: Construct, id: string, props: CursorSecretProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description:
        'HMAC key of the API page cursors (rotated monthly; the previous value is accepted for a day)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    this.rotation = new HouseFunction(this, 'Rotation', {
      entry: props.rotationEntry ?? ROTATION_ENTRY,
      description: 'Rotates the cursor signing key',
      serviceName: 'releases-rotate-cursor-secret',
      memorySize: 256,
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
    });
    // The rotation schedule grants the function read, write and version-stage updates on this
    // secret and lets Secrets Manager invoke it.
    this.secret.addRotationSchedule('Schedule', {
      rotationLambda: this.rotation.function,
      automaticallyAfter: props.rotateEvery ?? Duration.days(30),
    });
    this.rotation.role.addToPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetRandomPassword'], resources: ['*'] }),
    );
    const policy = this.rotation.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'secretsmanager:GetRandomPassword acts on no resource, so IAM accepts only * for it; it reads and changes nothing.',
      });
    }
  }
}
