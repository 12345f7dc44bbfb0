/**
 * Sizes the steps of a batch so that each step ends before the invocation's time runs short. A
 * step is the unit whose work is committed together (and retried together if the invocation is
 * cut off), so a step that outruns the timeout is lost whole and delivered again whole, for ever.
 * The first step is small, unless a rate measured before (a warm function's previous invocation)
 * is given; each later one is sized from the rate measured so far, to take at most a share of the
 * time left above the reserve. Without a clock (no Lambda context), steps take the largest size.
 */
export interface StepSizing {
  /** Items in the first step, before any rate is known. */
  first: number;
  /** Items in a step at most (bounds memory). */
  max: number;
  /** No step starts with less time left than this. */
  reserveMillis: number;
  /** Share of the time above the reserve that one step may plan to take. @default 0.5 */
  share?: number;
}

/** Items done in a time: a rate measured. */
export interface StepRate {
  items: number;
  millis: number;
}

export class StepSizer {
  private items = 0;
  private millis = 0;

  /** @param before a rate measured earlier, used until this sizer has measured its own */
  constructor(
    private readonly sizing: StepSizing,
    private readonly before?: StepRate,
  ) {}

  /** The rate this sizer measured (its own steps only); undefined before a step was recorded. */
  rate(): StepRate | undefined {
    return this.items > 0 && this.millis > 0 ? { items: this.items, millis: this.millis } : undefined;
  }

  /** Items in the next step, of `left` still to do; 0 when no step should start. */
  next(left: number, remainingMillis?: number): number {
    if (left <= 0) return 0;
    if (remainingMillis === undefined) return Math.min(left, this.sizing.max);
    const spare = remainingMillis - this.sizing.reserveMillis;
    if (spare <= 0) return 0;
    const known =
      this.rate() ??
      (this.before && this.before.items > 0 && this.before.millis > 0 ? this.before : undefined);
    if (!known) return Math.min(left, this.sizing.first, this.sizing.max);
    const perItem = known.millis / known.items;
    const fits = Math.floor((spare * (this.sizing.share ?? 0.5)) / perItem);
    // Too little time for the planned share: one item still, if one is expected to fit at all.
    if (fits < 1) return perItem < spare ? 1 : 0;
    return Math.min(left, this.sizing.max, fits);
  }

  /** A finished step: `items` took `millis`. */
  record(items: number, millis: number): void {
    this.items += items;
    this.millis += millis;
  }
}
