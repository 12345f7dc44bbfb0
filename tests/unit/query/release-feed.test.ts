/**
 * The Atom form of a query page, pure: built by functions/query/release-feed.ts, read back with an
 * independent feed parser. The same feed through DynamoDB Local and the handler is in
 * tests/integration/query/query-feed.test.ts.
 */
import { parseFeed } from '@rowanmanning/feed-parser';
import { describe, expect, it } from 'vitest';
import type { FeedRelease, ReleaseFeedPage } from '#query/query-releases.js';
import {
  atomFeed,
  EMPTY_FEED_UPDATED,
  entryId,
  feedId,
  feedTitle,
  MAX_FEED_CONTENT_BYTES,
} from '#query/release-feed.js';
import { matchRoute } from '#query/routes.js';
import { renderMarkdown } from '#release/render-markdown.js';

function release(id: string, overrides: Partial<FeedRelease['summary']> = {}, body = 'Body.'): FeedRelease {
  return {
    summary: {
      id,
      title: `Title of ${id}`,
      date: '2024-07-02',
      url: `https://www.example.test/release/${id}`,
      ministers: [{ slug: 'christopher-luxon', name: 'Rt Hon Christopher Luxon' }],
      portfolios: [{ slug: 'prime-minister', name: 'Prime Minister' }],
      summary: `Summary of ${id}`,
      ...overrides,
    },
    body,
    updatedAt: '2025-07-01T00:00:00.000Z',
  };
}

const page = (releases: FeedRelease[], params: ReleaseFeedPage['params'] = {}): ReleaseFeedPage => ({
  params,
  limit: params.limit ?? 50,
  releases,
});

const BASE = 'https://api.example.test';

/** Script, event handlers and `javascript:` links, in raw HTML and in Markdown. */
const HOSTILE_BODY = [
  'Before <script>alert("x")</script> after.',
  '<img src="x.png" onerror="alert(1)"> <svg onload=alert(2)></svg>',
  '[plain](javascript:alert(3)) <a href="JaVaScRiPt:alert(4)">mixed case</a> <a href=" javascript:alert(5)">space</a>',
  '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>',
  '<div onclick="steal()">div</div> <scr<script>ipt>alert(6)</script> <a href="https://ok.example/?a=1&b=2">ok</a>',
  '<a href="data:image/svg+xml,<svg onload=alert(7)>">svg</a> <img src="data:image/png;base64,AAAA" alt="dot">',
].join('\n\n');

function expectHarmless(html: string): void {
  expect(html).not.toMatch(/<\s*script/i);
  expect(html).not.toMatch(/\bon[a-z]+\s*=/i);
  expect(html).not.toMatch(/javascript:/i);
  expect(html).not.toMatch(/<\s*(iframe|style|svg)/i);
  expect(html).not.toMatch(/href="\s*data:/i);
}

describe('renderMarkdown', () => {
  it('renders Markdown and keeps allowed markup and links', () => {
    const html = renderMarkdown(
      '# Head\n\n**bold** [link](https://ok.example/a?b=1&c=2)\n\n| a |\n|---|\n| 1 |',
    );
    expect(html).toContain('<h1');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('href="https://ok.example/a?b=1&amp;c=2"');
    expect(html).toContain('<td>1</td>');
  });

  it('drops scripts, event handlers and javascript: links', () => {
    const html = renderMarkdown(HOSTILE_BODY);
    expectHarmless(html);
    expect(html).toContain('Before');
    expect(html).toContain('<a href="https://ok.example/?a=1&b=2">ok</a>');
  });
});

describe('atomFeed', () => {
  it('is an Atom feed an independent parser reads back field by field', () => {
    const xml = atomFeed(page([release('one'), release('two', { date: '2024-07-01' })]), BASE);
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    const feed = parseFeed(xml);
    expect(feed.meta).toEqual({ type: 'atom', version: '1.0' });
    expect(feed.self).toBe(`${BASE}/releases.atom`);
    expect(feed.url).toBe(`${BASE}/releases?limit=50`);
    expect(feed.title).toBe('Releases');
    expect(feed.items.map((item) => item.id)).toEqual([entryId('one'), entryId('two')]);
    const [first] = feed.items;
    expect(first?.url).toBe('https://www.example.test/release/one');
    expect(first?.authors.map((a) => a.name)).toEqual(['Rt Hon Christopher Luxon']);
    expect(first?.categories).toEqual([{ term: 'prime-minister', label: 'Prime Minister', url: null }]);
    expect(first?.published?.toISOString()).toBe('2024-07-02T00:00:00.000Z');
    expect(first?.updated?.toISOString()).toBe('2025-07-01T00:00:00.000Z');
    expect(first?.content).toBe('<p>Body.</p>');
  });

  it('never carries markup from a body that is not on the allowlist', () => {
    const feed = parseFeed(atomFeed(page([release('x', {}, HOSTILE_BODY)]), BASE));
    const content = feed.items[0]?.content ?? '';
    expect(content).toContain('Before');
    expectHarmless(content);
  });

  it('links a release url only when it is an http(s) URL', () => {
    const xml = atomFeed(
      page([release('a', { url: 'javascript:alert(1)' }), release('b', { url: 'not a url' })]),
      BASE,
    );
    expect(xml).not.toContain('javascript:');
    for (const item of parseFeed(xml).items)
      expect(item.url).toMatch(/^https:\/\/api\.example\.test\/releases\//);
  });

  it('leaves out characters XML cannot hold, keeps every other', () => {
    const title = 'Tab\there\u0001\u0008\uFFFE no-break\u00a0space 😀 & < > " \'';
    const xml = atomFeed(page([release('c', { title }, `Body\u0000 text\u000b`)]), BASE);
    const item = parseFeed(xml).items[0];
    expect(item?.title).toBe('Tab\there no-break\u00a0space 😀 & < > " \'');
    expect(item?.content).toBe('<p>Body text</p>');
  });

  it('gives an empty feed a fixed updated, and no author or entry', () => {
    const xml = atomFeed(page([], { minister: 'Nobody Here' }), BASE);
    expect(xml).toContain(`<updated>${EMPTY_FEED_UPDATED}</updated>`);
    expect(xml).not.toContain('<entry');
    expect(xml).not.toContain('<author');
    expect(parseFeed(xml).title).toBe('Releases by Nobody Here');
    expect(atomFeed(page([], { minister: 'Nobody Here' }), BASE)).toBe(xml);
  });

  it('names the feed after its query, with names as written on the releases', () => {
    const releases = [release('one')];
    expect(feedTitle(page(releases, { minister: 'christopher-luxon', portfolio: 'prime-minister' }))).toBe(
      'Releases by Christopher Luxon in Prime Minister',
    );
    expect(feedTitle(page([], { q: ' nato\u00a0 summit ', from: '2024-01-01', to: '2024-12-31' }))).toBe(
      'Releases matching “nato summit” from 2024-01-01 to 2024-12-31',
    );
    expect(feedTitle(page([], { from: '2024-07-02', to: '2024-07-02' }))).toBe('Releases on 2024-07-02');
  });

  it('keeps one feed id for every spelling of a query, and none for another query', () => {
    const id = feedId({ minister: 'Rt Hon Christopher Luxon', q: 'NATO  Summit' });
    expect(feedId({ minister: 'christopher-luxon', q: 'nato summit', limit: 5 })).toBe(id);
    expect(feedId({ minister: 'christopher-luxon' })).not.toBe(id);
    expect(feedId({})).toBe('urn:releases:feed:all');
  });

  it('gives entries without a minister the feed author, as Atom requires', () => {
    const feed = parseFeed(atomFeed(page([release('n', { ministers: [] })]), BASE));
    expect(feed.authors.map((a) => a.name)).toEqual(['Releases']);
    expect(feed.items[0]?.authors.map((a) => a.name)).toEqual(['Releases']);
  });

  it('stops adding content past the size budget, keeping every entry', () => {
    const big = 'word '.repeat(150_000);
    const releases = Array.from({ length: 5 }, (_, i) => release(`big-${i}`, {}, big));
    const xml = atomFeed(page(releases), BASE);
    const feed = parseFeed(xml);
    expect(feed.items).toHaveLength(5);
    const withContent = feed.items.filter((item) => item.content !== null);
    expect(withContent.length).toBe(
      Math.floor(MAX_FEED_CONTENT_BYTES / Buffer.byteLength(renderMarkdown(big))),
    );
    expect(withContent.length).toBeLessThan(5);
    expect(feed.items.every((item) => item.description !== null)).toBe(true);
  });
});

describe('route table', () => {
  it('routes /releases.atom to its own operation, never to /releases/{id}', () => {
    expect(matchRoute('GET', '/releases.atom')?.route.operationId).toBe('listReleasesAtom');
    expect(matchRoute('GET', '/releases/releases.atom')?.route.operationId).toBe('getRelease');
    expect(matchRoute('GET', '/releases')?.route.operationId).toBe('listReleases');
  });
});
