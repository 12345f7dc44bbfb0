/**
 * The word index's own stage: a queue that the projector hands releases to (`{ id, at }`), and
 * the indexer that drains it in large batches (up to INDEXER_BATCH_SIZE messages gathered for
 * INDEXER_BATCHING_WINDOW_SECONDS), so that a bulk load's postings are written together and lists
 * and counts never wait for the index. Requests that fail again and again end in a dead-letter
 * queue; the release's pending marker stays, and the scheduled reconcile repairs it either way.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionSizing, LogLevel } from '#infra/stages.js';
import {
  INDEXER_BATCH_SIZE,
  INDEXER_BATCHING_WINDOW_SECONDS,
  INDEXER_MAX_CONCURRENCY,
  INDEXER_MAX_RECEIVES,
} from '#platform/event-delivery.js';
import { STAGE_ENV } from '#platform/metric-names.js';
import { atLeastAlarm, notifyOn } from './alarms.js';
import { HouseFunction } from './house-function.js';
import type { ReleasesTable } from './releases-table.js';

export interface WordIndexerProps {
  readonly stage: string;
  readonly table: ReleasesTable;
  readonly entry: string;
  readonly sizing: FunctionSizing;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  /** @default - alarms without actions */
  readonly alarmTopic?: ITopic;
}

export class WordIndexer extends Construct {
  /** Index requests from the projector. */
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly indexer: HouseFunction;
  readonly errorsAlarm: Alarm;
  readonly deadLetterAlarm: Alarm;
  readonly lagAlarm: Alarm;

  constructor(scope: Construct, id: string, props: WordIndexerProps) {
    super(scope, id);
    const queue = (queueId: string, more: Partial<ConstructorParameters<typeof Queue>[2]> = {}) =>
      new Queue(this, queueId, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy: props.removalPolicy,
        ...more,
      });
    this.deadLetterQueue = queue('DeadLetters', { retentionPeriod: Duration.days(14) });
    // Six times the function's timeout plus the batching window, as AWS recommends for an SQS
    // event source, so a message being worked on is not delivered twice meanwhile.
    this.queue = queue('Requests', {
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(
        props.sizing.timeout.toSeconds() * 6 + INDEXER_BATCHING_WINDOW_SECONDS,
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INDEXER_MAX_RECEIVES },
    });

    this.indexer = new HouseFunction(this, 'Indexer', {
      entry: props.entry,
      description:
        'Indexes the releases the projector hands on: posting fragments, folded copies, search entries',
      serviceName: 'releases-indexer',
      memorySize: props.sizing.memorySize,
      timeout: props.sizing.timeout,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
      environment: { TABLE_NAME: props.table.table.tableName, [STAGE_ENV]: props.stage },
    });
    props.table.grantIndex(this.indexer.function);
    this.indexer.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: INDEXER_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(INDEXER_BATCHING_WINDOW_SECONDS),
        maxConcurrency: INDEXER_MAX_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );

    const alarms = [
      atLeastAlarm(
        this,
        'Errors',
        'The indexer failed (its requests are delivered again; repeated failures end in its DLQ).',
        this.indexer.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      ),
      atLeastAlarm(
        this,
        'DeadLettersNotEmpty',
        'Index requests the indexer could not apply are in its DLQ; the scheduled reconcile repairs them from their pending markers.',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
      ),
      // A bulk load fills the queue for a while; past fifteen minutes, `q` is noticeably behind.
      atLeastAlarm(
        this,
        'Lag',
        'The oldest index request has waited more than 15 minutes (`q` trails the lists).',
        this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
        15 * 60,
      ),
    ];
    [this.errorsAlarm, this.deadLetterAlarm, this.lagAlarm] = alarms as [Alarm, Alarm, Alarm];
    notifyOn(alarms, props.alarmTopic);
  }
}
