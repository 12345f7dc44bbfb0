/**
 * The roles the IAM check evaluates against (tests/support/stack-roles.ts): every Lambda handler
 * under functions/handlers/ has its role in every checked stage, the stack's resources resolve to
 * ARNs the local names fit, and the template reading (intrinsic functions, the kinds of policy a
 * role can have) on a made-up template.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { decide, type LocalNames } from '../support/iam-policy.js';
import { CHECKED_STAGES, makeResolver, roleStatements, stageRoles } from '../support/stack-roles.js';

// Synthesizing three stacks takes seconds, more on two busy cores (cached in .test-out/ after).
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const HANDLERS = readdirSync('functions/handlers')
  .filter((name) => name.endsWith('.ts'))
  .map((name) => name.replace(/\.ts$/, ''));

describe('the roles of the synthesized stack', () => {
  it('has a role for every handler under functions/handlers/, in every checked stage', () => {
    const roles = stageRoles();
    expect(Object.keys(roles)).toEqual([...CHECKED_STAGES]);
    for (const stage of CHECKED_STAGES) {
      expect(Object.keys(roles[stage] ?? {}).sort()).toEqual([...HANDLERS].sort());
    }
  });

  it('resolves the ingest role to the table and the bucket, which the local ones stand for', () => {
    const names: LocalNames = { table: ['releases-test-1'], releaseBucket: ['releases-test-1'] };
    const table = 'arn:aws:dynamodb:ap-southeast-2:000000000000:table/releases-test-1';
    for (const stage of CHECKED_STAGES) {
      const { statements } = stageRoles()[stage]?.ingest ?? { statements: [] };
      const allowed = (action: string, resource: string) =>
        decide({ fn: 'ingest', action, resource }, statements, names);
      expect(allowed('dynamodb:GetItem', table)).toBe('allowed');
      expect(allowed('dynamodb:BatchWriteItem', table)).toBe('allowed');
      expect(allowed('dynamodb:BatchWriteItem', `${table}/index/any`)).toBe('no allow');
      expect(allowed('dynamodb:BatchWriteItem', table.replace('releases-test-1', 'other'))).toBe('no allow');
      expect(allowed('dynamodb:Scan', table)).toBe('no allow');
      expect(allowed('s3:GetObject', 'arn:aws:s3:::releases-test-1/2024/a.md')).toBe('allowed');
      expect(allowed('s3:PutObject', 'arn:aws:s3:::releases-test-1/2024/a.md')).toBe('no allow');
    }
  });
});

describe('reading a template', () => {
  const template = {
    Resources: {
      Table: { Type: 'AWS::DynamoDB::Table' },
      Queue: { Type: 'AWS::SQS::Queue' },
      Thing: { Type: 'AWS::Made::Up' },
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [
            {
              PolicyName: 'inline',
              PolicyDocument: {
                Statement: {
                  Effect: 'Allow',
                  Action: 'sqs:SendMessage',
                  Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] },
                },
              },
            },
          ],
          ManagedPolicyArns: [
            { Ref: 'Managed' },
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/ReadOnlyAccess']] },
          ],
        },
      },
      Attached: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: ['dynamodb:GetItem'],
                Resource: [{ 'Fn::GetAtt': ['Table', 'Arn'] }, { Ref: 'AWS::NoValue' }],
              },
              {
                Effect: 'Deny',
                NotAction: 'dynamodb:*',
                NotResource: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
              },
            ],
          },
        },
      },
      Managed: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { x: 1 } },
            ],
          },
        },
      },
    },
  };
  const resolve = makeResolver(template, new Map([['Table', '{{table}}']]), 'Releases-dev');

  it('resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and Fn::Split to ARNs with placeholders', () => {
    expect(resolve({ 'Fn::GetAtt': ['Table', 'Arn'] })).toBe(
      'arn:aws:dynamodb:{{region}}:{{account}}:table/{{table}}',
    );
    expect(resolve({ 'Fn::GetAtt': 'Table.StreamArn' })).toBe(
      'arn:aws:dynamodb:{{region}}:{{account}}:table/{{table}}/stream/*',
    );
    expect(resolve({ Ref: 'Queue' })).toBe('https://sqs.{{region}}.amazonaws.com/{{account}}/{{!Queue}}');
    expect(resolve({ 'Fn::Sub': `\${Table.Arn}/index/*` })).toBe(
      'arn:aws:dynamodb:{{region}}:{{account}}:table/{{table}}/index/*',
    );
    expect(
      resolve({
        'Fn::Sub': [`arn:\${AWS::Partition}:s3:::\${B}/\${!Literal}`, { B: { Ref: 'AWS::StackName' } }],
      }),
    ).toBe(`arn:aws:s3:::Releases-dev/\${Literal}`);
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
    expect(resolve({ 'Fn::GetAtt': ['Thing', 'Arn'] })).toBe('{{!Thing.Arn}}');
    expect(resolve([{ Ref: 'AWS::NoValue' }, { Ref: 'AWS::Region' }])).toEqual(['{{region}}']);
    expect(() => resolve({ 'Fn::ImportValue': 'x' })).toThrow(/cannot resolve Fn::ImportValue/);
  });

  it("reads a role's inline, attached and customer managed policies, and names the managed ones it cannot read", () => {
    expect(roleStatements(template, 'Role', resolve)).toEqual({
      statements: [
        {
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: ['arn:aws:sqs:{{region}}:{{account}}:{{!Queue}}'],
        },
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem'],
          Resource: ['arn:aws:dynamodb:{{region}}:{{account}}:table/{{table}}'],
        },
        {
          Effect: 'Deny',
          NotAction: ['dynamodb:*'],
          NotResource: ['arn:aws:dynamodb:{{region}}:{{account}}:table/{{table}}/stream/*'],
        },
        { Effect: 'Allow', Action: ['cloudwatch:PutMetricData'], Resource: ['*'], Condition: { x: 1 } },
      ],
      unread: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
  });
});
