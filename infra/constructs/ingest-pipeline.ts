/**
 * Publishers' side: the release bucket (private, TLS-only, encrypted, versioned, access-logged);
 * its events for every object go to a queue (S3's suffix filters are case-sensitive, so the
 * function picks release files itself, any suffix case); the ingest function drains the queue at
 * a capped concurrency; and the projector follows the table's stream. Each path has its own
 * dead-letter queue and alarms; reindex repairs whatever ends there.
 */

import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  EventType,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionSizing, LogLevel } from '#infra/stages.js';
import {
  INGEST_BATCH_SIZE,
  INGEST_MAX_RECEIVES,
  PROJECTOR_BATCH_SIZE,
  PROJECTOR_BATCHING_WINDOW_SECONDS,
  PROJECTOR_MAX_RECORD_AGE_SECONDS,
  PROJECTOR_PARALLELIZATION_FACTOR,
  PROJECTOR_RETRY_ATTEMPTS,
} from '#platform/event-delivery.js';
import { STAGE_ENV } from '#platform/metric-names.js';
import { PROJECTOR_FILTERS } from '#table/table-layout.js';
import { atLeastAlarm, notifyOn } from './alarms.js';
import { HouseFunction } from './house-function.js';
import type { ReleasesTable } from './releases-table.js';

export {
  INGEST_BATCH_SIZE,
  INGEST_MAX_RECEIVES,
  PROJECTOR_BATCH_SIZE,
  PROJECTOR_RETRY_ATTEMPTS,
} from '#platform/event-delivery.js';

export interface IngestPipelineProps {
  /** The stage name, a dimension of the functions' metrics. */
  readonly stage: string;
  readonly table: ReleasesTable;
  readonly entries: { readonly ingest: string; readonly project: string };
  readonly sizing: { readonly ingest: FunctionSizing; readonly project: FunctionSizing };
  /** Maximum concurrent ingest invocations (the SQS event source's maximum concurrency). */
  readonly concurrency: number;
  readonly removalPolicy: RemovalPolicy;
  readonly autoDeleteObjects: boolean;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  readonly accessLogExpiration: Duration;
  readonly noncurrentVersionExpiration: Duration;
  /** The indexer's queue, where the projector hands on the releases it projected. */
  readonly indexQueue: IQueue;
  /** @default - alarms without actions */
  readonly alarmTopic?: ITopic;
}

export class IngestPipeline extends Construct {
  readonly bucket: Bucket;
  readonly accessLogBucket: Bucket;
  /** S3 event notifications waiting for the ingest function. */
  readonly eventQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly ingest: HouseFunction;
  readonly projector: HouseFunction;
  readonly projectorDeadLetterQueue: Queue;
  readonly errorsAlarm: Alarm;
  readonly deadLetterAlarm: Alarm;
  readonly projectorErrorsAlarm: Alarm;
  readonly projectorDeadLetterAlarm: Alarm;
  readonly projectorLagAlarm: Alarm;

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

    this.deadLetterQueue = this.queue('DeadLetters', props.removalPolicy, Duration.days(14));
    // Six times the function's timeout, as AWS recommends for an SQS event source, so a message
    // being worked on is not delivered twice meanwhile.
    this.eventQueue = this.queue('Events', props.removalPolicy, Duration.days(4), {
      visibilityTimeout: Duration.seconds(props.sizing.ingest.timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INGEST_MAX_RECEIVES },
    });

    this.ingest = new HouseFunction(this, 'Ingest', {
      entry: props.entries.ingest,
      description: 'Applies S3 events for release files to the table',
      serviceName: 'releases-ingest',
      memorySize: props.sizing.ingest.memorySize,
      timeout: props.sizing.ingest.timeout,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
      environment: { TABLE_NAME: props.table.table.tableName, [STAGE_ENV]: props.stage },
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
    fn.addEventSource(
      new SqsEventSource(this.eventQueue, {
        batchSize: INGEST_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(1),
        maxConcurrency: props.concurrency,
        reportBatchItemFailures: true,
      }),
    );

    // Every object: S3 filters match suffixes case-sensitively, and `.MD` or `.Txt` are release
    // files too. The function ignores other keys at the cost of one short invocation each.
    const destination = new SqsDestination(this.eventQueue);
    this.bucket.addEventNotification(EventType.OBJECT_CREATED, destination);
    this.bucket.addEventNotification(EventType.OBJECT_REMOVED, destination);

    this.projectorDeadLetterQueue = this.queue(
      'ProjectorDeadLetters',
      props.removalPolicy,
      Duration.days(14),
    );
    Validations.of(this.projectorDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is the projector's on-failure destination; a queue for it would hold nothing.",
    });
    this.projector = new HouseFunction(this, 'Projector', {
      entry: props.entries.project,
      description:
        'Projects release changes from the table stream: lists, entity figures, change log; hands them to the indexer',
      serviceName: 'releases-projector',
      memorySize: props.sizing.project.memorySize,
      timeout: props.sizing.project.timeout,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
      environment: {
        TABLE_NAME: props.table.table.tableName,
        INDEX_QUEUE_URL: props.indexQueue.queueUrl,
        [STAGE_ENV]: props.stage,
      },
    });
    props.table.grantProject(this.projector.function);
    props.indexQueue.grantSendMessages(this.projector.function);
    Validations.of(this.projector.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "dynamodb:ListStreams, which Lambda's DynamoDB event source needs, has no resource-level permissions; every other grant names the table or its stream.",
    });
    this.projector.function.addEventSource(
      new DynamoEventSource(props.table.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: PROJECTOR_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(PROJECTOR_BATCHING_WINDOW_SECONDS),
        retryAttempts: PROJECTOR_RETRY_ATTEMPTS,
        // A failing batch is split until the failing record stands alone, so one poison record
        // holds up its shard for a few tries, not for the whole retry budget.
        bisectBatchOnError: true,
        maxRecordAge: Duration.seconds(PROJECTOR_MAX_RECORD_AGE_SECONDS),
        reportBatchItemFailures: true,
        parallelizationFactor: PROJECTOR_PARALLELIZATION_FACTOR,
        onFailure: new SqsDlq(this.projectorDeadLetterQueue),
        filters: PROJECTOR_FILTERS.map((pattern) => FilterCriteria.filter(pattern)),
      }),
    );

    const alarms = [
      atLeastAlarm(
        this,
        'IngestErrors',
        'The ingest function failed (messages are redelivered; repeated failures end in the DLQ).',
        fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      ),
      atLeastAlarm(
        this,
        'DeadLettersNotEmpty',
        'S3 events that ingest could not apply are in the DLQ; fix the cause, then run reindex.',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
      ),
      atLeastAlarm(
        this,
        'ProjectorErrors',
        'The projector failed (the stream batch is retried from the failed change).',
        this.projector.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      ),
      atLeastAlarm(
        this,
        'ProjectorDeadLettersNotEmpty',
        'Stream batches the projector could not apply are in its DLQ; their releases keep pending markers, which the scheduled reconcile repairs.',
        this.projectorDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
      ),
      // Lists and counts trail the releases by the stream's lag: past a minute, readers notice.
      atLeastAlarm(
        this,
        'ProjectorLag',
        'The projector is more than a minute behind the table (lists and counts are stale).',
        this.projector.function.metric('IteratorAge', { period: Duration.minutes(5), statistic: 'Maximum' }),
        60_000,
      ),
    ];
    [
      this.errorsAlarm,
      this.deadLetterAlarm,
      this.projectorErrorsAlarm,
      this.projectorDeadLetterAlarm,
      this.projectorLagAlarm,
    ] = alarms as [Alarm, Alarm, Alarm, Alarm, Alarm];
    notifyOn(alarms, props.alarmTopic);
  }

  private queue(
    id: string,
    removalPolicy: RemovalPolicy,
    retentionPeriod: Duration,
    more: Partial<ConstructorParameters<typeof Queue>[2]> = {},
  ): Queue {
    return new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod,
      removalPolicy,
      ...more,
    });
  }

  private logicalIdOf(bucket: Bucket): string {
    return Stack.of(this).getLogicalId(bucket.node.defaultChild as CfnBucket);
  }
}
