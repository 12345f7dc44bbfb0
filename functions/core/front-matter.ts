/**
 * Splits a release file into YAML front matter and Markdown body, safely.
 *
 * gray-matter finds the block, but it would evaluate `---js` front matter (CVE-2022-25863) and
 * its YAML engine builds `Date`s in the parsing machine's time zone. So only a plain `---` opener
 * is accepted, every other engine throws, and YAML is parsed by `yaml` with the JSON-like core
 * schema (dates stay strings), a cap on aliases (billion-laughs) and a cap on size and depth.
 */
import matter from 'gray-matter';
import { type Document, isMap, isScalar, LineCounter, parseDocument } from 'yaml';

/** Front matter beyond this is not a release's metadata; also bounds YAML parse time. */
export const MAX_FRONT_MATTER_BYTES = 64 * 1024;
/** Maps and lists nested deeper than this are rejected. */
export const MAX_FRONT_MATTER_DEPTH = 16;
const MAX_ALIASES = 50;

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
    `"${language}" front matter is not allowed; only YAML is parsed`,
    1,
  );
}

/** Every engine but YAML refuses, so nothing is ever evaluated. */
const ENGINES = {
  js: () => refuse('js'),
  javascript: () => refuse('javascript'),
  coffee: () => refuse('coffee'),
  coffeescript: () => refuse('coffeescript'),
  cson: () => refuse('cson'),
  json: () => refuse('json'),
  toml: () => refuse('toml'),
};

function depthOf(node: unknown): number {
  // Iterative, so a pathological document cannot exhaust the stack here.
  let max = 0;
  const stack: Array<[unknown, number]> = [[node, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (depth > max) max = depth;
    if (depth > MAX_FRONT_MATTER_DEPTH) return depth;
    if (current && typeof current === 'object' && 'items' in current && Array.isArray(current.items)) {
      for (const item of current.items as unknown[]) {
        if (item && typeof item === 'object' && 'value' in item && 'key' in item) {
          stack.push([(item as { value: unknown }).value, depth + 1]);
        } else {
          stack.push([item, depth + 1]);
        }
      }
    }
  }
  return max;
}

/** Splits and parses; throws {@link FrontMatterError} naming what is wrong and where. */
export function splitFrontMatter(text: string): SplitFile {
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const firstLine = normalised.slice(
    0,
    normalised.indexOf('\n') === -1 ? undefined : normalised.indexOf('\n'),
  );
  const opener = /^---[ \t]*([^\s-][^\s]*)?[ \t]*$/.exec(firstLine);
  if (!opener) {
    throw new FrontMatterError(
      'front matter',
      'the file must start with a "---" line opening YAML front matter',
      1,
    );
  }
  const language = opener[1];
  if (language !== undefined && !['yaml', 'yml'].includes(language.toLowerCase())) refuse(language);

  const lines = normalised.split('\n');
  const closeIndex = lines.findIndex((line, i) => i > 0 && /^---[ \t]*$/.test(line));
  if (closeIndex === -1) {
    throw new FrontMatterError('front matter', 'the front matter is not closed by a "---" line', 1);
  }
  if (Buffer.byteLength(lines.slice(1, closeIndex).join('\n'), 'utf8') > MAX_FRONT_MATTER_BYTES) {
    throw new FrontMatterError(
      'front matter',
      `the front matter is larger than ${MAX_FRONT_MATTER_BYTES / 1024} KiB`,
      2,
    );
  }

  // gray-matter hands the YAML block to our engine starting right after the opening `---`, so
  // the YAML's line numbers (1-based) are the file's line numbers.
  const lineCounter = new LineCounter();
  let document: Document | undefined;
  const parsed = matter(normalised, {
    engines: {
      ...ENGINES,
      yaml: (source: string) => {
        document = parseYaml(source, lineCounter);
        return document.toJS({ maxAliasCount: MAX_ALIASES }) as object;
      },
    },
  });
  const data = parsed.data as unknown;
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    throw new FrontMatterError('front matter', 'the front matter must be a YAML mapping of fields', 2);
  }
  const doc = document;
  return {
    data: data as Record<string, unknown>,
    // Leading blank lines are layout, not content.
    body: parsed.content.replace(/^\n+/, ''),
    lineOf(field: string) {
      if (!doc || !isMap(doc.contents)) return undefined;
      const pair = doc.contents.items.find((item) => isScalar(item.key) && item.key.value === field);
      const offset = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    },
  };
}

function parseYaml(source: string, lineCounter: LineCounter): Document {
  let document: Document;
  try {
    document = parseDocument(source, { lineCounter, schema: 'core', uniqueKeys: true, prettyErrors: false });
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
  if (depthOf(document.contents) > MAX_FRONT_MATTER_DEPTH) {
    throw new FrontMatterError(
      'front matter',
      `the YAML is nested deeper than ${MAX_FRONT_MATTER_DEPTH} levels`,
      2,
    );
  }
  return document;
}

/** Turns an exception from gray-matter/yaml into a FrontMatterError (alias limits, engine lookups). */
export function asFrontMatterError(error: unknown): FrontMatterError | undefined {
  if (error instanceof FrontMatterError) return error;
  if (error instanceof RangeError) {
    return new FrontMatterError('front matter', 'the YAML is nested too deeply', 2);
  }
  if (error instanceof Error && /alias/i.test(error.message)) {
    return new FrontMatterError('front matter', 'the YAML uses too many aliases (possible alias bomb)', 2);
  }
  if (error instanceof Error && /engine/i.test(error.message)) {
    return new FrontMatterError('front matter', 'only YAML front matter is parsed', 1);
  }
  return undefined;
}
