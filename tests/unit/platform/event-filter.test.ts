/**
 * The projector's event source filters as the local stack applies them (the same patterns the CDK
 * stack gives Lambda): release items and repair requests pass; the projector's own state writes,
 * claims, pending markers and the word index's items do not.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { matchesAnyFilter, matchesFilter } from '#platform/event-filter.js';
import { PROJECTOR_FILTERS } from '#table/table-layout.js';

function record(keys: { pk: string; sk: string }, newImage?: Record<string, unknown>) {
  return {
    eventName: newImage ? 'MODIFY' : 'REMOVE',
    dynamodb: {
      Keys: marshall(keys),
      ...(newImage ? { NewImage: marshall({ ...keys, ...newImage }) } : {}),
    },
  };
}

describe('the projector filters', () => {
  it('pass release items and repair requests, nothing else', () => {
    const passes = (r: unknown) => matchesAnyFilter(PROJECTOR_FILTERS, r);
    expect(passes(record({ pk: 'R#a', sk: 'META' }, { title: 'x' }))).toBe(true);
    expect(passes(record({ pk: 'R#a', sk: 'META' }))).toBe(true);
    expect(passes(record({ pk: 'R#a', sk: 'P' }, { repair: '[]' }))).toBe(true);
    // The projector's own state write carries no repair attribute: it never comes back to it.
    expect(passes(record({ pk: 'R#a', sk: 'P' }, { date: '2024-01-01' }))).toBe(false);
    expect(passes(record({ pk: 'R#a', sk: 'P' }))).toBe(false);
    expect(passes(record({ pk: 'R#a', sk: 'K#a.md' }, { key: 'a.md' }))).toBe(false);
    expect(passes(record({ pk: 'R#a', sk: 'S' }, { version: 'v' }))).toBe(false);
    expect(passes(record({ pk: 'PENDING#03', sk: 'a' }, { at: 't' }))).toBe(false);
    expect(passes(record({ pk: 'W#kauri', sk: '2024#abc' }, { e: 'x' }))).toBe(false);
    expect(passes(record({ pk: 'L#ALL', sk: '2024-01-01#a' }, { t: 'x' }))).toBe(false);
  });

  it('refuses a rule it does not know rather than guess', () => {
    expect(() => matchesFilter({ a: [{ suffix: 'x' }] }, { a: 'yx' })).toThrow(/unsupported/);
  });

  it('lets a missing key pass only `exists: false`', () => {
    expect(matchesFilter({ a: { b: [{ exists: false }] } }, {})).toBe(true);
    expect(matchesFilter({ a: { b: [{ exists: true }] } }, {})).toBe(false);
  });
});
