/**
 * The projector's pure rules: which list items a change writes and deletes, which entity months
 * it makes recount, and which body version it abandons; and the entity tally the seeding and the
 * reindex repair share.
 */
import { describe, expect, it } from 'vitest';
import {
  type ProjectorPorts,
  type ProjectorRecord,
  projectReleaseChanges,
} from '#projection/project-release-changes.js';
import {
  abandonedBody,
  addEntityMonth,
  type EntityMonth,
  listChanges,
  type Projected,
  touchedEntityMonths,
} from '#projection/projection.js';
import type { Release } from '#release/release.js';
import { stopListOf } from '#search/stop-list.js';
import { textBitsOf } from '#search/text-bits.js';
import { EntityTally, releaseItemFor } from '#table/release-items.js';
import type { ReleaseItem } from '#table/table-layout.js';

function release(fields: Partial<Release> = {}): Release {
  return {
    id: 'r',
    title: 'T',
    date: '2024-07-02',
    url: null,
    ministers: [{ slug: 'a', name: 'Hon A' }],
    portfolios: [{ slug: 'x', name: 'X' }],
    summary: 'S',
    body: 'B',
    extra: {},
    ...fields,
  };
}

function item(fields: Partial<Release> = {}, extra: Partial<ReleaseItem> = {}): ReleaseItem {
  return {
    ...releaseItemFor(release(fields), { key: 'k.md', sourceTime: 't', updatedAt: 't', rev: 1 }),
    ...extra,
  };
}

const keys = (items: Array<{ pk: string; sk: string }>) => items.map((i) => `${i.pk} ${i.sk}`).sort();

describe('listChanges', () => {
  it('puts every list item of a new release and deletes nothing', () => {
    const { put, remove } = listChanges({ after: item() });
    expect(keys(put)).toEqual([
      'L#ALL 2024-07-02#r',
      'L#M#a 2024-07-02#r',
      'L#MP#a#x 2024-07-02#r',
      'L#P#x 2024-07-02#r',
    ]);
    expect(remove).toEqual([]);
  });

  it('moves every list item when the date changes, and drops lists the release left', () => {
    const { put, remove } = listChanges({
      before: item(),
      after: item({ date: '2025-01-01', ministers: [{ slug: 'b', name: 'Hon B' }] }),
    });
    expect(keys(put)).toEqual([
      'L#ALL 2025-01-01#r',
      'L#M#b 2025-01-01#r',
      'L#MP#b#x 2025-01-01#r',
      'L#P#x 2025-01-01#r',
    ]);
    expect(keys(remove)).toEqual([
      'L#ALL 2024-07-02#r',
      'L#M#a 2024-07-02#r',
      'L#MP#a#x 2024-07-02#r',
      'L#P#x 2024-07-02#r',
    ]);
  });

  it('rewrites list items whose summary changed (and deletes none of them)', () => {
    const { put, remove } = listChanges({ before: item(), after: item({ title: 'New title' }) });
    expect(put.every((p) => p.t === 'New title')).toBe(true);
    expect(remove).toEqual([]);
  });

  it('deletes every list item of a removed release', () => {
    const { put, remove } = listChanges({ before: item() });
    expect(put).toEqual([]);
    expect(remove).toHaveLength(4);
  });

  it('converges when an older change is replayed after a newer one and the newer again', () => {
    const v1 = item();
    const v2 = item({ date: '2025-01-01' });
    const state = new Map<string, unknown>();
    const apply = (change: Parameters<typeof listChanges>[0]) => {
      const { put, remove } = listChanges(change);
      for (const p of put) state.set(`${p.pk} ${p.sk}`, p);
      for (const r of remove) state.delete(`${r.pk} ${r.sk}`);
    };
    apply({ after: v1 });
    apply({ before: v1, after: v2 });
    const settled = [...state.keys()].sort();
    apply({ after: v1 });
    apply({ before: v1, after: v2 });
    expect([...state.keys()].sort()).toEqual(settled);
  });
});

describe('touchedEntityMonths', () => {
  it('names the months of every entity before and after', () => {
    const touched = touchedEntityMonths({ before: item(), after: item({ date: '2025-01-01' }) });
    expect(touched.map((t) => `${t.kind} ${t.slug} ${t.month}`).sort()).toEqual([
      'all  2024-07',
      'all  2025-01',
      'minister a 2024-07',
      'minister a 2025-01',
      'portfolio x 2024-07',
      'portfolio x 2025-01',
    ]);
  });

  it('names the days of every release month, joined when a release moves within its month', () => {
    const touched = touchedEntityMonths({ before: item(), after: item({ date: '2024-07-19' }) });
    const all = touched.find((t) => t.kind === 'all');
    expect(all).toEqual({ kind: 'all', slug: '', month: '2024-07', days: ['02', '19'] });
    // Entity months keep no day items: they are recounted from their list items.
    expect(touched.filter((t) => t.kind !== 'all').every((t) => t.days === undefined)).toBe(true);
  });

  it('recounts a month whole once any change names it without days', () => {
    const into = new Map<string, EntityMonth>();
    addEntityMonth(into, { kind: 'all', slug: '', month: '2024-07', days: ['02'] });
    addEntityMonth(into, { kind: 'all', slug: '', month: '2024-07', days: ['09', '02'] });
    expect([...into.values()]).toEqual([{ kind: 'all', slug: '', month: '2024-07', days: ['02', '09'] }]);
    addEntityMonth(into, { kind: 'all', slug: '', month: '2024-07' });
    addEntityMonth(into, { kind: 'all', slug: '', month: '2024-07', days: ['11'] });
    expect([...into.values()]).toEqual([{ kind: 'all', slug: '', month: '2024-07' }]);
  });

  it('names none when nothing an entity shows changed', () => {
    expect(touchedEntityMonths({ before: item(), after: item({ title: 'Other', body: 'Other' }) })).toEqual(
      [],
    );
  });

  it('names the entities whose display name changed', () => {
    const after = item({ ministers: [{ slug: 'a', name: 'Rt Hon A' }] });
    expect(
      touchedEntityMonths({ before: item(), after })
        .map((t) => t.slug)
        .sort(),
    ).toEqual(['', 'a', 'x']);
  });
});

describe('abandonedBody', () => {
  it('is the old chunked version when the new item names another or none', () => {
    const old = item({}, { bodyHash: 'h1-aaaa', bodyChunks: 2 });
    expect(abandonedBody({ before: old, after: item({}, { bodyHash: 'h1-bbbb', bodyChunks: 2 }) })).toBe(
      'h1-aaaa',
    );
    expect(abandonedBody({ before: old, after: item() })).toBe('h1-aaaa');
    expect(abandonedBody({ before: old })).toBe('h1-aaaa');
  });

  it('is nothing when the version stays or the body was inline', () => {
    const old = item({}, { bodyHash: 'h1-aaaa', bodyChunks: 2 });
    expect(abandonedBody({ before: old, after: old })).toBeUndefined();
    expect(abandonedBody({ before: item(), after: item() })).toBeUndefined();
  });
});

describe('EntityTally', () => {
  it('counts per entity and month, and names each after its newest release', () => {
    const tally = new EntityTally();
    tally.add(release({ id: 'a1', date: '2024-01-05', ministers: [{ slug: 'a', name: 'A' }] }));
    tally.add(release({ id: 'a2', date: '2024-03-01', ministers: [{ slug: 'a', name: 'Rt Hon A' }] }));
    tally.add(release({ id: 'a3', date: '2024-01-20', ministers: [{ slug: 'a', name: 'Hon A' }] }));
    const [a] = tally.all('minister');
    expect(a).toMatchObject({ slug: 'a', name: 'Rt Hon A', count: 3, latestDate: '2024-03-01' });
    expect(Object.fromEntries(a?.months ?? [])).toEqual({ '2024-01': 2, '2024-03': 1 });
    expect(tally.items().filter((i) => i.pk.startsWith('EM#minister#a'))).toHaveLength(2);
  });
});

/** Ports with an in-memory projector state; each test overrides what it looks at. */
function portsWith(
  overrides: Partial<ProjectorPorts> = {},
): ProjectorPorts & { states: Map<string, Projected> } {
  const states = new Map<string, Projected>();
  const current = new Map<string, ReleaseItem>();
  return {
    states,
    lists: { async write() {} },
    bodies: {
      releaseOf: async (after: ReleaseItem) => release({ id: after.id }),
      deleteChunks: async () => {},
    },
    entities: {
      recountMonths: async () => {},
      recountEntities: async () => {},
      recountYears: async () => {},
      recountYearsAndEntities: async () => {},
    },
    state: {
      states: async (ids) =>
        new Map(ids.flatMap((id) => (states.has(id) ? [[id, states.get(id) as Projected]] : []))),
      currentReleases: async (ids) =>
        new Map(ids.flatMap((id) => (current.has(id) ? [[id, current.get(id) as ReleaseItem]] : []))),
      async writeStates(put, remove) {
        for (const state of put) states.set(state.id, state);
        for (const id of remove) states.delete(id);
      },
    },
    isTransient: (error) => error instanceof Error && error.message === 'throttled',
    ...overrides,
  };
}

const change = (id: string, after: ReleaseItem | undefined, sequenceNumber: string): ProjectorRecord => ({
  id,
  kind: 'change',
  ...(after ? { after } : {}),
  sequenceNumber,
  at: '2024-07-02T00:00:00.000Z',
});

describe('projectReleaseChanges', () => {
  it('retries the records of a release that failed on a transient error, and recounts the others', async () => {
    const recounted: string[] = [];
    const ports = portsWith({
      lists: {
        async write(put) {
          if (put.some((listItem) => listItem.sk.endsWith('#bad'))) throw new Error('throttled');
        },
      },
      entities: {
        recountMonths: async (months) => {
          for (const m of months) recounted.push(`${m.kind} ${m.slug} ${m.month}`);
        },
        recountEntities: async () => {},
        recountYears: async () => {},
        recountYearsAndEntities: async () => {},
      },
    });
    const result = await projectReleaseChanges(
      ports,
      [
        change('good', item({ id: 'good' }), '1'),
        change('bad', item({ id: 'bad', date: '2020-01-01' }), '2'),
        change('bad', item({ id: 'bad', date: '2021-01-01' }), '3'),
      ],
      { chunk: 1 },
    );
    expect(result.retry).toEqual(['2', '3']);
    expect(result.skipped).toEqual([]);
    expect(recounted.sort()).toEqual(['all  2024-07', 'minister a 2024-07', 'portfolio x 2024-07']);
    expect([...ports.states.keys()]).toEqual(['good']);
  });

  it('skips a release that fails for good (its marker stays for the reconcile) and never holds up the batch', async () => {
    const errors: string[] = [];
    const ports = portsWith({
      bodies: {
        releaseOf: async (after) => {
          if (after.id === 'poison') throw new Error('cannot parse');
          return release({ id: after.id });
        },
        deleteChunks: async () => {},
      },
      onError: (_error, id, retried) => errors.push(`${id} ${retried}`),
    });
    const result = await projectReleaseChanges(ports, [
      change('poison', item({ id: 'poison' }), '1'),
      change('fine', item({ id: 'fine' }), '2'),
    ]);
    expect(result.retry).toEqual([]);
    expect(result.skipped).toEqual(['poison']);
    expect(errors).toEqual(['poison false']);
    expect([...ports.states.keys()]).toEqual(['fine']);
  });

  it('stops starting releases when time runs short and hands the rest back for a retry', async () => {
    let left = 60_000;
    const ports = portsWith({
      remainingMillis: () => left,
      lists: {
        async write() {
          left -= 30_000;
        },
      },
    });
    const records = ['a', 'b', 'c'].map((id, i) => change(id, item({ id }), String(i + 1)));
    const result = await projectReleaseChanges(ports, records, { chunk: 1, reserveMillis: 10_000 });
    expect(result.outOfTime).toBe(true);
    expect(result.retry).toEqual(['3']);
    expect([...ports.states.keys()].sort()).toEqual(['a', 'b']);
  });

  it('diffs against its own state, so a change it never saw is undone by the next', async () => {
    const removed: string[] = [];
    const ports = portsWith({
      lists: {
        async write(_put, remove) {
          removed.push(...remove.map((key) => `${key.pk} ${key.sk}`));
        },
      },
    });
    await projectReleaseChanges(ports, [change('r', item({ date: '2020-01-01' }), '1')]);
    // The move to 2021 was never delivered (a dead-lettered batch); the move to 2022 is, and its
    // old image says 2021: the 2020 list items must still go.
    const moved: ProjectorRecord = {
      ...change('r', item({ date: '2022-01-01' }), '3'),
      before: item({ date: '2021-01-01' }),
    };
    await projectReleaseChanges(ports, [moved]);
    expect(removed.length).toBeGreaterThan(0);
    expect(removed.every((key) => key.includes('2020-01-01'))).toBe(true);
    expect(ports.states.get('r')?.date).toBe('2022-01-01');
  });

  it('projects what the table holds now on a repair request, and hands the release to the indexer', async () => {
    const requested: string[] = [];
    const ports = portsWith({
      index: { request: async (requests) => void requested.push(...requests.map((r) => r.id)) },
    });
    const now = item({ date: '2023-03-03' }, { updatedAt: '2024-01-01T00:00:00.000Z' });
    ports.state.currentReleases = async () => new Map([['r', now]]);
    await projectReleaseChanges(ports, [
      { id: 'r', kind: 'repair', sequenceNumber: '9', at: '2024-02-02T00:00:00.000Z' },
    ]);
    expect(ports.states.get('r')).toMatchObject({ date: '2023-03-03', at: '2024-01-01T00:00:00.000Z' });
    expect(requested).toEqual(['r']);
  });

  it('writes the stop-word bits of the release into its list items, and none when the body version is gone', async () => {
    const written: Array<{ tbv?: string; tb?: Uint8Array }> = [];
    const stop = stopListOf(['budget', 'the']);
    const ports = (current: boolean) =>
      portsWith({
        lists: {
          async write(put) {
            written.push(...put);
          },
        },
        bodies: {
          releaseOf: async (after: ReleaseItem) =>
            current ? release({ id: after.id, title: 'The Budget', body: 'Nothing else' }) : undefined,
          deleteChunks: async () => {},
        },
        textBits: async (r: Release) => textBitsOf(stop, r),
      });
    await projectReleaseChanges(ports(true), [change('r', item(), '1')]);
    expect(written.length).toBe(4);
    for (const listItem of written) {
      expect(listItem.tbv).toBe(stop.version);
      expect([...(listItem.tb ?? [])]).toEqual([0b11]);
    }
    written.length = 0;
    await projectReleaseChanges(ports(false), [change('r', item(), '2')]);
    expect(written.map((listItem) => listItem.tb)).toEqual([undefined, undefined, undefined, undefined]);
  });
});
