// The brand rules both brand parsers share (the full zod schema in brand-config.ts and the zod/mini read
// path in brand-item-parser.ts). Kept free of zod so the authorizer's bundle can import them cheaply.
import type { FieldIssue } from '../errors.js';

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
  'EdDSA',
] as const;
export type SupportedAlgorithm = (typeof SupportedAlgorithms)[number];

/** Which claim names the token's audience: `aud` (default), or `client_id` (Cognito access tokens carry no `aud`). */
export const AudienceClaims = ['aud', 'client_id'] as const;
export type AudienceClaim = (typeof AudienceClaims)[number];

/** Most client ids (apps) one brand may list. */
export const MAX_CLIENT_IDS = 10;

/**
 * Every client id of the brand's apps (web, iOS, Android...): `clientId` first, then `clientIds`, once each.
 * Brand selection, the multi-audience rule, ID and logout tokens and client principals read this list.
 */
export function clientIdsOf(document: { clientId: string; clientIds?: readonly string[] | undefined }): string[] {
  return [...new Set([document.clientId, ...(document.clientIds ?? [])])];
}

/**
 * The accepted audiences when a brand lists none: access tokens only, so the API (`applicationId`) alone, or
 * the client ids when the audience is read from `client_id`; the client ids (the `aud` of ID tokens) join
 * only when the brand accepts ID tokens as bearer credentials.
 */
export function defaultAcceptedAudiences(document: {
  applicationId: string;
  clientId: string;
  clientIds?: readonly string[] | undefined;
  audienceClaim: AudienceClaim;
  acceptIdTokens: boolean;
}): string[] {
  const clients = clientIdsOf(document);
  const first = document.audienceClaim === 'client_id' ? clients : [document.applicationId];
  return [...new Set(document.acceptIdTokens ? [...first, ...clients] : first)];
}

/** The brand's accepted audiences: its own list, else the default above; both parsers derive them here. */
export function acceptedAudiencesOf(
  document: Parameters<typeof defaultAcceptedAudiences>[0] & { acceptedAudiences?: string[] | undefined },
): string[] {
  return document.acceptedAudiences ?? defaultAcceptedAudiences(document);
}

/** The part of a zod issue (classic or mini) the field mapping reads; structural, so this file needs no zod. */
interface SchemaIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
}

/** Turns schema (zod) issues into the gateway's field issues (`fieldMappings.email: ...`), under `prefix`. */
export function toFieldIssues(error: { readonly issues: readonly SchemaIssue[] }, prefix = ''): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    // One issue per unknown key: zod reports them together, a client fixes them one field at a time.
    if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
      return issue.keys.map((key) => ({ field: [path, key].filter(Boolean).join('.'), message: 'unknown field' }));
    }
    return [{ field: path || '(root)', message: issue.message }];
  });
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for hosts in 127.0.0.0/8, ::1 and localhost: the only places plain http is accepted. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Brand ids: 1-63 lowercase letters, digits or dashes, starting with a letter or digit. */
export const BRAND_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const BRAND_ID_MESSAGE = 'must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit';

/** A claim name or a dotted path into nested claims, e.g. `phone_number` or `address.phone`. */
export const CLAIM_PATH_PATTERN = /^[A-Za-z0-9_:$-]+(\.[A-Za-z0-9_:$-]+)*$/;
export const CLAIM_PATH_MESSAGE = 'must be a claim name or a dotted claim path';

/** SSM parameter names of the Capillary credentials. */
export const SSM_PARAMETER_PATTERN = /^\/[A-Za-z0-9_.\-/]{1,1000}$/;
export const SSM_PARAMETER_MESSAGE = 'must be an SSM parameter name starting with /';

export const ABSOLUTE_URL_MESSAGE = 'must be an absolute URL';
export const SECURE_URL_MESSAGE = 'must use https (plain http is allowed only for loopback hosts)';
export const NO_CREDENTIALS_MESSAGE = 'must not carry credentials';

/** https, or plain http on a loopback host (true for unparsable values: the absolute-URL rule reports those). */
export function hasSecureScheme(value: string): boolean {
  if (!URL.canParse(value)) return true;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** The longest URL a brand may configure; also DynamoDB's limit on an index key (the issuer), in UTF-8 bytes. */
const MAX_URL_BYTES = 2048;

/** True when `value` fits the brand model's URL length: at most MAX_URL_BYTES characters and UTF-8 bytes. */
function hasStorableLength(value: string): boolean {
  // Printable ASCII (the usual case) is one byte a character: no encoding needed.
  return value.length <= MAX_URL_BYTES && (/^[ -~]*$/.test(value) || Buffer.byteLength(value) <= MAX_URL_BYTES);
}

/**
 * True for an `iss` some brand could hold (https, or http on a loopback host, within the brand model's length):
 * anything else is refused before any lookup, so garbage never reaches the brand store as an oversized key.
 */
export function isSelectableIssuer(iss: string): boolean {
  if (!hasStorableLength(iss)) return false;
  // https: the exact comparison with the stored issuer does the rest (no URL parse on the hot path).
  if (iss.startsWith('https://')) return true;
  return iss.startsWith('http://') && URL.canParse(iss) && hasSecureScheme(iss);
}

/** No user name or password in the URL (true for unparsable values). */
export function hasNoCredentials(value: string): boolean {
  return !URL.canParse(value) || (new URL(value).username === '' && new URL(value).password === '');
}

/**
 * The revision of a stored item: its `revision` attribute, or for items written before revisions existed
 * a stand-in that still changes on every save (version + time of the save).
 */
export function storedRevision(meta: { revision?: string | undefined; version: number; updatedAt: string }): string {
  return meta.revision ?? `legacy:${meta.version}:${meta.updatedAt}`;
}
/** Names of Capillary custom and extended fields (the registration body uses the same rule). */
export const CAPILLARY_FIELD_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const CAPILLARY_FIELD_NAME_MESSAGE = 'must be 1-64 letters, digits or underscores, starting with a letter';
/** Value types of Capillary custom and extended fields. */
export const CapillaryFieldTypes = ['string', 'number', 'boolean', 'date'] as const;
export type CapillaryFieldType = (typeof CapillaryFieldTypes)[number];

/** ISO 3166-1 alpha-2 region codes (`IN`, `GB`); whether libphonenumber knows it is a save-time check. */
export const COUNTRY_CODE_PATTERN = /^[A-Z]{2}$/;
export const COUNTRY_CODE_MESSAGE = 'must be an ISO 3166-1 alpha-2 code in capitals, e.g. IN or GB';
/** The identifiers an org can make primary (Intouch CONF_REGISTRATION_PRIMARY_KEY). */
export const PrimaryIdentifiers = ['mobile', 'email', 'externalId'] as const;
/** Keys of `capillary.rateLimits`: `*` or `METHOD /path` with `{id}` for customer ids (the form capillary-rate-limit.ts derives). */
export const RATE_LIMIT_API_PATTERN = /^(\*|(GET|POST|PUT|PATCH|DELETE) \/[A-Za-z0-9_.{}/-]{1,200})$/;
export const RATE_LIMIT_API_MESSAGE = 'must be * or METHOD /path, e.g. POST /v2/customers or GET /v2/customers/{id}';
/** Most APIs listed in `capillary.rateLimits`, and the largest limit (calls per minute). */
export const MAX_RATE_LIMIT_APIS = 50;
export const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;
