// `npm run brand -- init --issuer <url>`: a brand file from the issuer's discovery document and a provider
// preset (cognito, auth0, entra, okta, next-identity, generic; detected from the issuer's shape when not
// given). It fills jwksUri, userInfoEndpoint, allowedAlgorithms, the provider's audience rules and field
// mappings suggested by claims_supported; what discovery cannot tell (Capillary org, client ids, secrets) is
// left as named placeholders the CLI lists. docs/providers.md explains each preset.
import { isRecord } from '../shared/lang/is-record.js';
import { getDocumentWithFetch } from '../shared/http/document-get.js';
import type { FetchFn } from '../shared/http/fetch.js';
import { PLACEHOLDER_PREFIX } from '../shared/config/brand-placeholders.js';
import { isLoopbackHost, type SupportedAlgorithm, SupportedAlgorithms } from '../shared/config/brand-rules.js';
import { isIP } from 'node:net';
import { addressRange } from '../shared/http/address-policy.js';
import { safeJsonParse } from '../shared/http/json.js';
import { type HostResolver, isInternalAddress, systemResolver } from '../shared/http/outbound-url.js';

export const PRESETS = ['cognito', 'auth0', 'entra', 'okta', 'next-identity', 'generic'] as const;
export type Preset = (typeof PRESETS)[number];

export interface BrandInitInput {
  issuer: string;
  preset?: Preset;
  brandId?: string;
  clientId?: string;
  applicationId?: string;
  orgId?: number;
  capillaryBaseUrl?: string;
  sourceAccountId?: string;
  /**
   * The local stack's Capillary simulator (URL, the credentials it accepts and the OAUTH_EXTERNAL account its org
   * keeps for developers' brands), used as the Capillary connection when the issuer is on loopback: a brand for a
   * local CIAM can only talk to the local simulator anyway.
   */
  localCapillary?: {
    baseUrl: string;
    orgId: number;
    credentials: { key: string; secret: string };
    sourceAccountId: string;
  };
}

export interface BrandInitResult {
  preset: Preset;
  brand: Record<string, unknown>;
  /** What the operator must replace before `put` (placeholders), and notes about the provider. */
  placeholders: string[];
  notes: string[];
  /**
   * What the operator must look at before trusting the file: discovery naming another issuer than the URL
   * given, plain http, or a host that resolves to an internal address (the gateway refuses those outside
   * the local stack).
   */
  warnings: string[];
}

/** The preset an issuer URL's shape names (e.g. cognito-idp.<region>.amazonaws.com/<pool>), else generic. */
export function detectPreset(issuer: string): Preset {
  const url = new URL(issuer);
  const host = url.hostname.toLowerCase();
  if (/^cognito-idp\.[a-z0-9-]+\.amazonaws\.com$/.test(host)) return 'cognito';
  if (host === 'login.microsoftonline.com' || host.endsWith('.ciamlogin.com') || host === 'sts.windows.net') {
    return 'entra';
  }
  if (/\.auth0\.com$/.test(host)) return 'auth0';
  if (/\.(okta|oktapreview|okta-emea|okta-gov)\.com$/.test(host)) return 'okta';
  if (host.includes('nextidentity') || host.includes('next-identity') || host.includes('janrain')) {
    return 'next-identity';
  }
  return 'generic';
}

// validate and put refuse every one of these, naming the field (shared/config/brand-placeholders.ts).
const PLACEHOLDER = {
  clientId: `${PLACEHOLDER_PREFIX}CIAM_CLIENT_ID`,
  applicationId: `${PLACEHOLDER_PREFIX}API_AUDIENCE`,
  orgId: `${PLACEHOLDER_PREFIX}CAPILLARY_ORG_ID`,
  sourceAccountId: `${PLACEHOLDER_PREFIX}CAPILLARY_SOURCE_ACCOUNT_ID`,
  capillaryKey: `${PLACEHOLDER_PREFIX}CAPILLARY_KEY`,
  capillarySecret: `${PLACEHOLDER_PREFIX}CAPILLARY_SECRET`,
} as const;

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'brand'
  );
}

async function readDiscovery(issuer: string, fetchFn: FetchFn): Promise<Record<string, unknown>> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let answer: { status: number; body: Buffer };
  try {
    answer = await getDocumentWithFetch(fetchFn)(url, {
      accept: 'application/json',
      timeoutMs: 10_000,
      maxBytes: 256 * 1024,
    });
  } catch (error) {
    throw new Error(`cannot read ${url}: ${error instanceof Error ? error.message : 'network error'}`);
  }
  if (answer.status !== 200) throw new Error(`${url} answered HTTP ${answer.status}`);
  const body = safeJsonParse(answer.body.toString('utf8'));
  if (!isRecord(body)) throw new Error(`${url} is not a JSON object`);
  return body;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** Warnings for the URLs the brand file will hold: plain http, hosts that resolve to internal addresses. */
async function urlWarnings(urls: Record<string, string | undefined>, resolve: HostResolver): Promise<string[]> {
  const warnings: string[] = [];
  const checked = new Map<string, string | undefined>();
  for (const [field, url] of Object.entries(urls)) {
    if (url === undefined || !URL.canParse(url)) continue;
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:') {
      warnings.push(`${field} ${url} is not https: only the local stack accepts plain http on loopback`);
    }
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (!checked.has(host)) {
      const addresses = isIP(host) ? [host] : await resolve(host).catch(() => []);
      checked.set(host, addresses.find(isInternalAddress));
    }
    const internal = checked.get(host);
    if (internal !== undefined) {
      warnings.push(
        `${field} host ${host} resolves to ${internal} (${addressRange(internal)}), not a public address: the gateway refuses it outside the local stack`,
      );
    }
  }
  return warnings;
}

/** Builds the brand file for `input.issuer` from its discovery document. */
export async function initBrand(
  input: BrandInitInput,
  fetchFn: FetchFn,
  resolve: HostResolver = systemResolver,
): Promise<BrandInitResult> {
  if (!URL.canParse(input.issuer)) throw new Error('--issuer must be an absolute URL');
  const discovery = await readDiscovery(input.issuer, fetchFn);
  const preset = input.preset ?? detectPreset(input.issuer);
  const notes: string[] = [];
  const placeholders: string[] = [];
  const issuer = typeof discovery.issuer === 'string' ? discovery.issuer : input.issuer;
  const warnings: string[] = [];
  if (issuer !== input.issuer) {
    // OIDC Discovery 1.0 §4.3: the document's issuer must be the URL it was read from.
    warnings.push(
      `the discovery document of ${input.issuer} names another issuer, ${issuer}: the brand file uses it (tokens carry it); make sure that is the provider you meant`,
    );
  }
  const jwksUri = discovery.jwks_uri;
  if (typeof jwksUri !== 'string') throw new Error('the discovery document has no jwks_uri');

  const offered = strings(discovery.id_token_signing_alg_values_supported);
  const algorithms = offered.filter((alg): alg is SupportedAlgorithm =>
    (SupportedAlgorithms as readonly string[]).includes(alg),
  );
  if (algorithms.length === 0) {
    algorithms.push('RS256');
    notes.push('no supported algorithm in id_token_signing_alg_values_supported: RS256 assumed');
  }

  const claims = new Set(strings(discovery.claims_supported));
  const mapping = (standard: string) => {
    if (claims.size > 0 && !claims.has(standard)) notes.push(`claims_supported lacks ${standard}: check the mapping`);
    return standard;
  };
  const fieldMappings = {
    firstName: mapping('given_name'),
    lastName: mapping('family_name'),
    mobile: mapping('phone_number'),
    email: mapping('email'),
    emailVerified: mapping('email_verified'),
    mobileVerified: mapping('phone_number_verified'),
  };

  const clientId = input.clientId ?? PLACEHOLDER.clientId;
  if (input.clientId === undefined) placeholders.push(`clientId: ${PLACEHOLDER.clientId} (the app's client id)`);
  const userinfo = typeof discovery.userinfo_endpoint === 'string' ? discovery.userinfo_endpoint : undefined;
  const rules: Record<string, unknown> = {};
  let applicationId = input.applicationId;
  let useUserinfo = userinfo !== undefined;
  switch (preset) {
    case 'cognito':
      // Access tokens: no aud; client_id + token_use: access. The app client is the audience.
      rules.audienceClaim = 'client_id';
      applicationId ??= clientId;
      notes.push('Cognito: access tokens are checked by client_id and token_use; cognito:username is not the sub');
      break;
    case 'auth0':
      // Access tokens for an API: aud = [API identifier, <issuer>userinfo], azp = the client.
      notes.push('Auth0: applicationId is the API identifier; tokens with two audiences must carry azp = clientId');
      break;
    case 'entra':
      // Access tokens for your API are not accepted by Microsoft's userinfo (Graph): claims come from the ID token.
      useUserinfo = false;
      notes.push('Entra ID: userinfo (Graph) does not accept tokens for your API; send the ID token as idToken');
      notes.push("Entra ID: JWKS kid equals x5t; v2.0 access tokens' aud is the API's application id");
      break;
    case 'okta':
      if (!new URL(issuer).pathname.startsWith('/oauth2/')) {
        notes.push('Okta: the org authorization server issues tokens for Okta only; use a custom authorization server');
      } else if (new URL(issuer).pathname.replace(/\/+$/, '') === '/oauth2/default') {
        applicationId ??= 'api://default';
      }
      break;
    case 'next-identity':
    case 'generic':
      break;
  }
  if (applicationId === undefined) {
    applicationId = PLACEHOLDER.applicationId;
    placeholders.push(`applicationId: ${PLACEHOLDER.applicationId} (the aud of the API's access tokens)`);
  }
  const brandId = input.brandId ?? slug(`${preset}-${new URL(issuer).hostname.split('.')[0] ?? 'brand'}`);
  // A CIAM on loopback is a local one: its brand talks to the local stack's Capillary simulator.
  const local = isLoopbackHost(new URL(issuer).hostname) ? input.localCapillary : undefined;
  if (local) notes.push(`local issuer: Capillary is the local simulator at ${local.baseUrl}, with its credentials`);
  const sourceAccountId = input.sourceAccountId ?? local?.sourceAccountId ?? PLACEHOLDER.sourceAccountId;
  if (sourceAccountId === PLACEHOLDER.sourceAccountId) {
    placeholders.push(`capillary.sourceAccountId: ${PLACEHOLDER.sourceAccountId}`);
  }
  const orgId = input.orgId ?? local?.orgId ?? PLACEHOLDER.orgId;
  if (orgId === PLACEHOLDER.orgId) placeholders.push(`orgId: ${PLACEHOLDER.orgId} (the Capillary organisation id)`);
  const secret = local?.credentials ?? { key: PLACEHOLDER.capillaryKey, secret: PLACEHOLDER.capillarySecret };
  if (!local) {
    placeholders.push(
      `secrets.capillary.key: ${PLACEHOLDER.capillaryKey}`,
      `secrets.capillary.secret: ${PLACEHOLDER.capillarySecret}`,
    );
  }
  const brand: Record<string, unknown> = {
    $schema: './brand.schema.json',
    brandId,
    brandName: brandId,
    orgId,
    issuer,
    applicationId,
    clientId,
    jwksUri,
    ...(useUserinfo && userinfo !== undefined ? { userInfoEndpoint: userinfo } : {}),
    fieldMappings,
    allowedAlgorithms: algorithms,
    ...rules,
    capillary: {
      baseUrl: input.capillaryBaseUrl ?? local?.baseUrl ?? 'https://eu.api.capillarytech.com',
      sourceAccountId,
      authMode: 'oauth',
    },
    secrets: { capillary: { ...secret } },
  };
  warnings.push(
    ...(await urlWarnings(
      {
        '--issuer': input.issuer,
        issuer: issuer === input.issuer ? undefined : issuer,
        jwksUri: jwksUri,
        userInfoEndpoint: useUserinfo ? userinfo : undefined,
      },
      resolve,
    )),
  );
  return { preset, brand, placeholders, notes, warnings };
}
