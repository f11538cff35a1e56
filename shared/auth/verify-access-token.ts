// Access-credential verification: the brand is found from the token's own iss + audience (a token of brand
// A can only ever be checked against brand A's keys and rules), then token kind, signature, claims. Logout
// tokens are always refused, ID tokens unless the brand opts in (RFC 8725 §3.11, RFC 9068).
// createTokenVerifier adds a small per-container cache of verified results for the repeated-token path.
import type { BrandConfig } from '../config/brand-config.js';
import type { TokenFacts } from './authorizer-context.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import { isSelectableIssuer } from '../config/brand-rules.js';
import { type JsonObject, parseCompactJws } from './compact-jws.js';
import { audienceAccepted, checkTimeClaims, optionalString, readAudience } from './claims.js';
import type { DecisionTrace } from './decision-trace.js';
import type { KeyEntry } from './jwk.js';
import { getJwksCache, type JwksProvider } from './jwks-cache.js';
import { TokenError, TokenErrorReasons } from './token-error.js';
import { checkHeader, verifyWithBrandKeys } from './verify-jws.js';
import { RefreshingCache } from '../lang/refreshing-cache.js';

export interface VerifyAccessTokenDeps {
  brandDirectory: BrandDirectory;
  /** Epoch milliseconds. */
  now: () => number;
  /** Defaults to the process-wide registry (getJwksCache). */
  jwks?: JwksProvider;
  /** Told about each step passed (the token diagnosis); absent on the hot path. */
  trace?: DecisionTrace;
}

export interface VerifiedAccessToken extends TokenFacts {
  brand: BrandConfig;
  kid: string;
  claims: JsonObject;
  /** The JWKS key that verified the signature. */
  key: KeyEntry;
  /** `id` for an ID token the brand accepts as bearer (`acceptIdTokens`), else `access`. */
  tokenKind: 'access' | 'id';
  /** The client the token was issued to, when it names one (`azp`, `client_id`, an ID token's single `aud`). */
  client: string | undefined;
}

/** `typ` values an access token may carry (absent, JWT, RFC 9068 at+jwt); logout+jwt is always refused. */
const ACCESS_TYPS = new Set(['', 'jwt', 'at+jwt']);
/** `typ` values that name an ID token; any other `typ` is refused whatever the brand accepts. */
const ID_TOKEN_TYPS = new Set(['id_token+jwt', 'id+jwt']);

/** The client a token was issued to: `azp`, else RFC 9068 `client_id`. */
interface TokenClient {
  /** `azp` ?? `client_id`; undefined when the token names neither. */
  named: string | undefined;
  /** The RFC 9068 `client_id` claim alone (what `audienceClaim: client_id` brands read). */
  clientIdClaim: string | undefined;
}

/**
 * The client `brand` sees in the token: the named one, else (an ID token without `azp`) its single `aud` when
 * that is one of the brand's client ids (OIDC Core §2: the audience of an ID token is its client).
 */
function clientFor(brand: BrandConfig, client: TokenClient, aud: readonly string[]): string | undefined {
  if (client.named !== undefined) return client.named;
  const [only] = aud;
  return aud.length === 1 && only !== undefined && brand.clientIds.includes(only) ? only : undefined;
}

/**
 * Whether `brand` accepts the token's audience and client: `audienceClaim: client_id` brands take only tokens
 * without `aud` (Cognito access tokens) whose `client_id` they accept; `aud` brands take a token naming one of
 * their audiences, and when it names several, or the brand requires the client claim, only from one of their
 * client ids. Brand administration keeps these sets apart across brands, so at most one brand accepts a token.
 */
function acceptance(
  brand: BrandConfig,
  audPresent: boolean,
  aud: readonly string[],
  client: TokenClient,
): 'accepted' | 'audience' | 'client' {
  if (brand.audienceClaim === 'client_id') {
    const accepted = !audPresent && client.clientIdClaim !== undefined;
    return accepted && brand.acceptedAudiences.includes(client.clientIdClaim as string) ? 'accepted' : 'audience';
  }
  if (!audPresent || !audienceAccepted(aud, brand)) return 'audience';
  if (aud.length === 1 && !brand.requireClientClaim) return 'accepted';
  const named = clientFor(brand, client, aud);
  return named !== undefined && brand.clientIds.includes(named) ? 'accepted' : 'client';
}

function pickBrand(
  brands: readonly BrandConfig[],
  audPresent: boolean,
  aud: readonly string[],
  client: TokenClient,
): BrandConfig {
  // One brand of the issuer (the common case): no array built.
  if (brands.length === 1) {
    const [single] = brands;
    const verdict = single === undefined ? 'audience' : acceptance(single, audPresent, aud, client);
    if (verdict === 'accepted' && single !== undefined) return single;
    throw new TokenError(verdict === 'client' ? TokenErrorReasons.AZP_INVALID : TokenErrorReasons.AUDIENCE_INVALID);
  }
  const accepting: BrandConfig[] = [];
  let clientRefused = false;
  for (const brand of brands) {
    const verdict = acceptance(brand, audPresent, aud, client);
    if (verdict === 'accepted') accepting.push(brand);
    else if (verdict === 'client') clientRefused = true;
  }
  const [only] = accepting;
  if (accepting.length === 1 && only !== undefined) return only;
  if (only === undefined) {
    throw new TokenError(clientRefused ? TokenErrorReasons.AZP_INVALID : TokenErrorReasons.AUDIENCE_INVALID);
  }
  // Only brands saved before uniqueness was enforced can both accept: the client the token names must single
  // one out, else it is refused rather than guessed.
  const byClient = accepting.filter((brand) => client.named !== undefined && brand.clientIds.includes(client.named));
  const [chosen] = byClient;
  if (chosen === undefined || byClient.length > 1) throw new TokenError(TokenErrorReasons.BRAND_AMBIGUOUS);
  return chosen;
}

/**
 * Verifies a bearer token as an access credential of the brand its iss + aud name.
 * @throws TokenError with the reason of the first rule it breaks.
 */
export async function verifyAccessToken(token: string, deps: VerifyAccessTokenDeps): Promise<VerifiedAccessToken> {
  const trace = deps.trace;
  const parsed = parseCompactJws(token);
  const header = checkHeader(parsed.header);
  if (trace) trace({ step: 'header', alg: header.alg, kid: header.kid, typ: header.typ });
  const { claims } = parsed;
  if (header.typ === 'logout+jwt' || claims.events !== undefined) {
    throw new TokenError(TokenErrorReasons.LOGOUT_TOKEN_REJECTED);
  }
  const iss = claims.iss;
  if (typeof iss !== 'string') throw new TokenError(TokenErrorReasons.ISSUER_UNKNOWN, 'iss missing');
  // No brand can hold it: refused before the lookup (an oversized key would fail the store, a 503).
  if (!isSelectableIssuer(iss)) throw new TokenError(TokenErrorReasons.ISSUER_UNKNOWN, 'iss not an https URL');
  const directory = deps.brandDirectory;
  const brands = directory.peekByIssuer?.(iss) ?? (await directory.findByIssuer(iss));
  if (trace) trace({ step: 'issuer', iss, brandIds: brands.map((brand) => brand.brandId) });
  if (brands.length === 0) throw new TokenError(TokenErrorReasons.ISSUER_UNKNOWN);
  // aud is optional only for brands that read the audience from client_id (which take only tokens without it).
  const audPresent = claims.aud !== undefined;
  const aud = audPresent || !brands.some(readsClientId) ? readAudience(claims) : [];
  const clientIdClaim = optionalString(claims, 'client_id');
  const client = { named: optionalString(claims, 'azp') ?? clientIdClaim, clientIdClaim };
  const brand = pickBrand(brands, audPresent, aud, client);
  if (trace) {
    const candidates = brands.map((candidate) => candidate.brandId);
    const audience = brand.audienceClaim === 'client_id' ? (clientIdClaim === undefined ? [] : [clientIdClaim]) : aud;
    trace({ step: 'brand', brandId: brand.brandId, candidates, audience, client: clientFor(brand, client, aud) });
  }
  const tokenKind = checkTokenKind(header.typ, claims, brand, aud);
  if (trace) trace({ step: 'token-kind', kind: tokenKind, typ: header.typ });
  const verified = verifyWithBrandKeys(parsed, header, brand, deps.jwks ?? getJwksCache);
  const key = verified instanceof Promise ? await verified : verified;
  if (trace) {
    trace({ step: 'signature', alg: header.alg, kid: key.kid, kty: key.kty, crv: key.crv, keyAlg: key.alg });
  }
  const kind = { tokenKind, client: clientFor(brand, client, aud) };
  return checkAccessClaims(claims, brand, header.kid, key, Math.floor(deps.now() / 1000), kind, trace);
}

function readsClientId(brand: BrandConfig): boolean {
  return brand.audienceClaim === 'client_id';
}

/**
 * Positive evidence of an access token (RFC 9068): its `typ`, a `client_id`, a scope, or Cognito's
 * `token_use: access`. An ID token carries none of these.
 */
function hasAccessEvidence(typ: string, claims: JsonObject): boolean {
  return (
    typ === 'at+jwt' ||
    claims.client_id !== undefined ||
    claims.scope !== undefined ||
    claims.scp !== undefined ||
    claims.token_use === 'access'
  );
}

/**
 * Keeps token kinds apart: an access token, or an ID token only when the brand accepts them. ID-token
 * evidence: `nonce`, `at_hash`, `c_hash`, Cognito's `token_use: id`, a payload `typ` of `ID` (Keycloak), an
 * ID-token `typ` header, or an `aud` holding one of the brand's client ids without positive access-token
 * evidence (an ID token's audience is its client); other `typ` values (anything but absent, JWT, at+jwt) are
 * refused outright.
 */
function checkTokenKind(typ: string, claims: JsonObject, brand: BrandConfig, aud: readonly string[]): 'access' | 'id' {
  if (!ACCESS_TYPS.has(typ) && !ID_TOKEN_TYPS.has(typ)) throw new TokenError(TokenErrorReasons.TYP_INVALID);
  if (brand.requireAccessTokenTyp && typ !== 'at+jwt') throw new TokenError(TokenErrorReasons.TYP_INVALID);
  const tokenUse = optionalString(claims, 'token_use');
  if (brand.audienceClaim === 'client_id' && tokenUse !== undefined && tokenUse !== 'access') {
    throw new TokenError(TokenErrorReasons.TOKEN_USE_INVALID);
  }
  const idTokenEvidence =
    ID_TOKEN_TYPS.has(typ) ||
    claims.nonce !== undefined ||
    claims.at_hash !== undefined ||
    claims.c_hash !== undefined ||
    tokenUse === 'id' ||
    claims.typ === 'ID' ||
    (aud.some((value) => brand.clientIds.includes(value)) && !hasAccessEvidence(typ, claims));
  if (idTokenEvidence && !brand.acceptIdTokens) throw new TokenError(TokenErrorReasons.ID_TOKEN_REJECTED);
  return idTokenEvidence ? 'id' : 'access';
}

function checkAccessClaims(
  claims: JsonObject,
  brand: BrandConfig,
  kid: string,
  key: KeyEntry,
  nowSeconds: number,
  kind: Pick<VerifiedAccessToken, 'tokenKind' | 'client'>,
  trace: DecisionTrace | undefined,
): VerifiedAccessToken {
  const { iat, exp, nbf } = checkTimeClaims(claims, brand, nowSeconds);
  if (trace) {
    const { clockSkewSeconds: skewSeconds, maxTokenLifetimeSeconds: maxLifetimeSeconds } = brand;
    trace({ step: 'time', now: nowSeconds, iat, exp, nbf, skewSeconds, maxLifetimeSeconds });
  }
  const sub = optionalString(claims, 'sub');
  if (sub === undefined || sub.length === 0) throw new TokenError(TokenErrorReasons.SUB_MISSING);
  const sid = optionalString(claims, 'sid') ?? '';
  const jti = optionalString(claims, 'jti') ?? '';
  const clientId = optionalString(claims, 'client_id');
  const gty = claims.gty;
  // Client-credentials tokens name the client as their subject (RFC 9068 §2.2; Auth0 marks them with gty).
  const isClient = clientId === sub || gty === 'client-credentials' || brand.clientIds.includes(sub);
  const principalType = isClient ? 'client' : 'user';
  if (trace) trace({ step: 'subject', principalType });
  return {
    brand,
    sub,
    principalType,
    sid,
    jti,
    iat,
    exp,
    kid,
    claims,
    key,
    tokenKind: kind.tokenKind,
    client: kind.client,
  };
}

export interface TokenVerifierOptions extends VerifyAccessTokenDeps {
  /** Most verified tokens remembered per container (default 2,000). */
  maxCachedTokens?: number;
}

/** A verifier with a bounded cache of verified results, keyed by the raw token, until each token's exp. */
export interface TokenVerifier {
  /** Verifies `token`, answering from the cache when the token, its key and its brand config are unchanged. */
  verify(token: string): Promise<VerifiedAccessToken>;
  /** The cached result for `token` if still valid, synchronously; no brand re-check. */
  peek(token: string): VerifiedAccessToken | undefined;
  clear(): void;
  readonly size: number;
}

/** Same saved revision (never `version`: it restarts at 1 when a brand is deleted and re-created). */
function sameBrandConfig(current: BrandConfig, cached: BrandConfig): boolean {
  return current === cached || (current.revision !== '' && current.revision === cached.revision);
}

/**
 * Builds the container's token verifier. Only the verification result is cached: callers still run
 * brand-status and revocation checks on every call, and a cached result dies with its token's exp, with
 * the JWKS key that verified it, or with a brand config change.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  // A RefreshingCache used as a bounded store with per-value expiry ((exp + skew) in ms): set after a
  // verification, peeked on the hot path (one Map.get, one clock read, two compares). No load-through: a
  // verification is CPU work, not a read, so concurrent misses gain nothing from sharing one.
  const cache = new RefreshingCache<string, VerifiedAccessToken>({
    now: options.now,
    ttlMs: 0,
    expiresAt: (verified) => (verified.exp + verified.brand.clockSkewSeconds) * 1000,
    maxEntries: options.maxCachedTokens ?? 2_000,
  });
  const deps: VerifyAccessTokenDeps = {
    brandDirectory: options.brandDirectory,
    now: options.now,
    ...(options.jwks ? { jwks: options.jwks } : {}),
    ...(options.trace ? { trace: options.trace } : {}),
  };

  function peek(token: string): VerifiedAccessToken | undefined {
    const hit = cache.peek(token);
    if (hit === undefined || hit.key.active) return hit;
    cache.delete(token);
    return undefined;
  }

  return {
    peek,
    async verify(token) {
      const hit = peek(token);
      if (hit !== undefined) {
        const current = await options.brandDirectory.getBrand(hit.brand.brandId);
        if (current !== undefined && sameBrandConfig(current, hit.brand)) return hit;
        cache.delete(token);
      }
      const verified = await verifyAccessToken(token, deps);
      cache.set(token, verified);
      return verified;
    },
    clear() {
      cache.clear();
    },
    get size() {
      return cache.size;
    },
  };
}
