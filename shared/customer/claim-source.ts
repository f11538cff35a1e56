// Reads a caller's claims: the verified access token's payload, the optional ID token from the body
// (verified against the brand and the same sub), then the brand's userinfo endpoint called with the
// caller's access token. Later sources win, so userinfo (the freshest) decides. Userinfo is called only
// with an access token (never with an ID token a brand accepts as bearer) and only when the brand has a
// userinfo endpoint; otherwise the verified ID token is the profile source. claimsSourceOf tells which.
import { hashToken } from '../auth/authorize-request.js';
import type { FetchFn } from '../http/fetch.js';
import type { AuthorizerContext } from '../auth/authorizer-context.js';
import type { JwksProvider } from '../auth/jwks-cache.js';
import { verifyIdToken } from '../auth/verify-id-token.js';
import { type BrandConfig, isLoopbackHost } from '../config/brand-config.js';
import { ErrorCodes, UnauthorizedError, UpstreamError, ValidationError } from '../errors.js';
import { safeJsonParse } from '../http/json.js';
import type { Claims } from './claim-mapping.js';

export interface ClaimRequest {
  brand: BrandConfig;
  auth: AuthorizerContext;
  /** The bearer token from the Authorization header (already verified by the authorizer). */
  accessToken: string;
  /** Optional ID token from the request body. */
  idToken?: string;
}

/** Port: where the post-auth use-cases get the caller's claims. */
export interface ClaimSource {
  load(request: ClaimRequest): Promise<Claims>;
}

/** Where the mapped claims came from: userinfo, the verified ID token of the body, or the access token alone. */
export type ClaimsSource = 'userinfo' | 'id_token' | 'access_token';

const SOURCE = Symbol('claimsSource');

/** The source recorded on claims loaded by CiamClaimSource (a symbol key: never serialised or mapped). */
export function claimsSourceOf(claims: Claims): ClaimsSource | undefined {
  return (claims as { [SOURCE]?: ClaimsSource })[SOURCE];
}

/** True when a verified bearer token is an ID token rather than an access token (as the authorizer tells them). */
function isIdToken(claims: Claims): boolean {
  return (
    claims.nonce !== undefined ||
    claims.at_hash !== undefined ||
    claims.c_hash !== undefined ||
    claims.token_use === 'id'
  );
}

export interface CiamClaimSourceOptions {
  fetch?: FetchFn;
  /** Userinfo timeout; the caller waits for it, so keep it short. */
  timeoutMs?: number;
  /** The brand JWKS caches for ID token checks (default: the process-wide registry the authorizer uses too). */
  jwks?: JwksProvider;
  /** Epoch milliseconds. */
  now?: () => number;
}

const MAX_USERINFO_BYTES = 65_536;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True when `tokenHash` (a prefix of at least 8 of the authorizer's fingerprint) belongs to `token`. */
export function tokenMatchesHash(token: string, tokenHash: string): boolean {
  return tokenHash.length >= 8 && hashToken(token).startsWith(tokenHash);
}

/** The payload of a JWT the authorizer already verified (no signature check here). */
function decodeVerifiedPayload(token: string): Claims {
  const part = token.split('.')[1];
  if (!part) throw new UnauthorizedError();
  try {
    const payload = safeJsonParse(Buffer.from(part, 'base64url').toString('utf8'));
    if (!isObject(payload)) throw new UnauthorizedError();
    return payload;
  } catch {
    throw new UnauthorizedError();
  }
}

/** Claims from the token, an optional ID token and the brand's userinfo endpoint. */
export class CiamClaimSource implements ClaimSource {
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;
  private readonly jwks: JwksProvider | undefined;
  private readonly now: () => number;

  constructor(options: CiamClaimSourceOptions = {}) {
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.jwks = options.jwks;
    this.now = options.now ?? Date.now;
  }

  async load(request: ClaimRequest): Promise<Claims> {
    const { auth, accessToken } = request;
    if (!tokenMatchesHash(accessToken, auth.tokenHash)) throw new UnauthorizedError();
    const tokenClaims = decodeVerifiedPayload(accessToken);
    const idClaims = request.idToken === undefined ? {} : await this.verifyIdToken(request);
    const endpoint = request.brand.userInfoEndpoint;
    const bearerIsIdToken = isIdToken(tokenClaims);
    const useUserinfo = endpoint !== undefined && !bearerIsIdToken;
    const userinfo = useUserinfo ? await this.userinfo(endpoint, auth.sub, accessToken) : {};
    const fromIdToken = request.idToken !== undefined || bearerIsIdToken;
    const source: ClaimsSource = useUserinfo ? 'userinfo' : fromIdToken ? 'id_token' : 'access_token';
    const claims: Claims = { ...tokenClaims, ...idClaims, ...userinfo, sub: auth.sub };
    Object.defineProperty(claims, SOURCE, { value: source, enumerable: false });
    return claims;
  }

  private async verifyIdToken(request: ClaimRequest): Promise<Claims> {
    const { brand, auth } = request;
    const refuse = (message: string) => new ValidationError('idToken is invalid', [{ field: 'idToken', message }]);
    try {
      const { sub, claims } = await verifyIdToken(request.idToken ?? '', brand, {
        now: this.now,
        ...(this.jwks ? { jwks: this.jwks } : {}),
      });
      if (sub !== auth.sub) throw refuse('belongs to another user');
      return { ...claims };
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      throw refuse('does not verify for this brand');
    }
  }

  private async userinfo(endpoint: string, sub: string, accessToken: string): Promise<Claims> {
    const url = new URL(endpoint);
    if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))) {
      throw new UpstreamError(502, ErrorCodes.CIAM_UNAVAILABLE, 'CIAM userinfo endpoint is not https');
    }
    const unavailable = (message: string) =>
      new UpstreamError(503, ErrorCodes.CIAM_UNAVAILABLE, message, { retryAfterSeconds: 2 });
    let response: Response;
    try {
      response = await this.fetchFn(url.href, {
        method: 'GET',
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      throw unavailable('CIAM userinfo did not answer');
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new UnauthorizedError(ErrorCodes.UNAUTHORIZED, 'The CIAM no longer accepts this token');
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw unavailable(`CIAM userinfo answered ${response.status}`);
    }
    let body: unknown;
    try {
      const text = await response.text();
      if (Buffer.byteLength(text, 'utf8') > MAX_USERINFO_BYTES) throw new Error('too large');
      body = safeJsonParse(text);
    } catch {
      throw new UpstreamError(502, ErrorCodes.CIAM_UNAVAILABLE, 'CIAM userinfo answer is not usable JSON');
    }
    // OIDC Core 5.3.2: the userinfo sub must equal the token's sub, else the answer must not be used.
    if (!isObject(body) || body.sub !== sub) {
      throw new UpstreamError(502, ErrorCodes.CIAM_UNAVAILABLE, 'CIAM userinfo answer is for another subject');
    }
    return body;
  }
}
