/**
 * What one scheduled reconcile run may spend, and the meter that holds it to that: read units as
 * DynamoDB reports them (consumed capacity), requests and time. A run checks the meter before each
 * request, so it ends within its budget plus the one request in flight.
 */

export interface SweepBudget {
  /** Read units (eventually consistent reads: 0.5 per 4 KB) across the scan and point reads. */
  readUnits: number;
  /** DynamoDB requests (scan pages and batch reads). */
  requests: number;
  /** Milliseconds of checking (the listing and the fixes come after). */
  millis: number;
}

/**
 * 250,000 read units is 2 GB of table scanned at most: about 1,000 scan pages of 1 MB. With the
 * point reads that come with them, a run takes a few minutes of its function's 15.
 */
export const DEFAULT_SWEEP_BUDGET: SweepBudget = {
  readUnits: 250_000,
  requests: 10_000,
  millis: 8 * 60_000,
};

export class Meter {
  readUnits = 0;
  requests = 0;
  private readonly started: number;

  constructor(
    readonly budget: SweepBudget,
    private readonly clock: () => number = Date.now,
  ) {
    this.started = clock();
  }

  add(readUnits: number, requests: number): void {
    this.readUnits += readUnits;
    this.requests += requests;
  }

  get millis(): number {
    return this.clock() - this.started;
  }

  /** Whether the run may start another request, keeping `reserve` of the budget for later. */
  allows(reserve: { readUnits: number; requests: number } = { readUnits: 0, requests: 0 }): boolean {
    return (
      this.readUnits < this.budget.readUnits - reserve.readUnits &&
      this.requests < this.budget.requests - reserve.requests &&
      this.millis < this.budget.millis
    );
  }
}
