/** The plain-text opening of a Markdown body, for list pages. */
import { foldSpaces } from './slug.js';

export const SUMMARY_MAX_CHARS = 280;

/** Markdown to plain text, roughly: enough for a summary, not a renderer. */
export function markdownToText(markdown: string): string {
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

/** At most `max` characters, cut at a word boundary with an ellipsis when cut. */
export function summarise(markdown: string, max = SUMMARY_MAX_CHARS): string {
  const text = foldSpaces(markdownToText(markdown));
  if ([...text].length <= max) return text;
  const chars = [...text].slice(0, max - 1).join('');
  const lastSpace = chars.lastIndexOf(' ');
  const cut = lastSpace > max / 2 ? chars.slice(0, lastSpace) : chars;
  return `${cut.replace(/[\s,;:.–—-]+$/u, '')}…`;
}
