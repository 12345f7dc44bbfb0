/**
 * The Atom 1.0 (RFC 4287) form of a release query's first page: ministers are authors, portfolios
 * categories, the body is sanitized HTML. Ids do not depend on the host the API is reached by, so a
 * reader keeps its read/unread state when the domain changes; links do, since they must resolve.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { EntityRef } from '#release/release.js';
import { renderMarkdown } from '#release/render-markdown.js';
import { foldForSearch, foldSpaces, ministerSlug, portfolioSlug, withoutHonorific } from '#release/slug.js';
import type { ReleasesFeedParams } from './query-params.js';
import type { FeedRelease, ReleaseFeedPage } from './query-releases.js';

export const ATOM_MEDIA_TYPE = 'application/atom+xml; charset=utf-8';

/** `updated` of a feed with no entries: a fixed instant, so an empty feed keeps its ETag. */
export const EMPTY_FEED_UPDATED = '1970-01-01T00:00:00Z';

/**
 * Rendered HTML a feed carries at most, summed over its entries. A Lambda response holds 6 MB and
 * XML escaping inflates markup, so past this an entry keeps its summary and links but no content.
 */
export const MAX_FEED_CONTENT_BYTES = 2_000_000;

/** Author of entries without a minister: Atom requires one for every entry. */
const FALLBACK_AUTHOR = 'Releases';

/** XML 1.0 allows no C0 controls other than tab and line breaks, no lone surrogates, no U+FFFE/U+FFFF. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function xmlText(text: string): string {
  return text.replace(NOT_XML_CHAR, '');
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  format: true,
  suppressEmptyNode: true,
  // Otherwise an attribute whose value is the string "true" is written without its value.
  suppressBooleanAttributes: false,
});

type XmlNode = Record<string, unknown>;

const FILTER_ORDER = ['minister', 'portfolio', 'from', 'to', 'q'] as const;

function queryString(params: ReleasesFeedParams, limit?: number): string {
  const search = new URLSearchParams();
  for (const name of FILTER_ORDER) {
    const value = params[name];
    if (value !== undefined) search.set(name, value);
  }
  if (limit !== undefined) search.set('limit', String(limit));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * `urn:releases:feed:` and the normalised query (slugs, folded text; not the page size): the
 * same for every spelling of the same query, so a reader does not see two feeds.
 */
export function feedId(params: ReleasesFeedParams): string {
  const parts: string[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) parts.push(`${name}=${encodeURIComponent(value)}`);
  };
  add('minister', params.minister === undefined ? undefined : ministerSlug(params.minister));
  add('portfolio', params.portfolio === undefined ? undefined : portfolioSlug(params.portfolio));
  add('from', params.from);
  add('to', params.to);
  add('q', params.q === undefined ? undefined : foldForSearch(params.q));
  return `urn:releases:feed:${parts.length === 0 ? 'all' : parts.join(';')}`;
}

export function entryId(releaseId: string): string {
  return `urn:releases:release:${encodeURIComponent(releaseId)}`;
}

/** The name as written on a release of the feed, else as asked for; without honorific. */
function displayName(
  asked: string,
  slug: (name: string) => string,
  refs: (release: FeedRelease) => EntityRef[],
  releases: readonly FeedRelease[],
): string {
  const wanted = slug(asked);
  for (const release of releases) {
    const ref = refs(release).find((candidate) => candidate.slug === wanted);
    if (ref) return withoutHonorific(ref.name);
  }
  return withoutHonorific(asked);
}

/** "Releases by Christopher Luxon in Prime Minister matching “nato” from 2024-01-01". */
export function feedTitle(page: ReleaseFeedPage): string {
  const { params, releases } = page;
  let title = 'Releases';
  if (params.minister !== undefined) {
    title += ` by ${displayName(params.minister, ministerSlug, (r) => r.summary.ministers, releases)}`;
  }
  if (params.portfolio !== undefined) {
    title += ` in ${displayName(params.portfolio, portfolioSlug, (r) => r.summary.portfolios, releases)}`;
  }
  if (params.q !== undefined) title += ` matching “${foldSpaces(params.q)}”`;
  if (params.from !== undefined && params.from === params.to) title += ` on ${params.from}`;
  else {
    if (params.from !== undefined) title += ` from ${params.from}`;
    if (params.to !== undefined) title += ` to ${params.to}`;
  }
  return title;
}

function isHttpUrl(value: string | null): value is string {
  if (value === null) return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** RFC 3339 instants; a stored value that is not one falls back (never a malformed feed). */
function instant(value: string | undefined, fallback: string): string {
  return value !== undefined && !Number.isNaN(Date.parse(value)) && /T/.test(value) ? value : fallback;
}

function entryNode(release: FeedRelease, baseUrl: string, content: string | undefined): XmlNode {
  const { summary } = release;
  const published = `${summary.date}T00:00:00Z`;
  const links: XmlNode[] = [];
  // Only web links: a `javascript:` url in front matter must not become a link a reader follows.
  if (isHttpUrl(summary.url)) {
    links.push({ '@_rel': 'alternate', '@_type': 'text/html', '@_href': xmlText(summary.url) });
  }
  links.push({
    '@_rel': 'alternate',
    '@_type': 'application/json',
    '@_href': `${baseUrl}/releases/${encodeURIComponent(summary.id)}`,
  });
  return {
    id: entryId(summary.id),
    title: { '@_type': 'text', '#text': xmlText(summary.title) },
    published,
    updated: instant(release.updatedAt, published),
    ...(summary.ministers.length > 0
      ? { author: summary.ministers.map((m) => ({ name: xmlText(m.name) })) }
      : {}),
    ...(summary.portfolios.length > 0
      ? {
          category: summary.portfolios.map((p) => ({
            '@_term': xmlText(p.slug),
            '@_label': xmlText(p.name),
          })),
        }
      : {}),
    link: links,
    summary: { '@_type': 'text', '#text': xmlText(summary.summary) },
    ...(content !== undefined ? { content: { '@_type': 'html', '#text': xmlText(content) } } : {}),
  };
}

/**
 * The feed document. `baseUrl` is the API's origin (`https://host`); without one, links are
 * relative, which Atom allows.
 */
export function atomFeed(page: ReleaseFeedPage, baseUrl: string): string {
  let budget = MAX_FEED_CONTENT_BYTES;
  const entries = page.releases.map((release) => {
    const html = renderMarkdown(release.body);
    const bytes = Buffer.byteLength(html, 'utf8');
    const fits = bytes <= budget;
    if (fits) budget -= bytes;
    return entryNode(release, baseUrl, fits ? html : undefined);
  });
  const updated = page.releases.reduce<string | undefined>((newest, release) => {
    const at = instant(release.updatedAt, `${release.summary.date}T00:00:00Z`);
    return newest === undefined || Date.parse(at) > Date.parse(newest) ? at : newest;
  }, undefined);
  const feed: XmlNode = {
    '@_xmlns': 'http://www.w3.org/2005/Atom',
    id: feedId(page.params),
    title: { '@_type': 'text', '#text': xmlText(feedTitle(page)) },
    updated: updated ?? EMPTY_FEED_UPDATED,
    ...(page.releases.some((release) => release.summary.ministers.length === 0)
      ? { author: { name: FALLBACK_AUTHOR } }
      : {}),
    link: [
      {
        '@_rel': 'self',
        '@_type': 'application/atom+xml',
        '@_href': xmlText(`${baseUrl}/releases.atom${queryString(page.params, page.params.limit)}`),
      },
      {
        '@_rel': 'alternate',
        '@_type': 'application/json',
        '@_href': xmlText(`${baseUrl}/releases${queryString(page.params, page.limit)}`),
      },
    ],
    ...(entries.length > 0 ? { entry: entries } : {}),
  };
  return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' }, feed }) as string;
}
