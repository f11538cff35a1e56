// Maps CIAM claims to the Capillary customer fields through a brand's field mappings: dotted claim
// paths, trimming, Capillary's length limits, E.164 mobile -> Capillary's digits-only form, verified flags.
import type { BrandConfig } from '../config/brand-config.js';

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

/** E.164 (`+44 7700 900000`, separators allowed) -> `447700900000`; undefined when it is not a plausible number. */
export function normaliseMobile(value: unknown): string | undefined {
  const trimmed = text(value);
  if (!trimmed) return undefined;
  const compact = trimmed.replace(/[\s().-]/g, '');
  const match = /^(?:\+|00)?([1-9]\d{7,14})$/.exec(compact);
  return match?.[1];
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
export function mapClaims(claims: Claims, mappings: BrandConfig['fieldMappings']): MappedCustomer {
  const mapped: MappedCustomer = {
    emailVerified: flag(readClaimPath(claims, mappings.emailVerified)),
    mobileVerified: flag(readClaimPath(claims, mappings.mobileVerified)),
  };
  const firstName = normaliseName(readClaimPath(claims, mappings.firstName));
  const lastName = normaliseName(readClaimPath(claims, mappings.lastName));
  const mobile = normaliseMobile(readClaimPath(claims, mappings.mobile));
  const email = normaliseEmail(readClaimPath(claims, mappings.email));
  if (firstName) mapped.firstName = firstName;
  if (lastName) mapped.lastName = lastName;
  if (mobile) mapped.mobile = mobile;
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
