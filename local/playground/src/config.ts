// The small configuration the local stack exposes for the page (GET /playground-config.json).

export interface PlaygroundConfig {
  /** The development CIAM's issuer; endpoints are discovered from its openid-configuration. */
  issuer: string;
  /** Public PKCE client of the demo brand. */
  clientId: string;
  brandId: string;
  scope: string;
  /** Where the CIAM sends the browser back after login; defaults to the page's own origin + `/`. */
  redirectUri: string;
  /** Where the CIAM sends the browser back after RP-initiated logout; omitted when the client has none. */
  postLogoutRedirectUri?: string;
  /** Every saved brand: the page can sign in to any of them. */
  brands: BrandChoice[];
}

/** A saved brand as the page offers it: its issuer and client prefill the sign-in form. */
interface BrandChoice {
  brandId: string;
  brandName: string;
  issuer: string;
  clientId: string;
}

export const CONFIG_PATH = '/playground-config.json';
const DEFAULT_SCOPE = 'openid email phone profile loyalty:read rewards:redeem';

function text(raw: Record<string, unknown>, key: string): string | undefined {
  const value = raw[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Parses the config document; throws a readable error naming the missing field. */
export function parsePlaygroundConfig(raw: unknown, origin: string): PlaygroundConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`${CONFIG_PATH} is not a JSON object`);
  }
  const record = raw as Record<string, unknown>;
  const issuer = text(record, 'issuer');
  const clientId = text(record, 'clientId');
  if (!issuer) throw new Error(`${CONFIG_PATH}: "issuer" is missing`);
  if (!clientId) throw new Error(`${CONFIG_PATH}: "clientId" is missing`);
  const config: PlaygroundConfig = {
    issuer: issuer.replace(/\/+$/, ''),
    clientId,
    brandId: text(record, 'brandId') ?? 'demo',
    scope: text(record, 'scope') ?? DEFAULT_SCOPE,
    redirectUri: text(record, 'redirectUri') ?? `${origin}/`,
    brands: Array.isArray(record.brands) ? record.brands.flatMap(brandChoice) : [],
  };
  const postLogout = text(record, 'postLogoutRedirectUri');
  if (postLogout) config.postLogoutRedirectUri = postLogout;
  return config;
}

function brandChoice(raw: unknown): BrandChoice[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const record = raw as Record<string, unknown>;
  const [brandId, brandName, issuer, clientId] = ['brandId', 'brandName', 'issuer', 'clientId'].map((key) =>
    text(record, key),
  );
  return brandId && issuer && clientId ? [{ brandId, brandName: brandName ?? brandId, issuer, clientId }] : [];
}
