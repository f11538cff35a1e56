// A headless sign-in at the development CIAM (authorization code + PKCE, following its redirects like a
// browser): the token tool, the benches and the tests sign seeded users in with it. Never deploy it.
import { createHash, randomBytes } from 'node:crypto';
import { type DevCiam, LOYALTY_SCOPE } from './dev-ciam.js';

export interface LoginResult {
  idToken: string;
  accessToken: string;
  refreshToken?: string;
  /** Cookies of the CIAM browser session, needed to drive RP-initiated logout. */
  cookies: Map<string, string>;
}

export function storeCookies(jar: Map<string, string>, response: Response): void {
  for (const cookie of response.headers.getSetCookie()) {
    const pair = cookie.split(';')[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

export function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** Follows the CIAM's redirects like a browser until the redirect URI is reached. */
export async function followRedirects(startUrl: string, redirectUri: string, jar: Map<string, string>): Promise<URL> {
  let url = startUrl;
  for (let hop = 0; hop < 12; hop++) {
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });
    storeCookies(jar, response);
    await response.arrayBuffer();
    const location = response.headers.get('location');
    if (!location) throw new Error(`login stopped at ${response.status} ${url}`);
    url = new URL(location, url).href;
    if (url.startsWith(redirectUri)) return new URL(url);
  }
  throw new Error('too many redirects during login');
}

/** A step-up sign-in (RFC 9470): what to ask the CIAM for, and the browser session to do it in. */
export interface LoginStepUp {
  /** `acr_values`, e.g. `mfa`. */
  acrValues?: string;
  /** `max_age` in seconds (0: sign in again now). */
  maxAge?: number;
  /** e.g. `login`: sign in again whatever the session. */
  prompt?: string;
  /** The CIAM session cookies of an earlier login (a step-up happens within it). */
  cookies?: Map<string, string>;
}

/**
 * Signs `sub` in with authorization code + PKCE (no browser) and returns real tokens: an ID token
 * (aud = client id) and a JWT access token (aud = the API resource).
 */
export async function loginWithCode(
  ciam: Pick<DevCiam, 'issuer'>,
  client: { clientId: string; clientSecret?: string; redirectUri: string },
  sub: string,
  scope = `openid email phone profile ${LOYALTY_SCOPE}`,
  stepUp: LoginStepUp = {},
): Promise<LoginResult> {
  const verifier = randomBytes(32).toString('base64url');
  const jar = stepUp.cookies ?? new Map<string, string>();
  const authUrl = `${ciam.issuer}/auth?${new URLSearchParams({
    client_id: client.clientId,
    response_type: 'code',
    redirect_uri: client.redirectUri,
    scope,
    login_hint: sub,
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge_method: 'S256',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    ...(stepUp.acrValues ? { acr_values: stepUp.acrValues } : {}),
    ...(stepUp.maxAge !== undefined ? { max_age: String(stepUp.maxAge) } : {}),
    ...(stepUp.prompt ? { prompt: stepUp.prompt } : {}),
  })}`;
  const callback = await followRedirects(authUrl, client.redirectUri, jar);
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`login failed: ${callback.searchParams.get('error') ?? 'no code'}`);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: client.redirectUri,
    code_verifier: verifier,
  });
  if (client.clientSecret) {
    headers.authorization = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  } else {
    body.set('client_id', client.clientId);
  }
  const response = await fetch(`${ciam.issuer}/token`, { method: 'POST', headers, body });
  const tokens = (await response.json()) as Record<string, unknown>;
  if (!response.ok || typeof tokens.id_token !== 'string' || typeof tokens.access_token !== 'string') {
    throw new Error(`token exchange failed: ${response.status} ${JSON.stringify(tokens)}`);
  }
  return {
    idToken: tokens.id_token,
    accessToken: tokens.access_token,
    ...(typeof tokens.refresh_token === 'string' ? { refreshToken: tokens.refresh_token } : {}),
    cookies: jar,
  };
}
