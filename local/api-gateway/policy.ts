// IAM-style evaluation of a REQUEST authorizer's result: parsing it as API Gateway accepts it, and deciding
// one method ARN against its statements.
import { isRecord } from '../../shared/lang/is-record.js';

type AuthorizerContextValues = Record<string, string | number | boolean>;

export interface Statement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

export interface AuthorizerResult {
  principalId: string;
  statements: Statement[];
  context: AuthorizerContextValues;
}

/** IAM-style wildcard match (`*` any run of characters, `?` one character), as policy evaluation does. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
      .join('')}$`,
  );
  return regex.test(value);
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  return undefined;
}

/** Parses an authorizer result the way API Gateway accepts it; undefined when it is malformed (-> 500). */
export function parseAuthorizerResult(raw: unknown): AuthorizerResult | undefined {
  if (!isRecord(raw) || typeof raw.principalId !== 'string' || !isRecord(raw.policyDocument)) return undefined;
  const rawStatements = raw.policyDocument.Statement;
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  const statements: Statement[] = [];
  for (const item of list) {
    if (!isRecord(item)) return undefined;
    const effect = item.Effect;
    const actions = stringList(item.Action);
    const resources = stringList(item.Resource);
    if ((effect !== 'Allow' && effect !== 'Deny') || !actions || !resources) return undefined;
    statements.push({ effect, actions, resources });
  }
  if (statements.length === 0) return undefined;
  const context: AuthorizerContextValues = {};
  if (raw.context !== undefined && raw.context !== null) {
    if (!isRecord(raw.context)) return undefined;
    for (const [key, value] of Object.entries(raw.context)) {
      // API Gateway allows only string, number and boolean context values.
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
      context[key] = value;
    }
  }
  return { principalId: raw.principalId, statements, context };
}

/** Evaluates the policy for one method ARN: an explicit Deny wins, then an Allow, else an implicit deny. */
export function policyAllows(statements: readonly Statement[], methodArn: string): boolean {
  const applies = (statement: Statement) =>
    statement.actions.some((action) => wildcardMatch(action, 'execute-api:Invoke')) &&
    statement.resources.some((resource) => wildcardMatch(resource, methodArn));
  if (statements.some((statement) => statement.effect === 'Deny' && applies(statement))) return false;
  return statements.some((statement) => statement.effect === 'Allow' && applies(statement));
}

/**
 * The admin key standing in for SigV4 on `iam` routes: allowed only when exactly one `x-admin-key` was
 * given and it equals the key (`given` is what singleHeader read: a string, undefined, or "sent twice").
 */
export function adminKeyAllows(given: unknown, adminKey: string): boolean {
  return given === adminKey;
}
