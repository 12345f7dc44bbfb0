/**
 * The aliases of infra/bundling.ts hold in a real build: a function bundled with the esbuild
 * options that `npm run bundle-report` and the benchmark use leaves the aliased package out and
 * takes the stand-in. (The CDK form is checked on the synthesized packages in
 * tests/e2e/bundles-on-node24.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE, esbuildOptions, HANDLER_ENTRIES } from '#infra/bundling.js';

const outdir = mkdtempSync(join(tmpdir(), 'releases-bundle-aliases-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('bundle aliases', () => {
  it('leave js-yaml out of the ingest bundle, which still takes gray-matter', async () => {
    const result = await build({ ...esbuildOptions(HANDLER_ENTRIES.ingest, outdir), write: false });
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    expect(inputs.some((path) => path.includes('node_modules/gray-matter/'))).toBe(true);
    expect(inputs.filter((path) => path.includes('node_modules/js-yaml/'))).toEqual([]);
    expect(inputs).toContain(BUNDLE.alias['js-yaml']?.replace(/^\.\//, ''));
  });
});
