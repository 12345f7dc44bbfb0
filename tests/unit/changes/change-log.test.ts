/**
 * The change log's projection rules on an in-memory store: one item per release, replays and
 * older changes change nothing, an interrupted write is finished by its replay, and a write that
 * landed later than the bound is logged again at a later position.
 */
import { describe, expect, it } from 'vitest';
import {
  type ChangeItem,
  ChangeLogProjection,
  type ChangeLogStore,
  type ChangePointerItem,
  compareSequence,
} from '#changes/change-log.js';
import type { Release } from '#release/release.js';
import type { ReleaseImageChange } from '#table/release-change.js';
import type { ReleaseItem } from '#table/table-layout.js';

class MemoryStore implements ChangeLogStore {
  pointers = new Map<string, ChangePointerItem>();
  items = new Map<string, ChangeItem>();
  days = new Set<string>();
  /** Throws once before the item put of this call number (a crash between writes). */
  failItemPut = false;
  onItemPut: () => void = () => {};

  async pointer(id: string) {
    return this.pointers.get(id);
  }
  async hasItem(position: string) {
    return this.items.has(position);
  }
  async putPointer(item: ChangePointerItem) {
    this.pointers.set(item.pk.slice(2), structuredClone(item));
  }
  async putItem(item: ChangeItem) {
    if (this.failItemPut) {
      this.failItemPut = false;
      throw new Error('crash');
    }
    this.items.set(item.sk, item);
    this.onItemPut();
  }
  async deleteItems(positions: readonly string[]) {
    for (const p of positions) this.items.delete(p);
  }
  async putDay(day: string) {
    this.days.add(day);
  }
}

const release: Release = {
  id: 'r',
  title: 'A "quoted" title',
  date: '2025-01-01',
  url: null,
  ministers: [{ slug: 'hon-minister', name: 'Hon Ministèr' }],
  portfolios: [],
  summary: 'A summary.',
  body: 'Line one\nLine "two" — with ünïcode and a control \u0001 character, and 😀.',
  extra: {},
};
const updatedAt = (rev: number) => new Date(Date.UTC(2025, 0, 1) + rev * 1000).toISOString();
const item = (rev: number) => ({ id: 'r', rev, sourceKey: 'r.md', updatedAt: updatedAt(rev) }) as ReleaseItem;
const change = (seq: string, rev: number | undefined): ReleaseImageChange => ({
  id: 'r',
  ...(rev !== undefined ? { after: item(rev) } : {}),
  sequenceNumber: seq,
  at: '2025-01-01T00:00:00.000Z',
});

function setup(start = Date.parse('2025-03-04T05:06:07.000Z')) {
  let clock = start;
  const store = new MemoryStore();
  const log = new ChangeLogProjection(store, { now: () => clock, writeBoundMillis: 2000 });
  return { store, log, tick: (ms: number) => (clock += ms), now: () => clock };
}

describe('change log projection', () => {
  it('keeps one item per release, at a later position for each change, and tombstones with a TTL', async () => {
    const { store, log, tick } = setup();
    await log.apply(change('100', 1), release);
    tick(10);
    await log.apply(change('200', 2), release);
    expect([...store.items.values()].map((i) => [i.sk, i.type, i.rev])).toEqual([
      ['2025-03-04T05:06:07.010Z#r', 'upsert', 2],
    ]);
    expect(store.days).toEqual(new Set(['2025-03-04']));
    tick(10);
    await log.apply(change('300', undefined), undefined);
    const [tombstone, ...rest] = store.items.values();
    expect(rest).toEqual([]);
    expect(tombstone?.type).toBe('delete');
    expect(tombstone?.expiresAt).toBe(Math.floor(Date.parse('2025-03-04T05:06:07.020Z') / 1000) + 35 * 86400);
    expect(store.pointers.get('r')?.expiresAt).toBe(tombstone?.expiresAt);
  });

  it('logs nothing for a repair of a state already logged, and logs a change the log missed', async () => {
    const { store, log, tick } = setup();
    const at = (rev: number, updatedAt: string): ReleaseImageChange => ({
      id: 'r',
      after: { id: 'r', rev, updatedAt } as ReleaseItem,
      sequenceNumber: String(rev * 100),
      at: updatedAt,
    });
    await log.apply(at(1, '2025-01-01T00:00:00.000Z'), release);
    const [first] = store.items.keys();
    tick(10);
    // A repair (a later record) of the same state: the feed stays as it is.
    await log.apply({ ...at(1, '2025-01-01T00:00:00.000Z'), sequenceNumber: '150' }, release);
    expect([...store.items.keys()]).toEqual([first]);
    // The change of rev 2 never reached the log (its batch was dead-lettered); the repair that
    // finds rev 3 in the table logs it, later in the feed.
    await log.apply({ ...at(3, '2025-01-03T00:00:00.000Z'), sequenceNumber: '400' }, release);
    const [latest, ...rest] = store.items.values();
    expect(rest).toEqual([]);
    expect((latest?.sk ?? '') > (first ?? '')).toBe(true);
    expect(latest?.rev).toBe(3);
  });

  it('ignores replays and older changes, and never moves a release back in time', async () => {
    const { store, log, tick } = setup();
    await log.apply(change('200', 2), release);
    const [first] = store.items.keys();
    tick(100);
    await log.apply(change('200', 2), release);
    await log.apply(change('100', 1), release);
    await log.apply(change('', 2), release);
    expect([...store.items.keys()]).toEqual([first]);
    // A clock behind the previous position: the next change still goes after it.
    tick(-5000);
    await log.apply(change('300', 3), release);
    const [next] = store.items.keys();
    expect(next && first && next > first).toBe(true);
  });

  it('a replay finishes a change interrupted between the pointer and the item', async () => {
    const { store, log, tick } = setup();
    await log.apply(change('100', 1), release);
    tick(10);
    store.failItemPut = true;
    await expect(log.apply(change('200', 2), release)).rejects.toThrow('crash');
    tick(10);
    await log.apply(change('200', 2), release);
    expect([...store.items.values()].map((i) => [i.sk, i.rev])).toEqual([['2025-03-04T05:06:07.020Z#r', 2]]);
  });

  it('logs a change again at a new position when its write landed later than the bound', async () => {
    const { store, log, tick } = setup();
    let slow = true;
    store.onItemPut = () => {
      if (slow) tick(2500);
      slow = false;
    };
    await log.apply(change('100', 1), release);
    const positions = [...store.items.keys()];
    expect(positions).toEqual(['2025-03-04T05:06:09.500Z#r']);
  });

  it('a reprojection logs only releases the log has never seen', async () => {
    const { store, log } = setup();
    await log.apply(change('', 4), release);
    expect([...store.items.values()].map((i) => [i.seq, i.rev])).toEqual([['', 4]]);
    await log.apply(change('5', 5), release);
    expect([...store.items.values()].map((i) => [i.seq, i.rev])).toEqual([['5', 5]]);
  });

  it('records the UTF-8 size of the release as /changes serves it on upserts, none on deletes', async () => {
    const { store, log, tick } = setup();
    await log.apply(change('100', 1), release);
    const [upsert] = store.items.values();
    const served = (rev: number) => ({ ...release, source: { key: 'r.md' }, updatedAt: updatedAt(rev) });
    expect(upsert?.bytes).toBe(Buffer.byteLength(JSON.stringify(served(1)), 'utf8'));
    // A release item without `extra` is served with `{}`.
    const { extra: _extra, ...bare } = release;
    tick(10);
    await log.apply(change('200', 2), bare as Release);
    expect([...store.items.values()][0]?.bytes).toBe(Buffer.byteLength(JSON.stringify(served(2)), 'utf8'));
    tick(10);
    await log.apply(change('300', undefined), undefined);
    expect([...store.items.values()][0]?.bytes).toBeUndefined();
  });

  it('compares sequence numbers as numbers', () => {
    expect(compareSequence('99', '100')).toBeLessThan(0);
    expect(compareSequence('100', '99')).toBeGreaterThan(0);
    expect(compareSequence('', '1')).toBeLessThan(0);
    expect(compareSequence('42', '42')).toBe(0);
  });
});
