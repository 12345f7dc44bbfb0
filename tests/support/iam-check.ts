/**
 * The IAM check, run after every test file (a setup file of vitest.config.ts): each AWS call the
 * file's functions made (recorded by aws-calls.ts) is evaluated against that function's role in
 * the synthesized stack of every checked stage (stack-roles.ts, iam-policy.ts). A call some role
 * does not allow fails the file, naming function, action, resource and stages. Files that record
 * nothing are not checked, and pay nothing. The calls checked are also written to the run's
 * directory in .test-out/, for the summary global-setup.ts prints at the end.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';
import { type AwsCall, localNames, recordedCalls } from './aws-calls.js';
import { checkCalls, type LocalNames } from './iam-policy.js';

/** What one test file checked, for the run's summary. */
export interface CheckedFile {
  calls: AwsCall[];
  /** The stages whose roles the calls were checked against. */
  stages: string[];
  failures: number;
}

/** The resource with the local names replaced by the stack resource they stand for (`<table>`). */
export function stackResource(resource: string, names: LocalNames): string {
  let out = resource;
  for (const [stackName, locals] of Object.entries(names)) {
    for (const local of locals ?? []) {
      out = out.replace(
        new RegExp(`(?<=[:/])${local.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=$|[:/])`),
        `<${stackName}>`,
      );
    }
  }
  return out;
}

afterAll(async () => {
  const calls = recordedCalls();
  if (calls.length === 0) return;
  const names = localNames();
  // Imported here: the CDK app is heavy, and most test files record nothing.
  const { stageRoles } = await import('./stack-roles.js');
  const roles = stageRoles();
  const failures = checkCalls(calls, roles, names);
  const dir = inject('awsCallsDir');
  if (dir) {
    mkdirSync(dir, { recursive: true });
    const checked: CheckedFile = {
      calls: calls.map((call) => ({ ...call, resource: stackResource(call.resource, names) })),
      stages: Object.keys(roles),
      failures: failures.length,
    };
    writeFileSync(join(dir, `${randomUUID()}.json`), JSON.stringify(checked));
  }
  if (failures.length > 0) {
    throw new Error(
      `AWS calls the functions' roles do not allow (the IAM check, docs/iam-check.md):\n${failures.join('\n')}`,
    );
  }
});
