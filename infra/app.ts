/**
 * The CDK app: `npx cdk synth|deploy -c stage=<name>` (default `dev`). Reads the stage and
 * nothing else; everything else follows from it (infra/stages.ts). Synth needs no AWS account:
 * the stack is environment-agnostic.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createReleasesStack } from './releases-stack.js';
import { DEFAULT_STAGE } from './stages.js';

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? DEFAULT_STAGE);
createReleasesStack(app, stage);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
