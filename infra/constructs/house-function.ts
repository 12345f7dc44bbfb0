/**
 * The house Lambda function: Node.js 24 on arm64, an ESM bundle made by the local esbuild
 * (minified, source maps, AWS SDK v3 inside), structured JSON logs to its own log group with a
 * retention, and a role that may write to that log group and nothing else until granted more.
 * The caller's environment is merged over the defaults, never replaced by them.
 */
import { join, resolve } from 'node:path';
import { type Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { cdkBundlingOptions, PROJECT_ROOT } from '#infra/bundling.js';
import type { LogLevel } from '#infra/stages.js';

export interface HouseFunctionProps {
  /** Entry file, absolute or relative to the project root. */
  readonly entry: string;
  readonly description: string;
  /** Powertools service name (`POWERTOOLS_SERVICE_NAME`). */
  readonly serviceName: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  /** Applies to the log group. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Variables for the handler; merged over the defaults (`NODE_OPTIONS`,
   * `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_LOG_LEVEL`).
   * @default - the defaults only
   */
  readonly environment?: Record<string, string>;
  /** @default - no reservation */
  readonly reservedConcurrentExecutions?: number;
}

export class HouseFunction extends Construct {
  /** The entry file, as given: its name (`ingest`, `api`, ...) names the function in the tests. */
  readonly entry: string;
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    super(scope, id);
    this.entry = props.entry;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    // Our own role instead of the one NodejsFunction makes: that one carries the managed
    // AWSLambdaBasicExecutionRole (logs:* on every log group); this one writes to one log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${Stack.of(this).stackName} ${id}: ${props.description}`.slice(0, 1000),
    });
    this.logGroup.grantWrite(this.role);

    const defaults: Record<string, string> = {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: props.serviceName,
      POWERTOOLS_LOG_LEVEL: props.logLevel,
    };

    this.function = new NodejsFunction(this, 'Function', {
      entry: resolve(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      // Lambda's log-level filter agrees with Powertools', so neither drops what the other keeps.
      applicationLogLevelV2: ApplicationLogLevel[props.logLevel],
      systemLogLevelV2: SystemLogLevel.INFO,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: { ...defaults, ...props.environment },
      bundling: cdkBundlingOptions(),
    });
  }
}
