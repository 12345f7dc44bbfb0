import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeProblem, type ParseResult, parseRelease } from '#release/parse-release.js';

const SEED_KEY = '000_bfcbecb155f087da.txt';
const seed = readFileSync(`seeds/${SEED_KEY}`, 'utf8');

function release(text: string, key = 'release.md') {
  const result = parseRelease(text, key);
  if (!result.ok) throw new Error(`expected a release, got ${describeProblem(result.problem)}`);
  return result.release;
}

function problem(text: string, key = 'release.md') {
  const result: ParseResult = parseRelease(text, key);
  if (result.ok) throw new Error(`expected a problem, got release ${result.release.id}`);
  return result.problem;
}

const file = (frontMatter: string, body = 'Body text.') => `---\n${frontMatter}\n---\n${body}`;

describe('parseRelease: the seed file', () => {
  it('yields exactly the expected fields', () => {
    const r = release(seed, SEED_KEY);
    expect(r).toMatchObject({
      id: 'prime-minister-heads-united-states-nato',
      title: 'Prime Minister heads to United States for NATO',
      date: '2024-07-02',
      url: 'https://www.beehive.govt.nz/release/prime-minister-heads-united-states-nato',
      ministers: [{ slug: 'christopher-luxon', name: 'Rt Hon Christopher Luxon' }],
      portfolios: [{ slug: 'prime-minister', name: 'Prime Minister' }],
      extra: {},
    });
    // The body is served as written, including the no-break space in "Prime\u00a0Minister".
    expect(
      r.body.startsWith('Prime\u00a0Minister Christopher Luxon will visit the United States from 9-12 July.'),
    ).toBe(true);
    expect(r.body.endsWith('rebuild New Zealand’s economy.”')).toBe(true);
    expect([...r.summary].length).toBeLessThanOrEqual(280);
    // The summary is plain text with white space folded.
    expect(r.summary.startsWith('Prime Minister Christopher Luxon will visit')).toBe(true);
    expect(r.summary.endsWith('…')).toBe(true);
    // Cut at a word: the text before the ellipsis is a prefix of the body's words.
    expect(r.body.replace(/\s+/g, ' ')).toContain(r.summary.slice(0, -1).trim());
  });

  it('accepts a BOM and CRLF line endings with the same result', () => {
    const crlf = `\uFEFF${seed.replace(/\n/g, '\r\n')}`;
    const r = release(crlf, SEED_KEY);
    const plain = release(seed, SEED_KEY);
    expect({ ...r, body: r.body.replace(/\r/g, '') }).toEqual(plain);
  });
});

describe('parseRelease: fields', () => {
  it('takes the id from the URL, else the file name, folded to a slug', () => {
    expect(release(file('title: T\ndate: 2024-01-01\nurl: https://x.nz/release/Te-Pāti_Māori/')).id).toBe(
      'te-pati-maori',
    );
    expect(release(file('title: T\ndate: 2024-01-01'), 'a/b/Te Pāti Māori + 100%.md').id).toBe(
      'te-pati-maori-100',
    );
  });

  it('normalises ministers and portfolios: single string, Unicode spaces, honorific duplicates', () => {
    const r = release(
      file(
        'title: T\ndate: 2024-01-01\nministers:\n  - "Rt Hon\u00a0Christopher  Luxon "\n  - Hon Christopher Luxon\n  - Hon Nicola Willis\nportfolios: Finance',
      ),
    );
    expect(r.ministers).toEqual([
      { slug: 'christopher-luxon', name: 'Rt Hon Christopher Luxon' },
      { slug: 'nicola-willis', name: 'Hon Nicola Willis' },
    ]);
    expect(r.portfolios).toEqual([{ slug: 'finance', name: 'Finance' }]);
  });

  it('keeps unknown fields under extra', () => {
    const r = release(
      file('title: T\ndate: 2024-01-01\nattachments:\n  - name: a.pdf\n    size: 3\ntags: [x, y]'),
    );
    expect(r.extra).toEqual({ attachments: [{ name: 'a.pdf', size: 3 }], tags: ['x', 'y'] });
  });

  it('accepts an empty body', () => {
    const r = release('---\ntitle: T\ndate: 2024-01-01\n---\n');
    expect(r.body).toBe('');
    expect(r.summary).toBe('');
  });

  it('takes the date of a date-time in its own offset', () => {
    expect(release(file('title: T\ndate: 2024-07-02T00:30:00+12:00')).date).toBe('2024-07-02');
    expect(release(file('title: T\ndate: "2024-07-02T23:30:00-10:00"')).date).toBe('2024-07-02');
    expect(release(file('title: T\ndate: 2024-02-29')).date).toBe('2024-02-29');
  });
});

describe('parseRelease: problems name the field and the line', () => {
  const cases: Array<[string, string, string, number | undefined]> = [
    ['missing title', 'date: 2024-01-01', 'title', undefined],
    ['empty title', 'title: "  "\ndate: 2024-01-01', 'title', 2],
    ['missing date', 'title: T', 'date', undefined],
    ['impossible date', 'title: T\ndate: 2024-02-30', 'date', 3],
    ['short date', 'title: T\ndate: 2024-7-2', 'date', 3],
    ['words as date', 'title: T\ndate: July 2, 2024', 'date', 3],
    ['number as date', 'title: T\ndate: 20240702', 'date', 3],
    ['date-time without offset', 'title: T\ndate: 2024-07-02T10:00:00', 'date', 3],
    ['relative url', 'title: T\ndate: 2024-01-01\nurl: /release/x', 'url', 4],
    ['ftp url', 'title: T\ndate: 2024-01-01\nurl: ftp://x.nz/a', 'url', 4],
    ['non-text minister', 'title: T\ndate: 2024-01-01\nministers: [Hon A, 3]', 'ministers[1]', 4],
    ['portfolio map', 'title: T\ndate: 2024-01-01\nportfolios: {a: 1}', 'portfolios', 4],
  ];
  it.each(cases)('%s', (_name, frontMatter, field, line) => {
    const p = problem(file(frontMatter));
    expect(p.field).toBe(field);
    expect(p.line).toBe(line);
    expect(describeProblem(p)).toMatch(new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}: `));
  });

  it('rejects a file without front matter, or with front matter never closed', () => {
    expect(problem('Just text').field).toBe('front matter');
    expect(problem('---\ntitle: T\ndate: 2024-01-01\n').message).toMatch(/not closed/);
  });

  it('rejects invalid YAML with its line', () => {
    const p = problem(file('title: T\ndate: 2024-01-01\nministers: [unclosed'));
    expect(p.field).toBe('front matter');
    expect(p.message).toMatch(/invalid YAML/);
  });

  it('rejects files over 5 MiB', () => {
    const p = problem(file('title: T\ndate: 2024-01-01', 'x'.repeat(5 * 1024 * 1024 + 1)));
    expect(p.field).toBe('file');
    expect(p.message).toMatch(/5 MiB/);
  });
});

describe('parseRelease: safety', () => {
  it.each(['js', 'javascript', 'coffee', 'toml', 'json'])(
    'never evaluates ---%s front matter',
    (language) => {
      const marker = `pwned_${language}`;
      const text = `---${language}\n{ title: (globalThis.${marker} = true, "x"), date: "2024-01-01" }\n---\nbody`;
      const p = problem(text);
      expect(p.field).toBe('front matter');
      expect(p.message).toMatch(/only YAML/);
      expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
    },
  );

  it('rejects a YAML alias bomb', () => {
    const levels = Array.from(
      { length: 9 },
      (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(',')}]`,
    );
    const p = problem(
      file(
        ['l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]', ...levels, 'title: T', 'date: 2024-01-01'].join(
          '\n',
        ),
      ),
    );
    expect(p.message).toMatch(/alias/);
  });

  it.each([
    ['flow brackets', '['.repeat(50_000)],
    ['flow maps', '{a: '.repeat(10_000)],
    ['block indentation', Array.from({ length: 40 }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n')],
  ])('rejects deep nesting (%s)', (_name, frontMatter) => {
    const p = problem(file(frontMatter));
    expect(p.field).toBe('front matter');
    expect(p.message).toMatch(/nested|YAML/);
  });
});

describe('parseRelease: time zones', () => {
  it('gives the same dates under Pacific/Honolulu and Pacific/Auckland', () => {
    const run = (tz: string) => {
      const child = spawnSync(process.execPath, ['--import', 'tsx', 'tests/support/parse-dates-cli.ts'], {
        env: { ...process.env, TZ: tz },
        encoding: 'utf8',
      });
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stdout) as string[];
    };
    const honolulu = run('Pacific/Honolulu');
    const auckland = run('Pacific/Auckland');
    expect(honolulu).toEqual(['2024-07-02', '2024-07-02', '2024-07-02', '2024-07-02', '2024-12-31']);
    expect(auckland).toEqual(honolulu);
  });
});
