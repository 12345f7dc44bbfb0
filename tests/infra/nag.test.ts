/**
 * cdk-nag AwsSolutions for every kind of stage: no unacknowledged finding (errors or warnings),
 * synth with the plugin registered as in infra/app.ts succeeds, and every acknowledgment is one
 * we meant, with a reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildTestApp, CDK_JSON_CONTEXT, type TestApp } from './synth.js';

// Synthesizing (and linting) a whole stack takes seconds, more on two busy cores.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

/** Every acknowledgment in a construct tree: rule id, where, why. */
function acknowledgments(root: IConstruct): { id: string; path: string; reason: string }[] {
  const found: { id: string; path: string; reason: string }[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ id: id.replace(/^annotation::/i, ''), path: construct.node.path, reason });
      }
    }
  }
  return found;
}

const PUBLIC_ROUTES = [
  'listReleases',
  'listReleasesAtom',
  'getRelease',
  'listChanges',
  'getFacets',
  'listMinisters',
  'listPortfolios',
  'getOpenApi',
];

function expectedAcknowledgments(stack: string, disposable: boolean): string[] {
  return [
    `AwsSolutions-SQS3 ${stack}/Ingest/ProjectorDeadLetters`,
    `AwsSolutions-IAM5[Resource::*] ${stack}/Ingest/Projector/Role`,
    expect.stringMatching(
      new RegExp(
        `^AwsSolutions-IAM5\\[Resource::<IngestReleases[0-9A-F]{8}\\.Arn>/\\*\\] ${stack}/Ingest/Ingest/Role$`,
      ),
    ),
    expect.stringMatching(
      new RegExp(
        `^AwsSolutions-IAM5\\[Resource::<IngestReleases[0-9A-F]{8}\\.Arn>/\\*\\] ${stack}/Reconcile/Reconcile/Role$`,
      ),
    ),
    expect.stringMatching(
      new RegExp(
        `^AwsSolutions-IAM4\\[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\\] ${stack}/BucketNotificationsHandler\\w+/Role$`,
      ),
    ),
    ...PUBLIC_ROUTES.map((r) => `AwsSolutions-APIG4 ${stack}/Query/Route-${r}`),
    `AwsSolutions-APIG4 ${stack}/Query/HttpApi/DefaultRoute`,
    `AwsSolutions-IAM5[Resource::*] ${stack}/CursorKey/Rotation/Role/DefaultPolicy`,
    ...(disposable ? [`AwsSolutions-DDB3 ${stack}/Data/Table`] : []),
  ] as string[];
}

/** The same checks, blind to acknowledgments: what would be reported if nothing were acknowledged. */
class UnacknowledgedChecks extends AwsSolutionsChecks {
  constructor() {
    super();
    // isAcknowledged is private in cdk-nag's typings; overriding it at runtime is the only way in.
    Object.defineProperty(this, 'isAcknowledged', { value: () => false });
  }
}

let current: TestApp | undefined;
afterEach(() => {
  current?.cleanup();
  current = undefined;
});

describe.each([
  ['dev', true],
  ['staging', false],
  ['prod', false],
  ['alice', true],
] as const)('cdk-nag AwsSolutions on stage %s', (stage, disposable) => {
  it('reports no unacknowledged finding, and synth with the plugin succeeds', () => {
    current = buildTestApp([stage], { nag: true });
    const report = new AwsSolutionsChecks().validateScope(current.app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
    expect(() => current?.app.synth()).not.toThrow();
  });

  it('acknowledges exactly the expected findings, each with a specific reason', () => {
    current = buildTestApp([stage]);
    const stackName = `Releases-${stage}`;
    const found = acknowledgments(current.app);
    expect(found.map((a) => `${a.id} ${a.path}`).sort()).toEqual(
      expect.arrayContaining(expectedAcknowledgments(stackName, disposable)),
    );
    expect(found).toHaveLength(expectedAcknowledgments(stackName, disposable).length);
    for (const a of found) expect(a.reason.length, `${a.id} at ${a.path}`).toBeGreaterThan(40);
  });

  it('acknowledges nothing that would not be reported otherwise', () => {
    current = buildTestApp([stage]);
    const raw = new UnacknowledgedChecks().validateScope(current.app);
    const reported = raw.violations.flatMap((v) =>
      v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '' })),
    );
    const unneeded = acknowledgments(current.app).filter(
      (a) => !reported.some((r) => r.id === a.id && (r.path === a.path || r.path.startsWith(`${a.path}/`))),
    );
    expect(unneeded).toEqual([]);
  });
});

describe('the nag check itself', () => {
  it('fails synth on an unacknowledged finding (so a passing run means something)', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'releases-infra-test-'));
    try {
      const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT } });
      const stack = new Stack(app, 'Careless');
      new Bucket(stack, 'Open');
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
