/**
 * The ingest function bundles one YAML parser, `yaml`: the front matter is split without
 * gray-matter, whose default engines load `js-yaml` on import (a second parser its cold start paid
 * for). Bundled as infra/bundling.ts bundles it, without writing anything.
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { BUNDLE, HANDLER_ENTRIES } from '#infra/bundling.js';

describe('the ingest bundle', () => {
  it('holds yaml and neither js-yaml nor gray-matter', async () => {
    const result = await build({
      entryPoints: [HANDLER_ENTRIES.ingest],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      target: BUNDLE.target,
      mainFields: [...BUNDLE.mainFields],
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => /node_modules\/yaml\//.test(path))).toBe(true);
    expect(inputs.filter((path) => /node_modules\/(js-yaml|gray-matter)\//.test(path))).toEqual([]);
  });
});
