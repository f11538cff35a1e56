// The brand configuration model: one brand = one CIAM client wired to one Capillary org.
// Parsed with zod (unknown keys rejected, https required except on loopback); never cast.
// Every field carries a `.describe()` text: brand.schema.json (the JSON Schema brands are written
// against) is generated from this file, so the descriptions are the configuration reference.
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import {
  ABSOLUTE_URL_MESSAGE,
  BRAND_ID_MESSAGE,
  BRAND_ID_PATTERN,
  CAPILLARY_FIELD_NAME_MESSAGE,
  CAPILLARY_FIELD_NAME_PATTERN,
  CapillaryFieldTypes,
  CLAIM_PATH_MESSAGE,
  CLAIM_PATH_PATTERN,
  hasNoCredentials,
  hasSecureScheme,
  NO_CREDENTIALS_MESSAGE,
  SECURE_URL_MESSAGE,
  SSM_PARAMETER_MESSAGE,
  SSM_PARAMETER_PATTERN,
  SupportedAlgorithms,
  AudienceClaims,
  acceptedAudiencesOf,
  clientIdsOf,
  MAX_CLIENT_IDS,
  toFieldIssues,
  COUNTRY_CODE_MESSAGE,
  COUNTRY_CODE_PATTERN,
  MAX_RATE_LIMIT_APIS,
  MAX_RATE_LIMIT_PER_MINUTE,
  PrimaryIdentifiers,
  RATE_LIMIT_API_MESSAGE,
  RATE_LIMIT_API_PATTERN,
} from './brand-rules.js';
import { MemberApiSchema } from './member-api-config.js';

export {
  isLoopbackHost,
  storedRevision,
  type SupportedAlgorithm,
  toFieldIssues,
} from './brand-rules.js';

const secureUrl = z
  .string()
  .max(2048)
  .refine((value) => URL.canParse(value), ABSOLUTE_URL_MESSAGE)
  .refine(hasSecureScheme, SECURE_URL_MESSAGE)
  .refine(hasNoCredentials, { message: NO_CREDENTIALS_MESSAGE });

/** A claim name or a dotted path into nested claims, e.g. `phone_number` or `address.phone`. */
const claimPath = z.string().min(1).max(200).regex(CLAIM_PATH_PATTERN, CLAIM_PATH_MESSAGE);

export const BrandIdSchema = z.string().regex(BRAND_ID_PATTERN, BRAND_ID_MESSAGE);

const FieldMappingsSchema = z
  .object({
    firstName: claimPath.describe('Claim (or dotted claim path) holding the first name, e.g. `given_name`.'),
    lastName: claimPath.describe('Claim (or dotted claim path) holding the last name, e.g. `family_name`.'),
    mobile: claimPath.describe('Claim (or dotted claim path) holding the mobile number, e.g. `phone_number`.'),
    email: claimPath.describe('Claim (or dotted claim path) holding the e-mail address, e.g. `email`.'),
    /** Claim saying the email was verified by the CIAM (required before linking an existing member by email). */
    emailVerified: claimPath
      .default('email_verified')
      .describe('Claim saying the CIAM verified the e-mail; required before an existing member is linked by e-mail.'),
    /** Claim saying the mobile was verified by the CIAM. */
    mobileVerified: claimPath
      .default('phone_number_verified')
      .describe('Claim saying the CIAM verified the mobile number; required before linking by mobile.'),
  })
  .strict()
  .describe(
    'Which CIAM claims carry the profile fields copied to Capillary (a dotted path like `address.phone` is allowed).',
  );

/** One custom or extended field of the Capillary org, with the type its values must have. */
const CapillaryFieldSchema = z
  .object({
    name: z
      .string()
      .regex(CAPILLARY_FIELD_NAME_PATTERN, CAPILLARY_FIELD_NAME_MESSAGE)
      .describe('Field name as configured in the org.'),
    type: z.enum(CapillaryFieldTypes).describe('Value type: string, number, boolean or date (ISO 8601).'),
  })
  .strict();

const CapillaryConnectionSchema = z
  .object({
    /** Cluster base URL, e.g. https://eu.api.capillarytech.com */
    baseUrl: secureUrl.describe('Capillary cluster base URL, e.g. `https://eu.api.capillarytech.com` (https only).'),
    /** Source account id of the brand's OAUTH_EXTERNAL channel account. */
    sourceAccountId: z
      .string()
      .min(1)
      .max(100)
      .describe(
        "Account id of the brand's OAUTH_EXTERNAL source in Capillary (the profile whose `cuid` is the CIAM `sub`).",
      ),
    /** `oauth`: POST /v3/oauth/token/generate with {key, secret}; `basic`: till id + md5(password). */
    authMode: z
      .enum(['oauth', 'basic'])
      .default('oauth')
      .describe('`oauth`: token from /v3/oauth/token/generate with `{key, secret}`; `basic`: till id and password.'),
    /** Name of the SSM SecureString holding the credentials JSON; set by the admin API when secrets are given. */
    credentialsParameter: z
      .string()
      .regex(SSM_PARAMETER_PATTERN, SSM_PARAMETER_MESSAGE)
      .describe(
        'Name of the SSM SecureString parameter holding the credentials JSON. The admin API defaults it to `<SSM_PREFIX>/brands/<brandId>/capillary`.',
      ),
    /** Per-request timeout towards Capillary. */
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(30_000)
      .default(5_000)
      .describe('Per-request timeout towards Capillary, in milliseconds.'),
    /** How the session link finds the customer of a CIAM user when the link store has none. */
    cuidLookup: z
      .enum(['auto', 'lookup', 'profiles'])
      .default('auto')
      .describe(
        'How a first session finds an existing customer by the CIAM `sub`: `lookup` asks `GET /v2/customers/lookup` with `identifierName=cuid` (not in the published enum); `profiles` looks up each verified identifier on `source=ALL` and accepts the customer whose OAUTH_EXTERNAL profile carries `cuid` = sub; `auto` tries the lookup and falls back to `profiles` (remembered per container) when the org refuses it (8013/8011).',
      ),
    /** For orgs that answer 8090: create new customers with an INSTORE profile beside the OAUTH_EXTERNAL one. */
    createWithInstoreProfile: z
      .boolean()
      .default(false)
      .describe(
        'Create new customers with an INSTORE profile (the verified identifiers) and the OAUTH_EXTERNAL profile (the cuid) in one add call, for orgs that refuse other profiles first (8090 "instore profile doesn\'t exist").',
      ),
    /** The org's custom fields (`profiles[].fields`) the INSTORE registration may send. */
    customFields: z
      .array(CapillaryFieldSchema)
      .max(100)
      .default([])
      .describe('Custom fields configured for the Capillary org; the INSTORE registration refuses any other.'),
    /** The org's enabled extended fields the INSTORE registration may send. */
    extendedFields: z
      .array(CapillaryFieldSchema)
      .max(100)
      .default([])
      .describe('Extended fields enabled for the Capillary org; the INSTORE registration refuses any other.'),
    /** Calls per minute per Capillary API the gateway keeps under (Capillary's limits are per API and API key). */
    rateLimits: z
      .record(
        z.string().regex(RATE_LIMIT_API_PATTERN, RATE_LIMIT_API_MESSAGE),
        z.number().int().min(1).max(MAX_RATE_LIMIT_PER_MINUTE),
      )
      .refine((value) => Object.keys(value).length <= MAX_RATE_LIMIT_APIS, `at most ${MAX_RATE_LIMIT_APIS} APIs`)
      .default({})
      .describe(
        "The org's Capillary rate limits in calls per minute, per API (`POST /v2/customers`, `GET /v2/customers/{id}`, ...; `*` for every other API). The gateway keeps the brand under them across its containers and answers its own 429 `CAPILLARY_RATE_LIMITED` with `Retry-After` instead of calling Capillary. Empty: no limit.",
      ),
    /** The org's Intouch CONF_REGISTRATION_PRIMARY_KEY. */
    primaryIdentifier: z
      .enum(PrimaryIdentifiers)
      .default('mobile')
      .describe(
        "The org's primary identifier (Intouch CONF_REGISTRATION_PRIMARY_KEY). It matters with `dualEligibility`: such an org finds a customer by its primary identifier only.",
      ),
    /** Dual eligibility: customers may share secondary identifiers, and a lookup by one of them alone answers 8015. */
    dualEligibility: z
      .boolean()
      .default(false)
      .describe(
        'The org has dual eligibility: several customers may share a secondary identifier and a lookup by a non-primary identifier alone answers "not found" (8015). The gateway then finds members by the verified primary identifier only, and refuses (409 `PRIMARY_IDENTIFIER_REQUIRED`) a first session with secondary identifiers but no verified primary one, instead of creating a duplicate.',
      ),
  })
  .strict()
  .describe('The Capillary connection of the brand (secrets live in SSM, never here).');

/** The non-secret brand configuration, as stored in DynamoDB (plus `version`, managed by the store). */
export const BrandConfigSchema = z
  .object({
    brandId: BrandIdSchema.describe(
      'Stable brand id (1-63 lowercase letters, digits or dashes); also the URL segment.',
    ),
    brandName: z.string().trim().min(1).max(100).describe('Display name of the brand.'),
    orgId: z.number().int().positive().describe('Capillary organisation id of the brand.'),
    issuer: secureUrl.describe('The CIAM issuer; must equal the `iss` claim of its tokens exactly (https).'),
    applicationId: z
      .string()
      .min(1)
      .max(256)
      .describe('The CIAM application (API/resource) id; an accepted audience by default.'),
    clientId: z
      .string()
      .min(1)
      .max(256)
      .describe(
        "The CIAM OAuth client id of the brand's (main) app: the client of its ID tokens, logout tokens and token revocation. Each client id selects at most one brand of an issuer.",
      ),
    clientIds: z
      .array(z.string().min(1).max(256))
      .min(1)
      .max(MAX_CLIENT_IDS)
      .optional()
      .describe(
        "Every client id of the brand's apps (web, iOS, Android...), `clientId` included or added. Brand selection and the multi-audience rule read `azp`, else RFC 9068 `client_id`, against this list; ID and logout tokens may name any of them. Each client id selects at most one brand of an issuer.",
      ),
    jwksUri: secureUrl.describe('The CIAM JWKS URI (https); must hold a usable signing key for an allowed algorithm.'),
    userInfoEndpoint: secureUrl
      .optional()
      .describe(
        "The CIAM userinfo endpoint (https), called with the caller's access token for the mapped claims. Leave it out when the provider's userinfo does not accept the API's access tokens (Entra ID, Okta custom authorization servers): the claims then come from the verified ID token the app sends in the session body.",
      ),
    fieldMappings: FieldMappingsSchema,
    phoneDefaultCountry: z
      .string()
      .regex(COUNTRY_CODE_PATTERN, COUNTRY_CODE_MESSAGE)
      .optional()
      .describe(
        "The country (ISO 3166-1 alpha-2, e.g. `IN`) of mobile numbers the CIAM sends without a country code (`9800000077`, `07700 900000`); set it to the org's base country. Without it such numbers cannot be used.",
      ),
    allowedAlgorithms: z
      .array(z.enum(SupportedAlgorithms))
      .min(1)
      .max(SupportedAlgorithms.length)
      .default(['RS256', 'ES256'])
      .describe(
        'Signature algorithms accepted from this CIAM (never taken from the token). HMAC and `none` are not supported.',
      ),
    /** Audiences accepted in the audience claim; defaults to defaultAcceptedAudiences. */
    acceptedAudiences: z
      .array(z.string().min(1).max(256))
      .min(1)
      .max(20)
      .optional()
      .describe(
        'Audiences accepted in the audience claim; when left out: `[applicationId]` (`[clientId]` with `audienceClaim: client_id`), plus `clientId` when `acceptIdTokens` is true.',
      ),
    requireClientClaim: z
      .boolean()
      .default(false)
      .describe(
        "Refuse access tokens whose `azp` (or, without it, RFC 9068 `client_id`) is not this brand's `clientId`. Lets two brands of one issuer accept the same audience (both must set it, with different client ids).",
      ),
    audienceClaim: z
      .enum(AudienceClaims)
      .default('aud')
      .describe(
        'Claim holding the audience of access tokens: `aud`, or `client_id` for providers whose access tokens carry none (Amazon Cognito); then `token_use`, when present, must be `access`.',
      ),
    acceptIdTokens: z
      .boolean()
      .default(false)
      .describe(
        'Accept ID tokens (tokens with `nonce`, `at_hash`, `c_hash`, `token_use: id` or an ID-token `typ`) as bearer credentials. Off by default: an ID token is meant for the client, not the API (RFC 8725 §3.11), and any app of the CIAM that receives one could call the API with it.',
      ),
    requireAccessTokenTyp: z
      .boolean()
      .default(false)
      .describe('Accept only tokens whose header says `typ: at+jwt` (RFC 9068 access tokens); excludes ID tokens.'),
    allowTokensWithoutKid: z
      .boolean()
      .default(false)
      .describe(
        "Accept tokens without a `kid` header when the brand's JWKS holds exactly one signing key (some providers omit `kid`).",
      ),
    clockSkewSeconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(60)
      .describe('Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.'),
    maxTokenLifetimeSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(86_400)
      .describe('Longest accepted token lifetime (`exp` - `iat`), in seconds.'),
    clientSecretsParameter: z
      .string()
      .regex(SSM_PARAMETER_PATTERN, SSM_PARAMETER_MESSAGE)
      .optional()
      .describe(
        'Name of the SSM SecureString holding the client secrets of the brand\'s confidential CIAM apps (`{"<client id>": "<secret>"}`), used only to revoke a refresh token at the CIAM (RFC 7009) on app logout. The admin API sets it to `<SSM_PREFIX>/brands/<brandId>/ciam-clients` when `secrets.ciamClients` is given; leave it out when every app is public.',
      ),
    status: z
      .enum(['active', 'disabled'])
      .default('active')
      .describe('`disabled` makes the post-auth routes refuse every token of the brand (403 BRAND_DISABLED).'),
    capillary: CapillaryConnectionSchema,
    memberApi: MemberApiSchema.optional(),
  })
  .strict()
  .describe('One brand of the CIAM gateway: its OIDC CIAM and its Capillary org.');

export type BrandConfigInput = z.input<typeof BrandConfigSchema>;

/** The brand as written by an admin with defaults filled in (`acceptedAudiences` stays absent when not given). */
export type BrandDocument = z.output<typeof BrandConfigSchema>;

/** A validated brand with every default filled in. */
export type BrandConfig = Omit<BrandDocument, 'acceptedAudiences' | 'clientIds'> & {
  acceptedAudiences: string[];
  /** Every client id of the brand (`clientId` first): clientIdsOf(document). */
  clientIds: string[];
  /** Monotonic version for optimistic concurrency; 0 before the first save. */
  version: number;
  /**
   * Identity of this saved revision (a random id written with every save; '' when never saved). Caches
   * key a brand by it, never by `version`, which restarts at 1 when a brand is deleted and re-created.
   */
  revision: string;
};

/**
 * Parses untrusted input into a BrandDocument (defaults filled, derived fields left out).
 * @throws ValidationError naming each bad field.
 */
export function parseBrandDocument(input: unknown): BrandDocument {
  const result = BrandConfigSchema.safeParse(input);
  if (!result.success) throw new ValidationError('Brand configuration is invalid', toFieldIssues(result.error));
  return result.data;
}

/** Derives the runtime BrandConfig (audience default applied) from a parsed document. */
export function toBrandConfig(document: BrandDocument, version: number, revision = ''): BrandConfig {
  return {
    ...document,
    acceptedAudiences: acceptedAudiencesOf(document),
    clientIds: clientIdsOf(document),
    version,
    revision,
  };
}

/**
 * Parses untrusted input (admin API body, DynamoDB item) into a BrandConfig.
 * @throws ValidationError naming each bad field.
 */
export function parseBrandConfig(input: unknown, version = 0): BrandConfig {
  return toBrandConfig(parseBrandDocument(input), version);
}
