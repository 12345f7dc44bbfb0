/**
 * What one `q` request may spend: read units as DynamoDB reports them (each read asks for its
 * consumed capacity), DynamoDB requests, and time on an injected clock. The readers report every
 * response to a `ReadMeter`; a `RequestBudget` is the share of one request, checked before each
 * read it would start, with that read's estimated cost.
 */

export interface ReadLimits {
  /** Read units one request may consume (eventually consistent: half a unit per 4 KB). */
  maxReadUnits: number;
  /** DynamoDB requests one request may make (a BatchGetItem, a Query page, a GetItem: one each). */
  maxRequests: number;
  /** Time one request may take, well inside API Gateway's 30 s. */
  maxMillis: number;
}

/** Share of the read units held back when sizing a batch by estimates. */
export const HEADROOM = 0.1;

/** Share of a request's budget the planning (probes, vocabularies) may use: the rest is the walk's. */
export const PLANNING_SHARE = 0.5;

/** Counts what the readers report: one entry per DynamoDB response. */
export class ReadMeter {
  units = 0;
  requests = 0;

  readonly record = (units: number): void => {
    this.units += units;
    this.requests += 1;
  };
}

/** What a request has spent so far. */
export interface Spent {
  units: number;
  requests: number;
  millis: number;
}

export class RequestBudget {
  /**
   * An earlier page of the same request (a count over several pages) has moved on already, so
   * this one need not: its walk stops as soon as a read does not fit, even before it examines
   * anything, and hands back the position it started from.
   */
  resumed = false;
  private readonly startUnits: number;
  private readonly startRequests: number;
  private readonly startedAt: number;

  constructor(
    private readonly meter: ReadMeter | undefined,
    readonly limits: ReadLimits,
    private readonly now: () => number,
  ) {
    this.startUnits = meter?.units ?? 0;
    this.startRequests = meter?.requests ?? 0;
    this.startedAt = now();
  }

  spent(): Spent {
    return {
      units: (this.meter?.units ?? 0) - this.startUnits,
      requests: (this.meter?.requests ?? 0) - this.startRequests,
      millis: this.now() - this.startedAt,
    };
  }

  /**
   * Whether reads of about `units` read units in `requests` requests may start: they fit in what
   * is left of `share` of the budget, and the time is not up.
   */
  allows(requests: number, units: number, share = 1): boolean {
    const spent = this.spent();
    return (
      spent.millis < this.limits.maxMillis * share &&
      spent.requests + requests <= this.limits.maxRequests * share &&
      spent.units + units <= this.limits.maxReadUnits * share
    );
  }

  /**
   * How many items of about `unitsEach` read units, read in one request, still fit (0 when none,
   * or when the time is up), at most `most`.
   */
  itemsThatFit(unitsEach: number, most: number): number {
    if (!this.allows(1, 0)) return 0;
    // A tenth held back: an estimate (an average of the items read before) may fall short.
    const left = this.limits.maxReadUnits * (1 - HEADROOM) - this.spent().units;
    return Math.max(0, Math.min(most, Math.floor(left / Math.max(unitsEach, 0.0001))));
  }
}

/**
 * The read units an item of one kind costs, learned from the reads of a request: `initial` until
 * one has been read, then the most seen per item (BatchGetItem rounds each item up to 4 KB).
 */
export class ItemCost {
  private most: number;

  constructor(initial: number) {
    this.most = initial;
  }

  get each(): number {
    return this.most;
  }

  /** Learns from a read of `items` items that cost `units`. */
  learn(units: number, items: number): void {
    if (items > 0 && units > 0) this.most = Math.max(this.most, units / items);
  }

  /** Runs `read` of `items` items, learning its cost from the budget's meter. */
  async measure<T>(budget: RequestBudget, items: number, read: () => Promise<T>): Promise<T> {
    const before = budget.spent().units;
    const out = await read();
    this.learn(budget.spent().units - before, items);
    return out;
  }
}
