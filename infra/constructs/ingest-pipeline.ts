/**
 * Publishers' side: the release bucket (private, TLS-only, encrypted, versioned, access-logged),
 * its events for release files delivered to the ingest function, and what happens when ingest
 * fails: two retries, then the event goes to an encrypted, TLS-only dead-letter queue, and
 * alarms watch both the function's errors and the queue's depth.
 */

import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  EventType,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NOTIFICATION_SUFFIXES } from '#core/release-files.js';
import type { FunctionSizing, LogLevel } from '../stages.js';
import { HouseFunction } from './house-function.js';
import type { ReleasesTable } from './releases-table.js';

/** Lambda retries a failed asynchronous invocation this many times before the DLQ. */
export const INGEST_RETRY_ATTEMPTS = 2;
/**
 * Events throttled by the reserved concurrency wait in Lambda's queue without using up retries;
 * six hours (the maximum) lets a very large `aws s3 sync` drain rather than spill into the DLQ.
 */
export const INGEST_MAX_EVENT_AGE = Duration.hours(6);

export interface IngestPipelineProps {
  readonly table: ReleasesTable;
  readonly entry: string;
  readonly sizing: FunctionSizing;
  readonly reservedConcurrency?: number;
  readonly removalPolicy: RemovalPolicy;
  readonly autoDeleteObjects: boolean;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  readonly accessLogExpiration: Duration;
  readonly noncurrentVersionExpiration: Duration;
  /** @default - alarms without actions */
  readonly alarmTopic?: ITopic;
}

export class IngestPipeline extends Construct {
  readonly bucket: Bucket;
  readonly accessLogBucket: Bucket;
  readonly deadLetterQueue: Queue;
  readonly ingest: HouseFunction;
  readonly errorsAlarm: Alarm;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: IngestPipelineProps) {
    super(scope, id);

    this.accessLogBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // S3 server access logging can only deliver to SSE-S3 buckets.
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: props.accessLogExpiration }],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.autoDeleteObjects,
    });
    // Not logged itself (that would log every log delivery); cdk-nag's S1 accepts a bucket that is
    // the access-log destination of another bucket in the stack.

    this.bucket = new Bucket(this, 'Releases', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [
        {
          id: 'ExpireOldVersions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration,
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'releases/',
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.autoDeleteObjects,
    });

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the ingest function; a queue for it would hold nothing.',
    });

    this.ingest = new HouseFunction(this, 'Ingest', {
      entry: props.entry,
      description: 'Applies S3 events for release files to the table',
      serviceName: 'releases-ingest',
      memorySize: props.sizing.memorySize,
      timeout: props.sizing.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
      environment: { TABLE_NAME: props.table.table.tableName },
    });
    const fn = this.ingest.function;

    // Read what the events name, nothing more. ListBucket makes a vanished object a 404 (applied
    // as a removal) rather than a 403.
    this.ingest.role.addToPolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects('*')] }),
    );
    this.ingest.role.addToPolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
    props.table.grantIngest(fn);
    Validations.of(this.ingest.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.bucket)}.Arn>/*]`,
      reason: 'Ingest reads any release file the bucket announces; object keys are chosen by publishers.',
    });

    fn.configureAsyncInvoke({
      retryAttempts: INGEST_RETRY_ATTEMPTS,
      maxEventAge: INGEST_MAX_EVENT_AGE,
      onFailure: new SqsDestination(this.deadLetterQueue),
    });

    // One filter per suffix and event type: S3 filters are case-sensitive and allow one suffix each.
    const destination = new LambdaDestination(fn);
    for (const suffix of NOTIFICATION_SUFFIXES) {
      this.bucket.addEventNotification(EventType.OBJECT_CREATED, destination, { suffix });
      this.bucket.addEventNotification(EventType.OBJECT_REMOVED, destination, { suffix });
    }

    this.errorsAlarm = new Alarm(this, 'IngestErrors', {
      alarmDescription: 'The ingest function failed (it will retry; repeated failures end in the DLQ).',
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm = new Alarm(this, 'DeadLettersNotEmpty', {
      alarmDescription:
        'S3 events that ingest could not apply are in the DLQ; fix the cause, then run reindex.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of [this.errorsAlarm, this.deadLetterAlarm]) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }

  private logicalIdOf(bucket: Bucket): string {
    return Stack.of(this).getLogicalId(bucket.node.defaultChild as CfnBucket);
  }
}
