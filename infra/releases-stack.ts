/**
 * One stage of Releases: composes the table, the ingest pipeline and the query API from the
 * stage's settings. No physical names anywhere, so stages live side by side in one account.
 */
import { CfnOutput, Duration, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { CursorSecret } from '#infra/constructs/cursor-secret.js';
import { IngestPipeline } from '#infra/constructs/ingest-pipeline.js';
import { Observability } from '#infra/constructs/observability.js';
import { QueryApi } from '#infra/constructs/query-api.js';
import { Reconciler } from '#infra/constructs/reconciler.js';
import { ReleasesTable } from '#infra/constructs/releases-table.js';
import { StageBudget } from '#infra/constructs/stage-budget.js';
import { WordIndexer } from '#infra/constructs/word-indexer.js';
import { DIMENSIONS, METRICS, METRICS_NAMESPACE } from '#platform/metric-names.js';
import { HANDLER_ENTRIES, type HandlerName } from './bundling.js';
import { COST_TAG_KEY, type StageSettings, settingsFor, stackNameFor } from './stages.js';

export interface ReleasesStackProps extends StackProps {
  readonly settings: StageSettings;
  /**
   * Lambda entry files, relative to the project root.
   * @default HANDLER_ENTRIES (functions/handlers/*.ts)
   */
  readonly entries?: Readonly<Record<HandlerName, string>>;
}

export class ReleasesStack extends Stack {
  readonly table: ReleasesTable;
  readonly ingest: IngestPipeline;
  readonly index: WordIndexer;
  readonly reconcile: Reconciler;
  readonly api: QueryApi;
  readonly alarmTopic?: Topic;
  readonly observability: Observability;
  readonly cursorSecret: CursorSecret;
  readonly budget?: StageBudget;

  constructor(scope: Construct, id: string, props: ReleasesStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const entries = props.entries ?? HANDLER_ENTRIES;

    // The cost allocation tag: what the stage's budget (and Cost Explorer) picks its costs by.
    Tags.of(this).add(COST_TAG_KEY, settings.stage);

    this.table = new ReleasesTable(this, 'Data', {
      removalPolicy: settings.removalPolicy,
      pointInTimeRecovery: settings.pointInTimeRecovery,
      deletionProtection: settings.deletionProtection,
    });
    if (!settings.pointInTimeRecovery) {
      Validations.of(this.table.table).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason: `Stage ${settings.stage} is disposable: its table is rebuilt from the bucket by reindex, so no PITR cost.`,
      });
    }

    if (settings.alarmTopic) {
      this.alarmTopic = new Topic(this, 'Alarms', {
        displayName: `${this.stackName} alarms`,
        enforceSSL: true,
      });
    }

    if (settings.budget) {
      this.budget = new StageBudget(this, 'Budget', {
        stage: settings.stage,
        settings: settings.budget,
        tagKey: COST_TAG_KEY,
        topic: this.alarmTopic,
      });
    }

    this.index = new WordIndexer(this, 'Index', {
      stage: settings.stage,
      table: this.table,
      entry: entries.index,
      sizing: settings.functions.index,
      removalPolicy: settings.removalPolicy,
      logRetention: settings.logRetention,
      logLevel: settings.logLevel,
      alarmTopic: this.alarmTopic,
    });

    this.ingest = new IngestPipeline(this, 'Ingest', {
      stage: settings.stage,
      table: this.table,
      entries: { ingest: entries.ingest, project: entries.project },
      sizing: { ingest: settings.functions.ingest, project: settings.functions.project },
      concurrency: settings.ingestConcurrency,
      removalPolicy: settings.removalPolicy,
      autoDeleteObjects: settings.autoDeleteObjects,
      logRetention: settings.logRetention,
      logLevel: settings.logLevel,
      accessLogExpiration: settings.accessLogExpiration,
      noncurrentVersionExpiration: settings.noncurrentVersionExpiration,
      indexQueue: this.index.queue,
      alarmTopic: this.alarmTopic,
    });

    this.cursorSecret = new CursorSecret(this, 'CursorKey', {
      removalPolicy: settings.removalPolicy,
      logRetention: settings.logRetention,
      logLevel: settings.logLevel,
    });

    this.api = new QueryApi(this, 'Query', {
      stage: settings.stage,
      table: this.table,
      entries: { api: entries.api, problems: entries.problems },
      sizing: { api: settings.functions.api, problems: settings.functions.problems },
      textSearch: settings.textSearch,
      cursorSecret: this.cursorSecret.secret,
      throttle: settings.throttle,
      removalPolicy: settings.removalPolicy,
      logRetention: settings.logRetention,
      logLevel: settings.logLevel,
    });

    this.reconcile = new Reconciler(this, 'Reconcile', {
      stage: settings.stage,
      table: this.table,
      bucket: this.ingest.bucket,
      entry: entries.reconcile,
      sizing: settings.functions.reconcile,
      every: settings.reconcileEvery,
      removalPolicy: settings.removalPolicy,
      logRetention: settings.logRetention,
      logLevel: settings.logLevel,
      fixesMetric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: METRICS.reconcileFixes,
        dimensionsMap: { [DIMENSIONS.service]: 'releases-reconcile', [DIMENSIONS.stage]: settings.stage },
        statistic: 'Maximum',
        period: Duration.hours(1),
      }),
      alarmTopic: this.alarmTopic,
    });

    this.observability = new Observability(this, 'Observability', {
      stage: settings.stage,
      apiStage: this.api.stage,
      functions: {
        api: this.api.functions.api.function,
        problems: this.api.functions.problems.function,
        ingest: this.ingest.ingest.function,
        projector: this.ingest.projector.function,
        indexer: this.index.indexer.function,
        reconcile: this.reconcile.reconciler.function,
        'cursor key rotation': this.cursorSecret.rotation.function,
      },
      queues: {
        'S3 events waiting for ingest': this.ingest.eventQueue,
        'ingest dead letters': this.ingest.deadLetterQueue,
        'projector dead letters': this.ingest.projectorDeadLetterQueue,
        'index requests waiting': this.index.queue,
        'indexer dead letters': this.index.deadLetterQueue,
      },
      thresholds: settings.apiAlarms,
      alarmTopic: this.alarmTopic,
    });
    const ingestMetric = (name: string, label: string) =>
      this.observability.customMetric(name, 'releases-ingest', { statistic: 'Sum', label });
    this.observability.addIngestMetrics({
      applied: ingestMetric(METRICS.releasesApplied, 'applied'),
      problems: ingestMetric(METRICS.problems, 'problems'),
      errors: ingestMetric(METRICS.ingestFailures, 'failures (redelivered)'),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'BucketName', {
      value: this.ingest.bucket.bucketName,
      description: 'Upload release files here',
    });
    new CfnOutput(this, 'TableName', {
      value: this.table.table.tableName,
      description: 'The DynamoDB table',
    });
    if (this.alarmTopic) {
      new CfnOutput(this, 'AlarmTopicArn', {
        value: this.alarmTopic.topicArn,
        description: 'Subscribe to receive alarm notifications',
      });
    }

    this.acknowledgeCdkInternals();
  }

  /**
   * Findings on resources CDK makes for us (the bucket-notification and auto-delete custom
   * resources), acknowledged here because we cannot configure them.
   */
  private acknowledgeCdkInternals(): void {
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
      const role = child.node.tryFindChild('Role');
      if (!role) continue;
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's own bucket-notification custom resource; the managed policy only lets it write its logs, and CDK offers no way to replace its role.",
      });
    }
  }
}

/** The stack of one stage, named `Releases-<stage>`. */
export function createReleasesStack(
  scope: Construct,
  stage: string,
  overrides: Omit<ReleasesStackProps, 'settings'> = {},
): ReleasesStack {
  return new ReleasesStack(scope, stackNameFor(stage), {
    description: `Releases: archive of government press releases (stage ${stage})`,
    ...overrides,
    settings: settingsFor(stage),
  });
}
