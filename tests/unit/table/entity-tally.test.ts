/**
 * The entity tally (bulk loads and test seeds write its items as the projector's recounts leave
 * them): a minister's or a portfolio's month item names the month's newest release.
 */
import { describe, expect, it } from 'vitest';
import { EntityTally } from '#table/release-items.js';

const release = (id: string, date: string, minister: string) => ({
  id,
  date,
  ministers: [{ slug: 'a', name: minister }],
  portfolios: [{ slug: 'x', name: 'X' }],
});

describe('EntityTally', () => {
  it("gives a minister's and a portfolio's month items the date and name of the month's newest release", () => {
    const tally = new EntityTally();
    tally.add(release('b', '2024-01-20', 'Hon A (b)'));
    tally.add(release('a', '2024-01-20', 'Hon A (a)'));
    tally.add(release('c', '2024-01-03', 'Hon A (c)'));
    tally.add(release('d', '2024-02-01', 'Rt Hon A'));
    const item = (pk: string, sk: string) => tally.items().find((i) => i.pk === pk && i.sk === sk);
    // Same day: the list order (`date#id`) decides, as the list partition's newest item does.
    expect(item('EM#minister#a', '2024-01')).toMatchObject({
      count: 3,
      latestDate: '2024-01-20',
      name: 'Hon A (b)',
    });
    expect(item('EM#minister#a', '2024-02')).toMatchObject({
      count: 1,
      latestDate: '2024-02-01',
      name: 'Rt Hon A',
    });
    expect(item('EM#portfolio#x', '2024-01')).toMatchObject({ latestDate: '2024-01-20', name: 'X' });
    expect(item('EM#all', '2024-01')).not.toHaveProperty('latestDate');
    expect(item('E#minister', 'a')).toMatchObject({ count: 4, name: 'Rt Hon A', latestDate: '2024-02-01' });
  });
});
