/**
 * The functions' roles as CDK synthesizes them, for the IAM check (iam-check.ts): the stack of
 * each stage built as infra/app.ts builds it, with bundling skipped (context
 * `aws:cdk:bundling-stacks: []`) into a temporary outdir removed afterwards. Each HouseFunction is
 * named by its entry file (`functions/handlers/ingest.ts` is `ingest`), and its role's statements
 * are read from the template: the policies CDK attaches to the role, the role's inline policies
 * and customer managed policies, with Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and
 * Fn::Split resolved to ARNs. In those the stack's resources that local ones stand for
 * (LOCAL_RESOURCES) are named `{{table}}` and the like, for the checker to substitute the local
 * names (iam-policy.ts). Synthesizing takes seconds, so the result is kept in .test-out/ under a
 * hash of the files it depends on.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { HouseFunction } from '#infra/constructs/house-function.js';
import { createReleasesStack } from '#infra/releases-stack.js';
import type { FunctionRole, StageRoles, Statement } from './iam-policy.js';

/** The stages checked: the named ones (any other name gets `dev`'s settings). */
export const CHECKED_STAGES = ['dev', 'staging', 'prod'] as const;

/** The stack's resources that local ones stand for, by construct path under the stack. */
export const LOCAL_RESOURCES = {
  table: 'Data/Table',
  releaseBucket: 'Ingest/Releases',
  cursorSecret: 'CursorKey/Secret',
} as const;
export type LocalResource = keyof typeof LOCAL_RESOURCES;

type Json = unknown;
interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
}
interface Template {
  Resources: Record<string, CfnResource>;
}

/** The ARN (or name) each attribute of a resource type returns, for a resource named `n`. */
const ATTRIBUTES: Readonly<Record<string, (n: string) => Record<string, string>>> = {
  'AWS::DynamoDB::Table': (n) => {
    const arn = `arn:aws:dynamodb:{{region}}:{{account}}:table/${n}`;
    return { Ref: n, Arn: arn, StreamArn: `${arn}/stream/*` };
  },
  'AWS::S3::Bucket': (n) => ({ Ref: n, Arn: `arn:aws:s3:::${n}` }),
  'AWS::SecretsManager::Secret': (n) => {
    const arn = `arn:aws:secretsmanager:{{region}}:{{account}}:secret:${n}`;
    return { Ref: arn, Id: arn };
  },
  'AWS::SQS::Queue': (n) => {
    const url = `https://sqs.{{region}}.amazonaws.com/{{account}}/${n}`;
    return { Ref: url, QueueUrl: url, Arn: `arn:aws:sqs:{{region}}:{{account}}:${n}`, QueueName: n };
  },
  'AWS::SNS::Topic': (n) => {
    const arn = `arn:aws:sns:{{region}}:{{account}}:${n}`;
    return { Ref: arn, TopicArn: arn, TopicName: n };
  },
  'AWS::Logs::LogGroup': (n) => ({ Ref: n, Arn: `arn:aws:logs:{{region}}:{{account}}:log-group:${n}:*` }),
  'AWS::Lambda::Function': (n) => ({ Ref: n, Arn: `arn:aws:lambda:{{region}}:{{account}}:function:${n}` }),
  'AWS::IAM::Role': (n) => ({ Ref: n, Arn: `arn:aws:iam::{{account}}:role/${n}` }),
  'AWS::KMS::Key': (n) => ({ Ref: n, KeyId: n, Arn: `arn:aws:kms:{{region}}:{{account}}:key/${n}` }),
};

const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': '{{region}}',
  'AWS::AccountId': '{{account}}',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves the intrinsic functions of a template's values; `placeholders` names resources by id. */
export function makeResolver(
  template: Template,
  placeholders: ReadonlyMap<string, string>,
  stackName: string,
) {
  const attribute = (id: string, name: string): string => {
    const resource = template.Resources[id];
    if (!resource) throw new Error(`the template has no resource ${id}`);
    const value = ATTRIBUTES[resource.Type]?.(placeholders.get(id) ?? `{{!${id}}}`)[name];
    return value ?? (name === 'Ref' ? (placeholders.get(id) ?? `{{!${id}}}`) : `{{!${id}.${name}}}`);
  };
  const ref = (name: string): string | undefined => {
    if (name === 'AWS::NoValue') return undefined;
    if (name === 'AWS::StackName') return stackName;
    return PSEUDO[name] ?? attribute(name, 'Ref');
  };
  const sub = (text: string, vars: Record<string, Json>): string =>
    text.replace(/\$\{(!?)([^}]+)\}/g, (_all, literal: string, name: string) => {
      if (literal) return `\${${name}}`;
      if (name in vars) return String(resolveValue(vars[name]));
      const [id = '', attr] = name.split('.');
      return attr ? attribute(id, attr) : (ref(id) ?? '');
    });
  function resolveValue(value: Json): Json {
    if (Array.isArray(value)) return value.map(resolveValue).filter((v) => v !== undefined);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, Json>);
    const [key, arg] = entries[0] ?? [];
    if (entries.length !== 1 || !(key === 'Ref' || key?.startsWith('Fn::'))) {
      return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(v)]));
    }
    switch (key) {
      case 'Ref':
        return ref(String(arg));
      case 'Fn::GetAtt': {
        const [id, name] = Array.isArray(arg) ? arg : String(arg).split('.');
        return attribute(String(id), String(name));
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, Json[]];
        return (resolveValue(parts) as Json[]).join(separator);
      }
      case 'Fn::Sub':
        return Array.isArray(arg)
          ? sub(String(arg[0]), (arg[1] ?? {}) as Record<string, Json>)
          : sub(String(arg), {});
      case 'Fn::Select': {
        const [index, list] = arg as [number | string, Json];
        return (resolveValue(list) as Json[])[Number(resolveValue(index))];
      }
      case 'Fn::Split': {
        const [separator, text] = arg as [string, Json];
        return String(resolveValue(text)).split(separator);
      }
      default:
        throw new Error(`the IAM check cannot resolve ${key} (in ${JSON.stringify(value)})`);
    }
  }
  return resolveValue;
}

const strings = (value: Json): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String);

function statementsOf(document: Json, resolveValue: (value: Json) => Json): Statement[] {
  const raw = (document as { Statement?: Json } | undefined)?.Statement ?? [];
  return (Array.isArray(raw) ? raw : [raw]).map((statement) => {
    const s = resolveValue(statement) as Record<string, Json>;
    const out: Statement = { Effect: s.Effect === 'Deny' ? 'Deny' : 'Allow' };
    for (const field of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
      const list = strings(s[field]);
      if (list) out[field] = list;
    }
    if (s.Condition !== undefined) out.Condition = s.Condition;
    return out;
  });
}

const refersTo = (roles: Json, id: string): boolean =>
  Array.isArray(roles) && roles.some((r) => (r as { Ref?: string } | null)?.Ref === id);

/** A role's statements: attached policies, its inline ones, and the managed ones it names. */
export function roleStatements(
  template: Template,
  roleId: string,
  resolveValue: (value: Json) => Json,
): Omit<FunctionRole, 'role'> {
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const statements: Statement[] = [];
  const unread: string[] = [];
  const seen = new Set<string>();
  for (const policy of (role.Properties?.Policies ?? []) as Array<{ PolicyDocument: Json }>) {
    statements.push(...statementsOf(policy.PolicyDocument, resolveValue));
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    const kind = resource.Type;
    if (kind !== 'AWS::IAM::Policy' && kind !== 'AWS::IAM::ManagedPolicy') continue;
    if (!refersTo(resource.Properties?.Roles, roleId)) continue;
    seen.add(id);
    statements.push(...statementsOf(resource.Properties?.PolicyDocument, resolveValue));
  }
  for (const arn of (role.Properties?.ManagedPolicyArns ?? []) as Json[]) {
    const id = (arn as { Ref?: string } | null)?.Ref;
    const managed = id ? template.Resources[id] : undefined;
    if (id && managed?.Type === 'AWS::IAM::ManagedPolicy') {
      if (!seen.has(id)) statements.push(...statementsOf(managed.Properties?.PolicyDocument, resolveValue));
    } else unread.push(String(resolveValue(arn)));
  }
  return { statements, unread };
}

/** The context infra/app.ts gets from cdk.json, plus bundling skipped. */
function appContext(): Record<string, unknown> {
  const { context } = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> };
  return { ...context, 'aws:cdk:bundling-stacks': [] };
}

/** Synthesizes the stacks of `stages` and reads every function's role. */
export function synthStageRoles(stages: readonly string[] = CHECKED_STAGES): StageRoles {
  const outdir = mkdtempSync(join(tmpdir(), 'releases-iam-check-'));
  try {
    const app = new App({ outdir, context: appContext() });
    const stacks = stages.map((stage) => [stage, createReleasesStack(app, stage)] as const);
    const assembly = app.synth();
    const roles: Record<string, Record<string, FunctionRole>> = {};
    for (const [stage, stack] of stacks) {
      const template = assembly.getStackByName(stack.stackName).template as Template;
      const idOf = (path: string) => {
        const construct = stack.node.findAll().find((c) => c.node.path === `${stack.node.path}/${path}`);
        if (!construct) throw new Error(`${stack.stackName} has no ${path} (LOCAL_RESOURCES)`);
        return stack.getLogicalId(construct.node.defaultChild as CfnElement);
      };
      const placeholders = new Map(
        Object.entries(LOCAL_RESOURCES).map(([name, path]) => [idOf(path), `{{${name}}}`] as const),
      );
      const resolveValue = makeResolver(template, placeholders, stack.stackName);
      const functions: Record<string, FunctionRole> = {};
      for (const construct of stack.node.findAll()) {
        if (!(construct instanceof HouseFunction)) continue;
        const name = basename(construct.entry).replace(/\.[cm]?[tj]s$/, '');
        if (functions[name]) throw new Error(`two functions of ${stack.stackName} are named ${name}`);
        const roleId = Stack.of(construct).getLogicalId(construct.role.node.defaultChild as CfnElement);
        functions[name] = {
          role: construct.role.node.path,
          ...roleStatements(template, roleId, resolveValue),
        };
      }
      roles[stage] = functions;
    }
    return roles;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** What the synthesized roles depend on: the stack's and functions' sources, settings, versions. */
function inputsHash(): string {
  const hash = createHash('sha256');
  const add = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) add(join(path, name));
    } else if (/\.(ts|json)$/.test(path)) {
      hash.update(path).update(readFileSync(path));
    }
  };
  for (const path of [
    'infra',
    'functions',
    'cdk.json',
    'package-lock.json',
    'tests/support/stack-roles.ts',
  ]) {
    add(path);
  }
  return hash.digest('hex').slice(0, 16);
}

/** The roles of CHECKED_STAGES, synthesized once per change of their inputs (kept in .test-out/). */
export function stageRoles(): StageRoles {
  const dir = resolve('.test-out');
  const file = join(dir, `iam-roles.${inputsHash()}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StageRoles;
  const roles = synthStageRoles();
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (/^iam-roles\.\w+\.json$/.test(name)) rmSync(join(dir, name), { force: true });
  }
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(roles));
  renameSync(partial, file);
  return roles;
}
