import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeProblem, type ParseResult, parseRelease } from '#release/parse-release.js';

function parse(text: string): ParseResult {
  return parseRelease(text, 'release.md');
}

function release(text: string) {
  const result = parse(text);
  if (!result.ok) throw new Error(`expected a release, got ${describeProblem(result.problem)}`);
  return result.release;
}

function problem(text: string): string {
  const result = parse(text);
  if (result.ok) throw new Error(`expected a problem, got release ${result.release.id}`);
  return describeProblem(result.problem);
}

const HEAD = 'title: T\ndate: 2024-01-01';
const file = (frontMatter: string, body = 'Body text.') => `---\n${HEAD}\n${frontMatter}\n---\n${body}`;

/** As the ingest handler's document client writes an item. */
const marshallAsStored = (value: unknown) =>
  marshall(value as Record<string, unknown>, { removeUndefinedValues: true, convertEmptyValues: false });

describe('front matter: numbers DynamoDB cannot store are problems naming the field and line', () => {
  it.each([
    ['budget: .inf', 'budget: .inf is not a finite number (line 4)'],
    ['budget: -.Inf', 'budget: -.Inf is not a finite number (line 4)'],
    ['budget: .NaN', 'budget: .NaN is not a finite number (line 4)'],
    ['budget: 1e400', 'budget: 1e400 is not a finite number (line 4)'],
    [
      'budget: 12345678901234567890',
      'budget: 12345678901234567890 is too large to store exactly; quote it to keep it as text (line 4)',
    ],
    [
      'budget: 0x20000000000001',
      'budget: 0x20000000000001 is too large to store exactly; quote it to keep it as text (line 4)',
    ],
    ['budget: 1e-200', 'budget: 1e-200 is too small to store; quote it to keep it as text (line 4)'],
    [
      'attachments:\n  - name: a.pdf\n    size: .inf',
      'attachments[0].size: .inf is not a finite number (line 6)',
    ],
    ['figures: [1, 2, [3, .nan]]', 'figures[2][1]: .nan is not a finite number (line 4)'],
    [
      'a: {b: {c: 9007199254740993}}',
      'a.b.c: 9007199254740993 is too large to store exactly; quote it to keep it as text (line 4)',
    ],
    ['title2: &big .inf\nalso: *big', 'title2: .inf is not a finite number (line 4)'],
  ])('%s', (frontMatter, expected) => {
    expect(problem(file(frontMatter))).toBe(expected);
  });

  it('keeps the largest exact numbers and quoted values', () => {
    const r = release(
      file('max: 9007199254740991\nmin: -9007199254740991\nsmall: 1e-130\ntext: ".inf"\nzero: -0'),
    );
    expect(r.extra).toEqual({
      max: 9007199254740991,
      min: -9007199254740991,
      small: 1e-130,
      text: '.inf',
      zero: -0,
    });
    expect(() => marshallAsStored(r)).not.toThrow();
  });

  it('names a known field too', () => {
    expect(problem(`---\ntitle: .inf\ndate: 2024-01-01\n---\n`)).toBe(
      'title: .inf is not a finite number (line 2)',
    );
  });
});

describe('front matter: keys and tags', () => {
  it('rejects a key given twice, also when JavaScript would merge them (1 and "1")', () => {
    expect(problem(file('a: 1\nb: 2\na: 3'))).toBe('a: is given more than once (line 6)');
    expect(problem(file('m: {1: x, "1": y}'))).toBe('m.1: is given more than once (line 4)');
    expect(problem(`---\ntitle: T\ntitle: U\ndate: 2024-01-01\n---\n`)).toBe(
      'title: is given more than once (line 3)',
    );
  });

  it('reports the first problem in the file', () => {
    expect(problem(file('a: {b: .inf}\nc: .nan\na: 1'))).toBe('a.b: .inf is not a finite number (line 4)');
    expect(problem(file('a: 1\nb: [1, .nan]\na: 1'))).toBe('b[1]: .nan is not a finite number (line 5)');
  });

  it('rejects keys that are lists or maps', () => {
    expect(problem(file('m: {[a, b]: 1}'))).toMatch(
      /^m: has a key that is a list, map or alias; keys must be plain text/,
    );
  });

  it('keeps YAML 1.1 tags as plain values: no Date, Buffer or Set reaches the store', () => {
    const r = release(file('d: !!timestamp 2024-01-01\nb: !!binary aGk=\ns: !!set {x, y}\nu: !custom z'));
    expect(r.extra).toEqual({ d: '2024-01-01', b: 'aGk=', s: { x: null, y: null }, u: 'z' });
    expect(() => marshallAsStored(r)).not.toThrow();
  });

  it.each([
    ['__proto__: {polluted: true}', '__proto__: cannot be stored under this name; rename it (line 4)'],
    ['constructor: -1', 'constructor: cannot be stored under this name; rename it (line 4)'],
    [
      'a: [{constructor: {name: Set}}]',
      'a[0].constructor: cannot be stored under this name; rename it (line 4)',
    ],
    ['"": 1', '"": is an empty key, which DynamoDB cannot store; give it a name (line 4)'],
    ['a: {~: 1}', 'a."": is an empty key, which DynamoDB cannot store; give it a name (line 4)'],
  ])('rejects a field name the store cannot keep: %s', (frontMatter, expected) => {
    expect(problem(file(frontMatter))).toBe(expected);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects aliases that expand the front matter beyond what one item can hold', () => {
    const big = 'x'.repeat(30_000);
    const aliases = Array.from({ length: 10 }, (_, i) => `c${i}: *big`).join('\n');
    expect(problem(file(`b: &big ${big}\n${aliases}`))).toMatch(
      /^front matter: with its aliases expanded, the front matter is larger than 128 KiB/,
    );
  });
});

describe('front matter: gray-matter alone finds the block', () => {
  it('a line that starts with --- but says more closes the block, and is a problem', () => {
    expect(problem(`---\n${HEAD}\n---x\nurl: https://x.nz/a\n---\nbody`)).toBe(
      'front matter: the line closing the front matter must be "---" alone, not "---x" (line 4)',
    );
    expect(problem(`---\n${HEAD}\n----\nbody`)).toMatch(/must be "---" alone, not "----" \(line 4\)$/);
  });

  it('an opening ---x names a language, which is refused', () => {
    expect(problem(`---x\n${HEAD}\n---\nbody`)).toBe(
      'front matter: "x" front matter is not allowed; only YAML is parsed (line 1)',
    );
    expect(problem(`---constructor\n${HEAD}\n---\nbody`)).toMatch(
      /"constructor" front matter is not allowed/,
    );
    expect(problem(`---__proto__\n${HEAD}\n---\nbody`)).toMatch(/"__proto__" front matter is not allowed/);
  });

  it('accepts ---yaml, trailing spaces on the closing line, and keeps line numbers', () => {
    const r = release(`---YAML\n${HEAD}\nurl: https://x.nz/release/a\n---  \n\nBody.`);
    expect(r.id).toBe('a');
    expect(r.body).toBe('Body.');
    expect(problem(`---yaml\n${HEAD}\nurl: /relative\n---\n`)).toBe(
      'url: "/relative" is not an absolute http(s) URL (line 4)',
    );
  });

  it('a body with --- lines (a Markdown rule) is body', () => {
    expect(release(file('', 'Intro\n---\nMore\n---x')).body).toBe('Intro\n---\nMore\n---x');
  });

  it('many blank lines in the front matter or body cost linear time', () => {
    const blank = '\n'.repeat(60_000);
    const started = performance.now();
    const r = release(`---\n${HEAD}${blank}url: https://x.nz/release/b\n---\n${blank}Body.`);
    console.log(
      `60,000 blank lines in front matter and body: ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(r.id).toBe('b');
    expect(r.body).toBe('Body.');
    const unclosed = performance.now();
    expect(problem(`---\n${'\n'.repeat(5_000_000)}`)).toMatch(/not closed/);
    console.log(`5,000,000 blank lines, never closed: ${(performance.now() - unclosed).toFixed(0)} ms`);
  });

  it('6,000 keys cost linear time', () => {
    const keys = Array.from({ length: 6_000 }, (_, i) => `k${i}: 1`).join('\n');
    const started = performance.now();
    const r = release(file(keys));
    console.log(`6,000 keys: ${(performance.now() - started).toFixed(0)} ms`);
    expect(Object.keys(r.extra)).toHaveLength(6_000);
  });

  it('front matter over 64 KiB is a problem', () => {
    expect(problem(file(`x: ${'a'.repeat(64 * 1024)}`))).toMatch(
      /not closed by a "---" line within its first 64 KiB/,
    );
    expect(problem(file(`x: ${'é'.repeat(40 * 1024)}`))).toMatch(/larger than 64 KiB/);
  });
});

/** Scalars in the many spellings YAML has for numbers, and then some. */
const scalar = fc.oneof(
  fc.constantFrom(
    '.inf',
    '-.inf',
    '+.Inf',
    '.INF',
    '.nan',
    '.NaN',
    '1e400',
    '-1e400',
    '1e-400',
    '1e-200',
    '1e-130',
    '12345678901234567890',
    '-12345678901234567890',
    '9007199254740991',
    '9007199254740992',
    '0x1FFFFFFFFFFFFF',
    '0o777777777777777777777',
    '1e20',
    '1.5',
    '-0',
    '~',
    'null',
    'true',
    'False',
    '2024-01-01',
    '2024-01-01T10:00:00Z',
    '!!timestamp 2024-01-01',
    '!!binary aGk=',
    '!!float 1e999',
    '!!int 12345678901234567890',
    '!!str .inf',
    '".inf"',
    '"a\\u0000b"',
    '!custom x',
    'text',
    "''",
  ),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
);

const key = fc.constantFrom(
  'a',
  'b',
  '1',
  '"1"',
  '~',
  '__proto__',
  '""',
  'constructor',
  'x y',
  'title',
  '[k]',
);

const value: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    scalar.map((s) => `&a ${s}`),
    fc.constant('*a'),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
    fc
      .array(fc.tuple(key, tie('value')), { maxLength: 4 })
      .map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
  ),
})).value;

const frontMatterFields = fc.array(
  fc.oneof(
    fc.tuple(key, value).map(([k, v]) => `${k}: ${v}`),
    fc
      .tuple(key, fc.array(value, { minLength: 1, maxLength: 3 }))
      .map(([k, items]) => `${k}:\n${items.map((item) => `  - ${item}`).join('\n')}`),
  ),
  { maxLength: 6 },
);

function emptyKeyIn(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(emptyKeyIn);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, item]) => key === '' || emptyKeyIn(item));
}

describe('front matter: every accepted release can be stored', () => {
  it('random YAML-ish front matter parses to a problem or to a release the marshaller takes', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(frontMatterFields, (fields) => {
        const result = parse(file(fields.join('\n')));
        if (!result.ok) {
          rejected += 1;
          expect(result.problem.field).not.toBe('');
          return;
        }
        accepted += 1;
        expect(() => marshallAsStored({ ...result.release })).not.toThrow();
        // DynamoDB itself refuses empty names in maps, which the marshaller lets through.
        expect(emptyKeyIn(result.release.extra)).toBe(false);
      }),
      { numRuns: 1000, seed: 20_240_702 },
    );
    console.log(`random front matter: ${accepted} accepted, ${rejected} problems`);
    expect(accepted).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});
