/**
 * The IAM check's evaluation (tests/support/iam-policy.ts) on made-up roles: an allowed call
 * passes, one that is not fails with a message naming function, action, resource and stages;
 * wildcards in actions and resources, local names in place of the stack's, Deny, NotAction,
 * conditions, and transactions checked as their parts.
 */
import { describe, expect, it } from 'vitest';
import {
  actionMatches,
  type CheckedCall,
  checkCalls,
  decide,
  type FunctionRole,
  type LocalNames,
  resourceMatches,
  type StageRoles,
  type Statement,
} from '../../support/iam-policy.js';

const TABLE = 'arn:aws:dynamodb:{{region}}:{{account}}:table/{{table}}';
const BUCKET = 'arn:aws:s3:::{{releaseBucket}}';
const names: LocalNames = { table: ['releases-test-1'], releaseBucket: ['releases-test-1'] };
const localTable = 'arn:aws:dynamodb:ap-southeast-2:000000000000:table/releases-test-1';

function role(...statements: Statement[]): FunctionRole {
  return { role: 'Ingest/Ingest/Role', statements, unread: [] };
}

const ingestRole = role(
  {
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
    Resource: [TABLE],
  },
  { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`${BUCKET}/*`] },
);

const everyStage = (fn: FunctionRole, name = 'ingest'): StageRoles => ({
  dev: { [name]: fn },
  staging: { [name]: fn },
  prod: { [name]: fn },
});

describe('checkCalls', () => {
  it('passes a call the role allows', () => {
    const calls: CheckedCall[] = [
      { fn: 'ingest', action: 'dynamodb:GetItem', resource: localTable },
      { fn: 'ingest', action: 's3:GetObject', resource: 'arn:aws:s3:::releases-test-1/2024/a b+c.md' },
    ];
    expect(checkCalls(calls, everyStage(ingestRole), names)).toEqual([]);
  });

  it('fails a call the role does not allow, naming function, action, resource and stages', () => {
    const calls: CheckedCall[] = [{ fn: 'ingest', action: 'dynamodb:BatchWriteItem', resource: localTable }];
    expect(checkCalls(calls, everyStage(ingestRole), names)).toEqual([
      `ingest: dynamodb:BatchWriteItem on ${localTable} is not allowed in dev, staging, prod`,
    ]);
  });

  it('names only the stages whose role does not allow the call', () => {
    const wider = role(...ingestRole.statements, {
      Effect: 'Allow',
      Action: ['dynamodb:BatchWriteItem'],
      Resource: [TABLE],
    });
    const roles: StageRoles = {
      dev: { ingest: ingestRole },
      staging: { ingest: wider },
      prod: { ingest: ingestRole },
    };
    const calls: CheckedCall[] = [{ fn: 'ingest', action: 'dynamodb:BatchWriteItem', resource: localTable }];
    expect(checkCalls(calls, roles, names)).toEqual([
      `ingest: dynamodb:BatchWriteItem on ${localTable} is not allowed in dev, prod`,
    ]);
  });

  it('checks a transaction as its parts: the transaction needs no grant, each part does', () => {
    const via = 'dynamodb:TransactWriteItems';
    const calls: CheckedCall[] = [
      { fn: 'ingest', action: via, resource: localTable },
      { fn: 'ingest', action: 'dynamodb:PutItem', resource: localTable, via },
      { fn: 'ingest', action: 'dynamodb:ConditionCheckItem', resource: localTable, via },
      { fn: 'ingest', action: 'dynamodb:UpdateItem', resource: localTable, via },
    ];
    expect(checkCalls(calls, everyStage(ingestRole), names)).toEqual([
      `ingest: dynamodb:UpdateItem on ${localTable} (part of dynamodb:TransactWriteItems) is not allowed in dev, staging, prod`,
    ]);
  });

  it('fails the calls of a function the stack has no role for', () => {
    const calls: CheckedCall[] = [{ fn: 'indexer', action: 'sqs:ReceiveMessage', resource: '*' }];
    expect(checkCalls(calls, everyStage(ingestRole), names)).toEqual([
      'indexer: no role for this function in the stack, so sqs:ReceiveMessage on * cannot be allowed in dev, staging, prod',
    ]);
  });

  it('fails a call on a local resource that stands for none of the stack', () => {
    const other = 'arn:aws:dynamodb:ap-southeast-2:000000000000:table/someone-elses';
    const calls: CheckedCall[] = [{ fn: 'ingest', action: 'dynamodb:GetItem', resource: other }];
    expect(checkCalls(calls, { dev: { ingest: ingestRole } }, names)).toEqual([
      `ingest: dynamodb:GetItem on ${other} is not allowed in dev`,
    ]);
  });

  it('says when a role has managed policies it cannot read', () => {
    const opaque: FunctionRole = { ...ingestRole, unread: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] };
    const calls: CheckedCall[] = [
      { fn: 'ingest', action: 's3:ListBucket', resource: 'arn:aws:s3:::releases-test-1' },
    ];
    expect(checkCalls(calls, { dev: { ingest: opaque } }, names)).toEqual([
      'ingest: its role also has managed policies this check cannot read: arn:aws:iam::aws:policy/ReadOnlyAccess',
      'ingest: s3:ListBucket on arn:aws:s3:::releases-test-1 is not allowed in dev',
    ]);
  });
});

describe('matching', () => {
  it('matches actions case-insensitively, with * and ? wildcards', () => {
    expect(actionMatches('dynamodb:GetItem', 'dynamodb:GetItem')).toBe(true);
    expect(actionMatches('DynamoDB:getitem', 'dynamodb:GetItem')).toBe(true);
    expect(actionMatches('dynamodb:Get*', 'dynamodb:GetItem')).toBe(true);
    expect(actionMatches('dynamodb:Get*', 'dynamodb:BatchGetItem')).toBe(false);
    expect(actionMatches('dynamodb:*Item', 'dynamodb:BatchWriteItem')).toBe(true);
    expect(actionMatches('s3:GetObject?ersion', 's3:GetObjectVersion')).toBe(true);
    expect(actionMatches('s3:GetObject', 's3:GetObjectVersion')).toBe(false);
    expect(actionMatches('*', 'sqs:SendMessage')).toBe(true);
  });

  it('matches resources with wildcards and local names for the stack resources', () => {
    expect(resourceMatches(TABLE, localTable, names)).toBe(true);
    // The table's ARN names neither its indexes nor its stream.
    expect(resourceMatches(TABLE, `${localTable}/index/byDate`, names)).toBe(false);
    expect(resourceMatches(`${TABLE}/index/*`, `${localTable}/index/byDate`, names)).toBe(true);
    expect(resourceMatches(`${TABLE}/stream/*`, `${localTable}/stream/2024-07-01T00:00:00.000`, names)).toBe(
      true,
    );
    // Region and account are the environment's, not the policy's.
    expect(resourceMatches(TABLE, localTable.replace('ap-southeast-2', 'ddblocal'), names)).toBe(true);
    expect(resourceMatches(`${BUCKET}/*`, 'arn:aws:s3:::releases-test-1/a/b.md', names)).toBe(true);
    expect(resourceMatches(`${BUCKET}/*`, 'arn:aws:s3:::releases-test-1', names)).toBe(false);
    expect(resourceMatches(`${BUCKET}/*`, 'arn:aws:s3:::releases-test-10/a.md', names)).toBe(false);
    expect(resourceMatches(`${BUCKET}/2024/??.md`, 'arn:aws:s3:::releases-test-1/2024/ab.md', names)).toBe(
      true,
    );
    // Case matters in resources, and a resource no local one stands for matches nothing.
    expect(resourceMatches(TABLE, localTable.replace('releases', 'Releases'), names)).toBe(false);
    expect(
      resourceMatches('arn:aws:sqs:{{region}}:{{account}}:{{!IngestEvents}}', 'arn:aws:sqs:x:1:q', names),
    ).toBe(false);
    // `*` as a resource is what actions without resource-level permissions need.
    expect(resourceMatches('*', '*', names)).toBe(true);
    expect(resourceMatches(TABLE, '*', names)).toBe(false);
  });
});

describe('decide', () => {
  const call: CheckedCall = { fn: 'ingest', action: 'dynamodb:PutItem', resource: localTable };
  const allow: Statement = { Effect: 'Allow', Action: ['dynamodb:*'], Resource: ['*'] };

  it('lets a matching Deny win over any Allow', () => {
    expect(decide(call, [allow], names)).toBe('allowed');
    const deny: Statement = { Effect: 'Deny', Action: ['dynamodb:PutItem'], Resource: [TABLE] };
    expect(decide(call, [allow, deny], names)).toBe('denied');
    expect(checkCalls([call], { dev: { ingest: role(allow, deny) } }, names)).toEqual([
      `ingest: dynamodb:PutItem on ${localTable} is denied by a Deny statement in dev`,
    ]);
  });

  it('reads NotAction and NotResource', () => {
    expect(decide(call, [{ Effect: 'Allow', NotAction: ['s3:*'], Resource: ['*'] }], names)).toBe('allowed');
    expect(decide(call, [{ Effect: 'Allow', NotAction: ['dynamodb:Put*'], Resource: ['*'] }], names)).toBe(
      'no allow',
    );
    expect(decide(call, [{ Effect: 'Allow', Action: ['*'], NotResource: [TABLE] }], names)).toBe('no allow');
  });

  it('does not count an Allow under a Condition, and counts a Deny under one', () => {
    const condition = { Bool: { 'aws:SecureTransport': 'true' } };
    expect(decide(call, [{ ...allow, Condition: condition }], names)).toBe('conditional allow only');
    expect(
      decide(call, [allow, { Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: condition }], names),
    ).toBe('denied');
  });
});
