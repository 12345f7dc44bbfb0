/**
 * A monthly AWS Budgets cost budget for one stage: costs carrying the stage's cost allocation tag
 * (`COST_TAG_KEY` = the stage name, applied to every taggable resource of the stack), with two
 * notifications, the month's actual cost past one percentage of the limit and its forecast past
 * another, sent to the stage's alarm topic and to the emails of its settings. No budget name:
 * Budgets names are unique per account, so a fixed one would collide across regions.
 */
import { Stack } from 'aws-cdk-lib';
import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { BudgetSettings } from '#infra/stages.js';

/** AWS Budgets takes at most 10 email subscribers per notification. */
const MAX_EMAILS = 10;

export interface StageBudgetProps {
  readonly stage: string;
  readonly settings: BudgetSettings;
  /** The cost allocation tag's key; its value is the stage name. */
  readonly tagKey: string;
  /** @default - emails only */
  readonly topic?: ITopic;
}

export class StageBudget extends Construct {
  readonly budget: CfnBudget;

  constructor(scope: Construct, id: string, props: StageBudgetProps) {
    super(scope, id);
    const { settings, topic, stage } = props;
    if (!(settings.monthlyUsd > 0)) throw new Error(`Stage ${stage}: the budget must be over 0 USD`);
    if (!topic && settings.emails.length === 0) {
      throw new Error(`Stage ${stage} has a budget but no alarm topic and no email to notify`);
    }
    if (settings.emails.length > MAX_EMAILS) {
      throw new Error(`Stage ${stage}: a budget notifies at most ${MAX_EMAILS} emails`);
    }
    const subscribers: CfnBudget.SubscriberProperty[] = [
      ...(topic ? [{ subscriptionType: 'SNS', address: topic.topicArn }] : []),
      ...settings.emails.map((address) => ({ subscriptionType: 'EMAIL', address })),
    ];
    const notify = (notificationType: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      notification: {
        notificationType,
        comparisonOperator: 'GREATER_THAN',
        threshold,
        thresholdType: 'PERCENTAGE',
      },
      subscribers,
    });

    this.budget = new CfnBudget(this, 'Budget', {
      budget: {
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: settings.monthlyUsd, unit: 'USD' },
        filterExpression: { tags: { key: props.tagKey, values: [stage], matchOptions: ['EQUALS'] } },
      },
      notificationsWithSubscribers: [
        notify('ACTUAL', settings.actualPercent),
        notify('FORECASTED', settings.forecastPercent),
      ],
    });

    if (topic) {
      // Budgets publishes as its service principal, for budgets of this account only.
      const { account, partition } = Stack.of(this);
      topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'BudgetsPublish',
          principals: [new ServicePrincipal('budgets.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': account },
            ArnLike: { 'aws:SourceArn': `arn:${partition}:budgets::${account}:*` },
          },
        }),
      );
    }
  }
}
