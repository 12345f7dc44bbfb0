import { describe, expect, it } from 'vitest';
import { parentOf } from '#local/lifecycle.js';

describe('local stack lifecycle', () => {
  it("reads a process parent from /proc (to notice when npm start's launcher is killed)", () => {
    expect(parentOf(process.pid)).toBe(process.ppid);
    expect(parentOf(2 ** 22 + 12_345)).toBeUndefined();
  });
});
