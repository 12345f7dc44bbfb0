/**
 * The dashboard and the API alarms of each stage: thresholds from infra/stages.ts, actions to
 * the stage's alarm topic where it has one, and the stage name on the functions' metrics.
 */
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReleasesStack } from '#infra/releases-stack.js';
import { settingsFor } from '#infra/stages.js';
import { STACK_ALARMS, STACK_DASHBOARDS } from '../../bench/cost/stage-facts.js';
import { buildTestApp, type TestApp } from './synth.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const STAGES = ['dev', 'staging', 'prod', 'alice'] as const;

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/** The dashboard body with CloudFormation's Fn::Join flattened, tokens shown as `<Ref>`. */
function dashboardBody(template: Template): string {
  const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
  expect(Object.keys(dashboards)).toHaveLength(1);
  const body = Object.values(dashboards)[0]?.Properties?.DashboardBody as unknown;
  const flatten = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object' && 'Fn::Join' in value) {
      const [, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      return parts.map(flatten).join('');
    }
    return `<${JSON.stringify(value)}>`;
  };
  return flatten(body);
}

let testApp: TestApp;
beforeAll(() => {
  testApp = buildTestApp(STAGES);
});
afterAll(() => testApp.cleanup());

describe.each(STAGES)('observability of Releases-%s', (stage) => {
  const settings = settingsFor(stage);
  let stack: ReleasesStack;
  let template: Template;
  beforeAll(() => {
    stack = testApp.stacks[stage] as ReleasesStack;
    template = Template.fromStack(stack);
  });

  it('has one dashboard, without a fixed name, charting the API, functions and dead letters', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: Match.absent() });
    const body = dashboardBody(template);
    const apiId = `<${JSON.stringify({ Ref: logicalId(stack.api.httpApi) })}>`;
    for (const metric of ['"Count"', '"4xx"', '"5xx"', '"Latency"']) {
      expect(body).toContain(`["AWS/ApiGateway",${metric},"ApiId","${apiId}","Stage","$default"`);
    }
    expect(body).toContain('"stat":"p50"');
    expect(body).toContain('"stat":"p99"');
    for (const fn of [stack.api.functions.api, stack.api.functions.problems, stack.ingest.ingest]) {
      const name = `<${JSON.stringify({ Ref: logicalId(fn.function) })}>`;
      for (const metric of ['Errors', 'Throttles', 'Duration']) {
        expect(body).toContain(`["AWS/Lambda","${metric}","FunctionName","${name}"`);
      }
    }
    expect(body).toContain('"AWS/SQS","ApproximateNumberOfMessagesVisible","QueueName"');
    // The functions' own metrics for this stage, whatever route and status.
    expect(body).toContain(
      `SEARCH('{Releases,service,stage,route,status} MetricName=\\"ReadUnits\\" stage=\\"${stage}\\"', 'Sum', 300)`,
    );
  });

  it('has the alarms and dashboards the cost model counts (bench/cost/stage-facts.ts)', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', STACK_ALARMS);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', STACK_DASHBOARDS);
  });

  it(`alarms on the API 5xx rate above ${settings.apiAlarms.serverErrorRatePercent}%`, () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: settings.apiAlarms.serverErrorRatePercent,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: `IF(requests >= ${settings.apiAlarms.serverErrorMinRequests}, 100 * errors / requests, 0)`,
          ReturnData: true,
        }),
        Match.objectLike({
          Id: 'requests',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'AWS/ApiGateway', MetricName: 'Count' }),
            Stat: 'Sum',
          }),
        }),
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'AWS/ApiGateway', MetricName: '5xx' }),
            Stat: 'Sum',
          }),
        }),
      ]),
    });
  });

  it(`alarms on the API p99 latency above ${settings.apiAlarms.p99LatencyMs} ms`, () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: settings.apiAlarms.p99LatencyMs,
      ComparisonOperator: 'GreaterThanThreshold',
      Metrics: [
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: 'AWS/ApiGateway',
              MetricName: 'Latency',
              Dimensions: Match.arrayWith([{ Name: 'Stage', Value: '$default' }]),
            }),
            Stat: 'p99',
          }),
        }),
      ],
    });
  });

  it(`sends the API alarms ${settings.alarmTopic ? 'to the stage alarm topic' : 'nowhere (CloudWatch only)'}`, () => {
    const alarms = [stack.observability.serverErrorRateAlarm, stack.observability.latencyAlarm].map(
      (alarm) => template.toJSON().Resources[logicalId(alarm)].Properties,
    );
    for (const alarm of alarms) {
      if (settings.alarmTopic && stack.alarmTopic) {
        const topic = { Ref: logicalId(stack.alarmTopic) };
        expect(alarm.AlarmActions).toEqual([topic]);
        expect(alarm.OKActions).toEqual([topic]);
      } else {
        expect(alarm.AlarmActions).toBeUndefined();
      }
    }
  });

  it('names the stage to the query functions, the dimension of their metrics', () => {
    for (const fn of [stack.api.functions.api, stack.api.functions.problems]) {
      const props = template.toJSON().Resources[logicalId(fn.function)].Properties;
      expect(props.Environment.Variables.STAGE).toBe(stage);
    }
  });
});
