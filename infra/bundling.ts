/**
 * How every function is bundled, declared once: the house NodejsFunction hands these options to
 * CDK's local esbuild bundling, and `npm run bundle-report` hands the same options to the esbuild
 * API, so the sizes the report prints are the sizes that deploy.
 */
import { fileURLToPath } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The repository root (infra/..), where package.json and the lock file live. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The Lambda entry points, relative to the project root. Each exports `handler`. */
export const HANDLER_ENTRIES = {
  ingest: 'functions/handlers/ingest.ts',
  project: 'functions/handlers/project.ts',
  index: 'functions/handlers/index-releases.ts',
  api: 'functions/handlers/api.ts',
  problems: 'functions/handlers/problems.ts',
  reconcile: 'functions/handlers/reconcile.ts',
} as const;

export type HandlerName = keyof typeof HANDLER_ENTRIES;

/**
 * ESM bundles have no `require`; CommonJS dependencies that call it (gray-matter does) need one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** The one description both forms below are made from. */
export const BUNDLE = {
  /** Matches Runtime.NODEJS_24_X. */
  target: 'node24',
  platform: 'node',
  format: 'esm',
  minify: true,
  sourceMap: true,
  /** Stack traces need the mappings, not a second copy of the sources. */
  sourcesContent: false,
  banner: ESM_REQUIRE_BANNER,
  /** Prefer ES module builds (tree-shaking of the AWS SDK v3). */
  mainFields: ['module', 'main'],
  /** Nothing is external: the AWS SDK v3 is bundled at the version we tested with. */
  external: [] as string[],
  /**
   * Packages replaced by a module of ours, relative to the project root (where esbuild resolves
   * an alias). gray-matter requires js-yaml, which front-matter.ts never lets it call.
   */
  alias: { 'js-yaml': './functions/release/no-js-yaml.ts' } as Readonly<Record<string, string>>,
  /** CDK names an ESM bundle index.mjs; so does the report. */
  outFile: 'index.mjs',
} as const;

/** The options for CDK's NodejsFunction (local esbuild, never Docker). */
export function cdkBundlingOptions(): BundlingOptions {
  return {
    target: BUNDLE.target,
    format: OutputFormat.ESM,
    minify: BUNDLE.minify,
    sourceMap: BUNDLE.sourceMap,
    sourcesContent: BUNDLE.sourcesContent,
    banner: BUNDLE.banner,
    mainFields: [...BUNDLE.mainFields],
    externalModules: [...BUNDLE.external],
    // CDK passes each as `--alias:<package>=<path>`, run in the project root.
    esbuildArgs: { '--alias': Object.entries(BUNDLE.alias).map(([from, to]) => `${from}=${to}`) },
    forceDockerBundling: false,
  };
}

/** The same options for the esbuild API, bundling `entry` (relative to the project root). */
export function esbuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: { index: entry },
    outExtension: { '.js': '.mjs' },
    outdir,
    bundle: true,
    target: BUNDLE.target,
    platform: BUNDLE.platform,
    format: BUNDLE.format,
    minify: BUNDLE.minify,
    sourcemap: BUNDLE.sourceMap,
    sourcesContent: BUNDLE.sourcesContent,
    banner: { js: BUNDLE.banner },
    mainFields: [...BUNDLE.mainFields],
    external: [...BUNDLE.external],
    alias: { ...BUNDLE.alias },
    metafile: true,
    logLevel: 'warning',
  };
}
