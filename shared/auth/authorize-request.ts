// The authorizer's use-case: bearer token -> verified token of one brand -> revocation -> one decision
// with one reason code. API Gateway caches Allow and Deny alike per Authorization value, so a decision
// may rest only on the token itself: 401 (Unauthorized) when the token is not valid, Deny only when the
// token is revoked (for good), Allow otherwise. Brand status and X-Brand-Id are checked by the handlers on
// every call; a failing peer (brand store, JWKS, revocation store) is 'Unavailable', which the handler
// throws as an error API Gateway does not cache (503 AUTHORIZER_UNAVAILABLE at the gateway).
import { hash } from 'node:crypto';
import { processSubjectHasher, type SubjectHasher } from '../audit/subject-hasher.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import { GatewayError } from '../errors.js';
import type { RevocationChecker, RevocationReason } from '../revocation/revocation-checker.js';
import { type HeaderSource, readBearerCredential } from '../http/headers.js';
import type { AuthorizerContext } from './authorizer-context.js';
import type { DecisionTrace } from './decision-trace.js';
import type { JwksProvider } from './jwks-cache.js';
import { stageWildcardResource } from './authorizer-policy.js';
import { TokenError, TokenErrorReasons } from './token-error.js';
import { createTokenVerifier, type TokenVerifier, type VerifiedAccessToken } from './verify-access-token.js';

export interface AuthorizeRequestInput extends HeaderSource {
  methodArn?: unknown;
}

/** Why a peer the decision needs failed: never the token's fault, never cached by API Gateway. */
export type UnavailableReason = 'CONFIG_UNAVAILABLE' | 'JWKS_UNAVAILABLE' | 'REVOCATION_UNAVAILABLE' | 'VERIFIER_ERROR';

interface DecisionBase {
  reason: string;
  /** Short SHA-256 prefix of the token ('' when there was none). */
  tokenHash: string;
}

export type AuthorizerDecision =
  | (DecisionBase & { effect: 'Unauthorized'; brandId?: string })
  | (DecisionBase & { effect: 'Unavailable'; reason: UnavailableReason; brandId?: string; error: unknown })
  | (DecisionBase & {
      /** On the revocation list: audited as a deny, answered 401 TOKEN_REVOKED by the handlers (see the handler). */
      effect: 'Deny';
      reason: RevocationReason;
      brandId: string;
      principalId: string;
      subjectHash: string;
      resource: string;
      context: AuthorizerContext & { revoked: RevocationReason };
    })
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
  /** The stage's keyed subject hash; defaults to a key of this process only. */
  subjectHasher?: SubjectHasher;
  /** Told about each step the decision passed (the token diagnosis); never given on the hot path. */
  trace?: DecisionTrace;
}

/**
 * Thrown by the authorizer function for an 'Unavailable' decision. Any error other than exactly
 * `Unauthorized` is an AUTHORIZER_FAILURE to API Gateway: never cached, answered 503 AUTHORIZER_UNAVAILABLE
 * with Retry-After by the stack's gateway response (and by the local emulator).
 */
export class AuthorizerUnavailableError extends Error {
  readonly reason: UnavailableReason;

  constructor(reason: UnavailableReason) {
    super(`AUTHORIZER_UNAVAILABLE: ${reason}`);
    this.name = 'AuthorizerUnavailableError';
    this.reason = reason;
  }
}

/**
 * API Gateway's one 401 signal, exactly `Error('Unauthorized')`, carrying the decision's reason as a non-enumerable
 * property: the Lambda runtime serializes only name and message, so nothing reaches the client in AWS, while the
 * local emulator shows it in `x-local-authorizer-reason`.
 */
export function unauthorizedError(reason: string): Error {
  const error = new Error('Unauthorized');
  Object.defineProperty(error, 'reason', { value: reason, enumerable: false });
  return error;
}

/** The reason an authorizer failure carries (`unauthorizedError`, `AuthorizerUnavailableError`), if any. */
export function decisionReason(error: unknown): string | undefined {
  const reason = error instanceof Error ? (error as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' ? reason : undefined;
}

/** Characters of the token's end the fingerprint hashes: 258 bits, within the signature of every supported alg. */
const FINGERPRINT_CHARS = 43;

/**
 * Short, non-reversible token fingerprint for logs and the context (never the token itself): SHA-256 of the
 * token's last 43 characters, signature bits (at least 64 bytes for every accepted alg), unique per token at a
 * fixed cost whatever its length (hashing a whole 1 KB token costs 0.1x of the RS256 decision). It does not
 * cover the payload, and need not: the handlers' binding check (`tokenMatchesHash`) only tells the verified
 * token from another one, because API Gateway runs them with the very Authorization value the authorizer (or
 * its cache for that value) allowed (identity source pinned by test/infra/gateway-stack.test.ts), and a
 * payload changed under a kept signature fails verification there.
 */
export function hashToken(token: string): string {
  // One-shot crypto.hash (Node >= 20.12): no Hash object per distinct token.
  return hash('sha256', token.slice(-FINGERPRINT_CHARS), 'hex').slice(0, 16);
}

/** The context of a verified token, as the authorizer hands it on (and a handler rebuilds it after re-verifying). */
export function contextOf(verified: VerifiedAccessToken, tokenHash: string, subjectHash: string): AuthorizerContext {
  const { brand } = verified;
  return {
    brandId: brand.brandId,
    orgId: brand.orgId,
    iss: brand.issuer,
    sub: verified.sub,
    principalType: verified.principalType,
    sid: verified.sid,
    jti: verified.jti,
    iat: verified.iat,
    exp: verified.exp,
    clockSkew: brand.clockSkewSeconds,
    tokenHash,
    subjectHash,
    brandRevision: brand.revision,
    tokenKind: verified.tokenKind,
    ...(verified.client === undefined ? {} : { client: verified.client }),
  };
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
      ...(deps.trace ? { trace: deps.trace } : {}),
    });
  const subjectHasher = deps.subjectHasher ?? processSubjectHasher();

  return async function authorize(input) {
    const resource = stageWildcardResource(input.methodArn);
    if (resource === undefined) return { effect: 'Unauthorized', reason: 'METHOD_ARN_INVALID', tokenHash: '' };
    // The verifier's grammar (base64url segments and dots) is stricter than b64token: one pass over the token.
    const bearer = readBearerCredential(input);
    if ('reason' in bearer) return { effect: 'Unauthorized', reason: bearer.reason, tokenHash: '' };

    let verified: Awaited<ReturnType<TokenVerifier['verify']>>;
    try {
      verified = await verifier.verify(bearer.token);
    } catch (error) {
      const tokenHash = hashToken(bearer.token);
      if (error instanceof TokenError) {
        // No keys to check against says nothing about the token: the CIAM's JWKS is down or broken.
        if (error.reason === TokenErrorReasons.JWKS_UNAVAILABLE) {
          return { effect: 'Unavailable', reason: 'JWKS_UNAVAILABLE', tokenHash, error };
        }
        return { effect: 'Unauthorized', reason: error.reason, tokenHash };
      }
      const reason = error instanceof GatewayError && error.status === 503 ? 'CONFIG_UNAVAILABLE' : 'VERIFIER_ERROR';
      return { effect: 'Unavailable', reason, tokenHash, error };
    }

    const { brand, sub } = verified;
    const brandId = brand.brandId;
    const tokenHash = hashToken(bearer.token);
    const subjectHash = (await subjectHasher(brandId, sub)) ?? '';
    // The principal is what API Gateway writes to access and execution logs: the keyed hash, never the raw sub.
    const principalId = `${brandId}|${subjectHash || 'unhashed'}`;
    const { sid, jti, iat } = verified;
    let revoked: RevocationReason | undefined;
    try {
      revoked = await deps.revocationChecker.check({ brandId, sub, sid, jti, iat, brandRevision: brand.revision });
    } catch (error) {
      // Fail closed without blaming the token (401 would make the app drop a good session) or caching a Deny.
      return { effect: 'Unavailable', reason: 'REVOCATION_UNAVAILABLE', brandId, tokenHash, error };
    }
    deps.trace?.({ step: 'revocation', revoked });
    const context = contextOf(verified, tokenHash, subjectHash);
    // A revocation is for good (a session, token or user before iat never comes back): caching it is right.
    // Both answers are spelled out rather than spread from a shared object: one literal each, measurably
    // cheaper per decision (docs/performance.md).
    if (revoked !== undefined) {
      const deniedContext = { ...context, revoked };
      return {
        effect: 'Deny',
        reason: revoked,
        brandId,
        principalId,
        subjectHash,
        resource,
        tokenHash,
        context: deniedContext,
      };
    }
    return { effect: 'Allow', reason: 'ALLOWED', brandId, principalId, subjectHash, resource, tokenHash, context };
  };
}
