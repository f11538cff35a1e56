// "Why was this token refused?" The authorizer's own decision (createRequestAuthorizer, the real verifier, the
// revocation list) run once with a trace, then told step by step: which brand the token selects and why, kid and
// JWKS, algorithm and key, time checks with the skew, token kind, revocation, and the reason code the authorizer
// logs. Nothing is re-checked here, so every reason the verifier learns shows up as it is. The facts shown come from
// the token the operator sent (and the brand's configuration), never from elsewhere; the token itself is not echoed.
import { type AuthorizerDecision, createRequestAuthorizer } from '../auth/authorize-request.js';
import { parseCompactJws } from '../auth/compact-jws.js';
import type { TraceStep } from '../auth/decision-trace.js';
import { JwksCache, type JwksCacheOptions } from '../auth/jwks-cache.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import type { RevocationChecker } from '../revocation/revocation-checker.js';
import { refusalHint } from './refusal-hints.js';

export interface TokenDiagnosisDeps {
  /** The brands as the authorizer reads them. */
  brandDirectory: BrandDirectory;
  /** The revocation list, uncached. */
  revocationChecker: RevocationChecker;
  /** Epoch milliseconds. */
  now: () => number;
  /** How a JWKS is fetched: each diagnosis fetches the brand's JWKS afresh, so a rotation shows at once. */
  jwks: JwksCacheOptions;
}

interface DiagnosisStep {
  check: string;
  outcome: 'pass' | 'fail';
  detail: string;
}

/** What the token itself says (decoded without trusting it); only these claims are ever shown. */
interface TokenFacts {
  alg?: string;
  kid?: string;
  typ?: string;
  iss?: string;
  aud?: unknown;
  azp?: unknown;
  client_id?: unknown;
  token_use?: unknown;
  iat?: unknown;
  nbf?: unknown;
  exp?: unknown;
  /** Which of these claims the token carries: sub, sid, jti, scope, nonce, at_hash, c_hash, events. */
  carries: string[];
}

export interface TokenDiagnosis {
  verdict: 'allowed' | 'refused' | 'revoked' | 'unavailable';
  /** The authorizer's reason code, as it logs and audits it (ALLOWED when allowed). */
  reason: string;
  /** What the gateway answers the app. */
  answer: string;
  meaning?: string;
  action?: string;
  brand: { selected?: string; expected?: string; notes: string[] };
  token: TokenFacts;
  jwks?: { uri: string; kids: string[]; fetchedSecondsAgo: number };
  steps: DiagnosisStep[];
}

const SHOWN_CLAIMS = ['iss', 'aud', 'azp', 'client_id', 'token_use', 'iat', 'nbf', 'exp'] as const;
const CARRIED_CLAIMS = ['sub', 'sid', 'jti', 'scope', 'nonce', 'at_hash', 'c_hash', 'events'] as const;

/** The token's header and a fixed set of its claims, read without verifying anything; {} when it does not parse. */
function tokenFacts(token: string): TokenFacts {
  try {
    const { header, claims } = parseCompactJws(token);
    const facts: TokenFacts = { carries: CARRIED_CLAIMS.filter((name) => claims[name] !== undefined) };
    for (const name of ['alg', 'kid', 'typ'] as const) if (typeof header[name] === 'string') facts[name] = header[name];
    for (const name of SHOWN_CLAIMS) if (claims[name] !== undefined) facts[name] = claims[name] as never;
    return facts;
  } catch {
    return { carries: [] };
  }
}

const DIAGNOSE_METHOD_ARN = 'arn:aws:execute-api:diagnose:000000000000:diagnose/diagnose/POST/v1/auth/session';

/** Runs the authorizer's decision on `token` with a trace and explains it. */
export async function diagnoseToken(
  token: string,
  options: { expectedBrandId?: string },
  deps: TokenDiagnosisDeps,
): Promise<TokenDiagnosis> {
  const trace: TraceStep[] = [];
  const caches = new Map<string, JwksCache>();
  const jwks = (uri: string) => {
    const cache = caches.get(uri) ?? new JwksCache(uri, { ...deps.jwks, now: deps.now });
    caches.set(uri, cache);
    return cache;
  };
  const authorize = createRequestAuthorizer({
    brandDirectory: deps.brandDirectory,
    revocationChecker: deps.revocationChecker,
    now: deps.now,
    jwks,
    trace: (step) => trace.push(step),
  });
  const decision = await authorize({ headers: { Authorization: `Bearer ${token}` }, methodArn: DIAGNOSE_METHOD_ARN });
  const nowSeconds = Math.floor(deps.now() / 1000);
  const steps = trace.map((step) => describeStep(step, nowSeconds));
  const selected = trace.find((step) => step.step === 'brand')?.brandId;
  const diagnosis: TokenDiagnosis = {
    ...verdictOf(decision),
    brand: { ...(selected ? { selected } : {}), notes: [] },
    token: tokenFacts(token),
    steps,
  };
  if (decision.effect === 'Unauthorized' || decision.effect === 'Unavailable') {
    const hint = refusalHint(decision.reason);
    diagnosis.meaning = hint.meaning;
    diagnosis.action = hint.action;
    if (steps.at(-1)?.outcome !== 'fail') {
      steps.push({ check: hint.check, outcome: 'fail', detail: `${decision.reason}: ${hint.meaning}` });
    }
  } else if (decision.effect === 'Deny') {
    const hint = refusalHint(decision.reason);
    diagnosis.meaning = hint.meaning;
    diagnosis.action = hint.action;
  }
  await addBrandNotes(diagnosis, decision, options.expectedBrandId, deps.brandDirectory);
  const brand = selected ? await deps.brandDirectory.getBrand(selected) : undefined;
  const cache = brand ? caches.get(brand.jwksUri) : undefined;
  const fetchedAt = cache?.stats().fetchedAt;
  if (brand && cache && fetchedAt !== undefined) {
    const keys = cache.getAllKeys();
    const kids = Array.isArray(keys) ? [...new Set(keys.map((key) => key.kid || '(no kid)'))] : [];
    diagnosis.jwks = {
      uri: brand.jwksUri,
      kids,
      fetchedSecondsAgo: Math.max(0, nowSeconds - Math.floor(fetchedAt / 1000)),
    };
  }
  return diagnosis;
}

function verdictOf(decision: AuthorizerDecision): Pick<TokenDiagnosis, 'verdict' | 'reason' | 'answer'> {
  switch (decision.effect) {
    case 'Allow':
      return {
        verdict: 'allowed',
        reason: decision.reason,
        answer: 'Allow: the call reaches its function (cached for the TTL)',
      };
    case 'Deny':
      return { verdict: 'revoked', reason: decision.reason, answer: '401 TOKEN_REVOKED (from the handlers; cached)' };
    case 'Unauthorized':
      return {
        verdict: 'refused',
        reason: decision.reason,
        answer: '401 UNAUTHORIZED with WWW-Authenticate: Bearer error="invalid_token"',
      };
    case 'Unavailable':
      return {
        verdict: 'unavailable',
        reason: decision.reason,
        answer: '503 AUTHORIZER_UNAVAILABLE with Retry-After: 2 (never cached: the app keeps its session)',
      };
  }
}

/** What the handlers do with an allowed token of this brand, and how the token's brand relates to the expected one. */
async function addBrandNotes(
  diagnosis: TokenDiagnosis,
  decision: AuthorizerDecision,
  expected: string | undefined,
  brands: BrandDirectory,
): Promise<void> {
  const { notes } = diagnosis.brand;
  const selected = diagnosis.brand.selected;
  if (expected !== undefined) {
    diagnosis.brand.expected = expected;
    if (selected !== undefined && selected !== expected) {
      notes.push(
        `the token selects brand ${selected}, not ${expected}: a call with X-Brand-Id: ${expected} gets 403 BRAND_MISMATCH`,
      );
    }
  }
  if (decision.effect !== 'Allow') return;
  const brand = await brands.getBrand(decision.brandId);
  if (brand && brand.status !== 'active') {
    notes.push(`brand ${brand.brandId} is ${brand.status}: the post-auth routes answer 403 BRAND_DISABLED`);
  }
  if (decision.context.principalType === 'client') {
    notes.push('a client-credentials token: the routes for members answer 403 USER_TOKEN_REQUIRED');
  }
}

function when(epochSeconds: number, nowSeconds: number): string {
  const delta = epochSeconds - nowSeconds;
  const relative = delta >= 0 ? `in ${delta} s` : `${-delta} s ago`;
  return `${new Date(epochSeconds * 1000).toISOString()} (${relative})`;
}

function describeStep(step: TraceStep, nowSeconds: number): DiagnosisStep {
  const pass = (check: string, detail: string): DiagnosisStep => ({ check, outcome: 'pass', detail });
  switch (step.step) {
    case 'header':
      return pass(
        'token format and header',
        `alg ${step.alg}, kid ${step.kid || '(none)'}, typ ${step.typ || '(none)'}`,
      );
    case 'issuer':
      return step.brandIds.length === 0
        ? { check: 'brand selection', outcome: 'fail', detail: `ISSUER_UNKNOWN: no brand has the issuer ${step.iss}` }
        : pass('brand selection', `iss ${step.iss} is the issuer of ${step.brandIds.join(', ')}`);
    case 'brand': {
      const among = step.candidates.length > 1 ? ` (of ${step.candidates.join(', ')}, by its client)` : '';
      const client = step.client === undefined ? '' : `; client ${step.client}`;
      return pass(
        'audience and client',
        `selects ${step.brandId}${among}: audience ${step.audience.join(', ')} accepted${client}`,
      );
    }
    case 'token-kind':
      return pass(
        'token kind',
        step.kind === 'access'
          ? `an access token (typ ${step.typ || 'absent'})`
          : 'an ID token, which the brand accepts (acceptIdTokens)',
      );
    case 'signature': {
      const key = `${step.kty}${step.crv ? ` ${step.crv}` : ''}${step.keyAlg ? `, its alg ${step.keyAlg}` : ''}`;
      return pass('kid, JWKS and key', `${step.alg} signature verified with key ${step.kid || '(no kid)'} (${key})`);
    }
    case 'time': {
      const lifetime = step.exp - step.iat;
      const nbf = step.nbf === undefined ? '' : `, nbf ${when(step.nbf, nowSeconds)}`;
      return pass(
        'time checks',
        `iat ${when(step.iat, nowSeconds)}${nbf}, exp ${when(step.exp, nowSeconds)}; clock skew ${step.skewSeconds} s, lifetime ${lifetime} s of at most ${step.maxLifetimeSeconds} s`,
      );
    }
    case 'subject':
      return pass('subject', `sub present: a ${step.principalType} principal`);
    case 'revocation':
      return step.revoked === undefined
        ? pass('revocation', 'not on the revocation list')
        : { check: 'revocation', outcome: 'fail', detail: `${step.revoked}: on the revocation list` };
  }
}
