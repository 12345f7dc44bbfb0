/**
 * List items as stored and as read back: `listItemsFor` writes the slim form (no `id`/`date`, short
 * names, a url that ends with the id stored without it), `listItemSummary` and `listItemBits` read
 * it, and the older form (the whole summary under its own names), into the very same summary.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReleaseSummary } from '#release/release.js';
import {
  listItemBits,
  listItemSummary,
  listItemsFor,
  listSortKey,
  type StoredListItem,
  summaryOf,
} from '#table/table-layout.js';

const bits = { version: 'abcdefgh', bits: new Uint8Array([0b101, 0, 7]) };

function summary(fields: Partial<ReleaseSummary> = {}): ReleaseSummary {
  return {
    id: 'budget-2025-delivers',
    title: 'Budget 2025 delivers',
    date: '2025-05-22',
    url: 'https://www.beehive.govt.nz/release/budget-2025-delivers',
    ministers: [
      { slug: 'nicola-willis', name: 'Hon Nicola Willis' },
      { slug: 'christopher-luxon', name: 'Rt Hon Christopher Luxon' },
    ],
    portfolios: [{ slug: 'finance', name: 'Finance' }],
    summary: 'The Government has delivered Budget 2025.',
    ...fields,
  };
}

/** A list item as written before the slim form: the whole summary, under its own names. */
function olderForm(release: ReleaseSummary, withBits = false): StoredListItem {
  return {
    pk: 'L#ALL',
    sk: listSortKey(release.date, release.id),
    ...summaryOf(release),
    ...(withBits ? { tbv: bits.version, tb: bits.bits } : {}),
  };
}

describe('listItemsFor', () => {
  it('stores the summary without id and date (they are the sort key), under short names', () => {
    const items = listItemsFor(summary(), bits);
    expect(items.map((item) => item.pk)).toEqual([
      'L#ALL',
      'L#M#nicola-willis',
      'L#M#christopher-luxon',
      'L#P#finance',
      'L#MP#nicola-willis#finance',
      'L#MP#christopher-luxon#finance',
    ]);
    for (const item of items) {
      expect(item).toEqual({
        pk: item.pk,
        sk: '2025-05-22#budget-2025-delivers',
        t: 'Budget 2025 delivers',
        up: 'https://www.beehive.govt.nz/release/',
        m: ['nicola-willis', 'Hon Nicola Willis', 'christopher-luxon', 'Rt Hon Christopher Luxon'],
        p: ['finance', 'Finance'],
        s: 'The Government has delivered Budget 2025.',
        tbv: 'abcdefgh',
        tb: bits.bits,
      });
    }
  });

  it('stores a url that does not end with the id whole, and none when there is none', () => {
    const [other] = listItemsFor(summary({ url: 'https://example.org/releases/42?x=1' }));
    expect(other).toMatchObject({ u: 'https://example.org/releases/42?x=1' });
    expect(other).not.toHaveProperty('up');
    const [none] = listItemsFor(summary({ url: null, ministers: [], portfolios: [] }));
    expect(none).toEqual({
      pk: 'L#ALL',
      sk: '2025-05-22#budget-2025-delivers',
      t: 'Budget 2025 delivers',
      m: [],
      p: [],
      s: 'The Government has delivered Budget 2025.',
    });
  });

  it('has no stop-word bits without bits', () => {
    for (const item of listItemsFor(summary())) {
      expect(item).not.toHaveProperty('tb');
      expect(item).not.toHaveProperty('tbv');
      expect(listItemBits(item)).toBeUndefined();
    }
  });
});

describe('listItemSummary', () => {
  it('reads back exactly the summary and bits listItemsFor was given', () => {
    for (const release of [
      summary(),
      summary({ url: null }),
      summary({ url: 'http://other.example/budget-2025-delivers/' }),
      summary({ ministers: [], portfolios: [] }),
    ]) {
      for (const item of listItemsFor(release, bits)) {
        expect(listItemSummary(item)).toEqual(summaryOf(release));
        expect(listItemBits(item)).toEqual(bits);
      }
    }
  });

  it('round-trips any summary (ids, urls and names of any text; a date never holds #)', () => {
    const ref = fc.record({ slug: fc.string(), name: fc.string() });
    const arbitrarySummary = fc.record({
      id: fc.string(),
      title: fc.string(),
      date: fc.string().filter((date) => !date.includes('#')),
      url: fc.option(fc.oneof(fc.string(), fc.webUrl()), { nil: null }),
      ministers: fc.array(ref, { maxLength: 4 }),
      portfolios: fc.array(ref, { maxLength: 4 }),
      summary: fc.string(),
    });
    fc.assert(
      fc.property(arbitrarySummary, fc.boolean(), (release, suffix) => {
        // Urls that end with the id too, the case stored without it.
        const input =
          suffix && release.url !== null ? { ...release, url: release.url + release.id } : release;
        for (const item of listItemsFor(input)) expect(listItemSummary(item)).toEqual(summaryOf(input));
      }),
    );
  });

  it('reads list items of the older form, with or without url and bits, as the same summary', () => {
    for (const release of [summary(), summary({ url: null }), summary({ ministers: [] })]) {
      expect(listItemSummary(olderForm(release))).toEqual(summaryOf(release));
      expect(listItemBits(olderForm(release))).toBeUndefined();
      expect(listItemBits(olderForm(release, true))).toEqual(bits);
      // The same summary whichever form the list item has.
      const [slim] = listItemsFor(release);
      expect(listItemSummary(olderForm(release, true))).toEqual(listItemSummary(slim as StoredListItem));
    }
  });

  it('prefers a stored id and date to the sort key, and a stored url to the url parts', () => {
    const item = {
      ...olderForm(summary()),
      sk: '2025-05-22#budget-2025-delivers',
      id: 'stored-id',
      date: '2025-05-21',
      up: 'https://ignored.example/',
    };
    expect(listItemSummary(item)).toMatchObject({
      id: 'stored-id',
      date: '2025-05-21',
      url: 'https://www.beehive.govt.nz/release/budget-2025-delivers',
    });
  });

  it('gives entity references of the older form as plain { slug, name }', () => {
    const item = {
      ...olderForm(summary()),
      ministers: [{ name: 'Hon Nicola Willis', slug: 'nicola-willis', extra: 1 } as never],
    };
    const [minister] = listItemSummary(item).ministers;
    expect(Object.entries(minister ?? {})).toEqual([
      ['slug', 'nicola-willis'],
      ['name', 'Hon Nicola Willis'],
    ]);
  });
});
