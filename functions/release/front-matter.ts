/**
 * Splits a release file into YAML front matter and Markdown body, safely.
 *
 * gray-matter alone decides where the front matter is, but it would evaluate `---js` front matter
 * (CVE-2022-25863) and its YAML engine builds `Date`s in the parsing machine's time zone. So its
 * engines are replaced (YAML is only marked, every other language refuses, so nothing is ever
 * evaluated), and the YAML is parsed by `yaml` with the JSON-like core schema (dates stay
 * strings), a cap on aliases (billion-laughs) and caps on size and depth. Every value is checked
 * to be one DynamoDB can store, so a valid-looking file never fails at the write.
 */
import matter from 'gray-matter';
import {
  type Document,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Pair,
  parseDocument,
} from 'yaml';

/** Front matter beyond this is not a release's metadata; also bounds YAML parse time. */
export const MAX_FRONT_MATTER_BYTES = 64 * 1024;
/**
 * Aliases can repeat a value up to {@link MAX_ALIASES} times; the expanded front matter must
 * still fit the release's item. Without aliases a front matter stays well under this.
 */
export const MAX_EXPANDED_FRONT_MATTER_BYTES = 2 * MAX_FRONT_MATTER_BYTES;
/** Maps and lists nested deeper than this are rejected. */
export const MAX_FRONT_MATTER_DEPTH = 16;
const MAX_ALIASES = 50;
/** DynamoDB numbers: 38 digits of precision between 1e-130 and 1e126; JavaScript is exact to 2^53. */
const SMALLEST_STORED_MAGNITUDE = 1e-130;

export class FrontMatterError extends Error {
  constructor(
    readonly field: string,
    message: string,
    /** 1-based line in the file. */
    readonly line?: number,
  ) {
    super(message);
  }
}

export interface SplitFile {
  data: Record<string, unknown>;
  body: string;
  /** 1-based file line of each top-level front-matter key, for messages that name a field. */
  lineOf(field: string): number | undefined;
}

function refuse(language: string): never {
  throw new FrontMatterError(
    'front matter',
    `"${language.slice(0, 40)}" front matter is not allowed; only YAML is parsed`,
    1,
  );
}

/**
 * Every engine gray-matter ships or aliases, replaced: YAML returns nothing (it is parsed from the
 * file below), the rest refuse. A language with no engine here makes gray-matter throw.
 */
const ENGINES = {
  yaml: () => ({}),
  js: () => refuse('js'),
  javascript: () => refuse('javascript'),
  coffee: () => refuse('coffee'),
  coffeescript: () => refuse('coffeescript'),
  cson: () => refuse('cson'),
  json: () => refuse('json'),
  toml: () => refuse('toml'),
};

/**
 * gray-matter tests whether a block is empty with `/^\s*#[^\n]+/gm`, which backtracks over every
 * line of a run of blank lines from each of its starts: 40,000 blank lines take seconds. It is
 * therefore shown a copy of the same length in which every line break is a space, except the
 * first one and those that start a `---` line (the only ones it looks for). It finds the same
 * block at the same offsets, and the YAML is read from the file itself.
 */
function maskLineBreaks(text: string): string {
  const first = text.indexOf('\n') + 1;
  return (
    text.slice(0, first).replace(/[\u2028\u2029]/g, ' ') +
    text.slice(first).replace(/\n(?!---)|[\u2028\u2029]/g, ' ')
  );
}

interface Block {
  /** From the opening line's break to the closing line's, so YAML line n is file line n. */
  yaml: string;
  body: string;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) line += 1;
  return line;
}

/**
 * Where gray-matter says the front matter is, or a {@link FrontMatterError}. It is shown only as
 * much of the file as can hold the opening line, the largest front matter allowed and the closing
 * `---`: within that it decides as it would on the whole file, and the rest never costs anything.
 */
function findBlock(text: string): Block {
  const openingEnd = text.indexOf('\n');
  const head = text.slice(0, openingEnd === -1 ? undefined : openingEnd + MAX_FRONT_MATTER_BYTES + 8);
  const shown = maskLineBreaks(head);
  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(shown, { engines: ENGINES });
  } catch (error) {
    if (error instanceof FrontMatterError) throw error;
    // The language named after `---` has no engine (or names an Object method): never YAML.
    refuse(matter.language(shown).name);
  }
  if (parsed.content === shown) {
    throw new FrontMatterError(
      'front matter',
      'the file must start with a "---" line opening YAML front matter',
      1,
    );
  }
  if (!['yaml', 'yml'].includes(parsed.language.toLowerCase())) refuse(parsed.language);

  // gray-matter's block starts after `---` and the language named there, and ends before the
  // first line that starts with `---`; without such a line it runs to the end of what it saw.
  const language = matter.language(shown);
  const start = 3 + (language.name ? language.raw.length : 0);
  const end = start + parsed.matter.length;
  if (end >= shown.length || !text.startsWith('\n---', end)) {
    throw new FrontMatterError(
      'front matter',
      `the front matter is not closed by a "---" line within its first ${MAX_FRONT_MATTER_BYTES / 1024} KiB`,
      1,
    );
  }
  const closerEnd = text.indexOf('\n', end + 1);
  const closer = text.slice(end + 1, closerEnd === -1 ? undefined : closerEnd);
  if (closer.trimEnd() !== '---') {
    throw new FrontMatterError(
      'front matter',
      `the line closing the front matter must be "---" alone, not "${closer.slice(0, 40)}"`,
      lineAt(text, end + 1),
    );
  }
  const yaml = text.slice(openingEnd, end);
  // Leading blank lines are layout, not content.
  const body = closerEnd === -1 ? '' : text.slice(closerEnd + 1).replace(/^\n+/, '');
  return { yaml, body };
}

/** Splits and parses; throws {@link FrontMatterError} naming what is wrong and where. */
export function splitFrontMatter(text: string): SplitFile {
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const block = findBlock(normalised);
  if (Buffer.byteLength(block.yaml, 'utf8') > MAX_FRONT_MATTER_BYTES + 1) {
    throw new FrontMatterError(
      'front matter',
      `the front matter is larger than ${MAX_FRONT_MATTER_BYTES / 1024} KiB`,
      2,
    );
  }
  const lineCounter = new LineCounter();
  const document = parseYaml(block.yaml, lineCounter);
  checkValues(document, block.yaml, lineCounter);
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIASES }) ?? {};
  } catch (error) {
    throw asFrontMatterError(error) ?? error;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new FrontMatterError('front matter', 'the front matter must be a YAML mapping of fields', 2);
  }
  if (storedBytesOver(data, MAX_EXPANDED_FRONT_MATTER_BYTES)) {
    throw new FrontMatterError(
      'front matter',
      `with its aliases expanded, the front matter is larger than ${MAX_EXPANDED_FRONT_MATTER_BYTES / 1024} KiB`,
      2,
    );
  }
  return {
    data: data as Record<string, unknown>,
    body: block.body,
    lineOf(field: string) {
      if (!isMap(document.contents)) return undefined;
      const pair = document.contents.items.find((item) => isScalar(item.key) && item.key.value === field);
      const offset = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    },
  };
}

function parseYaml(source: string, lineCounter: LineCounter): Document {
  let document: Document;
  try {
    // Duplicate keys are found by checkValues: yaml's own check compares every pair with every
    // other, quadratic in the number of keys. Known YAML 1.1 tags (!!timestamp, !!binary, !!set)
    // would build Dates, Buffers and Sets; unresolved, they stay text and plain collections.
    document = parseDocument(source, {
      lineCounter,
      schema: 'core',
      uniqueKeys: false,
      resolveKnownTags: false,
      prettyErrors: false,
    });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new FrontMatterError('front matter', 'the YAML is nested too deeply', 2);
    }
    throw error;
  }
  const [first] = document.errors;
  if (first && /call stack/i.test(first.message)) {
    throw new FrontMatterError('front matter', 'the YAML is nested too deeply', 2);
  }
  if (first) {
    const line = first.linePos?.[0]?.line;
    const reason = first.message.split('\n')[0] ?? 'invalid YAML';
    throw new FrontMatterError('front matter', `invalid YAML: ${reason}`, line ?? 2);
  }
  return document;
}

/** `attachments[0].size`: the path of a value as problems name it. */
export function fieldPath(path: readonly (string | number)[]): string {
  return path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${part === '' ? '""' : part}`,
    )
    .join('');
}

/** Why DynamoDB (through the document client's marshaller) cannot store this number exactly. */
function numberProblem(value: number): string | undefined {
  if (!Number.isFinite(value)) return 'is not a finite number';
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    return 'is too large to store exactly; quote it to keep it as text';
  }
  if (value !== 0 && Math.abs(value) < SMALLEST_STORED_MAGNITUDE) {
    return 'is too small to store; quote it to keep it as text';
  }
  return undefined;
}

/**
 * The document client's marshaller takes an object's type from its `constructor` (so a field of
 * that name turns a map into an error, a string or a set) and copies maps by assignment (so a
 * `__proto__` field silently disappears).
 */
const UNSTORABLE_KEYS = new Set(['constructor', '__proto__']);

/**
 * One walk over the parsed nodes (aliases are not followed, so it is linear in the source):
 * nesting depth, keys that are text, not empty (`""`, `~`), given once (as JavaScript objects
 * see them: `1` and `"1"` are one key) and storable, and numbers that can be stored.
 */
function checkValues(document: Document, source: string, lineCounter: LineCounter): void {
  const lineOf = (node: unknown) =>
    isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
  // Depth first in document order, so the problem reported is the first one in the file.
  type Frame =
    | { node: unknown; path: (string | number)[] }
    | { pair: Pair; path: (string | number)[]; seen: Set<string>; map: unknown };
  const stack: Frame[] = [{ node: document.contents, path: [] }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const { path } = frame;
    if ('pair' in frame) {
      const { pair, seen } = frame;
      if (!isScalar(pair.key)) {
        throw new FrontMatterError(
          path.length === 0 ? 'front matter' : fieldPath(path),
          'has a key that is a list, map or alias; keys must be plain text',
          lineOf(pair.key) ?? lineOf(frame.map),
        );
      }
      // As yaml's toJS names object properties.
      const key = pair.key.value === null ? '' : String(pair.key.value);
      const keyPath = [...path, key];
      const refuseKey = (message: string) => {
        throw new FrontMatterError(fieldPath(keyPath), message, lineOf(pair.key));
      };
      if (seen.has(key)) refuseKey('is given more than once');
      if (key === '') refuseKey('is an empty key, which DynamoDB cannot store; give it a name');
      if (UNSTORABLE_KEYS.has(key)) refuseKey('cannot be stored under this name; rename it');
      seen.add(key);
      stack.push({ node: pair.value, path: keyPath });
      continue;
    }
    const { node } = frame;
    if (path.length > MAX_FRONT_MATTER_DEPTH) {
      throw new FrontMatterError(
        'front matter',
        `the YAML is nested deeper than ${MAX_FRONT_MATTER_DEPTH} levels`,
        lineOf(node) ?? 2,
      );
    }
    if (isMap(node)) {
      const seen = new Set<string>();
      for (let i = node.items.length - 1; i >= 0; i -= 1) {
        stack.push({ pair: node.items[i] as Pair, path, seen, map: node });
      }
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i -= 1) {
        const item = node.items[i];
        stack.push({ node: isPair(item) ? item.value : item, path: [...path, i] });
      }
    } else if (isScalar(node) && typeof node.value === 'number') {
      const problem = numberProblem(node.value);
      if (problem) {
        const written = node.range ? source.slice(node.range[0], node.range[1]).trim() : String(node.value);
        throw new FrontMatterError(
          path.length === 0 ? 'front matter' : fieldPath(path),
          `${written.slice(0, 40)} ${problem}`,
          lineOf(node),
        );
      }
    }
    // An alias is checked where its anchor is defined.
  }
}

/**
 * Whether the value, as stored, exceeds `limit` bytes: text as UTF-8, numbers as written, and a
 * byte or so per element, roughly as DynamoDB counts an item. Stops as soon as it is over.
 */
function storedBytesOver(value: unknown, limit: number): boolean {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') total += Buffer.byteLength(current, 'utf8');
    else if (typeof current === 'number') total += String(current).length;
    else if (Array.isArray(current)) {
      total += 3 + current.length;
      for (const item of current) stack.push(item);
    } else if (current !== null && typeof current === 'object') {
      total += 3;
      for (const [key, item] of Object.entries(current)) {
        total += 1 + Buffer.byteLength(key, 'utf8');
        stack.push(item);
      }
    } else total += 1;
    if (total > limit) return true;
  }
  return false;
}

/** Turns an exception from gray-matter/yaml into a FrontMatterError (alias limits, deep nesting). */
export function asFrontMatterError(error: unknown): FrontMatterError | undefined {
  if (error instanceof FrontMatterError) return error;
  if (error instanceof RangeError) {
    return new FrontMatterError('front matter', 'the YAML is nested too deeply', 2);
  }
  if (error instanceof Error && /alias/i.test(error.message)) {
    return new FrontMatterError('front matter', 'the YAML uses too many aliases (possible alias bomb)', 2);
  }
  return undefined;
}
