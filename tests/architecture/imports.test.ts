/**
 * The rules of docs/architecture.md, kept by the build: no circle of imports (type-only ones
 * included), no flow importing what the page does not allow, no core importing AWS, and no
 * source file over 400 lines. The second half proves the checks catch what they are for.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  circles,
  type Graph,
  importSpecifiers,
  placeOf,
  ruleBreaks,
  rulesFromDoc,
} from './import-graph.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCE_FOLDERS = ['functions', 'scripts', 'bench', 'infra'];
const MAX_LINES = 400;

/** Lines as `wc -l` counts them (a final newline ends the last line, it does not start one). */
function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, folder));
  return out.sort();
}

const files = SOURCE_FOLDERS.flatMap(sourceFiles);
const aliases = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).imports as Record<
  string,
  string
>;
const graph = buildGraph(files, ROOT, aliases);
const rules = rulesFromDoc(readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8'));

describe('the code as docs/architecture.md describes it', () => {
  it('names every folder under functions/ in the page, and no other', () => {
    const folders = readdirSync(join(ROOT, 'functions')).filter((name) =>
      statSync(join(ROOT, 'functions', name)).isDirectory(),
    );
    expect([...rules.keys()].sort()).toEqual(folders.sort());
  });

  it('has no circle of imports, type-only imports included', () => {
    expect(circles(graph.edges)).toEqual([]);
  });

  it('lets each flow import only what the page allows, and keeps AWS out of every core', () => {
    expect(ruleBreaks(graph, rules)).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines under functions/, scripts/ or bench/`, () => {
    const long = files
      .filter((file) => /^(functions|scripts|bench)\//.test(file))
      .map((file) => ({ file, lines: lineCount(readFileSync(join(ROOT, file), 'utf8')) }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });
});

/** A graph of made-up files, for proving the checks. */
function fakeGraph(edges: Record<string, string[]>, packages: Record<string, string[]> = {}): Graph {
  return {
    edges: new Map(Object.entries(edges).map(([file, targets]) => [file, new Set(targets)])),
    packages: new Map(Object.entries(edges).map(([file]) => [file, new Set(packages[file] ?? [])])),
  };
}

describe('the checks catch what they are for', () => {
  const page = [
    '| folder | what | may import |',
    '| --- | --- | --- |',
    '| `table/` | keys | `release` |',
    '| `release/` | model | nothing |',
    '| `search/` | index | `table`, `release` |',
    '| `handlers/` | entry points | everything |',
  ].join('\n');
  const pageRules = rulesFromDoc(page);

  it('reads the page table', () => {
    expect(pageRules.get('release')).toEqual(new Set());
    expect(pageRules.get('search')).toEqual(new Set(['table', 'release']));
    expect(pageRules.get('handlers')).toBe('*');
  });

  it('fails a back-import: a lower flow importing a higher one', () => {
    const breaks = ruleBreaks(
      fakeGraph({
        'functions/table/keys.ts': ['functions/search/index.ts'],
        'functions/search/index.ts': [],
      }),
      pageRules,
    );
    expect(breaks).toEqual([
      'functions/table/keys.ts: table/ may not import search/ (functions/search/index.ts)',
    ]);
  });

  it('fails a core importing an adapter, a handler, or AWS', () => {
    const breaks = ruleBreaks(
      fakeGraph(
        {
          'functions/search/plan.ts': ['functions/search/aws/reader.ts', 'functions/handlers/api.ts'],
          'functions/search/aws/reader.ts': [],
          'functions/handlers/api.ts': [],
        },
        { 'functions/search/plan.ts': ['@aws-sdk/lib-dynamodb'] },
      ),
      pageRules,
    );
    expect(breaks).toEqual([
      "functions/search/plan.ts: a flow's core imports @aws-sdk/lib-dynamodb (adapters belong in aws/)",
      "functions/search/plan.ts: a flow's core imports its adapter functions/search/aws/reader.ts",
      'functions/search/plan.ts: imports the handler functions/handlers/api.ts',
    ]);
  });

  it('allows an adapter what its flow may import, and their adapters', () => {
    const breaks = ruleBreaks(
      fakeGraph({
        'functions/search/aws/reader.ts': ['functions/search/plan.ts', 'functions/table/aws/batch.ts'],
        'functions/search/plan.ts': [],
        'functions/table/aws/batch.ts': [],
      }),
      pageRules,
    );
    expect(breaks).toEqual([]);
  });

  it('finds a circle, also one of type-only imports', () => {
    const source = "import type { A } from './a.js';\nexport type { B } from './b.js';\n";
    expect(importSpecifiers(source)).toEqual(['./a.js', './b.js']);
    expect(
      circles(
        new Map([
          ['a.ts', new Set(['b.ts'])],
          ['b.ts', new Set(['c.ts'])],
          ['c.ts', new Set(['a.ts'])],
          ['d.ts', new Set(['a.ts'])],
        ]),
      ),
    ).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('reads imports over several lines, bare imports and dynamic imports', () => {
    const source = [
      'import {',
      '  a,',
      '  type B,',
      "} from '#search/keys.js';",
      "import './side-effect.js';",
      "const lazy = await import('#query/routes.js');",
    ].join('\n');
    expect(importSpecifiers(source).sort()).toEqual([
      '#query/routes.js',
      '#search/keys.js',
      './side-effect.js',
    ]);
  });

  it('places files by flow and adapter folder', () => {
    expect(placeOf('functions/search/aws/dynamodb-index-reader.ts')).toEqual({ flow: 'search', aws: true });
    expect(placeOf('functions/table/table-layout.ts')).toEqual({ flow: 'table', aws: false });
    expect(placeOf('scripts/reindex.ts')).toBeUndefined();
  });
});
