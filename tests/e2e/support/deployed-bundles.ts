/**
 * The Lambda functions exactly as `cdk deploy` would upload them: synthesizes the real CDK app
 * (real handler entries, bundling on, so the house function's local esbuild runs) into a temporary
 * cloud assembly, and reads back from that assembly, for each function, the asset directory its
 * template's S3 key points at, its handler, runtime and environment. Nothing here re-creates the
 * bundling: a change to infra/bundling.ts or the constructs reaches the test through the assembly.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import type { HandlerName } from '#infra/bundling.js';
import type { HouseFunction } from '#infra/constructs/house-function.js';
import { createReleasesStack } from '#infra/releases-stack.js';
import { DEFAULT_STAGE } from '#infra/stages.js';
import { CDK_JSON_CONTEXT } from '../../infra/synth.js';

export interface DeployedFunction {
  name: HandlerName;
  /** The construct path, e.g. `Releases-dev/Ingest/Ingest/Function`. */
  path: string;
  /** The unzipped deployment package (`asset.<hash>` in the cloud assembly). */
  assetDir: string;
  /** `Handler` of the template, e.g. `index.handler`. */
  handler: string;
  /** `Runtime` of the template, e.g. `nodejs24.x`. */
  runtime: string;
  memorySize: number;
  /** The template's timeout (Lambda's default, 3 s, when it sets none). */
  timeoutSeconds: number;
  /** `Environment.Variables` of the template: strings, or intrinsics resolved at deploy time. */
  environment: Record<string, unknown>;
}

export interface DeployedBundles {
  functions: Record<HandlerName, DeployedFunction>;
  outdir: string;
  cleanup(): void;
}

interface CfnResource {
  Type: string;
  Properties: {
    Code?: { S3Key?: unknown };
    Handler?: string;
    Runtime?: string;
    MemorySize?: number;
    Timeout?: number;
    Environment?: { Variables?: Record<string, unknown> };
  };
}

interface FileAssets {
  files: Record<
    string,
    { source: { path?: string; packaging?: string }; destinations: Record<string, { objectKey: string }> }
  >;
}

/** Synthesizes the default stage with bundling; takes tens of seconds (four esbuild runs). */
export function synthDeployedBundles(): DeployedBundles {
  const outdir = mkdtempSync(join(tmpdir(), 'releases-bundles-'));
  // As `cdk synth` runs infra/app.ts: cdk.json's context, and no `aws:cdk:bundling-stacks`
  // override, so every stack is bundled.
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT } });
  const stack = createReleasesStack(app, DEFAULT_STAGE);
  const assembly = app.synth();

  const artifact = assembly.getStackByName(stack.stackName);
  const template = artifact.template as { Resources: Record<string, CfnResource> };
  const manifest = artifact.dependencies.find(AssetManifestArtifact.isAssetManifestArtifact);
  if (!manifest) throw new Error(`no asset manifest for ${stack.stackName}`);
  const assets = JSON.parse(readFileSync(manifest.file, 'utf8')) as FileAssets;

  const houseFunctions: Record<HandlerName, HouseFunction> = {
    ingest: stack.ingest.ingest,
    project: stack.ingest.projector,
    index: stack.index.indexer,
    reconcile: stack.reconcile.reconciler,
    api: stack.api.functions.api,
    problems: stack.api.functions.problems,
  };
  const functions = {} as Record<HandlerName, DeployedFunction>;
  for (const [name, house] of Object.entries(houseFunctions) as [HandlerName, HouseFunction][]) {
    const logicalId = stack.getLogicalId(house.function.node.defaultChild as CfnFunction);
    const resource = template.Resources[logicalId];
    if (resource?.Type !== 'AWS::Lambda::Function')
      throw new Error(`${name}: ${logicalId} is not a function`);
    const { Code, Handler, Runtime, MemorySize, Timeout, Environment } = resource.Properties;
    const s3Key = Code?.S3Key;
    if (typeof s3Key !== 'string')
      throw new Error(`${name}: code is not a file asset (${JSON.stringify(Code)})`);
    const asset = Object.values(assets.files).find((file) =>
      Object.values(file.destinations).some((destination) => destination.objectKey === s3Key),
    );
    if (!asset?.source.path || asset.source.packaging !== 'zip')
      throw new Error(`${name}: no zipped directory asset uploads as ${s3Key}`);
    functions[name] = {
      name,
      path: house.function.node.path,
      assetDir: join(outdir, asset.source.path),
      handler: Handler ?? '',
      runtime: Runtime ?? '',
      memorySize: MemorySize ?? 128,
      timeoutSeconds: Timeout ?? 3,
      environment: Environment?.Variables ?? {},
    };
  }
  return { functions, outdir, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}
