// Sign-in as a real single-page app does it: discovery, authorization code + PKCE with a public client,
// the code exchanged at the token endpoint from the browser, and RP-initiated logout at the CIAM.
import { isRecord } from '../../../shared/lang/is-record.js';
import type { CallInput, CallRecord } from './call.js';
import type { PlaygroundConfig } from './config.js';
import { readJwtClaims } from './jwt.js';
import { randomUrlSafe, s256Challenge } from './pkce.js';

export interface CiamEndpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  endSessionEndpoint?: string;
}

export interface Tokens {
  idToken: string;
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export type Send = (input: CallInput) => Promise<CallRecord>;

const PENDING_LOGIN = 'playground.pending-login';
const PENDING_LOGOUT = 'playground.pending-logout';

interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
}

/** Reads the CIAM's discovery document. */
export async function discover(config: PlaygroundConfig, send: Send): Promise<CiamEndpoints> {
  const record = await send({
    label: 'CIAM discovery',
    method: 'GET',
    url: `${config.issuer}/.well-known/openid-configuration`,
  });
  const doc = record.responseBody;
  if (!record.ok || !isRecord(doc)) throw new Error('The CIAM discovery document could not be read');
  if (doc.issuer !== config.issuer)
    throw new Error(`Discovery names issuer ${String(doc.issuer)}, expected ${config.issuer}`);
  const { authorization_endpoint: authorization, token_endpoint: token, end_session_endpoint: endSession } = doc;
  if (typeof authorization !== 'string' || typeof token !== 'string') {
    throw new Error('The discovery document has no authorization or token endpoint');
  }
  return {
    authorizationEndpoint: authorization,
    tokenEndpoint: token,
    ...(typeof endSession === 'string' ? { endSessionEndpoint: endSession } : {}),
  };
}

/**
 * Sends the browser to the CIAM's login with a fresh PKCE verifier, state and nonce; `extra` adds authorization
 * parameters (a step-up's `acr_values` and `max_age`, the signed-in user's `login_hint`).
 */
export async function startLogin(
  config: PlaygroundConfig,
  endpoints: CiamEndpoints,
  extra: Record<string, string> = {},
): Promise<void> {
  const pending: PendingLogin = { state: randomUrlSafe(16), nonce: randomUrlSafe(16), verifier: randomUrlSafe(32) };
  sessionStorage.setItem(PENDING_LOGIN, JSON.stringify(pending));
  const url = new URL(endpoints.authorizationEndpoint);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    response_type: 'code',
    redirect_uri: config.redirectUri,
    scope: config.scope,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await s256Challenge(pending.verifier),
    code_challenge_method: 'S256',
    // Always show the login page, so a developer can pick another seeded user.
    prompt: 'login',
    ...extra,
  }).toString();
  window.location.assign(url.href);
}

function takePendingLogin(): PendingLogin | undefined {
  const raw = sessionStorage.getItem(PENDING_LOGIN);
  sessionStorage.removeItem(PENDING_LOGIN);
  if (!raw) return undefined;
  const parsed: unknown = JSON.parse(raw);
  if (!isRecord(parsed)) return undefined;
  const { state, nonce, verifier } = parsed;
  return typeof state === 'string' && typeof nonce === 'string' && typeof verifier === 'string'
    ? { state, nonce, verifier }
    : undefined;
}

/**
 * Completes a login when the page is the redirect target (`?code=&state=` or `?error=`): checks state, exchanges
 * the code with the verifier, checks the ID token's nonce. Returns undefined when the URL is no login callback.
 */
export async function completeLogin(
  config: PlaygroundConfig,
  endpoints: CiamEndpoints,
  params: URLSearchParams,
  send: Send,
): Promise<Tokens | undefined> {
  if (!params.has('code') && !params.has('error')) return undefined;
  const pending = takePendingLogin();
  if (!pending || params.get('state') !== pending.state) return undefined;
  // RFC 9207: the CIAM names itself in the redirect; a different issuer means a mix-up attack.
  const iss = params.get('iss');
  if (iss !== null && iss !== config.issuer) throw new Error(`The login answer came from ${iss}, not ${config.issuer}`);
  const error = params.get('error');
  if (error) throw new Error(`The CIAM refused the login: ${error} ${params.get('error_description') ?? ''}`.trim());
  const record = await send({
    label: 'Token exchange (code + PKCE)',
    method: 'POST',
    url: endpoints.tokenEndpoint,
    form: {
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: config.redirectUri,
      client_id: config.clientId,
      code_verifier: pending.verifier,
    },
  });
  const body = record.responseBody;
  if (!record.ok || !isRecord(body)) throw new Error('The token exchange failed (see the call below)');
  const { id_token: idToken, access_token: accessToken, expires_in: expiresIn } = body;
  if (typeof idToken !== 'string' || typeof accessToken !== 'string') {
    throw new Error('The token response has no ID token or access token');
  }
  if (readJwtClaims(idToken)?.nonce !== pending.nonce) throw new Error('The ID token nonce does not match the login');
  const lifetime = typeof expiresIn === 'number' ? expiresIn : 300;
  return { idToken, accessToken, expiresAt: Date.now() + lifetime * 1000 };
}

/** Sends the browser to the CIAM's end-session endpoint (RP-initiated logout, which fires back-channel logout). */
export function startCiamLogout(config: PlaygroundConfig, endpoints: CiamEndpoints, idToken: string): void {
  if (!endpoints.endSessionEndpoint) throw new Error('The CIAM does not advertise an end_session_endpoint');
  const state = randomUrlSafe(16);
  sessionStorage.setItem(PENDING_LOGOUT, state);
  const url = new URL(endpoints.endSessionEndpoint);
  const params = new URLSearchParams({ id_token_hint: idToken, client_id: config.clientId, state });
  if (config.postLogoutRedirectUri) params.set('post_logout_redirect_uri', config.postLogoutRedirectUri);
  url.search = params.toString();
  window.location.assign(url.href);
}

/** True when the page is the post-logout redirect of a logout this page started. */
export function completeCiamLogout(params: URLSearchParams): boolean {
  const pending = sessionStorage.getItem(PENDING_LOGOUT);
  if (!pending || params.get('state') !== pending || params.has('code')) return false;
  sessionStorage.removeItem(PENDING_LOGOUT);
  return true;
}
