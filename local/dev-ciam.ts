// The development CIAM: a real OpenID Connect provider (oidc-provider) on loopback, used by the local
// stack and by the tests. It signs real ID tokens and JWT access tokens, serves JWKS, userinfo,
// RP-initiated logout and calls back-channel logout URIs. Never deploy it.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, jwtVerify } from 'jose';
import type { default as Provider } from 'oidc-provider';
import { openDevCiamState } from './dev-ciam-state.js';
import { accountRoutes } from './dev-ciam/accounts.js';
import { providerConfiguration } from './dev-ciam/configuration.js';
import { loginRoutes } from './dev-ciam/login.js';

export type AccountClaims = Record<string, unknown>;

export interface DevCiamClient {
  clientId: string;
  /** Omit for a public client (single-page app with PKCE, no secret). */
  clientSecret?: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string;
}

export interface DevCiamOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Seeded users by `sub`; the object is read live, so tests can change a user's claims later. */
  accounts: Record<string, AccountClaims>;
  clients: DevCiamClient[];
  /** Resource indicator (API identifier) for JWT access tokens; its value is the access token's `aud`. */
  apiResource: string;
  /**
   * The `aud` of a client's JWT access tokens instead of the API resource alone, through oidc-provider's
   * `formats.customizers.jwt`: e.g. `[clientId, API]`, the RFC 9068 shape lemonldap-ng issues (with
   * `client_id` and no `azp`).
   */
  accessTokenAudience?: (clientId: string, resource: string) => string | string[];
  /** Private signing keys (JWK with kid/alg); generated when omitted (one RS256 and one ES256). */
  signingKeys?: JWK[];
  /** Token lifetimes in seconds. */
  ttlSeconds?: { accessToken?: number; idToken?: number; session?: number };
  /** Allow the provider to call http://127.0.0.1 back-channel URIs (its SSRF guard blocks loopback). */
  allowLoopbackBackchannel?: boolean;
  /**
   * Where the provider's state (sessions, grants, refresh tokens, cookie keys) and the users' changed
   * claims are kept across restarts (owner-only JSON file); in memory when omitted.
   */
  stateFile?: string;
}

export interface DevCiam {
  issuer: string;
  jwksUri: string;
  userInfoEndpoint: string;
  endSessionEndpoint: string;
  provider: Provider;
  accounts: Record<string, AccountClaims>;
  close(): Promise<void>;
}

export const LOYALTY_SCOPE = 'loyalty:read';
/** The API scope a brand may require to spend points (the demo brand's `rewardIssue` does). */
export const REDEEM_SCOPE = 'rewards:redeem';
/** The API's scopes: granted when the client asks for them (`loyalty:read` always). */
export const RESOURCE_SCOPES = [LOYALTY_SCOPE, REDEEM_SCOPE];

/** Generates the default signing keys: RS256 first (the default `alg` for ID tokens), then ES256. */
export async function generateSigningKeys(): Promise<JWK[]> {
  const keys: JWK[] = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `dev-${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`;
    keys.push({ ...(await exportJWK(privateKey)), kid, alg, use: 'sig' });
  }
  return keys;
}

type OidcModule = typeof import('oidc-provider');
let providerModule: Promise<OidcModule> | undefined;

/**
 * Loads oidc-provider once. Its import warns that Node.js 20 is not a runtime it supports; the project
 * supports Node.js 20.19+ (package.json engines) and this CIAM is tested on it, so that one line, which a
 * newcomer could not act on, is left out. Every other warning passes.
 */
function loadProvider(): Promise<OidcModule> {
  providerModule ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).includes('oidc-provider WARNING: Unsupported runtime')) warn(...args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
    }
  })();
  return providerModule;
}

/** Starts the development CIAM on loopback. */
export async function startDevCiam(options: DevCiamOptions): Promise<DevCiam> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host}:${port}`;
  const accounts = options.accounts;
  const state = openDevCiamState(options.stateFile, () => randomBytes(16).toString('hex'));
  // Changes made at the account page or with `npm run ciam` survive a restart.
  for (const [sub, claims] of Object.entries(state.savedAccounts)) if (accounts[sub]) accounts[sub] = claims;
  const csrf = randomBytes(16).toString('base64url');
  const keys = options.signingKeys ?? (await generateSigningKeys());

  const oidc = await loadProvider();
  const configuration = providerConfiguration(options, { accounts, keys, state, oidc });

  const provider = new oidc.default(issuer, configuration);
  provider.on('server_error', (_ctx, error) => console.error('[dev-ciam] server_error', error));

  // Userinfo with the JWT API access token, as CIAMs such as Auth0 allow (their access tokens list the
  // userinfo endpoint as a second audience). oidc-provider itself accepts only its opaque tokens at /me.
  const publicJwks = createLocalJWKSet({
    keys: keys.map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }) => pub),
  });
  provider.use(async (ctx, next) => {
    if (ctx.path !== '/me' || (ctx.method !== 'GET' && ctx.method !== 'POST')) return next();
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(ctx.get('authorization'))?.[1];
    if (!token) return next();
    try {
      const { payload } = await jwtVerify(token, publicJwks, { issuer, audience: options.apiResource, typ: 'at+jwt' });
      const claims = typeof payload.sub === 'string' ? accounts[payload.sub] : undefined;
      if (!claims || typeof payload.sub !== 'string') throw new Error('no such account');
      ctx.type = 'json';
      ctx.body = { ...claims, sub: payload.sub };
    } catch {
      ctx.status = 401;
      ctx.set('www-authenticate', 'Bearer error="invalid_token"');
      ctx.body = { error: 'invalid_token' };
    }
    return undefined;
  });

  provider.use(accountRoutes(accounts, csrf, state));
  provider.use(loginRoutes(provider, accounts));

  server.on('request', provider.callback());
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    userInfoEndpoint: `${issuer}/me`,
    endSessionEndpoint: `${issuer}/session/end`,
    provider,
    accounts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
