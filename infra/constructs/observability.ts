/**
 * What operators look at: one CloudWatch dashboard per stage (API traffic, errors and latency,
 * ingest outcomes, dead-letter depth, every function's errors, throttles and duration, the
 * query work the API functions report as Powertools metrics) and the API alarms (5xx rate, p99
 * latency), sent to the stage's alarm topic like the ingest alarms. Takes what it watches as
 * props, so new functions, queues or ingest metrics join by being passed in (or added later with
 * `addFunction`, `addQueue`, `addIngestMetrics`).
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  PeriodOverride,
  SingleValueWidget,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DIMENSIONS, METRICS, METRICS_NAMESPACE } from '#platform/metric-names.js';

export interface ApiAlarmThresholds {
  /** Alarm when more than this percentage of API requests answer 5xx over a period. */
  readonly serverErrorRatePercent: number;
  /** Periods with fewer requests than this never count as breaching (one 500 of two is noise). */
  readonly serverErrorMinRequests: number;
  /** Alarm when the API's p99 latency (API Gateway's `Latency`) exceeds this. */
  readonly p99LatencyMs: number;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
  /** Breaching periods, out of `evaluationPeriods`, that raise the alarm. @default 2 */
  readonly datapointsToAlarm?: number;
  /** @default 3 */
  readonly evaluationPeriods?: number;
}

/** Custom metrics of the ingest side, charted in the dashboard's ingest row. */
export interface IngestMetrics {
  readonly applied: IMetric;
  readonly problems: IMetric;
  readonly errors: IMetric;
}

export interface ObservabilityProps {
  readonly stage: string;
  /** The HTTP API stage whose traffic is charted and alarmed on. */
  readonly apiStage: HttpStage;
  /** Functions by a short name (`api`, `ingest`), charted for errors, throttles and duration. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Dead-letter queues by a short name, charted for depth. @default - none */
  readonly queues?: Readonly<Record<string, IQueue>>;
  /** @default - no ingest row until {@link Observability.addIngestMetrics} */
  readonly ingestMetrics?: IngestMetrics;
  readonly thresholds: ApiAlarmThresholds;
  /** @default - alarms without actions (they show in CloudWatch only) */
  readonly alarmTopic?: ITopic;
}

const WIDE = 12;
const NARROW = 8;

export class Observability extends Construct {
  readonly dashboard: Dashboard;
  readonly serverErrorRateAlarm: Alarm;
  readonly latencyAlarm: Alarm;
  private readonly stage: string;
  private readonly period: Duration;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.stage = props.stage;
    this.period = props.thresholds.period ?? Duration.minutes(5);
    const api = props.apiStage;
    const period = this.period;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      // Not a physical name: CDK leaves DashboardName unset; the stack name tells stages apart.
      defaultInterval: Duration.hours(6),
      periodOverride: PeriodOverride.AUTO,
    });

    const requests = api.metricCount({ period, statistic: Stats.SUM, label: 'requests' });
    const clientErrors = api.metricClientError({ period, statistic: Stats.SUM, label: '4xx' });
    const serverErrors = api.metricServerError({ period, statistic: Stats.SUM, label: '5xx' });
    const minRequests = props.thresholds.serverErrorMinRequests;
    const serverErrorRate = new MathExpression({
      expression: `IF(requests >= ${minRequests}, 100 * errors / requests, 0)`,
      usingMetrics: { requests, errors: serverErrors },
      period,
      label: '5xx rate (%)',
    });
    const latency = (statistic: string) =>
      api.metricLatency({ period, statistic, label: `latency ${statistic}` });

    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Releases ${props.stage}\nAPI traffic and errors, ingest, dead letters, and every function.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'API requests', left: [requests], width: NARROW }),
      new GraphWidget({
        title: 'API 4xx and 5xx',
        left: [clientErrors, serverErrors],
        right: [serverErrorRate],
        width: NARROW,
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: [latency(Stats.p(50)), latency(Stats.p(99))],
        leftAnnotations: [{ value: props.thresholds.p99LatencyMs, label: 'p99 alarm' }],
        width: NARROW,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests by route and status',
        left: [this.search(METRICS.requests, Stats.SUM)],
        width: WIDE,
      }),
      new GraphWidget({
        title: 'Query work: read units, q entries examined and items fetched',
        left: [this.search(METRICS.readUnits, Stats.SUM)],
        right: [
          this.search(METRICS.textSearchExamined, Stats.SUM),
          this.search(METRICS.textSearchFetched, Stats.SUM),
        ],
        width: WIDE,
      }),
    );

    for (const [name, fn] of Object.entries(props.functions)) this.addFunction(name, fn);
    for (const [name, queue] of Object.entries(props.queues ?? {})) this.addQueue(name, queue);
    if (props.ingestMetrics) this.addIngestMetrics(props.ingestMetrics);

    const evaluationPeriods = props.thresholds.evaluationPeriods ?? 3;
    const datapointsToAlarm = props.thresholds.datapointsToAlarm ?? 2;
    this.serverErrorRateAlarm = new Alarm(this, 'ApiServerErrorRate', {
      alarmDescription: `More than ${props.thresholds.serverErrorRatePercent}% of API requests answered 5xx (periods with at least ${minRequests} requests).`,
      metric: serverErrorRate,
      threshold: props.thresholds.serverErrorRatePercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.latencyAlarm = new Alarm(this, 'ApiLatencyP99', {
      alarmDescription: `API p99 latency above ${props.thresholds.p99LatencyMs} ms.`,
      metric: latency(Stats.p(99)),
      threshold: props.thresholds.p99LatencyMs,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of [this.serverErrorRateAlarm, this.latencyAlarm]) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'API alarms: 5xx rate (%) and p99 latency (ms)',
        metrics: [serverErrorRate, latency(Stats.p(99))],
        width: WIDE,
      }),
    );
  }

  /** Charts a function's errors, throttles and duration (p50, p99, max). */
  addFunction(name: string, fn: IFunction): void {
    const period = this.period;
    this.dashboard.addWidgets(
      new GraphWidget({
        title: `${name}: errors and throttles`,
        left: [
          fn.metricErrors({ period, statistic: Stats.SUM, label: 'errors' }),
          fn.metricThrottles({ period, statistic: Stats.SUM, label: 'throttles' }),
        ],
        right: [fn.metricInvocations({ period, statistic: Stats.SUM, label: 'invocations' })],
        width: WIDE,
      }),
      new GraphWidget({
        title: `${name}: duration (ms)`,
        left: [Stats.p(50), Stats.p(99), Stats.MAXIMUM].map((statistic) =>
          fn.metricDuration({ period, statistic, label: statistic }),
        ),
        width: WIDE,
      }),
    );
  }

  /** Charts a (dead-letter) queue's depth and the age of its oldest message. */
  addQueue(name: string, queue: IQueue): void {
    const period = this.period;
    this.dashboard.addWidgets(
      new GraphWidget({
        title: `${name}: messages waiting`,
        left: [
          queue.metricApproximateNumberOfMessagesVisible({
            period,
            statistic: Stats.MAXIMUM,
            label: 'depth',
          }),
        ],
        right: [
          queue.metricApproximateAgeOfOldestMessage({
            period,
            statistic: Stats.MAXIMUM,
            label: 'oldest (s)',
          }),
        ],
        width: WIDE,
      }),
    );
  }

  /** Charts what ingest did: releases applied, problems recorded, errors (retried failures). */
  addIngestMetrics(metrics: IngestMetrics): void {
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Ingest: applied, problems, errors',
        left: [metrics.applied, metrics.problems],
        right: [metrics.errors],
        width: 24,
      }),
    );
  }

  /**
   * A metric the functions emit through Powertools (namespace `Releases`), for one service of
   * this stage; extra dimensions must match the ones the function publishes with.
   */
  customMetric(
    metricName: string,
    service: string,
    options: { statistic?: string; dimensions?: Record<string, string>; label?: string } = {},
  ): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { [DIMENSIONS.service]: service, [DIMENSIONS.stage]: this.stage, ...options.dimensions },
      statistic: options.statistic ?? Stats.SUM,
      period: this.period,
      ...(options.label ? { label: options.label } : {}),
    });
  }

  /** Every series of one of our request metrics in this stage, whatever its route and status. */
  private search(metricName: string, statistic: string): MathExpression {
    const d = DIMENSIONS;
    return new MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},${d.service},${d.stage},${d.route},${d.status}} MetricName="${metricName}" ${d.stage}="${this.stage}"', '${statistic}', ${this.period.toSeconds()})`,
      label: '',
      period: this.period,
    });
  }
}
