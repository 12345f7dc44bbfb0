/**
 * Where a `/changes` page stops, before its bodies are read: recorded sizes decide, items without
 * one are read one at a time and a bounded number per page, and every page makes progress.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChangeItem } from '#changes/change-log.js';
import { cutChangePage, type FetchReleases, type PageBudget } from '#query/change-page.js';
import type { StoredRelease } from '#release/release.js';

interface Fixture {
  id: string;
  type: 'upsert' | 'delete';
  /** The release's real size (what a read costs). */
  size: number;
  /** Whether the change item records it. */
  recorded: boolean;
  /** Whether the release was rewritten since (its item names an older revision). */
  stale?: boolean;
}

function setup(fixtures: readonly Fixture[]) {
  const items: ChangeItem[] = fixtures.map((f, i) => ({
    pk: 'C#2025-01-01',
    sk: `2025-01-01T00:00:00.${String(i).padStart(3, '0')}Z#${f.id}`,
    id: f.id,
    type: f.type,
    at: '2025-01-01T00:00:00.000Z',
    seq: String(i + 1),
    ...(f.type === 'upsert' ? { rev: 1 } : {}),
    ...(f.type === 'upsert' && f.recorded ? { bytes: f.size } : {}),
  }));
  const byId = new Map(fixtures.map((f) => [f.id, f]));
  const calls: string[][] = [];
  let bytesRead = 0;
  const fetch: FetchReleases = async (wanted) => {
    calls.push(wanted.map((w) => w.id));
    const found = new Map<string, { rev: number; release: StoredRelease }>();
    for (const { id, rev } of wanted) {
      const f = byId.get(id);
      if (!f) continue;
      const current = f.stale ? rev + 1 : rev;
      // The reader reads a body only for a release at the revision asked for.
      if (current !== rev) continue;
      bytesRead += f.size;
      found.set(id, { rev: current, release: { id, body: 'x'.repeat(f.size) } as StoredRelease });
    }
    return found;
  };
  const measure = (release: StoredRelease) => release.body.length;
  return {
    items,
    calls,
    read: () => bytesRead,
    cut: (from: number, budget: PageBudget) => cutChangePage(items.slice(from), budget, fetch, measure),
  };
}

const upsert = (id: string, size: number, recorded = true): Fixture => ({
  id,
  type: 'upsert',
  size,
  recorded,
});
const BUDGET: PageBudget = { maxBytes: 1000, maxUnknownSizes: 3 };

describe('cutting a /changes page', () => {
  it('stops where the recorded sizes pass the limit and reads only the bodies it serves, in one read', async () => {
    const page = setup([upsert('a', 400), upsert('b', 400), upsert('c', 400), upsert('d', 100)]);
    const cut = await page.cut(0, BUDGET);
    expect(cut.examined.map((i) => i.id)).toEqual(['a', 'b']);
    expect([...cut.releases.keys()].map((sk) => sk.split('#')[1])).toEqual(['a', 'b']);
    expect(page.calls).toEqual([['a', 'b']]);
    expect(page.read()).toBe(800);
    expect(cut.bytes).toBe(800);
  });

  it('serves a release over the limit alone when it comes first, and stops before it otherwise', async () => {
    const page = setup([upsert('small', 10), upsert('huge', 5_000_000), upsert('after', 10)]);
    const first = await page.cut(0, BUDGET);
    expect(first.examined.map((i) => i.id)).toEqual(['small']);
    const second = await page.cut(1, BUDGET);
    expect(second.examined.map((i) => i.id)).toEqual(['huge']);
    expect(second.releases.size).toBe(1);
    expect(page.read()).toBe(5_000_010);
  });

  it('counts no bytes for deletes, and passes over rewritten releases without reading their bodies', async () => {
    const page = setup([
      { id: 'gone', type: 'delete', size: 0, recorded: false },
      { ...upsert('old', 900), stale: true },
      upsert('b', 100),
      upsert('c', 100),
    ]);
    const cut = await page.cut(0, BUDGET);
    // The stale item's recorded size still counts: the page stops before c.
    expect(cut.examined.map((i) => i.id)).toEqual(['gone', 'old', 'b']);
    expect([...cut.releases.keys()].map((sk) => sk.split('#')[1])).toEqual(['b']);
    expect(page.read()).toBe(100);
  });

  it('reads items without a recorded size one at a time, and stops after the one that passes the limit', async () => {
    const page = setup([
      upsert('k', 300),
      upsert('u1', 300, false),
      upsert('u2', 300, false),
      upsert('u3', 300, false),
    ]);
    const cut = await page.cut(0, BUDGET);
    expect(cut.examined.map((i) => i.id)).toEqual(['k', 'u1', 'u2']);
    // Each read has at most one item of unknown size; the known ones before it go with it.
    expect(page.calls).toEqual([['k', 'u1'], ['u2'], ['u3']]);
    // u3 was read to learn that it does not fit: the one body read and not served.
    expect(page.read()).toBe(1200);
    expect(cut.releases.size).toBe(3);
  });

  it('reads at most maxUnknownSizes items without a size per page', async () => {
    const page = setup(Array.from({ length: 10 }, (_, i) => upsert(`u${i}`, 1, false)));
    const cut = await page.cut(0, BUDGET);
    expect(cut.examined.map((i) => i.id)).toEqual(['u0', 'u1', 'u2']);
    expect(page.calls).toHaveLength(3);
  });

  it('over any log, pages follow each other through every item once, each reads at most its limit plus one unknown body', async () => {
    const fixture = fc.record({
      type: fc.constantFrom<'upsert' | 'delete'>('upsert', 'upsert', 'upsert', 'delete'),
      size: fc.integer({ min: 0, max: 2500 }),
      recorded: fc.boolean(),
      stale: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fixture, { maxLength: 40 }), async (raw) => {
        const fixtures = raw.map((f, i) => ({ ...f, id: `r${i}`, stale: f.stale && f.type === 'upsert' }));
        const page = setup(fixtures);
        const seen: string[] = [];
        let from = 0;
        while (from < page.items.length) {
          const before = page.read();
          const cut = await page.cut(from, BUDGET);
          expect(cut.examined.length).toBeGreaterThan(0);
          const read = page.read() - before;
          const largest = Math.max(0, ...fixtures.slice(from).map((f) => f.size));
          expect(read).toBeLessThanOrEqual(Math.max(BUDGET.maxBytes, largest) + largest);
          // A page reads what it serves, plus at most the body of the unknown-size item it stops at.
          const served = [...cut.releases.values()].reduce((sum, r) => sum + r.body.length, 0);
          const stoppedAt = fixtures[from + cut.examined.length];
          const unknownNext = stoppedAt?.type === 'upsert' && !stoppedAt.recorded && !stoppedAt.stale;
          expect(read - served).toBe(unknownNext && read > served ? stoppedAt.size : 0);
          // Only a page's first item may take it over the limit.
          if (cut.examined[0]?.type !== 'upsert' || cut.examined.slice(1).some((i) => i.type === 'upsert'))
            expect(cut.bytes).toBeLessThanOrEqual(BUDGET.maxBytes);
          seen.push(...cut.examined.map((i) => i.id));
          from += cut.examined.length;
        }
        expect(seen).toEqual(fixtures.map((f) => f.id));
      }),
      { numRuns: 200 },
    );
  });
});
