// The brand configuration model: one brand = one CIAM client wired to one Capillary org.
// Parsed with zod (unknown keys rejected, https required except on loopback); never cast.
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors.js';

/** Signature algorithms a brand may allow. HMAC and `none` are deliberately absent. */
export const SupportedAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const;
export type SupportedAlgorithm = (typeof SupportedAlgorithms)[number];

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for hosts in 127.0.0.0/8, ::1 and localhost: the only places plain http is accepted. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

const secureUrl = z
  .string()
  .max(2048)
  .refine((value) => URL.canParse(value), 'must be an absolute URL')
  .refine((value) => {
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  }, 'must use https (plain http is allowed only for loopback hosts)')
  .refine((value) => !URL.canParse(value) || (new URL(value).username === '' && new URL(value).password === ''), {
    message: 'must not carry credentials',
  });

/** A claim name or a dotted path into nested claims, e.g. `phone_number` or `address.phone`. */
const claimPath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_:$-]+(\.[A-Za-z0-9_:$-]+)*$/, 'must be a claim name or a dotted claim path');

export const BrandIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit',
  );

export const FieldMappingsSchema = z
  .object({
    firstName: claimPath,
    lastName: claimPath,
    mobile: claimPath,
    email: claimPath,
    /** Claim saying the email was verified by the CIAM (required before linking an existing member by email). */
    emailVerified: claimPath.default('email_verified'),
    /** Claim saying the mobile was verified by the CIAM. */
    mobileVerified: claimPath.default('phone_number_verified'),
  })
  .strict();

export const CapillaryConnectionSchema = z
  .object({
    /** Cluster base URL, e.g. https://eu.api.capillarytech.com */
    baseUrl: secureUrl,
    /** Source account id of the brand's OAUTH_EXTERNAL channel account. */
    sourceAccountId: z.string().min(1).max(100),
    /** `oauth`: POST /v3/oauth/token/generate with {key, secret}; `basic`: till id + md5(password). */
    authMode: z.enum(['oauth', 'basic']).default('oauth'),
    /** Name of the SSM SecureString holding the credentials JSON; set by the admin API when secrets are given. */
    credentialsParameter: z
      .string()
      .regex(/^\/[A-Za-z0-9_.\-/]{1,1000}$/, 'must be an SSM parameter name starting with /'),
    /** Per-request timeout towards Capillary. */
    timeoutMs: z.number().int().min(100).max(30_000).default(5_000),
  })
  .strict();

/** The non-secret brand configuration, as stored in DynamoDB (plus `version`, managed by the store). */
export const BrandConfigSchema = z
  .object({
    brandId: BrandIdSchema,
    brandName: z.string().trim().min(1).max(100),
    orgId: z.number().int().positive(),
    issuer: secureUrl,
    applicationId: z.string().min(1).max(256),
    clientId: z.string().min(1).max(256),
    jwksUri: secureUrl,
    userInfoEndpoint: secureUrl,
    fieldMappings: FieldMappingsSchema,
    allowedAlgorithms: z
      .array(z.enum(SupportedAlgorithms))
      .min(1)
      .max(SupportedAlgorithms.length)
      .default(['RS256', 'ES256']),
    /** Audiences accepted in `aud`; defaults to [clientId, applicationId]. */
    acceptedAudiences: z.array(z.string().min(1).max(256)).min(1).max(20).optional(),
    clockSkewSeconds: z.number().int().min(0).max(300).default(60),
    maxTokenLifetimeSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(86_400),
    status: z.enum(['active', 'disabled']).default('active'),
    capillary: CapillaryConnectionSchema,
  })
  .strict();

export type BrandConfigInput = z.input<typeof BrandConfigSchema>;
type ParsedBrandConfig = z.output<typeof BrandConfigSchema>;

/** A validated brand with every default filled in. */
export type BrandConfig = Omit<ParsedBrandConfig, 'acceptedAudiences'> & {
  acceptedAudiences: string[];
  /** Monotonic version for optimistic concurrency; 0 before the first save. */
  version: number;
};

/** Turns zod issues into the gateway's field issues (`fieldMappings.email: ...`). */
export function toFieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return { field: [path, ...issue.keys].filter(Boolean).join('.') || '(root)', message: 'unknown field' };
    }
    return { field: path || '(root)', message: issue.message };
  });
}

/**
 * Parses untrusted input (admin API body, DynamoDB item) into a BrandConfig.
 * @throws ValidationError naming each bad field.
 */
export function parseBrandConfig(input: unknown, version = 0): BrandConfig {
  const result = BrandConfigSchema.safeParse(input);
  if (!result.success) throw new ValidationError('Brand configuration is invalid', toFieldIssues(result.error));
  const parsed = result.data;
  const acceptedAudiences = parsed.acceptedAudiences ?? [...new Set([parsed.clientId, parsed.applicationId])];
  return { ...parsed, acceptedAudiences, version };
}
