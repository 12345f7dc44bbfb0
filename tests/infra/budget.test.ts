/**
 * The stage budget: a monthly cost budget on the stage's cost allocation tag, notifying at the
 * settings' actual and forecast percentages, to the alarm topic (which lets Budgets publish) and
 * to the configured emails; none where a stage sets no budget; refused when nobody would hear it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReleasesStack } from '#infra/releases-stack.js';
import { COST_TAG_KEY, type StageSettings, settingsFor } from '#infra/stages.js';
import { buildTestApp, CDK_JSON_CONTEXT, FIXTURE_ENTRIES, type TestApp } from './synth.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

let testApp: TestApp;
beforeAll(() => {
  testApp = buildTestApp(['dev', 'prod']);
});
afterAll(() => testApp.cleanup());

const templateOf = (stage: string) => Template.fromStack(testApp.stacks[stage] as ReleasesStack);

describe('the prod budget', () => {
  const budget = settingsFor('prod').budget;

  it('is set in the stage settings, staging too, and not in dev', () => {
    expect(budget?.monthlyUsd).toBeGreaterThan(0);
    expect(settingsFor('staging').budget?.monthlyUsd).toBeGreaterThan(0);
    expect(settingsFor('dev').budget).toBeUndefined();
  });

  it('is a monthly cost budget in USD on the costs tagged with the stage', () => {
    templateOf('prod').resourceCountIs('AWS::Budgets::Budget', 1);
    templateOf('prod').hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: budget?.monthlyUsd, Unit: 'USD' },
        BudgetName: Match.absent(),
        FilterExpression: { Tags: { Key: COST_TAG_KEY, Values: ['prod'], MatchOptions: ['EQUALS'] } },
      },
    });
  });

  it('notifies the alarm topic at the actual and forecast percentages', () => {
    const stack = testApp.stacks.prod as ReleasesStack;
    const topicRef = { Ref: Stack.of(stack).getLogicalId(stack.alarmTopic?.node.defaultChild as CfnElement) };
    const subscribers = [{ SubscriptionType: 'SNS', Address: topicRef }];
    templateOf('prod').hasResourceProperties('AWS::Budgets::Budget', {
      NotificationsWithSubscribers: [
        {
          Notification: {
            NotificationType: 'ACTUAL',
            ComparisonOperator: 'GREATER_THAN',
            Threshold: budget?.actualPercent,
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: subscribers,
        },
        {
          Notification: {
            NotificationType: 'FORECASTED',
            ComparisonOperator: 'GREATER_THAN',
            Threshold: budget?.forecastPercent,
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: subscribers,
        },
      ],
    });
    expect(budget?.actualPercent).toBe(80);
    expect(budget?.forecastPercent).toBe(100);
  });

  it('may publish to the alarm topic, as Budgets of this account only', () => {
    templateOf('prod').hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'BudgetsPublish',
            Effect: 'Allow',
            Principal: { Service: 'budgets.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
  });

  it('tags the stage resources with the cost allocation tag', () => {
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::Lambda::Function',
      'AWS::S3::Bucket',
      'AWS::SQS::Queue',
    ]) {
      const resources = templateOf('prod').findResources(type);
      expect(Object.keys(resources).length).toBeGreaterThan(0);
      for (const resource of Object.values(resources)) {
        const props = resource.Properties as { Tags?: unknown; TagSpecifications?: unknown };
        expect(JSON.stringify(props.Tags ?? props.TagSpecifications)).toContain(
          JSON.stringify({ Key: COST_TAG_KEY, Value: 'prod' }),
        );
      }
    }
  });
});

describe('a stage without a budget', () => {
  it('has none, and its resources still carry the tag', () => {
    templateOf('dev').resourceCountIs('AWS::Budgets::Budget', 0);
    templateOf('dev').hasResourceProperties('AWS::DynamoDB::Table', {
      Tags: Match.arrayWith([{ Key: COST_TAG_KEY, Value: 'dev' }]),
    });
  });
});

describe('a budget on a stage without an alarm topic', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'releases-budget-test-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const stackWith = (name: string, budget: StageSettings['budget']) => {
    const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const settings: StageSettings = { ...settingsFor(name), budget };
    return new ReleasesStack(app, `Releases-${name}`, { settings, entries: FIXTURE_ENTRIES });
  };

  it('notifies its emails only', () => {
    const emails = ['ops@example.org', 'dev@example.org'];
    const template = Template.fromStack(
      stackWith('alice', { monthlyUsd: 20, actualPercent: 50, forecastPercent: 90, emails }),
    );
    const subscribers = emails.map((address) => ({ SubscriptionType: 'EMAIL', Address: address }));
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetLimit: { Amount: 20, Unit: 'USD' } },
      NotificationsWithSubscribers: [
        { Notification: { NotificationType: 'ACTUAL', Threshold: 50 }, Subscribers: subscribers },
        { Notification: { NotificationType: 'FORECASTED', Threshold: 90 }, Subscribers: subscribers },
      ],
    });
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
  });

  it('is refused when nobody would be notified', () => {
    expect(() =>
      stackWith('bob', { monthlyUsd: 20, actualPercent: 80, forecastPercent: 100, emails: [] }),
    ).toThrow(/no alarm topic and no email/);
  });
});
