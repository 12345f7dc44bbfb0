/**
 * Fine-grained template assertions for the `dev` (disposable) and `prod` (keeps data) stacks:
 * every resource and property docs/stages.md describes, least privilege, and
 * removal policies per stage.
 */

import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  INGEST_BATCH_SIZE,
  INGEST_MAX_RECEIVES,
  PROJECTOR_BATCH_SIZE,
  PROJECTOR_RETRY_ATTEMPTS,
} from '#infra/constructs/ingest-pipeline.js';
import {
  TABLE_INDEXER_ACTIONS,
  TABLE_INGEST_ACTIONS,
  TABLE_PROJECTOR_ACTIONS,
  TABLE_QUERY_ACTIONS,
  TABLE_RECONCILE_ACTIONS,
} from '#infra/constructs/releases-table.js';
import type { ReleasesStack } from '#infra/releases-stack.js';
import { settingsFor } from '#infra/stages.js';
import {
  INDEXER_BATCH_SIZE,
  INDEXER_BATCHING_WINDOW_SECONDS,
  INDEXER_MAX_CONCURRENCY,
  INDEXER_MAX_RECEIVES,
  PROJECTOR_MAX_RECORD_AGE_SECONDS,
  PROJECTOR_PARALLELIZATION_FACTOR,
} from '#platform/event-delivery.js';
import { METRICS } from '#platform/metric-names.js';
import { CORS, DEFAULT_ROUTE_FUNCTION, ROUTES } from '#query/routes.js';
import { PROJECTOR_FILTERS, TABLE_KEYS } from '#table/table-layout.js';
import { buildTestApp, type TestApp } from './synth.js';

// Synthesizing (and linting) a whole stack takes seconds, more on two busy cores.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

interface CfnResourceJson {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  [k: string]: unknown;
}
type Resources = Record<string, CfnResourceJson>;

function statementsIn(policy: CfnResourceJson): PolicyStatementJson[] {
  return (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement;
}

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

function logicalId(construct: IConstruct): string {
  const cfn = construct.node.defaultChild as CfnElement;
  return Stack.of(construct).getLogicalId(cfn);
}

function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** The statements of the inline policies attached to a role (by its logical id). */
function statementsOf(template: Template, roleId: string): PolicyStatementJson[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  }) as Resources;
  return Object.values(policies).flatMap(statementsIn);
}

let testApp: TestApp;
beforeAll(() => {
  testApp = buildTestApp(['dev', 'prod']);
});
afterAll(() => testApp.cleanup());

describe.each(['dev', 'prod'] as const)('stack Releases-%s', (stage) => {
  const settings = settingsFor(stage);
  const keeps = stage === 'prod';
  const policy = keeps ? 'Retain' : 'Delete';
  let stack: ReleasesStack;
  let template: Template;
  beforeAll(() => {
    stack = testApp.stacks[stage] as ReleasesStack;
    template = Template.fromStack(stack);
  });

  it('is named Releases-<stage> and has no fixed account or region', () => {
    expect(stack.stackName).toBe(`Releases-${stage}`);
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
  });

  describe('table', () => {
    it('has the shared string keys, the TTL attribute, on-demand capacity and no indexes', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.timeToLive, Enabled: true },
        GlobalSecondaryIndexes: Match.absent(),
        LocalSecondaryIndexes: Match.absent(),
        TableName: Match.absent(),
      });
    });

    it(`${keeps ? 'keeps' : 'does not keep'} its data: removal policy, PITR, deletion protection`, () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: policy,
        UpdateReplacePolicy: policy,
        Properties: {
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: keeps },
          DeletionProtectionEnabled: keeps,
        },
      });
    });
  });

  describe('release bucket', () => {
    let bucketId: string;
    let logBucketId: string;
    beforeAll(() => {
      bucketId = logicalId(stack.ingest.bucket);
      logBucketId = logicalId(stack.ingest.accessLogBucket);
    });

    it('blocks public access, is encrypted, versioned, expires old versions and logs access', () => {
      const bucket = template.toJSON().Resources[bucketId];
      expect(bucket.Type).toBe('AWS::S3::Bucket');
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: { Ref: logBucketId } },
      });
      expect(bucket.Properties.BucketName).toBeUndefined();
      expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: settings.noncurrentVersionExpiration.toDays() },
        }),
      );
    });

    it('denies requests without TLS on both buckets', () => {
      for (const id of [bucketId, logBucketId]) {
        template.hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: id },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 's3:*',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });

    it('keeps its access logs private, encrypted and for a limited time', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: Match.objectLike({
          BlockPublicAcls: true,
          RestrictPublicBuckets: true,
        }),
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LifecycleConfiguration: {
          Rules: [{ ExpirationInDays: settings.accessLogExpiration.toDays(), Status: 'Enabled' }],
        },
      });
    });

    it(`${keeps ? 'is retained' : 'is emptied and deleted'} with the stack`, () => {
      const resources = template.toJSON().Resources as Resources;
      for (const id of [bucketId, logBucketId]) {
        expect(resources[id]?.DeletionPolicy).toBe(policy);
      }
      template.resourceCountIs('Custom::S3AutoDeleteObjects', keeps ? 0 : 2);
    });

    it("sends every created and removed object to the ingest queue, unfiltered (suffix case is the function's job)", () => {
      const notifications = only(
        Object.values(template.findResources('Custom::S3BucketNotifications') as Resources),
      );
      expect(notifications.Properties).toMatchObject({ BucketName: { Ref: bucketId } });
      const config = notifications.Properties.NotificationConfiguration as {
        QueueConfigurations: Array<Record<string, unknown>>;
        LambdaFunctionConfigurations?: unknown[];
      };
      expect(config.LambdaFunctionConfigurations).toBeUndefined();
      const queueArn = { 'Fn::GetAtt': [logicalId(stack.ingest.eventQueue), 'Arn'] };
      expect(config.QueueConfigurations).toEqual([
        { Events: ['s3:ObjectCreated:*'], QueueArn: queueArn },
        { Events: ['s3:ObjectRemoved:*'], QueueArn: queueArn },
      ]);
    });
  });

  describe('functions', () => {
    it('all run Node.js 24 on arm64 with source maps, JSON logs and their own log group', () => {
      const functions = Object.entries(stack.api.functions)
        .map(([, f]) => f)
        .concat(stack.ingest.ingest, stack.ingest.projector);
      expect(functions).toHaveLength(4);
      for (const fn of functions) {
        const resource = template.toJSON().Resources[logicalId(fn.function)];
        expect(resource.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          LoggingConfig: {
            LogFormat: 'JSON',
            ApplicationLogLevel: settings.logLevel,
            LogGroup: { Ref: logicalId(fn.logGroup) },
          },
          Environment: {
            Variables: expect.objectContaining({
              NODE_OPTIONS: '--enable-source-maps',
              POWERTOOLS_LOG_LEVEL: settings.logLevel,
              POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^releases-/),
              TABLE_NAME: { Ref: logicalId(stack.table.table) },
            }),
          },
        });
        expect(resource.Properties.FunctionName).toBeUndefined();
      }
    });

    it('size each function from the stage settings', () => {
      const resources = template.toJSON().Resources as Resources;
      const pairs = [
        [stack.ingest.ingest, settings.functions.ingest],
        [stack.ingest.projector, settings.functions.project],
        [stack.api.functions.api, settings.functions.api],
        [stack.api.functions.problems, settings.functions.problems],
      ] as const;
      for (const [fn, sizing] of pairs) {
        expect(resources[logicalId(fn.function)]?.Properties).toMatchObject({
          MemorySize: sizing.memorySize,
          Timeout: sizing.timeout.toSeconds(),
        });
      }
    });

    it('give the API its switches and both query functions the ARN of the cursor secret, never its value', () => {
      const resources = template.toJSON().Resources as Resources;
      const env = (fn: IConstruct) =>
        (
          (resources[logicalId(fn)] as CfnResourceJson).Properties.Environment as {
            Variables: Record<string, unknown>;
          }
        ).Variables;
      const secretArn = { Ref: logicalId(stack.cursorSecret.secret) };
      expect(env(stack.api.functions.api.function)).toMatchObject({
        TEXT_SEARCH: settings.textSearch ? 'on' : 'off',
        CURSOR_SECRET_ARN: secretArn,
      });
      expect(env(stack.api.functions.problems.function)).toMatchObject({ CURSOR_SECRET_ARN: secretArn });
      for (const fn of [stack.api.functions.api, stack.api.functions.problems, stack.ingest.ingest]) {
        expect(env(fn.function).CURSOR_SECRET).toBeUndefined();
      }
      expect(env(stack.ingest.ingest.function).CURSOR_SECRET_ARN).toBeUndefined();
      // No variable anywhere resolves the secret's value.
      expect(JSON.stringify(template.toJSON())).not.toMatch(/resolve:secretsmanager|"SecretString"/);
    });

    it(`keep logs ${settings.logRetention} days and ${keeps ? 'retain' : 'delete'} them with the stack`, () => {
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup') as Resources);
      // ingest, projector, indexer, reconcile, api, problems, cursor key rotation, HTTP access logs
      expect(groups).toHaveLength(8);
      for (const group of groups) {
        expect(group.Properties?.RetentionInDays).toBe(settings.logRetention);
        expect(group.Properties?.LogGroupName).toBeUndefined();
        expect(group.DeletionPolicy).toBe(policy);
      }
    });

    it(`drains the ingest queue at most ${settings.ingestConcurrency} invocations at once, reporting item failures`, () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack.ingest.ingest.function) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.ingest.eventQueue), 'Arn'] },
        BatchSize: INGEST_BATCH_SIZE,
        ScalingConfig: { MaximumConcurrency: settings.ingestConcurrency },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });
  });

  describe('ingest and projector failures', () => {
    it(`redeliver an S3 event ${INGEST_MAX_RECEIVES} times, then move it to the dead-letter queue`, () => {
      const resources = template.toJSON().Resources as Resources;
      const queue = resources[logicalId(stack.ingest.eventQueue)]?.Properties as Record<string, unknown>;
      expect(queue).toMatchObject({
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.ingest.deadLetterQueue), 'Arn'] },
          maxReceiveCount: INGEST_MAX_RECEIVES,
        },
        // Six times the function timeout, so a message in progress is not delivered twice.
        VisibilityTimeout: settings.functions.ingest.timeout.toSeconds() * 6,
      });
    });

    it('project release items from the stream in order, retrying from the failed record, then to a DLQ', () => {
      const resources = template.toJSON().Resources as Resources;
      expect(resources[logicalId(stack.table.table)]?.Properties?.StreamSpecification).toEqual({
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack.ingest.projector.function) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.table.table), 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: PROJECTOR_BATCH_SIZE,
        MaximumRetryAttempts: PROJECTOR_RETRY_ATTEMPTS,
        BisectBatchOnFunctionError: true,
        MaximumRecordAgeInSeconds: PROJECTOR_MAX_RECORD_AGE_SECONDS,
        ParallelizationFactor: PROJECTOR_PARALLELIZATION_FACTOR,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: {
          Filters: PROJECTOR_FILTERS.map((pattern) => ({ Pattern: JSON.stringify(pattern) })),
        },
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [logicalId(stack.ingest.projectorDeadLetterQueue), 'Arn'] },
          },
        },
      });
    });

    it('hand projected releases to the indexer through its queue, in large batches, then to its DLQ', () => {
      const resources = template.toJSON().Resources as Resources;
      const projector = resources[logicalId(stack.ingest.projector.function)]?.Properties as {
        Environment: { Variables: Record<string, unknown> };
      };
      expect(projector.Environment.Variables.INDEX_QUEUE_URL).toEqual({ Ref: logicalId(stack.index.queue) });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack.index.indexer.function) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.index.queue), 'Arn'] },
        BatchSize: INDEXER_BATCH_SIZE,
        MaximumBatchingWindowInSeconds: INDEXER_BATCHING_WINDOW_SECONDS,
        ScalingConfig: { MaximumConcurrency: INDEXER_MAX_CONCURRENCY },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      expect(resources[logicalId(stack.index.queue)]?.Properties).toMatchObject({
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.index.deadLetterQueue), 'Arn'] },
          maxReceiveCount: INDEXER_MAX_RECEIVES,
        },
        VisibilityTimeout: settings.functions.index.timeout.toSeconds() * 6 + INDEXER_BATCHING_WINDOW_SECONDS,
      });
    });

    it('land in an encrypted, TLS-only queue', () => {
      const queueId = logicalId(stack.ingest.deadLetterQueue);
      template.hasResource('AWS::SQS::Queue', {
        DeletionPolicy: policy,
        Properties: {
          SqsManagedSseEnabled: true,
          MessageRetentionPeriod: 14 * 24 * 3600,
          QueueName: Match.absent(),
        },
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it(`raise alarms on ingest and projector errors, DLQ depths and projector lag${keeps ? ', sent to an SNS topic' : ''}`, () => {
      const topics = template.findResources('AWS::SNS::Topic') as Resources;
      expect(Object.keys(topics)).toHaveLength(keeps ? 1 : 0);
      const actions = keeps ? [{ Ref: Object.keys(topics)[0] }] : Match.absent();
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.ingest.ingest.function) } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: actions,
        AlarmName: Match.absent(),
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalId(stack.ingest.deadLetterQueue), 'QueueName'] },
          },
        ],
        Threshold: 1,
        AlarmActions: actions,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalId(stack.ingest.projectorDeadLetterQueue), 'QueueName'] },
          },
        ],
        AlarmActions: actions,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.ingest.projector.function) } }],
        AlarmActions: actions,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.ingest.projector.function) } }],
        Threshold: 60_000,
        AlarmActions: actions,
      });
      if (keeps) {
        template.hasResourceProperties('AWS::SNS::TopicPolicy', {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });
  });

  describe('least privilege', () => {
    it('gives our function roles no managed policies and no wildcard actions or resources', () => {
      const roles = [
        stack.ingest.ingest.role,
        stack.api.functions.api.role,
        stack.api.functions.problems.role,
      ];
      const resources = template.toJSON().Resources as Resources;
      for (const role of roles) {
        const roleId = logicalId(role);
        expect(resources[roleId]?.Properties?.ManagedPolicyArns).toBeUndefined();
        const statements = statementsOf(template, roleId);
        expect(statements.length).toBeGreaterThan(0);
        for (const statement of statements) {
          expect(statement.Effect).toBe('Allow');
          for (const action of asArray(statement.Action)) expect(action).not.toContain('*');
          for (const resource of asArray(statement.Resource)) expect(resource).not.toBe('*');
        }
      }
    });

    it('never allows a wildcard DynamoDB, SQS or SNS action anywhere in the stack', () => {
      const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources);
      for (const p of policies) {
        for (const statement of statementsIn(p)) {
          for (const action of asArray(statement.Action)) {
            expect(action).not.toMatch(/^(dynamodb|sqs|sns):.*\*/);
            expect(action).not.toBe('*');
          }
        }
      }
    });

    it('lets the query functions only read the table', () => {
      const tableArn = { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] };
      for (const fn of [stack.api.functions.api, stack.api.functions.problems]) {
        const statements = statementsOf(template, logicalId(fn.role));
        const actions = statements.flatMap((s) => asArray(s.Action));
        expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(
          [...TABLE_QUERY_ACTIONS].sort(),
        );
        expect(actions.filter((a) => !a.startsWith('dynamodb:')).sort()).toEqual([
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
        ]);
        const secret = statements.filter((s) =>
          asArray(s.Action).some((a) => a.startsWith('secretsmanager:')),
        );
        for (const s of secret) expect(s.Resource).toEqual({ Ref: logicalId(stack.cursorSecret.secret) });
        for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
          expect(actions).not.toContain(write);
        }
        expect(actions.some((a) => /Put|Update|Delete|Write|Send/.test(a.split(':')[1] ?? ''))).toBe(
          actions.includes('logs:PutLogEvents'),
        );
        const dynamo = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
        for (const s of dynamo) expect(s.Resource).toEqual(tableArn);
      }
    });

    it("lets ingest read release objects, consume its queue and write the table in transactions (large bodies' chunks in batches), nothing else", () => {
      const bucketArn = { 'Fn::GetAtt': [logicalId(stack.ingest.bucket), 'Arn'] };
      const tableArn = { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] };
      const statements = statementsOf(template, logicalId(stack.ingest.ingest.role));
      const byAction = (action: string) => statements.filter((s) => asArray(s.Action).includes(action));
      expect(byAction('s3:GetObject').map((s) => s.Resource)).toEqual([
        { 'Fn::Join': ['', [bucketArn, '/*']] },
      ]);
      expect(byAction('s3:ListBucket').map((s) => s.Resource)).toEqual([bucketArn]);
      // The chunks of a body over 300 KiB go in by BatchWriteItem: on the table, no index, no other.
      expect(byAction('dynamodb:BatchWriteItem').map((s) => s.Resource)).toEqual([tableArn]);
      const actions = statements.flatMap((s) => asArray(s.Action)).sort();
      expect(actions).toEqual(
        [
          ...TABLE_INGEST_ACTIONS,
          's3:GetObject',
          's3:ListBucket',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ].sort(),
      );
      expect(actions.some((a) => a.startsWith('s3:Put') || a.startsWith('s3:Delete'))).toBe(false);
    });

    it('lets the projector read the stream and write derived items, and nothing of S3', () => {
      const statements = statementsOf(template, logicalId(stack.ingest.projector.role));
      const actions = [...new Set(statements.flatMap((s) => asArray(s.Action)))].sort();
      expect(actions).toEqual(
        [
          ...TABLE_PROJECTOR_ACTIONS,
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:SendMessage',
        ].sort(),
      );
      const wildcard = statements.filter((s) => asArray(s.Resource).includes('*'));
      expect(wildcard.flatMap((s) => asArray(s.Action))).toEqual(['dynamodb:ListStreams']);
      // It sends to two queues: its on-failure destination, and the indexer's requests.
      const sendsTo = statements
        .filter((s) => asArray(s.Action).includes('sqs:SendMessage'))
        .flatMap((s) => asArray(s.Resource).map((r) => JSON.stringify(r)));
      expect(sendsTo.sort()).toEqual(
        [stack.ingest.projectorDeadLetterQueue, stack.index.queue]
          .map((queue) => JSON.stringify({ 'Fn::GetAtt': [logicalId(queue), 'Arn'] }))
          .sort(),
      );
    });

    it('runs the reconcile on the stage schedule, reading the bucket, with an alarm on any fix', () => {
      const fn = logicalId(stack.reconcile.reconciler.function);
      const rules = template.findResources('AWS::Events::Rule') as Resources;
      const schedules = Object.values(rules).filter((rule) =>
        JSON.stringify(rule.Properties.Targets).includes(fn),
      );
      expect(schedules.map((rule) => rule.Properties.ScheduleExpression)).toEqual([
        `rate(${settings.reconcileEvery?.toHours()} ${settings.reconcileEvery?.toHours() === 1 ? 'hour' : 'hours'})`.replace(
          'rate(24 hours)',
          'rate(1 day)',
        ),
      ]);
      const statements = statementsOf(template, logicalId(stack.reconcile.reconciler.role));
      const actions = [...new Set(statements.flatMap((s) => asArray(s.Action)))].sort();
      expect(actions).toEqual(
        [
          ...TABLE_RECONCILE_ACTIONS,
          's3:GetObject',
          's3:ListBucket',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
        ].sort(),
      );
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: METRICS.reconcileFixes,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    });

    it('lets the indexer consume its queue and read and write the table, nothing else', () => {
      const statements = statementsOf(template, logicalId(stack.index.indexer.role));
      const actions = [...new Set(statements.flatMap((s) => asArray(s.Action)))].sort();
      expect(actions).toEqual(
        [
          ...TABLE_INDEXER_ACTIONS,
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ].sort(),
      );
      const tableArn = { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] };
      for (const s of statements.filter((st) => asArray(st.Action).some((a) => a.startsWith('dynamodb:')))) {
        expect(asArray(s.Resource)).toContainEqual(tableArn);
      }
    });
  });

  describe('HTTP API', () => {
    let apiId: string;
    const integrationOf = (fn: IConstruct) => {
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
        Properties: { IntegrationUri: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] } },
      });
      const ids = Object.keys(integrations);
      expect(ids).toHaveLength(1);
      return ids[0] as string;
    };
    beforeAll(() => {
      apiId = logicalId(stack.api.httpApi);
    });

    it('is an HTTP API with the shared CORS settings', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        Name: `Releases-${stage}`,
        CorsConfiguration: {
          AllowOrigins: [...CORS.allowOrigins],
          AllowMethods: [...CORS.allowMethods],
          AllowHeaders: [...CORS.allowHeaders],
          ExposeHeaders: [...CORS.exposeHeaders],
          MaxAge: CORS.maxAgeSeconds,
        },
      });
    });

    it('uses Lambda proxy integrations with payload format 2.0', () => {
      const integrations = Object.values(
        template.findResources('AWS::ApiGatewayV2::Integration') as Resources,
      );
      expect(integrations).toHaveLength(2);
      for (const i of integrations) {
        expect(i.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      }
    });

    it('has exactly the shared routes plus $default, /problems behind IAM and the rest public', () => {
      const targets = {
        api: integrationOf(stack.api.functions.api.function),
        problems: integrationOf(stack.api.functions.problems.function),
      };
      template.resourceCountIs('AWS::ApiGatewayV2::Route', ROUTES.length + 1);
      for (const route of ROUTES) {
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          ApiId: { Ref: apiId },
          RouteKey: route.routeKey,
          AuthorizationType: route.auth === 'iam' ? 'AWS_IAM' : 'NONE',
          Target: { 'Fn::Join': ['', ['integrations/', { Ref: targets[route.function] }]] },
        });
      }
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        ApiId: { Ref: apiId },
        RouteKey: '$default',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: targets[DEFAULT_ROUTE_FUNCTION] }]] },
      });
      expect(ROUTES.find((r) => r.path === '/problems')?.auth).toBe('iam');
    });

    it('lets API Gateway invoke each function only from this API', () => {
      for (const fn of [stack.api.functions.api.function, stack.api.functions.problems.function]) {
        template.hasResourceProperties('AWS::Lambda::Permission', {
          Action: 'lambda:InvokeFunction',
          Principal: 'apigateway.amazonaws.com',
          FunctionName: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] },
          SourceArn: { 'Fn::Join': ['', Match.arrayWith([{ Ref: apiId }])] },
        });
      }
    });

    it('has an auto-deployed $default stage with the stage throttling and JSON access logs', () => {
      const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage') as Resources);
      expect(stages).toHaveLength(1);
      const props = stages[0]?.Properties as {
        AccessLogSettings: { DestinationArn: unknown; Format: string };
        [k: string]: unknown;
      };
      expect(props).toMatchObject({
        ApiId: { Ref: apiId },
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: settings.throttle.rateLimit,
          ThrottlingBurstLimit: settings.throttle.burstLimit,
        },
      });
      expect(props.AccessLogSettings.DestinationArn).toEqual({
        'Fn::GetAtt': [logicalId(stack.api.accessLogs), 'Arn'],
      });
      const format = JSON.parse(props.AccessLogSettings.Format) as Record<string, string>;
      expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    });
  });

  it('outputs ApiUrl, BucketName and TableName', () => {
    template.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [logicalId(stack.api.httpApi), 'ApiEndpoint'] } });
    template.hasOutput('BucketName', { Value: { Ref: logicalId(stack.ingest.bucket) } });
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack.table.table) } });
  });
});

describe('two stages in one account', () => {
  /** Properties that name a resource account- or region-wide (a clash fails the second deploy). */
  const PHYSICAL_NAMES = [
    'BucketName',
    'TableName',
    'QueueName',
    'TopicName',
    'FunctionName',
    'RoleName',
    'LogGroupName',
    'AlarmName',
    'ManagedPolicyName',
  ];

  it('set no physical names, so dev and prod deploy side by side', () => {
    for (const stage of ['dev', 'prod']) {
      const resources = Template.fromStack(testApp.stacks[stage] as ReleasesStack).toJSON()
        .Resources as Resources;
      for (const [id, resource] of Object.entries(resources)) {
        // A literal string is a fixed name; references to generated names (custom resources pass
        // `{ Ref: bucket }` as BucketName) are fine.
        for (const name of PHYSICAL_NAMES) {
          const value = resource.Properties?.[name];
          expect({ id, name, literal: typeof value === 'string' }).toEqual({ id, name, literal: false });
        }
      }
    }
  });

  it('give each stage its own stack name and API name', () => {
    const names = ['dev', 'prod'].map((stage) => {
      const template = Template.fromStack(testApp.stacks[stage] as ReleasesStack);
      const api = Object.values(template.findResources('AWS::ApiGatewayV2::Api') as Resources)[0];
      return [testApp.stacks[stage]?.stackName, api?.Properties?.Name];
    });
    expect(names).toEqual([
      ['Releases-dev', 'Releases-dev'],
      ['Releases-prod', 'Releases-prod'],
    ]);
  });
});
