/**
 * The import graph of the repository's own source, read from the files as text (TypeScript 7 has
 * no compiler API, and esbuild's metafile leaves type-only imports out): every `import` and
 * `export … from`, type-only or not, static or dynamic, resolved through package.json's subpath
 * imports and relative paths. And the checks docs/architecture.md states, as pure functions of the
 * graph, so that a test can also prove they catch what they are meant to.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** Module specifiers of a TypeScript source, in order of appearance. */
export function importSpecifiers(source: string): string[] {
  const out: string[] = [];
  // `from '…'` ends every static import and re-export, however many lines its names take.
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) out.push(match[1] as string);
  return out;
}

export interface Graph {
  /** Repository-relative path -> the repository files it imports. */
  edges: Map<string, Set<string>>;
  /** Repository-relative path -> packages it imports (`node:fs`, `@aws-sdk/client-s3`, ...). */
  packages: Map<string, Set<string>>;
}

/** Resolves `spec` imported by `from` to a repository file, or undefined for a package. */
export function resolveSpecifier(
  from: string,
  spec: string,
  aliases: Record<string, string>,
  exists: (path: string) => boolean,
): string | undefined {
  let target: string | undefined;
  for (const [alias, folder] of Object.entries(aliases)) {
    const prefix = alias.replace(/\*$/, '');
    if (spec.startsWith(prefix))
      target = normalize(join(folder.replace(/\*$/, ''), spec.slice(prefix.length)));
  }
  if (target === undefined && spec.startsWith('.')) target = normalize(join(dirname(from), spec));
  if (target === undefined) return undefined;
  for (const candidate of [target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts'), target]) {
    if (exists(candidate)) return candidate;
  }
  throw new Error(`${from}: cannot resolve "${spec}"`);
}

export function buildGraph(files: readonly string[], root: string, aliases: Record<string, string>): Graph {
  const known = new Set(files);
  const edges = new Map<string, Set<string>>();
  const packages = new Map<string, Set<string>>();
  for (const file of files) {
    const targets = new Set<string>();
    const used = new Set<string>();
    for (const spec of importSpecifiers(readFileSync(join(root, file), 'utf8'))) {
      const target = resolveSpecifier(file, spec, aliases, (path) => known.has(path));
      if (target) targets.add(target);
      else used.add(spec);
    }
    edges.set(file, targets);
    packages.set(file, used);
  }
  return { edges, packages };
}

/** Every circle of imports (strongly connected components of more than one file, or a self-import). */
export function circles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || edges.get(node)?.has(node)) found.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** Where a file under functions/ sits: its flow folder, and whether it is in that flow's `aws/`. */
export function placeOf(file: string): { flow: string; aws: boolean } | undefined {
  const parts = file.split('/');
  if (parts[0] !== 'functions' || parts.length < 3) return undefined;
  return { flow: parts[1] as string, aws: parts.slice(2, -1).includes('aws') };
}

/** The folder table of docs/architecture.md: flow -> the flows it may import (`*`: any). */
export function rulesFromDoc(markdown: string): Map<string, Set<string> | '*'> {
  const rules = new Map<string, Set<string> | '*'>();
  for (const line of markdown.split('\n')) {
    const row = /^\|\s*`([a-z-]+)\/`\s*\|[^|]*\|\s*([^|]+?)\s*\|\s*$/.exec(line);
    if (!row) continue;
    const allowed = row[2] as string;
    if (allowed === 'everything') rules.set(row[1] as string, '*');
    else if (allowed === 'nothing') rules.set(row[1] as string, new Set());
    else
      rules.set(row[1] as string, new Set([...allowed.matchAll(/`([a-z-]+)`/g)].map((m) => m[1] as string)));
  }
  return rules;
}

/** Packages a flow's core must not import: its adapters speak to AWS, the core does not. */
export const AWS_PACKAGES = /^(@aws-sdk\/|aws-lambda$|@aws-lambda-powertools\/|aws-cdk-lib)/;

/** Every import under functions/ that the rules forbid, one line each. */
export function ruleBreaks(graph: Graph, rules: ReadonlyMap<string, ReadonlySet<string> | '*'>): string[] {
  const breaks: string[] = [];
  for (const [file, targets] of graph.edges) {
    const from = placeOf(file);
    if (!from) continue;
    const allowed = rules.get(from.flow);
    if (allowed === undefined) {
      breaks.push(`${file}: folder functions/${from.flow}/ is not in docs/architecture.md`);
      continue;
    }
    if (!from.aws && from.flow !== 'handlers') {
      for (const pkg of graph.packages.get(file) ?? []) {
        if (AWS_PACKAGES.test(pkg))
          breaks.push(`${file}: a flow's core imports ${pkg} (adapters belong in aws/)`);
      }
    }
    if (allowed === '*') continue;
    for (const target of targets) {
      const to = placeOf(target);
      if (!to) {
        breaks.push(`${file}: imports ${target}, outside functions/`);
        continue;
      }
      if (to.flow === 'handlers') breaks.push(`${file}: imports the handler ${target}`);
      else if (to.flow === from.flow) {
        if (to.aws && !from.aws) breaks.push(`${file}: a flow's core imports its adapter ${target}`);
      } else if (!allowed.has(to.flow)) {
        breaks.push(`${file}: ${from.flow}/ may not import ${to.flow}/ (${target})`);
      } else if (to.aws && !from.aws) {
        breaks.push(`${file}: a flow's core imports the adapter ${target}`);
      }
    }
  }
  return breaks.sort();
}
