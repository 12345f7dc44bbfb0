/**
 * The scheduled reconcile: a function that makes the table match the bucket and has the projector
 * repair derived state (reconcile/reindex.ts), run by an EventBridge schedule at the stage's
 * interval. Each run reads the bucket's listing and objects and a stretch of the table within its
 * budget (reconcile/sweep.ts), commits key fixes in ingest's small transactions, asks the projector
 * for repairs (an update of a release's projector state item), recounts entity figures and saves
 * where the next run goes on (one item). An alarm fires when a run fixed anything.
 */
import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm, IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket, CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { FunctionSizing, LogLevel } from '#infra/stages.js';
import { STAGE_ENV } from '#platform/metric-names.js';
import { atLeastAlarm, notifyOn } from './alarms.js';
import { HouseFunction } from './house-function.js';
import type { ReleasesTable } from './releases-table.js';

export interface ReconcilerProps {
  readonly stage: string;
  readonly table: ReleasesTable;
  readonly bucket: Bucket;
  readonly entry: string;
  readonly sizing: FunctionSizing;
  /** How often it runs; undefined: the function exists, unscheduled (run it or `npm run reindex` by hand). */
  readonly every: Duration | undefined;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  /** The metric of what a run fixed. */
  readonly fixesMetric: IMetric;
  /** @default - alarms without actions */
  readonly alarmTopic?: ITopic;
}

export class Reconciler extends Construct {
  readonly reconciler: HouseFunction;
  readonly schedule?: Rule;
  readonly fixesAlarm: Alarm;
  readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    this.reconciler = new HouseFunction(this, 'Reconcile', {
      entry: props.entry,
      description: 'Reconciles the table with the bucket; derived state is repaired through the projector',
      serviceName: 'releases-reconcile',
      memorySize: props.sizing.memorySize,
      timeout: props.sizing.timeout,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
      environment: {
        TABLE_NAME: props.table.table.tableName,
        BUCKET_NAME: props.bucket.bucketName,
        [STAGE_ENV]: props.stage,
      },
    });
    this.reconciler.role.addToPolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [props.bucket.arnForObjects('*')] }),
    );
    this.reconciler.role.addToPolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn] }),
    );
    props.table.grantReconcile(this.reconciler.function);
    const bucketId = Stack.of(this).getLogicalId(props.bucket.node.defaultChild as CfnBucket);
    Validations.of(this.reconciler.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      reason: 'The reconcile reads any release file in the bucket; object keys are chosen by publishers.',
    });

    if (props.every) {
      this.schedule = new Rule(this, 'Schedule', {
        description: `Runs the reconcile every ${props.every.toHumanString()}`,
        schedule: Schedule.rate(props.every),
        targets: [new LambdaFunction(this.reconciler.function, { retryAttempts: 0 })],
      });
    }

    this.fixesAlarm = atLeastAlarm(
      this,
      'Fixes',
      'The scheduled reconcile fixed something: an S3 event, a stream batch or an index request was lost. See its log for what.',
      props.fixesMetric,
    );
    this.errorsAlarm = atLeastAlarm(
      this,
      'Errors',
      'The scheduled reconcile failed (the next run tries again).',
      this.reconciler.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
    );
    notifyOn([this.fixesAlarm, this.errorsAlarm], props.alarmTopic);
  }
}
