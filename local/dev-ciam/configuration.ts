// The development CIAM's oidc-provider configuration: its clients, keys, claims and scopes, the API resource and
// its JWT access tokens (with acr, amr and auth_time for step-up), token lifetimes, auto-consent, and its own
// pages in place of the defaults.
import type { JWK } from 'jose';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { type AccountClaims, type DevCiamOptions, LOYALTY_SCOPE, RESOURCE_SCOPES } from '../dev-ciam.js';
import type { DevCiamState } from '../dev-ciam-state.js';
import { ACR_VALUES, stepUpPolicy } from './login.js';
import { page, pageError } from './pages.js';

/** What the configuration is built over: the seeded accounts, signing keys, saved state and the loaded module. */
interface ProviderParts {
  accounts: Record<string, AccountClaims>;
  keys: JWK[];
  state: Pick<DevCiamState, 'cookieKeys' | 'adapter'>;
  oidc: typeof import('oidc-provider');
}

export function providerConfiguration(
  options: DevCiamOptions,
  { accounts, keys, state, oidc }: ProviderParts,
): Configuration {
  const ttl = options.ttlSeconds ?? {};
  return {
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
}
