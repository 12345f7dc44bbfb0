/**
 * Evaluates recorded AWS calls against the functions' roles as IAM evaluates an identity policy:
 * a call is allowed when some Allow statement matches its action and resource and no Deny does.
 * Actions match case-insensitively, with `*` and `?` wildcards; resources match with the same
 * wildcards, case-sensitively. The roles come from the synthesized stack (stack-roles.ts), with
 * the stack's resources resolved to ARNs that hold placeholders: `{{region}}` and `{{account}}`
 * (any), `{{table}}` and the like (any local name bound to that resource, aws-calls.ts) and
 * `{{!Id}}` (a resource no local one stands for, which matches nothing).
 *
 * What it does not evaluate: conditions (an Allow with a Condition is not counted, a Deny with one
 * is), resource policies, permission boundaries, SCPs, session policies and KMS key policies.
 */

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: unknown;
}

export interface FunctionRole {
  /** The role's construct path, for messages. */
  role: string;
  statements: Statement[];
  /** Managed policies the check cannot read (AWS managed ones), by ARN. */
  unread: string[];
}

/** Each stage's roles, by function name (the handler file's name). */
export type StageRoles = Readonly<Record<string, Readonly<Record<string, FunctionRole>>>>;

/** Local names by the stack resource they stand for (`table`, `releaseBucket`, ...). */
export type LocalNames = Readonly<Partial<Record<string, readonly string[]>>>;

export interface CheckedCall {
  fn: string;
  action: string;
  resource: string;
  via?: string;
}

/**
 * Operations IAM has no action of its own for: DynamoDB authorizes a transaction by the actions
 * of its parts (PutItem, UpdateItem, DeleteItem, ConditionCheckItem, GetItem on each part's table),
 * which the recorder records beside it. The transaction itself is recorded and counted, and
 * allowed when its parts are.
 */
export const AUTHORIZED_BY_PARTS: ReadonlySet<string> = new Set([
  'dynamodb:TransactWriteItems',
  'dynamodb:TransactGetItems',
]);

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** A policy pattern's wildcards as a regular expression (placeholders are not expanded). */
function wildcards(pattern: string): string {
  return escapeRegExp(pattern).replace(/\*/g, '.*').replace(/\?/g, '.');
}

export function actionMatches(pattern: string, action: string): boolean {
  return new RegExp(`^${wildcards(pattern)}$`, 'i').test(action);
}

export function resourceMatches(pattern: string, resource: string, names: LocalNames): boolean {
  const source = pattern
    .split(/(\{\{[^}]+\}\})/)
    .map((part) => {
      const placeholder = /^\{\{([^}]+)\}\}$/.exec(part)?.[1];
      if (placeholder === undefined) return wildcards(part);
      if (placeholder === 'region' || placeholder === 'account') return '[^:]*';
      const bound = placeholder.startsWith('!') ? [] : (names[placeholder] ?? []);
      return bound.length > 0 ? `(?:${bound.map(escapeRegExp).join('|')})` : '(?!)';
    })
    .join('');
  return new RegExp(`^${source}$`).test(resource);
}

function statementMatches(statement: Statement, call: CheckedCall, names: LocalNames): boolean {
  const action = statement.Action
    ? statement.Action.some((p) => actionMatches(p, call.action))
    : !(statement.NotAction ?? []).some((p) => actionMatches(p, call.action));
  if (!action) return false;
  return statement.Resource
    ? statement.Resource.some((p) => resourceMatches(p, call.resource, names))
    : !(statement.NotResource ?? []).some((p) => resourceMatches(p, call.resource, names));
}

export type Decision = 'allowed' | 'denied' | 'no allow' | 'conditional allow only';

/** IAM's decision on one call under one role's statements. */
export function decide(call: CheckedCall, statements: readonly Statement[], names: LocalNames): Decision {
  const matching = statements.filter((statement) => statementMatches(statement, call, names));
  if (matching.some((statement) => statement.Effect === 'Deny')) return 'denied';
  const allows = matching.filter((statement) => statement.Effect === 'Allow');
  if (allows.some((statement) => statement.Condition === undefined)) return 'allowed';
  return allows.length > 0 ? 'conditional allow only' : 'no allow';
}

const WHY: Readonly<Record<Exclude<Decision, 'allowed'>, string>> = {
  denied: 'is denied by a Deny statement',
  'no allow': 'is not allowed',
  'conditional allow only': 'is allowed only under a Condition (not evaluated here)',
};

/** A call's decision in a stage: the role's, or missing when the stage has no role for the function. */
function decisionIn(stage: Readonly<Record<string, FunctionRole>>, call: CheckedCall, names: LocalNames) {
  const role = stage[call.fn];
  if (!role) return 'no role' as const;
  if (AUTHORIZED_BY_PARTS.has(call.action)) return 'allowed' as const;
  return decide(call, role.statements, names);
}

/**
 * Every call some stage's role does not allow, one line per call and reason, naming the stages:
 * `ingest: dynamodb:BatchWriteItem on arn:...:table/x is not allowed in dev, prod`.
 */
export function checkCalls(calls: readonly CheckedCall[], roles: StageRoles, names: LocalNames): string[] {
  const failures = new Map<string, string[]>();
  const unread = new Map<string, Set<string>>();
  for (const call of calls) {
    for (const [stage, functions] of Object.entries(roles)) {
      const decision = decisionIn(functions, call, names);
      if (decision === 'allowed') continue;
      const via = call.via ? ` (part of ${call.via})` : '';
      const line =
        decision === 'no role'
          ? `${call.fn}: no role for this function in the stack, so ${call.action} on ${call.resource} cannot be allowed`
          : `${call.fn}: ${call.action} on ${call.resource}${via} ${WHY[decision]}`;
      failures.set(line, [...(failures.get(line) ?? []), stage]);
      for (const arn of functions[call.fn]?.unread ?? []) {
        if (!unread.has(call.fn)) unread.set(call.fn, new Set());
        unread.get(call.fn)?.add(arn);
      }
    }
  }
  const lines = [...failures].map(([line, stages]) => `${line} in ${stages.join(', ')}`);
  for (const [fn, arns] of unread) {
    lines.push(`${fn}: its role also has managed policies this check cannot read: ${[...arns].join(', ')}`);
  }
  return lines.sort();
}
