/**
 * What the cost model takes from a stage's settings (infra/stages.ts) and from its synthesized
 * template (alarm and dashboard counts, checked against a synthesized stack by
 * tests/infra/observability.test.ts).
 */
import { settingsFor } from '#infra/stages.js';

export interface StageFacts {
  readonly stage: string;
  /** Memory of each function, MiB. */
  readonly memoryMiB: {
    readonly api: number;
    readonly ingest: number;
    readonly project: number;
    readonly index: number;
    readonly reconcile: number;
  };
  readonly reconcileRunsPerMonth: number;
  readonly pointInTimeRecovery: boolean;
  readonly logRetentionMonths: number;
  readonly alarms: number;
  readonly dashboards: number;
  readonly secrets: number;
}

/** CloudWatch alarms and dashboards every stage's stack creates. */
export const STACK_ALARMS = 12;
export const STACK_DASHBOARDS = 1;

const HOURS_PER_MONTH = 730;

export function stageFacts(stage: string): StageFacts {
  const settings = settingsFor(stage);
  const f = settings.functions;
  const every = settings.reconcileEvery?.toHours();
  return {
    stage,
    memoryMiB: {
      api: f.api.memorySize,
      ingest: f.ingest.memorySize,
      project: f.project.memorySize,
      index: f.index.memorySize,
      reconcile: f.reconcile.memorySize,
    },
    reconcileRunsPerMonth: every === undefined ? 0 : HOURS_PER_MONTH / every,
    pointInTimeRecovery: settings.pointInTimeRecovery,
    logRetentionMonths: Math.min(settings.logRetention / 30.4, 120),
    alarms: STACK_ALARMS,
    dashboards: STACK_DASHBOARDS,
    secrets: 1,
  };
}
