// IAM policies a REQUEST authorizer returns. The resource covers every method and route of the calling
// API stage, so a result cached by API Gateway for one route is right for all others (no per-route trap).
import type { AuthorizerContextWire } from './authorizer-context.js';

export interface AuthorizerPolicy {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: [{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }];
  };
  context?: AuthorizerContextWire;
}

const METHOD_ARN = /^(arn:[^:\s]+:execute-api:[^:\s]*:[^:\s]*:[^/\s]+)\/([^/\s]+)\/.*$/;

/** `arn:...:{apiId}/{stage}/*\/*` for the stage `methodArn` belongs to, or undefined when it is not a method ARN. */
export function stageWildcardResource(methodArn: unknown): string | undefined {
  if (typeof methodArn !== 'string' || methodArn.length > 2048) return undefined;
  const match = METHOD_ARN.exec(methodArn);
  return match ? `${match[1]}/${match[2]}/*/*` : undefined;
}

/** Builds an Allow or Deny policy on `resource`. */
export function buildPolicy(
  effect: 'Allow' | 'Deny',
  principalId: string,
  resource: string,
  context?: AuthorizerContextWire,
): AuthorizerPolicy {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    ...(context ? { context } : {}),
  };
}
