/**
 * Builds the CDK app for infra tests as `infra/app.ts` does, with two differences: bundling is
 * skipped (context `aws:cdk:bundling-stacks: []`) and the Lambda entries are stand-in files, so
 * no test depends on the real handlers existing or compiling. Each app synthesizes into its own
 * temporary directory, removed by `cleanup()`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createReleasesStack, type ReleasesStack } from '#infra/releases-stack.js';

export const FIXTURE_ENTRIES = {
  ingest: 'tests/infra/fixtures/ingest.ts',
  project: 'tests/infra/fixtures/project.ts',
  index: 'tests/infra/fixtures/index-releases.ts',
  reconcile: 'tests/infra/fixtures/reconcile.ts',
  api: 'tests/infra/fixtures/api.ts',
  problems: 'tests/infra/fixtures/problems.ts',
} as const;

/** The feature flags of cdk.json: the CLI passes them to infra/app.ts, so tests must too. */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: object }).context;

export interface TestApp {
  app: App;
  outdir: string;
  stacks: Record<string, ReleasesStack>;
  cleanup: () => void;
}

export function buildTestApp(stages: readonly string[], options: { nag?: boolean } = {}): TestApp {
  const outdir = mkdtempSync(join(tmpdir(), 'releases-infra-test-'));
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stacks: Record<string, ReleasesStack> = {};
  for (const stage of stages) stacks[stage] = createReleasesStack(app, stage, { entries: FIXTURE_ENTRIES });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, outdir, stacks, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}
