// The brand read path of the functions (the authorizer above all): stored brand items parsed with zod/mini,
// which bundles at a fraction of zod classic's size and import time. It mirrors BrandConfigSchema rule for
// rule (same shared rules from brand-rules.ts); test/unit/config/brand-item-parser.test.ts pins the two
// together with generated items. The admin path and brand.schema.json keep the full schema.
// Its import list and field rules pair with brand-config.ts in the duplicate check on purpose: the twin read path
// stays until one zod/mini schema serves validation, the JSON Schema and the hot path (issue 26 item 3).
import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';
import type { BrandConfig, BrandDocument } from './brand-config.js';
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
  storedRevision,
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
import { MemberApiItemSchema } from './member-api-item.js';

const secureUrl = z.string().check(
  z.maxLength(2048),
  z.refine((value) => URL.canParse(value), ABSOLUTE_URL_MESSAGE),
  z.refine(hasSecureScheme, SECURE_URL_MESSAGE),
  z.refine(hasNoCredentials, NO_CREDENTIALS_MESSAGE),
);
const claimPath = z.string().check(z.minLength(1), z.maxLength(200), z.regex(CLAIM_PATH_PATTERN, CLAIM_PATH_MESSAGE));
const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const intIn = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

const capillaryField = z.strictObject({
  name: z.string().check(z.regex(CAPILLARY_FIELD_NAME_PATTERN, CAPILLARY_FIELD_NAME_MESSAGE)),
  type: z.enum(CapillaryFieldTypes),
});

const BrandItemSchema = z.strictObject({
  brandId: z.string().check(z.regex(BRAND_ID_PATTERN, BRAND_ID_MESSAGE)),
  brandName: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  orgId: z.int().check(z.positive()),
  issuer: secureUrl,
  applicationId: text(256),
  clientId: text(256),
  clientIds: z.optional(z.array(text(256)).check(z.minLength(1), z.maxLength(MAX_CLIENT_IDS))),
  jwksUri: secureUrl,
  userInfoEndpoint: z.optional(secureUrl),
  fieldMappings: z.strictObject({
    firstName: claimPath,
    lastName: claimPath,
    mobile: claimPath,
    email: claimPath,
    emailVerified: z._default(claimPath, 'email_verified'),
    mobileVerified: z._default(claimPath, 'phone_number_verified'),
  }),
  phoneDefaultCountry: z.optional(z.string().check(z.regex(COUNTRY_CODE_PATTERN, COUNTRY_CODE_MESSAGE))),
  allowedAlgorithms: z._default(
    z.array(z.enum(SupportedAlgorithms)).check(z.minLength(1), z.maxLength(SupportedAlgorithms.length)),
    ['RS256', 'ES256'],
  ),
  acceptedAudiences: z.optional(z.array(text(256)).check(z.minLength(1), z.maxLength(20))),
  requireClientClaim: z._default(z.boolean(), false),
  audienceClaim: z._default(z.enum(AudienceClaims), 'aud'),
  acceptIdTokens: z._default(z.boolean(), false),
  requireAccessTokenTyp: z._default(z.boolean(), false),
  allowTokensWithoutKid: z._default(z.boolean(), false),
  clockSkewSeconds: z._default(intIn(0, 300), 60),
  maxTokenLifetimeSeconds: z._default(intIn(60, 7 * 86_400), 86_400),
  clientSecretsParameter: z.optional(z.string().check(z.regex(SSM_PARAMETER_PATTERN, SSM_PARAMETER_MESSAGE))),
  status: z._default(z.enum(['active', 'disabled']), 'active'),
  capillary: z.strictObject({
    baseUrl: secureUrl,
    sourceAccountId: text(100),
    authMode: z._default(z.enum(['oauth', 'basic']), 'oauth'),
    credentialsParameter: z.string().check(z.regex(SSM_PARAMETER_PATTERN, SSM_PARAMETER_MESSAGE)),
    timeoutMs: z._default(intIn(100, 30_000), 5_000),
    cuidLookup: z._default(z.enum(['auto', 'lookup', 'profiles']), 'auto'),
    createWithInstoreProfile: z._default(z.boolean(), false),
    customFields: z._default(z.array(capillaryField).check(z.maxLength(100)), []),
    extendedFields: z._default(z.array(capillaryField).check(z.maxLength(100)), []),
    rateLimits: z._default(
      z
        .record(
          z.string().check(z.regex(RATE_LIMIT_API_PATTERN, RATE_LIMIT_API_MESSAGE)),
          intIn(1, MAX_RATE_LIMIT_PER_MINUTE),
        )
        .check(
          z.refine((value) => Object.keys(value).length <= MAX_RATE_LIMIT_APIS, `at most ${MAX_RATE_LIMIT_APIS} APIs`),
        ),
      {},
    ),
    primaryIdentifier: z._default(z.enum(PrimaryIdentifiers), 'mobile'),
    dualEligibility: z._default(z.boolean(), false),
  }),
  memberApi: z.optional(MemberApiItemSchema),
});

/** The version metadata the brand store keeps beside each document (as DynamoBrandStore's MetaSchema). */
const MetaSchema = z.object({
  version: z.int().check(z.minimum(1)),
  updatedAt: z.string(),
  updatedBy: z.optional(z.string()),
  revision: z.optional(z.string()),
});

/**
 * Parses a stored brand document (no version metadata) exactly as parseBrandDocument does.
 * @throws ValidationError naming each bad field (messages may be terser than the admin path's).
 */
export function parseBrandItemDocument(input: unknown): BrandDocument {
  const result = BrandItemSchema.safeParse(input);
  if (!result.success) throw new ValidationError('Brand configuration is invalid', toFieldIssues(result.error));
  return result.data;
}

/**
 * Parses one brands-table item (document + `version`, `updatedAt`, `updatedBy`) into a BrandConfig.
 * @throws on an invalid document or metadata, like DynamoBrandStore's own parse.
 */
export function parseStoredBrandConfig(item: Record<string, unknown>): BrandConfig {
  const { version, updatedAt, updatedBy, revision, ...rest } = item;
  const meta = MetaSchema.parse({ version, updatedAt, updatedBy, revision });
  const document = parseBrandItemDocument(rest);
  return {
    ...document,
    acceptedAudiences: acceptedAudiencesOf(document),
    clientIds: clientIdsOf(document),
    version: meta.version,
    revision: storedRevision(meta),
  };
}
