/**
 * Lambda's event filtering, for the patterns this code base declares (`PROJECTOR_FILTERS`): the
 * local stack's stand-in for an event source mapping applies the same patterns the CDK stack
 * gives Lambda, so both deliver the same records. Supported: nested objects, lists of allowed
 * values (strings, numbers, booleans), `{ prefix }` and `{ exists }`; anything else is refused
 * rather than guessed.
 */
type Pattern = { [key: string]: Pattern | readonly unknown[] };

function matchesValue(rule: unknown, present: boolean, value: unknown): boolean {
  if (rule !== null && typeof rule === 'object') {
    const entries = Object.entries(rule);
    const [name, argument] = entries[0] ?? [];
    if (entries.length !== 1) throw new Error(`unsupported filter rule ${JSON.stringify(rule)}`);
    if (name === 'exists') return present === argument;
    if (name === 'prefix') return present && typeof value === 'string' && value.startsWith(String(argument));
    throw new Error(`unsupported filter rule ${JSON.stringify(rule)}`);
  }
  return present && value === rule;
}

/** Whether `event` (a record as Lambda would deliver it) passes `pattern`. */
export function matchesFilter(pattern: Pattern, event: unknown): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    const present = event !== null && typeof event === 'object' && key in event;
    const value = present ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) {
      if (!rule.some((allowed) => matchesValue(allowed, present, value))) return false;
    } else if (!present || !matchesFilter(rule as Pattern, value)) {
      // `exists: false` below a missing key is the only rule a missing key can pass.
      if (present || !allowsMissing(rule as Pattern)) return false;
    }
  }
  return true;
}

function allowsMissing(pattern: Pattern): boolean {
  return Object.values(pattern).every((rule) =>
    Array.isArray(rule)
      ? rule.some((r) => r !== null && typeof r === 'object' && (r as { exists?: unknown }).exists === false)
      : allowsMissing(rule as Pattern),
  );
}

/** Whether `event` passes any of `patterns` (a mapping's filters are alternatives). */
export function matchesAnyFilter(patterns: readonly object[], event: unknown): boolean {
  return patterns.some((pattern) => matchesFilter(pattern as Pattern, event));
}
