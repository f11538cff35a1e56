// The authorizer's use-case: bearer token -> verified token of one brand -> brand status, X-Brand-Id,
// revocation -> one decision with one reason code. No exception escapes: every failure is a decision.
import { hash } from 'node:crypto';
import { hashSubject } from '../audit/redaction.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import type { RevocationChecker } from '../revocation/revocation-checker.js';
import type { AuthorizerContext } from './authorizer-context.js';
import { extractBearerToken, headerValues } from './bearer-token.js';
import type { JwksProvider } from './jwks-cache.js';
import { stageWildcardResource } from './authorizer-policy.js';
import { TokenError } from './token-error.js';
import { createTokenVerifier, type TokenVerifier } from './verify-access-token.js';

export interface AuthorizeRequestInput {
  methodArn?: unknown;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
}

interface DecisionBase {
  reason: string;
  /** Short SHA-256 prefix of the token ('' when there was none). */
  tokenHash: string;
}

export type AuthorizerDecision =
  | (DecisionBase & { effect: 'Unauthorized'; brandId?: string; error?: unknown })
  | (DecisionBase & { effect: 'Deny'; brandId: string; principalId: string; subjectHash: string; resource: string })
  | (DecisionBase & {
      effect: 'Allow';
      brandId: string;
      principalId: string;
      subjectHash: string;
      resource: string;
      context: AuthorizerContext;
    });

export interface RequestAuthorizerDeps {
  brandDirectory: BrandDirectory;
  revocationChecker: RevocationChecker;
  /** Epoch milliseconds. */
  now: () => number;
  jwks?: JwksProvider;
  /** Defaults to a fresh per-container verifier with its repeated-token cache. */
  tokenVerifier?: TokenVerifier;
}

/** Short, non-reversible token fingerprint for logs and the context (never the token itself). */
export function hashToken(token: string): string {
  // One-shot crypto.hash (Node >= 20.12): same digest as createHash().update().digest(), without the Hash
  // object; on a ~1 KB token it is a fraction of the cost, and this runs on every distinct token.
  return hash('sha256', token, 'hex').slice(0, 16);
}

/** Builds the authorize(event) function of one container. */
export function createRequestAuthorizer(
  deps: RequestAuthorizerDeps,
): (input: AuthorizeRequestInput) => Promise<AuthorizerDecision> {
  const verifier =
    deps.tokenVerifier ??
    createTokenVerifier({
      brandDirectory: deps.brandDirectory,
      now: deps.now,
      ...(deps.jwks ? { jwks: deps.jwks } : {}),
    });

  // Hashes are per verified result: a repeated token (same cached object) does not hash again.
  const hashes = new WeakMap<object, { tokenHash: string; subjectHash: string }>();

  return async function authorize(input) {
    const resource = stageWildcardResource(input.methodArn);
    if (resource === undefined) return { effect: 'Unauthorized', reason: 'METHOD_ARN_INVALID', tokenHash: '' };
    const bearer = extractBearerToken(input.headers, input.multiValueHeaders);
    if ('reason' in bearer) return { effect: 'Unauthorized', reason: bearer.reason, tokenHash: '' };

    let verified: Awaited<ReturnType<TokenVerifier['verify']>>;
    try {
      verified = await verifier.verify(bearer.token);
    } catch (error) {
      const tokenHash = hashToken(bearer.token);
      if (error instanceof TokenError) return { effect: 'Unauthorized', reason: error.reason, tokenHash };
      return { effect: 'Unauthorized', reason: 'VERIFIER_ERROR', tokenHash, error };
    }

    const { brand, sub } = verified;
    const brandId = brand.brandId;
    let memo = hashes.get(verified);
    if (memo === undefined) {
      memo = { tokenHash: hashToken(bearer.token), subjectHash: hashSubject(brandId, sub) };
      hashes.set(verified, memo);
    }
    const { tokenHash, subjectHash } = memo;
    const base = { brandId, principalId: `${brandId}|${sub}`, subjectHash, resource, tokenHash };
    if (brand.status !== 'active') return { effect: 'Deny', reason: 'BRAND_DISABLED', ...base };
    const brandHeader = headerValues(input.headers, input.multiValueHeaders, 'x-brand-id');
    if (brandHeader.length > 1 || (brandHeader.length === 1 && brandHeader[0] !== brandId)) {
      return { effect: 'Deny', reason: 'BRAND_MISMATCH', ...base };
    }
    try {
      const revoked = await deps.revocationChecker.check({
        brandId,
        sub,
        sid: verified.sid,
        jti: verified.jti,
        iat: verified.iat,
      });
      if (revoked !== undefined) return { effect: 'Deny', reason: revoked, ...base };
    } catch {
      // Fail closed without blaming the token (401 would make the app drop a good session).
      return { effect: 'Deny', reason: 'REVOCATION_UNAVAILABLE', ...base };
    }
    const context: AuthorizerContext = {
      brandId,
      orgId: brand.orgId,
      sub,
      principalType: verified.principalType,
      sid: verified.sid,
      jti: verified.jti,
      iat: verified.iat,
      exp: verified.exp,
      tokenHash,
    };
    return { effect: 'Allow', reason: 'ALLOWED', ...base, context };
  };
}
