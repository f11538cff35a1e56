// Policy evaluation alone: IAM wildcards, Deny over Allow, the action check, and the admin key.
import { describe, expect, it } from 'vitest';
import { adminKeyAllows, policyAllows, type Statement, wildcardMatch } from '../../../../local/api-gateway/policy.js';

const ARN = 'arn:aws:execute-api:local:000000000000:local/local/GET/v1/me';

describe('wildcardMatch', () => {
  it('reads * as any run and ? as one character, everything else literally', () => {
    expect(wildcardMatch('arn:*:local/*/GET/*', ARN)).toBe(true);
    expect(wildcardMatch('execute-api:Invok?', 'execute-api:Invoke')).toBe(true);
    expect(wildcardMatch('execute-api:Invok?', 'execute-api:Invokes')).toBe(false);
    expect(wildcardMatch('a.c', 'abc')).toBe(false);
    expect(wildcardMatch('a/(b)+', 'a/(b)+')).toBe(true);
    expect(wildcardMatch('*', '')).toBe(true);
  });
});

describe('policyAllows', () => {
  const allow = (resource: string, action = 'execute-api:Invoke'): Statement => ({
    effect: 'Allow',
    actions: [action],
    resources: [resource],
  });
  const deny = (resource: string): Statement => ({ ...allow(resource), effect: 'Deny' });

  it('allows only a matching Allow; no statement that applies is an implicit deny', () => {
    expect(policyAllows([allow(ARN)], ARN)).toBe(true);
    expect(policyAllows([allow('arn:aws:execute-api:local:000000000000:local/local/POST/*')], ARN)).toBe(false);
    expect(policyAllows([], ARN)).toBe(false);
  });

  it('ignores statements for another action', () => {
    expect(policyAllows([allow(ARN, 'execute-api:ManageConnections')], ARN)).toBe(false);
    expect(policyAllows([allow(ARN, 'execute-api:*')], ARN)).toBe(true);
  });

  it('lets a matching Deny win whatever the order, and ignores a Deny that does not apply', () => {
    const everything = 'arn:aws:execute-api:local:000000000000:local/local/*/*';
    expect(policyAllows([allow(everything), deny(ARN)], ARN)).toBe(false);
    expect(policyAllows([deny(ARN), allow(everything)], ARN)).toBe(false);
    expect(policyAllows([allow(everything), deny(`${everything}/admin`)], ARN)).toBe(true);
  });
});

describe('adminKeyAllows', () => {
  it('allows exactly the configured key, given once', () => {
    expect(adminKeyAllows('k-123', 'k-123')).toBe(true);
    expect(adminKeyAllows('k-124', 'k-123')).toBe(false);
    expect(adminKeyAllows(undefined, 'k-123')).toBe(false);
    expect(adminKeyAllows('', 'k-123')).toBe(false);
    expect(adminKeyAllows({ multiple: true }, 'k-123')).toBe(false);
  });
});
