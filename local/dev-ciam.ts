// The development CIAM: a real OpenID Connect provider (oidc-provider) on loopback, used by the local
// stack and by the tests. It signs real ID tokens and JWT access tokens, serves JWKS, userinfo,
// RP-initiated logout and calls back-channel logout URIs. Never deploy it.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, jwtVerify } from 'jose';
import type { Configuration, KoaContextWithOIDC, default as Provider } from 'oidc-provider';
import { openDevCiamState } from './dev-ciam-state.js';
import { readFormBody, readJsonBody } from './http/read-body.js';

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
const RESOURCE_SCOPES = [LOYALTY_SCOPE, REDEEM_SCOPE];

/**
 * Authentication context classes: `pwd` (password) and `mfa` (password and a one-time code). A request with
 * `acr_values=mfa` (a step-up, RFC 9470) makes a session without it sign in again, with the code.
 */
const ACR_VALUES = ['pwd', 'mfa'] as const;
/** The development CIAM's one-time code: any six digits are accepted (local use only). */
const OTP_PATTERN = /^\d{6}$/;
/** The account forms and the account API take small bodies only. */
const MAX_BODY_BYTES = 16_384;

/** The acr values an authorization request asks for (`acr_values`, space-separated), known ones only. */
function requestedAcrs(params: Record<string, unknown> | undefined): string[] {
  const raw = typeof params?.acr_values === 'string' ? params.acr_values : '';
  return raw.split(' ').filter((value) => (ACR_VALUES as readonly string[]).includes(value));
}

/** The login result for a sign-in: `mfa` when asked for (and the code was given), else `pwd`. */
function loginResult(accountId: string, withMfa: boolean) {
  return withMfa ? { accountId, acr: 'mfa', amr: ['pwd', 'otp'] } : { accountId, acr: 'pwd', amr: ['pwd'] };
}

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

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One look for every CIAM page: system fonts only, nothing fetched from the internet. */
const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.4}' +
  'label,select,input[type=text],input[type=email],input[type=tel],input[type=password],button{display:block;width:100%;box-sizing:border-box;margin:.4rem 0;padding:.5rem;font-size:1rem}' +
  'label.check{display:flex;gap:.5rem;align-items:center}label.check input{width:auto;margin:0}' +
  'fieldset{margin:1rem 0;border:1px solid #ccc;border-radius:.4rem}.err{color:#b00}.ok{color:#060}';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="icon" href="data:,"><style>${PAGE_STYLE}</style></head><body>${body}</body></html>`;
}

function loginPage(
  uid: string,
  accounts: Record<string, AccountClaims>,
  error?: string,
  mfa = false,
  selected?: string,
): string {
  const options = Object.entries(accounts)
    .map(([sub, claims]) => {
      const label = `${String(claims.given_name ?? '')} ${String(claims.family_name ?? '')} (${sub})`.trim();
      const chosen = sub === selected ? ' selected' : '';
      return `<option value="${escapeHtml(sub)}"${chosen}>${escapeHtml(label)}</option>`;
    })
    .join('');
  return page(
    'Development CIAM - sign in',
    `<h1>Development CIAM</h1><p>Sign in as a seeded test user (local use only).</p>
${error ? `<p class="err">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="login">User</label><select id="login" name="login">${options}</select>
<label for="password">Password (any value)</label><input id="password" name="password" type="password" value="dev">
${mfa ? '<p>This sign-in asks for a second factor (acr mfa): enter any six digits.</p><label for="otp">One-time code</label><input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="\\d{6}" required>' : ''}
<button id="sign-in" type="submit">Sign in</button></form>
<p><a href="/account">Change a user's name, e-mail or mobile</a></p>`,
  );
}

/** The claims `npm run ciam -- user set` and the account page change (standard OIDC claim names). */
interface AccountChange {
  given_name?: string;
  family_name?: string;
  email?: string;
  email_verified?: boolean;
  phone_number?: string;
  phone_number_verified?: boolean;
}

const CHANGE_FIELDS: Record<keyof AccountChange, 'name' | 'email' | 'phone' | 'boolean'> = {
  given_name: 'name',
  family_name: 'name',
  email: 'email',
  email_verified: 'boolean',
  phone_number: 'phone',
  phone_number_verified: 'boolean',
};

/** Checks a change; returns the problems (field, message), none when it can be applied. */
function accountChangeIssues(change: Record<string, unknown>): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  for (const [field, value] of Object.entries(change)) {
    const kind = CHANGE_FIELDS[field as keyof AccountChange];
    if (!kind) issues.push({ field, message: `unknown field (use ${Object.keys(CHANGE_FIELDS).join(', ')})` });
    else if (kind === 'boolean' && typeof value !== 'boolean') issues.push({ field, message: 'must be true or false' });
    else if (kind !== 'boolean' && typeof value !== 'string') issues.push({ field, message: 'must be a string' });
    else if (kind === 'name' && !/^\S.{0,99}$/u.test(String(value))) {
      issues.push({ field, message: 'must be 1-100 characters, not starting with a space' });
    } else if (kind === 'email' && !/^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/.test(String(value))) {
      issues.push({ field, message: 'must be an e-mail address such as alice@example.com' });
    } else if (kind === 'phone' && !/^\+[1-9]\d{6,14}$/.test(String(value))) {
      issues.push({ field, message: 'must be an E.164 number such as +919800000009' });
    }
  }
  return issues;
}

/** The claims after a (checked) change; `name` follows the given and family names. */
function applyAccountChange(claims: AccountClaims, change: AccountChange): AccountClaims {
  const next: AccountClaims = { ...claims, ...change };
  if (change.given_name !== undefined || change.family_name !== undefined) {
    next.name = `${String(next.given_name ?? '')} ${String(next.family_name ?? '')}`.trim();
  }
  return next;
}

function accountPage(accounts: Record<string, AccountClaims>, csrf: string, notice?: string, error?: string): string {
  const value = (claims: AccountClaims, key: string) => escapeHtml(String(claims[key] ?? ''));
  const checked = (claims: AccountClaims, key: string) => (claims[key] === true ? ' checked' : '');
  const forms = Object.entries(accounts)
    .map(([sub, claims]) => {
      const id = escapeHtml(sub);
      return `<form method="post" action="/account/${id}" id="account-${id}"><fieldset><legend>${id}</legend>
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<label>Given name<input type="text" name="given_name" value="${value(claims, 'given_name')}"></label>
<label>Family name<input type="text" name="family_name" value="${value(claims, 'family_name')}"></label>
<label>E-mail<input type="email" name="email" value="${value(claims, 'email')}"></label>
<label class="check"><input type="checkbox" name="email_verified" value="true"${checked(claims, 'email_verified')}>e-mail verified</label>
<label>Mobile (E.164)<input type="tel" name="phone_number" value="${value(claims, 'phone_number')}"></label>
<label class="check"><input type="checkbox" name="phone_number_verified" value="true"${checked(claims, 'phone_number_verified')}>mobile verified</label>
<button type="submit">Save ${id}</button></fieldset></form>`;
    })
    .join('');
  return page(
    'Development CIAM - accounts',
    `<h1>Development CIAM accounts</h1>
<p>Change a seeded user as the brand's CIAM would; tokens issued afterwards carry the new claims. Then sync
them in the playground (profile sync, identifier sync) or sign in again. Local use only.</p>
${notice ? `<p class="ok" role="status">${escapeHtml(notice)}</p>` : ''}${error ? `<p class="err" role="alert">${escapeHtml(error)}</p>` : ''}
${forms}`,
  );
}

/** The account page's form as a change: every field is sent, unchecked boxes mean false. */
function formChange(form: URLSearchParams): AccountChange {
  const text = (name: string) => (form.get(name) ?? '').trim();
  return {
    given_name: text('given_name'),
    family_name: text('family_name'),
    email: text('email'),
    email_verified: form.get('email_verified') === 'true',
    phone_number: text('phone_number'),
    phone_number_verified: form.get('phone_number_verified') === 'true',
  };
}

/** The part of a Koa context the page helpers write. */
interface Answerable {
  status: number;
  type: string;
  body: unknown;
  set(name: string, value: string): void;
}

function jsonAnswer(ctx: Answerable, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = 'json';
  ctx.set('cache-control', 'no-store');
  ctx.body = body;
}

function pageError(ctx: Answerable, out: Record<string, unknown>): void {
  ctx.type = 'html';
  ctx.body = page(
    'Development CIAM - error',
    `<h1>Something went wrong</h1>${Object.entries(out)
      .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`)
      .join('')}`,
  );
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

/**
 * oidc-provider's interaction policy plus one login check: an authorization request whose `acr_values` the
 * session's `acr` does not meet needs a new sign-in (the step-up of RFC 9470; `max_age` and `prompt=login` are
 * built in).
 */
function stepUpPolicy({ interactionPolicy }: OidcModule) {
  const policy = interactionPolicy.base();
  policy.get('login')?.checks.add(
    new interactionPolicy.Check(
      'acr_values',
      'the requested authentication context was not obtained',
      'login_required',
      (ctx) => {
        const wanted = requestedAcrs(ctx.oidc.params as Record<string, unknown> | undefined);
        return wanted.length > 0 && !wanted.includes(String(ctx.oidc.acr ?? ''))
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
    ),
  );
  return policy;
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
  const ttl = options.ttlSeconds ?? {};

  const oidc = await loadProvider();
  const configuration: Configuration = {
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      ...(client.clientSecret
        ? { client_secret: client.clientSecret }
        : { token_endpoint_auth_method: 'none' as const }),
      redirect_uris: client.redirectUris,
      post_logout_redirect_uris: client.postLogoutRedirectUris ?? [],
      grant_types: client.clientSecret
        ? ['authorization_code', 'refresh_token', 'client_credentials']
        : ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...(client.backchannelLogoutUri
        ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true }
        : {}),
    })),
    // biome-ignore lint/suspicious/noExplicitAny: oidc-provider's JWKS type wants its own JWK shape; ours is a standard private JWK.
    jwks: { keys: keys as any },
    cookies: { keys: state.cookieKeys },
    adapter: state.adapter,
    // Own pages instead of the defaults, which import web fonts from the internet.
    renderError: async (ctx, out) => pageError(ctx, { ...out }),
    // oidc-provider's own rule (userinfo, or a public client's redirect origin), set so it does not log a notice.
    clientBasedCORS: (ctx, origin, client) =>
      origin !== 'null' &&
      (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') &&
      (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin),
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      phone: ['phone_number', 'phone_number_verified'],
      profile: ['given_name', 'family_name', 'name'],
      address: ['address'],
    },
    scopes: ['openid', 'offline_access', 'email', 'phone', 'profile', 'address', ...RESOURCE_SCOPES],
    acrValues: [...ACR_VALUES],
    // acr, amr and auth_time of the sign-in in the JWT access tokens too, so an API can ask for a step-up (RFC 9470).
    extraTokenClaims: async (ctx: KoaContextWithOIDC, token) => {
      if (token.kind !== 'AccessToken') return undefined;
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
      if (!source) return undefined;
      return {
        ...(source.acr ? { acr: source.acr } : {}),
        ...(source.amr ? { amr: source.amr } : {}),
        ...(source.authTime ? { auth_time: source.authTime } : {}),
      };
    },
    conformIdTokenClaims: false,
    // Every login of a client allowed the refresh_token grant gets a refresh token (as CIAMs do for apps that
    // ask for offline access), so app logout can be tested against a refresh token the CIAM really tracks.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    pkce: { required: () => true },
    findAccount: async (_ctx, id) => {
      const claims = accounts[id];
      if (!claims) return undefined;
      return { accountId: id, claims: async () => ({ ...accounts[id], sub: id }) };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page(
            'Development CIAM - sign out',
            `<h1>Sign out of the development CIAM?</h1>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
          );
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page('Development CIAM - signed out', '<h1>Signed out</h1><p>You can close this page.</p>');
        },
      },
      backchannelLogout: { enabled: true },
      // RFC 7009: apps (and the gateway's app logout, on their behalf) revoke refresh tokens here.
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.apiResource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== options.apiResource) throw new Error('unknown resource');
          return {
            scope: RESOURCE_SCOPES.join(' '),
            audience: options.apiResource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: ttl.accessToken ?? 900,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ...(options.accessTokenAudience
      ? {
          formats: {
            customizers: {
              jwt: (_ctx, token, parts) => {
                const audience = options.accessTokenAudience;
                if (audience && token.clientId) parts.payload.aud = audience(token.clientId, options.apiResource);
              },
            },
          },
        }
      : {}),
    ttl: {
      AccessToken: ttl.accessToken ?? 900,
      ClientCredentials: ttl.accessToken ?? 900,
      IdToken: ttl.idToken ?? 900,
      Grant: 3600,
      Session: ttl.session ?? 3600,
      Interaction: 600,
      AuthorizationCode: 60,
      RefreshToken: 3600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: stepUpPolicy(oidc) },
    // Auto-consent: the development CIAM grants what the client asks for.
    loadExistingGrant: async (ctx) => {
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope(String(ctx.oidc.params?.scope ?? 'openid'));
      const asked = String(ctx.oidc.params?.scope ?? '').split(' ');
      grant.addResourceScope(
        options.apiResource,
        RESOURCE_SCOPES.filter((scope) => scope === LOYALTY_SCOPE || asked.includes(scope)).join(' '),
      );
      await grant.save();
      return grant;
    },
    ...(options.allowLoopbackBackchannel
      ? {
          // oidc-provider refuses special-use addresses for outgoing calls; the local stack's receiver is on loopback.
          fetch: (url: string | URL | Request, init?: RequestInit) => {
            const { dispatcher: _ignored, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
            return globalThis.fetch(url, rest);
          },
        }
      : {}),
  };

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

  // The account page and its JSON twin (`npm run ciam -- user set`): change a user's claims as the brand's
  // CIAM would. The form carries a per-start token; the JSON API needs a JSON content type, which a
  // cross-site page cannot send without a CORS preflight this server never answers.
  provider.use(async (ctx, next) => {
    if (ctx.path === '/account' && ctx.method === 'GET') {
      const saved = typeof ctx.query.saved === 'string' ? ctx.query.saved : undefined;
      ctx.type = 'html';
      ctx.set('cache-control', 'no-store');
      ctx.body = accountPage(accounts, csrf, saved && accounts[saved] ? `Saved ${saved}.` : undefined);
      return undefined;
    }
    const formMatch = /^\/account\/([^/]+)$/.exec(ctx.path);
    if (formMatch && ctx.method === 'POST') {
      const sub = decodeURIComponent(formMatch[1] ?? '');
      const form = await readFormBody(ctx.req, MAX_BODY_BYTES).catch(() => new URLSearchParams());
      const current = accounts[sub];
      const change = formChange(form);
      const issues = current ? accountChangeIssues({ ...change }) : [];
      ctx.type = 'html';
      if (form.get('csrf') !== csrf || !current || issues.length > 0) {
        ctx.status = form.get('csrf') !== csrf ? 403 : current ? 400 : 404;
        const why =
          form.get('csrf') !== csrf
            ? 'The form expired (the CIAM restarted): reload the page.'
            : current
              ? issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')
              : `No user ${sub}`;
        ctx.body = accountPage(accounts, csrf, undefined, why);
        return undefined;
      }
      accounts[sub] = applyAccountChange(current, change);
      state.saveAccount(sub, accounts[sub]);
      ctx.status = 303;
      ctx.redirect(`/account?saved=${encodeURIComponent(sub)}`);
      return undefined;
    }
    const apiMatch = /^\/account\/users(?:\/([^/]+))?$/.exec(ctx.path);
    if (!apiMatch) return next();
    const sub = apiMatch[1] === undefined ? undefined : decodeURIComponent(apiMatch[1]);
    if (sub === undefined) {
      if (ctx.method !== 'GET')
        return jsonAnswer(ctx, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Use GET' } });
      return jsonAnswer(ctx, 200, { users: Object.entries(accounts).map(([id, claims]) => ({ sub: id, ...claims })) });
    }
    const current = accounts[sub];
    if (!current) {
      return jsonAnswer(ctx, 404, {
        error: { code: 'NOT_FOUND', message: `No user ${sub}; users: ${Object.keys(accounts).join(', ')}` },
      });
    }
    if (ctx.method === 'GET') return jsonAnswer(ctx, 200, { sub, ...current });
    if (ctx.method !== 'PATCH') {
      return jsonAnswer(ctx, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Use GET or PATCH' } });
    }
    if (!/^application\/json\b/i.test(ctx.get('content-type'))) {
      return jsonAnswer(ctx, 415, { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send application/json' } });
    }
    let change: unknown;
    try {
      change = await readJsonBody(ctx.req, MAX_BODY_BYTES);
    } catch {
      return jsonAnswer(ctx, 400, { error: { code: 'INVALID_JSON', message: 'Body must be a JSON object' } });
    }
    if (change === null || typeof change !== 'object' || Array.isArray(change)) {
      return jsonAnswer(ctx, 400, { error: { code: 'INVALID_JSON', message: 'Body must be a JSON object' } });
    }
    const issues = accountChangeIssues(change as Record<string, unknown>);
    if (issues.length > 0) {
      return jsonAnswer(ctx, 400, {
        error: { code: 'VALIDATION_FAILED', message: 'The change is invalid', details: issues },
      });
    }
    accounts[sub] = applyAccountChange(current, change as AccountChange);
    state.saveAccount(sub, accounts[sub]);
    return jsonAnswer(ctx, 200, { sub, ...accounts[sub] });
  });

  // Login: `login_hint` naming a seeded user signs in at once (tests, the token tool); otherwise a form.
  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const mfa = requestedAcrs(details.params).includes('mfa');
    const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
    if (ctx.method === 'GET') {
      // A hinted seeded user signs in at once, with the second factor when the request asks for it (tools, tests),
      // unless the request says prompt=login: then the page asks, the hinted user chosen (a step-up in the playground).
      const prompted = String(details.params.prompt ?? '')
        .split(' ')
        .includes('login');
      if (hint && accounts[hint] && !prompted) {
        const to = await provider.interactionResult(ctx.req, ctx.res, { login: loginResult(hint, mfa) });
        ctx.status = 303;
        ctx.redirect(to);
        return undefined;
      }
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, accounts, undefined, mfa, hint);
      return undefined;
    }
    if (ctx.method === 'POST' && match[2]) {
      const form = await readFormBody(ctx.req, MAX_BODY_BYTES);
      const login = form.get('login') ?? '';
      const problem = !accounts[login]
        ? 'Unknown user'
        : mfa && !OTP_PATTERN.test(form.get('otp') ?? '')
          ? 'Enter the six-digit one-time code'
          : undefined;
      if (problem) {
        ctx.type = 'html';
        ctx.status = 400;
        ctx.body = loginPage(details.uid, accounts, problem, mfa, hint);
        return undefined;
      }
      const to = await provider.interactionResult(ctx.req, ctx.res, { login: loginResult(login, mfa) });
      ctx.status = 303;
      ctx.redirect(to);
      return undefined;
    }
    return next();
  });

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

export interface LoginResult {
  idToken: string;
  accessToken: string;
  refreshToken?: string;
  /** Cookies of the CIAM browser session, needed to drive RP-initiated logout. */
  cookies: Map<string, string>;
}

function storeCookies(jar: Map<string, string>, response: Response): void {
  for (const cookie of response.headers.getSetCookie()) {
    const pair = cookie.split(';')[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

function cookieHeader(jar: Map<string, string>): string {
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

/** Gets a client-credentials JWT access token (an application principal; `sub` = client id). */
export async function clientCredentialsToken(
  ciam: Pick<DevCiam, 'issuer'>,
  client: { clientId: string; clientSecret: string },
  resource: string,
): Promise<string> {
  const response = await fetch(`${ciam.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: LOYALTY_SCOPE }),
  });
  const tokens = (await response.json()) as Record<string, unknown>;
  if (!response.ok || typeof tokens.access_token !== 'string') {
    throw new Error(`client credentials failed: ${response.status} ${JSON.stringify(tokens)}`);
  }
  return tokens.access_token;
}

/**
 * RP-initiated logout at the CIAM for the browser session in `cookies`; the CIAM then calls every
 * client's back-channel logout URI. Resolves once the CIAM has answered.
 */
export async function logoutAtCiam(
  ciam: Pick<DevCiam, 'issuer'>,
  cookies: Map<string, string>,
  idToken: string,
): Promise<void> {
  const start = await fetch(`${ciam.issuer}/session/end?${new URLSearchParams({ id_token_hint: idToken })}`, {
    headers: { cookie: cookieHeader(cookies) },
  });
  storeCookies(cookies, start);
  const html = await start.text();
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!xsrf) throw new Error(`logout page without xsrf (status ${start.status})`);
  const confirm = await fetch(`${ciam.issuer}/session/end/confirm`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieHeader(cookies), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }),
  });
  storeCookies(cookies, confirm);
  await confirm.arrayBuffer();
  if (confirm.status >= 400) throw new Error(`logout confirm failed: ${confirm.status}`);
}
