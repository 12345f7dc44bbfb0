/**
 * The alarms the pipeline constructs share: "at least `threshold` in one period" (missing data is
 * fine: no failures were reported), and their state changes sent to the stage's topic when it has
 * one.
 */

import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export function atLeastAlarm(
  scope: Construct,
  id: string,
  description: string,
  metric: IMetric,
  threshold = 1,
): Alarm {
  return new Alarm(scope, id, {
    alarmDescription: description,
    metric,
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}

/** Sends the alarms' state changes (into and out of alarm) to `topic`, if there is one. */
export function notifyOn(alarms: readonly Alarm[], topic: ITopic | undefined): void {
  if (!topic) return;
  const action = new SnsAction(topic);
  for (const alarm of alarms) {
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
}
