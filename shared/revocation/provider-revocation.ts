// Refresh-token revocation at the brand's CIAM (OAuth 2.0 Token Revocation, RFC 7009), for app logout: the
// gateway's own revocation list ends the access and ID tokens it sees, but a refresh token lets the app get
// new ones, which the list cannot name. The revocation endpoint comes from the issuer's discovery document
// (`revocation_endpoint`, RFC 8414 / OIDC Discovery), whose `issuer` must be the brand's exactly; the request
// authenticates as the app the token was issued to: HTTP Basic with its secret (client_secret_basic) when the
// brand keeps one for it in SSM (shared/config/ciam-client-secrets.ts), else as a public client (`client_id`).
// Every failure is an outcome, never an error: the gateway-side logout has already happened.
import type { BrandConfig } from '../config/brand-config.js';
import { CiamClientSecretsSchema } from '../config/ciam-client-secrets.js';
import type { SecretSource } from '../config/secret-source.js';
import { getDocumentWithFetch } from '../http/document-get.js';
import type { FetchFn } from '../http/fetch.js';
import { safeJsonParse } from '../http/json.js';
import { isRecord } from '../lang/is-record.js';

/** Why a refresh token could not be revoked at the CIAM (a stable code for the app and the audit trail). */
type ProviderRevocationFailure =
  | 'NO_REVOCATION_ENDPOINT'
  | 'CLIENT_SECRET_UNAVAILABLE'
  | 'CLIENT_AUTH_FAILED'
  | 'PROVIDER_REFUSED'
  | 'PROVIDER_UNAVAILABLE';

export type ProviderRevocationOutcome = { revoked: true } | { revoked: false; reason: ProviderRevocationFailure };

/** Port: revokes a refresh token at the brand's CIAM. */
export interface RefreshTokenRevoker {
  revokeRefreshToken(brand: BrandConfig, client: string, refreshToken: string): Promise<ProviderRevocationOutcome>;
}

export interface ProviderTokenRevokerOptions {
  /** The guarded outbound fetch (connect-time address check, https only outside the local stage). */
  fetch: FetchFn;
  secrets: SecretSource;
  /** Per request: discovery, then revocation (default 3 s each). */
  timeoutMs?: number;
  /** How long a discovered revocation endpoint is reused (default 10 minutes). */
  discoveryTtlMs?: number;
  now?: () => number;
}

const MAX_DISCOVERY_BYTES = 256 * 1024;

/** Client authentication per RFC 6749 §2.3.1: form-encoded id and secret, then Basic. */
function basicAuthorization(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

export class ProviderTokenRevoker implements RefreshTokenRevoker {
  private readonly options: ProviderTokenRevokerOptions;
  private readonly endpoints = new Map<string, { url: string | undefined; until: number }>();

  constructor(options: ProviderTokenRevokerOptions) {
    this.options = options;
  }

  async revokeRefreshToken(
    brand: BrandConfig,
    client: string,
    refreshToken: string,
  ): Promise<ProviderRevocationOutcome> {
    const endpoint = await this.revocationEndpoint(brand.issuer);
    if (endpoint === 'unavailable') return { revoked: false, reason: 'PROVIDER_UNAVAILABLE' };
    if (endpoint === undefined) return { revoked: false, reason: 'NO_REVOCATION_ENDPOINT' };
    const secret = await this.clientSecret(brand, client);
    if (secret === 'unavailable') return { revoked: false, reason: 'CLIENT_SECRET_UNAVAILABLE' };
    const body = new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (secret === undefined) body.set('client_id', client);
    else headers.authorization = basicAuthorization(client, secret);
    let status: number;
    try {
      const response = await this.options.fetch(endpoint, {
        method: 'POST',
        headers,
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 3_000),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
    } catch {
      return { revoked: false, reason: 'PROVIDER_UNAVAILABLE' };
    }
    // RFC 7009 §2.2: 200 also for a token that was invalid or already revoked (nothing left to end).
    if (status === 200) return { revoked: true };
    if (status === 401) return { revoked: false, reason: 'CLIENT_AUTH_FAILED' };
    if (status >= 500 || status === 429) return { revoked: false, reason: 'PROVIDER_UNAVAILABLE' };
    return { revoked: false, reason: 'PROVIDER_REFUSED' };
  }

  /** The issuer's revocation endpoint (undefined: it has none; 'unavailable': discovery could not be read). */
  private async revocationEndpoint(issuer: string): Promise<string | undefined | 'unavailable'> {
    const now = (this.options.now ?? Date.now)();
    const cached = this.endpoints.get(issuer);
    if (cached && cached.until > now) return cached.url;
    let document: unknown;
    try {
      const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const answer = await getDocumentWithFetch(this.options.fetch)(url, {
        accept: 'application/json',
        timeoutMs: this.options.timeoutMs ?? 3_000,
        maxBytes: MAX_DISCOVERY_BYTES,
      });
      if (answer.status !== 200) return answer.status >= 500 ? 'unavailable' : undefined;
      document = safeJsonParse(answer.body.toString('utf8'));
    } catch {
      return 'unavailable';
    }
    // The document must be the brand's own (OIDC Discovery 1.0 §4.3), and the endpoint an absolute URL.
    const endpoint =
      isRecord(document) && document.issuer === issuer && typeof document.revocation_endpoint === 'string'
        ? document.revocation_endpoint
        : undefined;
    const url = endpoint !== undefined && URL.canParse(endpoint) ? endpoint : undefined;
    this.endpoints.set(issuer, { url, until: now + (this.options.discoveryTtlMs ?? 600_000) });
    return url;
  }

  /** The app's secret (undefined: a public app); 'unavailable' when the brand keeps secrets that cannot be read. */
  private async clientSecret(brand: BrandConfig, client: string): Promise<string | undefined | 'unavailable'> {
    const parameter = brand.clientSecretsParameter;
    if (parameter === undefined) return undefined;
    try {
      const secrets = CiamClientSecretsSchema.parse(safeJsonParse(await this.options.secrets.getSecret(parameter)));
      return Object.hasOwn(secrets, client) ? secrets[client] : undefined;
    } catch {
      return 'unavailable';
    }
  }
}
