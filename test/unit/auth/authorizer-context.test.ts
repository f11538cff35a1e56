// The authorizer context on both sides of API Gateway: what the authorizer returns (policy + wire context)
// and what a handler parses back; anything malformed is a 401, never a crash or a half-parsed identity.
import { describe, expect, it } from 'vitest';
import { parseAuthorizerContext, toWireContext } from '../../../shared/auth/authorizer-context.js';
import { buildPolicy, stageWildcardResource } from '../../../shared/auth/authorizer-policy.js';
import { assertToken, TokenError } from '../../../shared/auth/token-error.js';
import { UnauthorizedError } from '../../../shared/errors.js';
import { sampleAuth } from '../../support/events.js';

describe('parseAuthorizerContext', () => {
  it('round-trips the wire context, numbers passed as numbers or as numeric strings', () => {
    const auth = sampleAuth({ principalType: 'client' });
    expect(parseAuthorizerContext(toWireContext(auth))).toEqual(auth);
    const asStrings = { ...toWireContext(auth), orgId: '100', iat: String(auth.iat), exp: String(auth.exp) };
    expect(parseAuthorizerContext(asStrings)).toEqual(auth);
  });

  it.each([
    ['no context', undefined],
    ['null', null],
    ['a string', 'brandId=demo'],
    ['an unknown principal type', { ...toWireContext(sampleAuth()), principalType: 'admin' }],
    ['a missing sub', (({ sub: _sub, ...rest }) => rest)(toWireContext(sampleAuth()))],
    ['a numeric brandId', { ...toWireContext(sampleAuth()), brandId: 7 }],
    ['an empty orgId', { ...toWireContext(sampleAuth()), orgId: '' }],
    ['a non-numeric exp', { ...toWireContext(sampleAuth()), exp: 'soon' }],
    ['an infinite iat', { ...toWireContext(sampleAuth()), iat: Number.POSITIVE_INFINITY }],
    ['a boolean iat', { ...toWireContext(sampleAuth()), iat: true }],
  ])('refuses %s with a 401', (_name, raw) => {
    expect(() => parseAuthorizerContext(raw)).toThrow(UnauthorizedError);
  });
});

describe('stageWildcardResource', () => {
  it('covers every method and route of the calling stage', () => {
    expect(stageWildcardResource('arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/me')).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*',
    );
    expect(stageWildcardResource('arn:aws-cn:execute-api:cn-north-1:123456789012:api/dev/POST/v1/a/b/c')).toBe(
      'arn:aws-cn:execute-api:cn-north-1:123456789012:api/dev/*/*',
    );
  });

  it.each([
    ['not a string', 42],
    ['undefined', undefined],
    ['another service', 'arn:aws:lambda:eu-west-1:123456789012:function/x/y'],
    ['no route part', 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod'],
    ['whitespace inside', 'arn:aws:execute-api:eu-west-1:1 2:abc/prod/GET/x'],
    ['longer than 2048 characters', `arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/${'a'.repeat(2048)}`],
  ])('is undefined for %s', (_name, methodArn) => {
    expect(stageWildcardResource(methodArn)).toBeUndefined();
  });
});

describe('buildPolicy', () => {
  it('allows with the context, and denies without one', () => {
    const context = toWireContext(sampleAuth());
    expect(buildPolicy('Allow', 'demo|user-1', 'arn:r', context)).toEqual({
      principalId: 'demo|user-1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:r' }],
      },
      context,
    });
    const deny = buildPolicy('Deny', 'demo|user-1', 'arn:r');
    expect(deny.policyDocument.Statement[0].Effect).toBe('Deny');
    expect(deny).not.toHaveProperty('context');
  });
});

describe('assertToken', () => {
  it('passes on a true condition and throws the reason (as the default message) on a false one', () => {
    expect(() => assertToken(true, 'TOKEN_EXPIRED')).not.toThrow();
    const error = (() => {
      try {
        assertToken(false, 'TOKEN_EXPIRED');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ name: 'TokenError', reason: 'TOKEN_EXPIRED', message: 'TOKEN_EXPIRED' });
    expect(() => assertToken(false, 'TOKEN_EXPIRED', 'expired 3 s ago')).toThrow('expired 3 s ago');
  });
});
