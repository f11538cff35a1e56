// The local stack's demo brand `demo`: its development CIAM clients, its seeded test users, the INSTORE
// member one of them already is in the Capillary simulator, and the brand document the stack saves
// through the admin API. Local data only; nothing here is a real credential.
import { DEFAULT_ORG_FIELDS } from './capillary-simulator.js';
import { DEFAULT_REWARDS_BRAND } from './capillary-sim/loyalty.js';
import type { AccountClaims, DevCiamClient } from './dev-ciam.js';

export const DEMO_BRAND_ID = 'demo';

/** The API resource (the CIAM application): the `aud` of every JWT access token the development CIAM issues. */
export const DEMO_API_RESOURCE = 'https://api.demo.ciam-gateway.local';

/** Confidential web-app client (secret generated at every start): curl sessions, `npm run token`, tests. */
export const DEMO_APP_CLIENT_ID = 'demo-app';

/** Public single-page-app client (code + PKCE, no secret): the playground served at the gateway origin. */
export const DEMO_SPA_CLIENT_ID = 'demo-spa';

/** The Capillary OAuth key/secret the simulator accepts for the demo org (stored in local SSM by the admin API). */
export const DEMO_CAPILLARY_CREDENTIALS = { key: 'demo-capillary-key', secret: 'demo-capillary-local-secret' } as const;

export const DEMO_ORG_ID = 100458;
export const DEMO_SOURCE_ACCOUNT_ID = 'demo-oauth-external';

/**
 * The OAUTH_EXTERNAL account a developer's own local brand uses (`brand init` with a loopback issuer writes it, as
 * it writes the simulator's URL and credentials): added to the demo org like a brand's account in Intouch.
 */
export const LOCAL_BRANDS_SOURCE_ACCOUNT_ID = 'local-brands-oauth-external';

/**
 * The OAUTH_EXTERNAL accounts of the demo org, as Intouch's Channel Configurations list them: the demo brand's, that
 * of the second local brand (brand.local.example.json) and the developers' own brands'. The simulated org refuses
 * any other (8011, 8127).
 */
export const DEMO_ORG_SOURCE_ACCOUNTS = [
  DEMO_SOURCE_ACCOUNT_ID,
  'demo-local-oauth-external',
  LOCAL_BRANDS_SOURCE_ACCOUNT_ID,
];

export interface DemoUser {
  sub: string;
  claims: AccountClaims;
  /** What this user shows on first session link. */
  note: string;
}

/** Seeded development CIAM users; the first one is the playground's default choice. */
export function demoUsers(): DemoUser[] {
  return [
    {
      sub: 'alice',
      note: 'new to the brand: the first session link creates a Capillary customer',
      claims: {
        given_name: 'Alice',
        family_name: 'Martin',
        name: 'Alice Martin',
        email: 'alice@demo.example',
        email_verified: true,
        phone_number: '+919800000001',
        phone_number_verified: true,
      },
    },
    {
      sub: 'bob',
      note: 'already an INSTORE member (same e-mail and mobile): the first session link links him',
      claims: {
        given_name: 'Bob',
        family_name: 'Kumar',
        name: 'Bob Kumar',
        email: 'bob@demo.example',
        email_verified: true,
        phone_number: '+919800000002',
        phone_number_verified: true,
      },
    },
    {
      sub: 'carol',
      note: 'unverified e-mail: never used to match an existing member',
      claims: {
        given_name: 'Carol',
        family_name: 'Singh',
        name: 'Carol Singh',
        email: 'carol@demo.example',
        email_verified: false,
        phone_number: '+919800000003',
        phone_number_verified: true,
      },
    },
    {
      sub: 'dave',
      note: 'unverified mobile',
      claims: {
        given_name: 'Dave',
        family_name: 'Lee',
        name: 'Dave Lee',
        email: 'dave@demo.example',
        email_verified: true,
        phone_number: '+919800000004',
        phone_number_verified: false,
      },
    },
  ];
}

/** The INSTORE member seeded in the Capillary simulator: Bob, registered at a till before the CIAM existed. */
export function demoInstoreMember() {
  return {
    profiles: [
      {
        source: 'INSTORE',
        accountId: '',
        firstName: 'Bob',
        lastName: 'Kumar',
        identifiers: [
          { type: 'email', value: 'bob@demo.example' },
          { type: 'mobile', value: '919800000002' },
        ],
      },
    ],
    extendedFields: { city: 'Bengaluru' },
  };
}

export interface DemoClientSettings {
  gatewayUrl: string;
  appClientSecret: string;
  /** The client whose id the brand carries (ID-token and logout-token audience). */
  brandClientId: string;
  /** Browser apps on their own origins (SPA_ORIGINS): `<origin>/` and `<origin>/callback` join the SPA client. */
  spaOrigins?: readonly string[];
}

/** The demo brand's CIAM clients; the brand's own client gets the gateway's back-channel logout URI. */
export function demoClients(settings: DemoClientSettings): DevCiamClient[] {
  const origin = settings.gatewayUrl.replace(/\/+$/, '');
  const backchannel = (clientId: string) =>
    clientId === settings.brandClientId
      ? { backchannelLogoutUri: `${origin}/v1/auth/backchannel-logout/${DEMO_BRAND_ID}` }
      : {};
  return [
    {
      clientId: DEMO_APP_CLIENT_ID,
      clientSecret: settings.appClientSecret,
      redirectUris: [`${origin}/callback`, 'http://127.0.0.1/cb'],
      postLogoutRedirectUris: [`${origin}/`],
      ...backchannel(DEMO_APP_CLIENT_ID),
    },
    {
      clientId: DEMO_SPA_CLIENT_ID,
      redirectUris: [`${origin}/`, ...(settings.spaOrigins ?? []).flatMap((spa) => [`${spa}/`, `${spa}/callback`])],
      postLogoutRedirectUris: [`${origin}/`, ...(settings.spaOrigins ?? []).map((spa) => `${spa}/`)],
      ...backchannel(DEMO_SPA_CLIENT_ID),
    },
  ];
}

export interface DemoBrandSettings {
  issuer: string;
  jwksUri: string;
  userInfoEndpoint: string;
  capillaryBaseUrl: string;
  ssmPrefix: string;
  brandClientId: string;
  /** The simulated org's dual eligibility and primary identifier, which the brand must state (default: off, mobile). */
  dualEligibility?: boolean;
  primaryIdentifier?: 'mobile' | 'email' | 'externalId';
}

/** The demo brand as the admin API takes it (PUT body), Capillary credentials included. */
export function demoBrandDocument(settings: DemoBrandSettings) {
  return {
    brandId: DEMO_BRAND_ID,
    brandName: 'Demo Coffee Club (local)',
    orgId: DEMO_ORG_ID,
    issuer: settings.issuer,
    applicationId: DEMO_API_RESOURCE,
    clientId: settings.brandClientId,
    jwksUri: settings.jwksUri,
    userInfoEndpoint: settings.userInfoEndpoint,
    fieldMappings: {
      firstName: 'given_name',
      lastName: 'family_name',
      mobile: 'phone_number',
      email: 'email',
      emailVerified: 'email_verified',
      mobileVerified: 'phone_number_verified',
    },
    allowedAlgorithms: ['RS256', 'ES256'],
    requireClientClaim: false,
    // Access tokens only (aud = the API resource); the stored document carries every default, so list them.
    audienceClaim: 'aud',
    acceptIdTokens: false,
    requireAccessTokenTyp: false,
    allowTokensWithoutKid: false,
    clockSkewSeconds: 60,
    maxTokenLifetimeSeconds: 86_400,
    status: 'active',
    // The demo users' numbers are Indian (the simulated org's base country).
    phoneDefaultCountry: 'IN',
    capillary: {
      baseUrl: settings.capillaryBaseUrl,
      sourceAccountId: DEMO_SOURCE_ACCOUNT_ID,
      authMode: 'oauth',
      credentialsParameter: `${settings.ssmPrefix.replace(/\/+$/, '')}/brands/${DEMO_BRAND_ID}/capillary`,
      timeoutMs: 5000,
      cuidLookup: 'auto',
      createWithInstoreProfile: false,
      // The simulated org's fields, so the playground's INSTORE registration can send them.
      customFields: DEFAULT_ORG_FIELDS.customFields,
      extendedFields: DEFAULT_ORG_FIELDS.extendedFields,
      rateLimits: {},
      primaryIdentifier: settings.primaryIdentifier ?? 'mobile',
      dualEligibility: settings.dualEligibility ?? false,
    },
    // The member API: spending points needs the rewards:redeem scope and a recent second-factor sign-in (step-up),
    // and the simulator's demo Neo API is listed.
    memberApi: {
      routes: {
        rewardIssue: { requiredScopes: ['rewards:redeem'], stepUp: { acrValues: ['mfa'], maxAgeSeconds: 300 } },
      },
      neo: [{ name: 'echo', method: 'POST', path: '/x/neo/{customerId}/echo', customerId: 'path' }],
      rewards: { brand: DEFAULT_REWARDS_BRAND, till: 'demo.app.till' },
    },
  } as const;
}
