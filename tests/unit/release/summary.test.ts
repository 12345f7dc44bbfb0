import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldSpaces } from '#release/slug.js';
import { markdownToText, SUMMARY_MAX_CHARS, summarise } from '#release/summary.js';

/**
 * The regex pipeline the linear implementation replaced: the reference for what a summary is.
 * Quadratic on pathological input, so it only ever sees short texts here.
 */
function referenceText(markdown: string): string {
  return markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)/gm, '')
    .replace(/^\s{0,3}(?:[-*_]\s*){3,}$/gm, ' ')
    .replace(/(\*\*|__|\*|_|~~|`)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
}

function referenceSummary(markdown: string, max = SUMMARY_MAX_CHARS): string {
  const text = foldSpaces(referenceText(markdown));
  if ([...text].length <= max) return text;
  const chars = [...text].slice(0, max - 1).join('');
  const lastSpace = chars.lastIndexOf(' ');
  const cut = lastSpace > max / 2 ? chars.slice(0, lastSpace) : chars;
  return `${cut.replace(/[\s,;:.–—-]+$/u, '')}…`;
}

/** Markdown-ish text: every delimiter the summary knows, words, spaces and line breaks. */
const markdownish = fc
  .array(
    fc.constantFrom(
      '*',
      '**',
      '_',
      '__',
      '~~',
      '`',
      '```',
      '<',
      '>',
      '<!--',
      '-->',
      '[',
      ']',
      '(',
      ')',
      '![',
      '#',
      '# ',
      '- ',
      '1. ',
      '---',
      '&nbsp;',
      '&amp;',
      ' ',
      '   ',
      '\n',
      '\n\n',
      '\t',
      '\u00a0',
      'a',
      'word',
      'Māori',
      '😀',
      ',',
      '.',
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

describe('summary: same result as the regex pipeline it replaced', () => {
  it('on random Markdown-ish text', () => {
    fc.assert(
      fc.property(markdownish, (markdown) => {
        expect(markdownToText(markdown)).toBe(referenceText(markdown));
        expect(summarise(markdown, 40)).toBe(referenceSummary(markdown, 40));
      }),
      { numRuns: 3000 },
    );
  });

  it('on ordinary prose with links, emphasis, code and HTML', () => {
    const markdown = [
      '# Heading',
      '',
      'The **Minister** said _today_ that [the plan](https://x.nz/plan) and ![chart](c.png) ',
      'are `ready`; see [ref][1] <b>now</b> <!-- hidden --> ~~not~~ &amp; more&nbsp;text.',
      '',
      '```',
      'code block',
      '```',
      '',
      '- item one',
      '1. item two',
      '> quoted',
      '***',
      ...Array.from({ length: 30 }, (_, i) => `Sentence number ${i} goes on for a while.`),
    ].join('\n');
    expect(summarise(markdown)).toBe(referenceSummary(markdown));
    expect(
      summarise(markdown).startsWith('Heading The Minister said today that the plan and chart are'),
    ).toBe(true);
  });
});

describe('summary: linear on pathological input', () => {
  const size = 120_000;
  const fill = (unit: string, length = size) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  // Each family gives the same summary at any size large enough to fill one (and a multiple of its
  // period), so a small instance
  // run through the (quadratic) reference pipeline tells what the large one must give.
  const families: Array<[string, (length: number) => string]> = [
    ['" *a"', (n) => fill(' *a', n)],
    ['"["', (n) => fill('[', n)],
    ['"*"', (n) => fill('*', n)],
    ['"_"', (n) => fill('_', n)],
    ['backticks', (n) => fill('`', n)],
    ['"<"', (n) => fill('<', n)],
    ['nested brackets', (n) => `${'[a'.repeat(n / 4)}${']'.repeat(n / 2)}`],
    ['"![a]("', (n) => fill('![a](', n)],
    ['"[a]["', (n) => fill('[a][', n)],
    ['"<!--"', (n) => fill('<!--', n)],
    ['"```a"', (n) => fill('```a', n)],
    ['"**a "', (n) => fill('**a ', n)],
    ['"_a _"', (n) => fill('_a _', n)],
    ['"~~a "', (n) => fill('~~a ', n)],
    ['lines of digits', (n) => fill(`${'1'.repeat(999)}\n`, n)],
    ['"- " then text', (n) => `${fill('- ', n - 1)}x`],
    ['blank lines then text', (n) => `-\n-${'\n'.repeat(n - 5)}-x`],
    ['spaces then a word', (n) => `${' '.repeat(n - 4)}word`],
  ];

  it.each(families)('%s', (_name, family) => {
    const expected = referenceSummary(family(6_000));
    const input = family(size);
    const started = performance.now();
    const summary = summarise(input);
    console.log(
      `summary of ${input.length} characters (${_name}): ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(summary).toBe(expected);
  });

  it.each([
    ['" *a"', ' *a'],
    ['"<"', '<'],
    ['"["', '['],
    ['"**a "', '**a '],
  ])('5 MiB of %s', (_name, unit) => {
    const input = fill(unit, 5 * 1024 * 1024);
    const started = performance.now();
    const summary = summarise(input);
    console.log(`summary of 5 MiB (${_name}): ${(performance.now() - started).toFixed(0)} ms`);
    expect(summary).toBe(referenceSummary(fill(unit, 6_000)));
  });

  it('5 MiB of random Markdown-ish text after an ordinary opening paragraph', () => {
    const opening = `${Array.from({ length: 20 }, (_, i) => `Plain sentence ${i} of the opening.`).join(' ')}\n\n`;
    const junk = fc.sample(markdownish, { numRuns: 200, seed: 7 }).join('');
    const input = opening + fill(junk, 5 * 1024 * 1024);
    const started = performance.now();
    const summary = summarise(input);
    console.log(`summary of 5 MiB (random Markdown-ish): ${(performance.now() - started).toFixed(0)} ms`);
    // Nothing after the opening can reach back into it, so its summary is the opening's.
    expect(summary).toBe(referenceSummary(opening));
    expect([...summary].length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
  });
});
