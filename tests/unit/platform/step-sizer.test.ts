import { describe, expect, it } from 'vitest';
import { StepSizer } from '#platform/step-sizer.js';

describe('StepSizer', () => {
  const sizing = { first: 200, max: 2000, reserveMillis: 30_000 };

  it('takes the first size before any rate is known, and no more than is left', () => {
    expect(new StepSizer(sizing).next(10_000, 300_000)).toBe(200);
    expect(new StepSizer(sizing).next(50, 300_000)).toBe(50);
  });

  it('sizes later steps to half the time above the reserve, at the measured rate', () => {
    const steps = new StepSizer(sizing);
    steps.record(200, 20_000); // 100 ms a release
    // (130 000 - 30 000) / 2 = 50 000 ms: 500 releases.
    expect(steps.next(10_000, 130_000)).toBe(500);
    // Plenty of time: the largest step.
    expect(steps.next(10_000, 900_000_000)).toBe(2000);
    // The rate is the mean of every step so far.
    steps.record(300, 10_000); // 500 in 30 000 ms: 60 ms a release
    expect(steps.next(10_000, 90_000)).toBe(500);
  });

  it('starts no step below the reserve, and a single item only when one is expected to fit', () => {
    const steps = new StepSizer(sizing);
    expect(steps.next(10, 30_000)).toBe(0);
    expect(steps.next(10, 29_999)).toBe(0);
    steps.record(10, 20_000); // 2 s an item
    expect(steps.next(10, 33_000)).toBe(1); // 3 s spare: one item, not 1.5 s of them
    expect(steps.next(10, 31_500)).toBe(0); // 1.5 s spare: an item would outrun it
  });

  it('sizes the first step from a rate measured before, and reports only its own', () => {
    const steps = new StepSizer(sizing, { items: 1000, millis: 50_000 }); // 50 ms a release
    // (130 000 - 30 000) / 2 = 50 000 ms: 1,000 releases.
    expect(steps.next(10_000, 130_000)).toBe(1000);
    expect(steps.rate()).toBeUndefined();
    steps.record(100, 20_000); // its own rate, 200 ms a release, replaces the one before
    expect(steps.next(10_000, 130_000)).toBe(250);
    expect(steps.rate()).toEqual({ items: 100, millis: 20_000 });
    // A rate without time says nothing: the first size.
    expect(new StepSizer(sizing, { items: 10, millis: 0 }).next(10_000, 130_000)).toBe(200);
  });

  it('takes the largest steps without a clock', () => {
    const steps = new StepSizer(sizing);
    expect(steps.next(5000)).toBe(2000);
    expect(steps.next(0)).toBe(0);
  });
});
