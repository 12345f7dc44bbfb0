/**
 * The local stack's periodic reconcile: runs on its interval, one at a time, and waits while the
 * pipeline is busy (a bulk load's queued releases are not stuck ones).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeReconciler } from '../../../scripts/local/periodic-reconcile.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('the periodic local reconcile', () => {
  it('puts runs off while events or index requests are in flight, then runs', async () => {
    vi.useFakeTimers();
    let runs = 0;
    let busy = true;
    const reconciler = makeReconciler(
      {
        reconcile: async () => {
          runs += 1;
          return undefined as never;
        },
      },
      () => {},
      () => busy,
    );
    const stop = reconciler.startPeriodic(1_000);
    await vi.advanceTimersByTimeAsync(5_500);
    expect(runs).toBe(0);
    busy = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(1);
    await stop();
  });

  it('runs on its interval when the pipeline is idle, and a call during a run joins it', async () => {
    vi.useFakeTimers();
    let runs = 0;
    const reconciler = makeReconciler(
      {
        reconcile: async () => {
          runs += 1;
          return undefined as never;
        },
      },
      () => {},
    );
    const stop = reconciler.startPeriodic(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(1);
    await Promise.all([reconciler.reconcile(), reconciler.reconcile()]);
    expect(runs).toBe(2);
    await stop();
  });
});
