/**
 * The house function's defaults, and the promise of infra/bundling.ts: the CDK bundling options
 * and the esbuild options of `npm run bundle-report` say the same thing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUNDLE,
  cdkBundlingOptions,
  ESM_REQUIRE_BANNER,
  esbuildOptions,
  HANDLER_ENTRIES,
} from '#infra/bundling.js';
import { HouseFunction } from '#infra/constructs/house-function.js';
import { CDK_JSON_CONTEXT, FIXTURE_ENTRIES } from './synth.js';

const outdir = mkdtempSync(join(tmpdir(), 'releases-infra-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('HouseFunction', () => {
  it('merges the caller environment over the defaults without losing either', () => {
    const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'HouseFunctionTest');
    new HouseFunction(stack, 'Fn', {
      entry: FIXTURE_ENTRIES.api,
      description: 'test',
      serviceName: 'releases-test',
      memorySize: 256,
      timeout: Duration.seconds(5),
      logRetention: RetentionDays.ONE_DAY,
      logLevel: 'INFO',
      removalPolicy: RemovalPolicy.DESTROY,
      environment: { POWERTOOLS_LOG_LEVEL: 'ERROR', TABLE_NAME: 't' },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'releases-test',
          POWERTOOLS_LOG_LEVEL: 'ERROR',
          TABLE_NAME: 't',
        },
      },
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 5,
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 1 });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });
});

describe('bundling options', () => {
  it('give CDK an ESM, minified, source-mapped bundle with nothing external, built locally', () => {
    expect(cdkBundlingOptions()).toEqual({
      target: 'node24',
      format: OutputFormat.ESM,
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      banner: ESM_REQUIRE_BANNER,
      mainFields: ['module', 'main'],
      externalModules: [],
      esbuildArgs: { '--alias': ['js-yaml=./functions/release/no-js-yaml.ts'] },
      forceDockerBundling: false,
    });
  });

  it('give esbuild (bundle-report) the same settings', () => {
    const cdk = cdkBundlingOptions();
    const esbuild = esbuildOptions(HANDLER_ENTRIES.api, '/tmp/out');
    expect({
      target: esbuild.target,
      format: esbuild.format,
      minify: esbuild.minify,
      sourceMap: esbuild.sourcemap,
      sourcesContent: esbuild.sourcesContent,
      banner: esbuild.banner?.js,
      mainFields: esbuild.mainFields,
      externalModules: esbuild.external,
      platform: esbuild.platform,
      bundle: esbuild.bundle,
    }).toEqual({
      target: cdk.target,
      format: cdk.format,
      minify: cdk.minify,
      sourceMap: cdk.sourceMap,
      sourcesContent: cdk.sourcesContent,
      banner: cdk.banner,
      mainFields: cdk.mainFields,
      externalModules: cdk.externalModules,
      platform: 'node',
      bundle: true,
    });
    // CDK hands each alias to esbuild's command line as `--alias:<package>=<path>`.
    const cliAliases = (cdk.esbuildArgs?.['--alias'] ?? []) as string[];
    expect(Object.fromEntries(cliAliases.map((arg) => arg.split('=') as [string, string]))).toEqual(
      esbuild.alias,
    );
    // CDK names an ESM bundle index.mjs; the report measures the same file.
    expect(esbuild.outExtension).toEqual({ '.js': '.mjs' });
    expect(BUNDLE.outFile).toBe('index.mjs');
  });

  it('define a require for CommonJS dependencies inside the ESM bundle', () => {
    expect(ESM_REQUIRE_BANNER).toBe(
      "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
    );
  });

  it('point at one handler file per function', () => {
    expect(HANDLER_ENTRIES).toEqual({
      ingest: 'functions/handlers/ingest.ts',
      project: 'functions/handlers/project.ts',
      index: 'functions/handlers/index-releases.ts',
      api: 'functions/handlers/api.ts',
      problems: 'functions/handlers/problems.ts',
      reconcile: 'functions/handlers/reconcile.ts',
    });
  });
});
