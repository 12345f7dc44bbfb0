/**
 * Text normalisation shared by ingestion (ids, entity slugs) and queries (parameter matching, the
 * `q` filter), so that what is written and what is asked for fold the same way.
 */

/** Every Unicode space separator, tab and line break, incl. the no-break space U+00A0. */
const ANY_SPACE = /[\s\p{Zs}\u200B\u2060\uFEFF]+/gu;
const COMBINING_MARKS = /\p{M}+/gu;

/** Trims and folds every run of Unicode white space to one plain space. */
export function foldSpaces(text: string): string {
  return text.replace(ANY_SPACE, ' ').trim();
}

/** Removes accents and macrons: `Māori` -> `Maori`. */
export function removeAccents(text: string): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').normalize('NFC');
}

/**
 * Lower-case, accent-free, white-space-folded text for case-, accent- and space-insensitive
 * matching (`q`). Quotes and apostrophes are unified so `New Zealand’s` matches `New Zealand's`.
 */
export function foldForSearch(text: string): string {
  return foldSpaces(
    removeAccents(text)
      .toLowerCase()
      .replace(/[‘’‚‛′]/g, "'")
      .replace(/[“”„‟″]/g, '"'),
  );
}

/** `Te Pāti Māori: 2024!` -> `te-pati-maori-2024`. Runs of other characters become one `-`. */
export function slugify(text: string): string {
  return removeAccents(text)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const HONORIFICS = /^(?:(?:rt\.?|right)\s+)?(?:hon\.?|honourable|honorable)\s+/i;

/** A minister's name without a leading `Rt Hon` / `Hon`. */
export function withoutHonorific(name: string): string {
  return foldSpaces(name).replace(HONORIFICS, '');
}

/** `Rt Hon Christopher Luxon` and `Hon Christopher Luxon` are both `christopher-luxon`. */
export function ministerSlug(name: string): string {
  return slugify(withoutHonorific(name));
}

export function portfolioSlug(name: string): string {
  return slugify(foldSpaces(name));
}
