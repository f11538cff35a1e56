// Maps CIAM claims to the Capillary customer fields through a brand's field mappings: dotted claim
// paths, trimming, Capillary's length limits, the mobile in Capillary's digits-only form (phone-number.ts, in
// the brand's `phoneDefaultCountry` when it has no country code), verified flags.
import type { BrandConfig } from '../config/brand-config.js';
import { type MobileProblem, readMobile } from './phone-number.js';

const NAME_MAX_LENGTH = 100;
const EMAIL_MAX_LENGTH = 255;

/** The customer fields the CIAM provides, in Capillary's form; absent when the claim is missing or invalid. */
export interface MappedCustomer {
  firstName?: string;
  lastName?: string;
  /** Digits only, with the country code (Capillary's mobile identifier form). */
  mobile?: string;
  email?: string;
  emailVerified: boolean;
  mobileVerified: boolean;
  /** Why the mobile claim was left out (a number Capillary could not be given), when it was. */
  mobileProblem?: MobileProblem;
}

export interface MappingOptions {
  /** ISO 3166-1 alpha-2 country of mobile numbers sent without a country code (the brand's `phoneDefaultCountry`). */
  phoneDefaultCountry?: string | undefined;
}

export type Claims = Record<string, unknown>;

/** Reads `a.b.c` from nested claims; only own keys, never prototype members. */
export function readClaimPath(claims: Claims, path: string): unknown {
  let current: unknown = claims;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

/** Capillary keeps the first 100 characters of a name; we trim and cut the same way so comparisons match. */
function normaliseName(value: unknown): string | undefined {
  const trimmed = text(value);
  if (!trimmed) return undefined;
  return [...trimmed].slice(0, NAME_MAX_LENGTH).join('').trim();
}

/**
 * A mobile in Capillary's form (`+44 7700 900000` -> `447700900000`; `9800000077` in `IN` -> `919800000077`);
 * undefined when it is not a possible number (phone-number.ts).
 */
export function normaliseMobile(value: unknown, defaultCountry?: string): string | undefined {
  const trimmed = text(value);
  if (!trimmed) return undefined;
  const reading = readMobile(trimmed, defaultCountry);
  return 'mobile' in reading ? reading.mobile : undefined;
}

/** Trimmed, lower-cased e-mail within Capillary's 255 characters; undefined otherwise. */
export function normaliseEmail(value: unknown): string | undefined {
  const trimmed = text(value)?.toLowerCase();
  if (!trimmed || trimmed.length > EMAIL_MAX_LENGTH) return undefined;
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(trimmed) ? trimmed : undefined;
}

function flag(value: unknown): boolean {
  return value === true || value === 'true';
}

/** Applies the brand's field mappings to the claims. */
export function mapClaims(
  claims: Claims,
  mappings: BrandConfig['fieldMappings'],
  options: MappingOptions = {},
): MappedCustomer {
  const mapped: MappedCustomer = {
    emailVerified: flag(readClaimPath(claims, mappings.emailVerified)),
    mobileVerified: flag(readClaimPath(claims, mappings.mobileVerified)),
  };
  const firstName = normaliseName(readClaimPath(claims, mappings.firstName));
  const lastName = normaliseName(readClaimPath(claims, mappings.lastName));
  const mobileClaim = text(readClaimPath(claims, mappings.mobile));
  const mobile = mobileClaim ? readMobile(mobileClaim, options.phoneDefaultCountry) : undefined;
  const email = normaliseEmail(readClaimPath(claims, mappings.email));
  if (firstName) mapped.firstName = firstName;
  if (lastName) mapped.lastName = lastName;
  if (mobile && 'mobile' in mobile) mapped.mobile = mobile.mobile;
  if (mobile && 'problem' in mobile) mapped.mobileProblem = mobile.problem;
  if (email) mapped.email = email;
  return mapped;
}

/** Masks an identifier for logs and audit events (`ad***@example.com`, `4477****00`). */
export function maskIdentifier(value: string): string {
  const at = value.indexOf('@');
  if (at > 0) return `${value.slice(0, Math.min(2, at))}***${value.slice(at)}`;
  if (value.length <= 4) return '****';
  return `${value.slice(0, 4)}****${value.slice(-2)}`;
}
