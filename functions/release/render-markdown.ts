/**
 * Release bodies as HTML for feed readers. Bodies are Markdown written by publishers and may hold
 * raw HTML, which Markdown passes through; feed readers display the result, so it is sanitized
 * against an allowlist of tags and attributes (scripts, event handlers and `javascript:` links go).
 */
import { Marked } from 'marked';
import * as xssNamespace from 'xss';

// xss is CommonJS: Node's ESM loader sees only some of its exports by name (`safeAttrValue` is
// not among them), so take both from the module object, which is the default export under Node
// and the namespace itself under bundlers.
type XssModule = typeof xssNamespace;
const xss = ((xssNamespace as unknown as { default?: XssModule }).default ?? xssNamespace) as XssModule;
const { FilterXSS, safeAttrValue } = xss;

// GitHub-flavoured Markdown: press releases use tables and bare links.
const markdown = new Marked({ gfm: true });

const sanitizer = new FilterXSS({
  // Tags off the allowlist are dropped, not shown as escaped text: `<iframe>` disappears.
  stripIgnoreTag: true,
  // Their content would otherwise remain as text; a script's or a style's is never text to read.
  stripIgnoreTagBody: ['script', 'style'],
  // The default lets `data:image/` through for `href` too; a link to a data: SVG can carry script.
  safeAttrValue(tag, name, value, cssFilter) {
    const safe = safeAttrValue(tag, name, value, cssFilter);
    return name === 'href' && /^\s*data:/i.test(safe) ? '' : safe;
  },
});

/** Markdown to HTML that is safe to show: only allowlisted tags, attributes and URL schemes. */
export function renderMarkdown(source: string): string {
  const html = markdown.parse(source, { async: false });
  return sanitizer.process(html);
}
