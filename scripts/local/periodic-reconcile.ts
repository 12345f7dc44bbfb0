/**
 * The local stack's reconcile: one run at a time (a call during a run joins it), a failure logged,
 * and the periodic runs, spaced by how long the last runs took, and put off while the pipeline is
 * busy: during a bulk load, markers older than the local grace belong to releases still queued,
 * not lost ones, and repairing them only adds to the queue.
 */
import type { LocalFunctions } from './stack-functions.js';

export interface Reconciler {
  /** Runs one reconcile now, or joins the run under way (no-op without a reconcile function). */
  reconcile(): Promise<void>;
  /** Starts the periodic runs; the function returned stops them and waits for a run under way. */
  startPeriodic(interval: number): () => Promise<void>;
}

export function makeReconciler(
  functions: Pick<LocalFunctions, 'reconcile'>,
  log: (line: string) => void,
  /** True while events or index requests are in flight: a periodic run waits for the next turn. */
  busy: () => boolean = () => false,
): Reconciler {
  let reconciling: Promise<void> | undefined;
  const reconcile = (): Promise<void> => {
    if (!functions.reconcile) return Promise.resolve();
    const run = functions.reconcile;
    reconciling ??= (async () => {
      try {
        await run();
      } catch (error) {
        log(`reconcile failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        reconciling = undefined;
      }
    })();
    return reconciling;
  };
  const startPeriodic = (interval: number): (() => Promise<void>) => {
    // Each run reads every source and release item: on a big local corpus, space the runs at
    // ten times the shorter of the last two runs at least, so reconciling never dominates the
    // machine. The shorter of two, so one slow run (a cold start, a busy machine) stretches nothing.
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    let previousMs = 0;
    const schedule = (delay: number) => {
      timer = setTimeout(async () => {
        if (busy()) {
          if (!stopped) schedule(interval);
          return;
        }
        const began = Date.now();
        await reconcile();
        const tookMs = Date.now() - began;
        const spacing = Math.max(interval, 10 * Math.min(previousMs, tookMs));
        previousMs = tookMs;
        if (!stopped) schedule(spacing);
      }, delay);
      timer.unref();
    };
    schedule(interval);
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await reconciling;
    };
  };
  return { reconcile, startPeriodic };
}
