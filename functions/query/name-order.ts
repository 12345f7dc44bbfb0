/**
 * The order of minister and portfolio names in every response: by name without case or accents
 * (with `sortName`, ministers sort without their honorific), numbers by value, then by the exact
 * name, then by slug, so that equal names still have one order.
 */

let collator: Intl.Collator | undefined;

/**
 * Made on first use: the first collator of a process loads ICU's collation data (tens of
 * milliseconds), which a cold start should not pay for a request that sorts no names.
 */
function nameCollator(): Intl.Collator {
  collator ??= new Intl.Collator('en', { sensitivity: 'base', numeric: true });
  return collator;
}

export interface Named {
  slug: string;
  name: string;
}

export function compareNames(
  a: Named,
  b: Named,
  sortName: (name: string) => string = (name) => name,
): number {
  const order = nameCollator();
  return (
    order.compare(sortName(a.name), sortName(b.name)) ||
    order.compare(a.name, b.name) ||
    (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0)
  );
}
