/**
 * `npm run bundle-report [-- --json]`: bundles each Lambda function with the local esbuild and
 * exactly the options the CDK stack uses (infra/bundling.ts), then prints each bundle's size,
 * its source map's, the compressed size of the deployment package, and what takes the room.
 * `bundleReport()` is exported for the benchmark.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { BUNDLE, esbuildOptions, HANDLER_ENTRIES, type HandlerName, PROJECT_ROOT } from '#infra/bundling.js';

export interface BundleFigures {
  name: HandlerName;
  entry: string;
  /** index.mjs, bytes */
  bundleBytes: number;
  /** index.mjs.map, bytes */
  sourceMapBytes: number;
  /** Both files deflated, as in the zip CDK uploads; bytes */
  packageBytes: number;
  /** Largest contributors to index.mjs: npm package (or `(project)`) and bytes. */
  largest: { source: string; bytes: number }[];
}

/** `node_modules/@aws-sdk/client-s3/dist-es/x.js` -> `@aws-sdk/client-s3`; our files -> `(project)`. */
function sourceOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at === -1) return '(project)';
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? input);
}

function largestSources(metafile: Metafile, top: number): { source: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const [path, output] of Object.entries(metafile.outputs)) {
    if (!path.endsWith(BUNDLE.outFile)) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const source = sourceOf(input);
      totals.set(source, (totals.get(source) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()]
    .map(([source, bytes]) => ({ source, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

export async function bundleReport(
  names: readonly HandlerName[] = Object.keys(HANDLER_ENTRIES) as HandlerName[],
) {
  const missing = names.filter((name) => !existsSync(resolve(PROJECT_ROOT, HANDLER_ENTRIES[name])));
  if (missing.length > 0) {
    throw new Error(`Handler files missing: ${missing.map((name) => HANDLER_ENTRIES[name]).join(', ')}`);
  }
  const results: BundleFigures[] = [];
  for (const name of names) {
    const outdir = mkdtempSync(join(tmpdir(), `releases-bundle-${name}-`));
    try {
      const result = await build(esbuildOptions(HANDLER_ENTRIES[name], outdir));
      const bundle = join(outdir, BUNDLE.outFile);
      const map = `${bundle}.map`;
      const packageBytes = [bundle, map]
        .filter((file) => existsSync(file))
        .reduce((sum, file) => sum + deflateRawSync(readFileSync(file), { level: 9 }).length, 0);
      results.push({
        name,
        entry: HANDLER_ENTRIES[name],
        bundleBytes: statSync(bundle).size,
        sourceMapBytes: existsSync(map) ? statSync(map).size : 0,
        packageBytes,
        largest: result.metafile ? largestSources(result.metafile, 5) : [],
      });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  return results;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function printTable(results: BundleFigures[]): void {
  const rows = [
    ['function', 'entry', 'index.mjs', 'source map', 'zipped package'],
    ...results.map((r) => [r.name, r.entry, kib(r.bundleBytes), kib(r.sourceMapBytes), kib(r.packageBytes)]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  for (const [i, row] of rows.entries()) {
    console.log(
      row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  '),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log('');
  for (const r of results) {
    console.log(`${r.name}: ${r.largest.map((l) => `${l.source} ${kib(l.bytes)}`).join(', ')}`);
  }
  console.log(
    `\nesbuild ${BUNDLE.format}, target ${BUNDLE.target}, minified, source maps without sources, nothing external.`,
  );
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename);
if (invokedDirectly) {
  try {
    const results = await bundleReport();
    if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
    else printTable(results);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
