// One spelling per phone: the CIAM's mobile claim in Capillary's form (digits with the country code, no `+`;
// reference/v2-add-customer), parsed with libphonenumber-js so that `9800000077`, `+91 98000 00077` and
// `0091-98000-00077` are one identifier and a national number (`07700 900000`) is read in the brand's
// `phoneDefaultCountry` instead of being dropped. Possible (length-plausible) numbers are kept: a new number
// range missing from the library's metadata must not lock a user out.
import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';

/** Why a mobile claim could not be used (reported in the session's audit details, never silently dropped). */
export type MobileProblem = 'needs-country' | 'invalid';

export type MobileReading = { mobile: string } | { problem: MobileProblem };

const PHONE_CHARACTERS = /^[+\d\s().\-/]+$/;

/**
 * Reads a mobile claim: `+` or `00` and a country code anywhere; a number without one in `defaultCountry`
 * (the country's own calling code in front is recognised), else only when it is a valid international number.
 */
export function readMobile(value: string, defaultCountry?: string): MobileReading {
  const trimmed = value.trim();
  if (!PHONE_CHARACTERS.test(trimmed) || !/\d/.test(trimmed)) return { problem: 'invalid' };
  const international = /^(\+|00)/.test(trimmed);
  const digits = trimmed.replace(/\D/g, '');
  if (international) {
    const parsed = parsePhoneNumberFromString(`+${trimmed.startsWith('00') ? digits.slice(2) : digits}`);
    return parsed?.isPossible() ? { mobile: parsed.number.slice(1) } : { problem: 'invalid' };
  }
  if (defaultCountry && isSupportedCountry(defaultCountry)) {
    const national = parsePhoneNumberFromString(trimmed, defaultCountry as CountryCode);
    if (national?.isPossible()) return { mobile: national.number.slice(1) };
  }
  // Digits with a country code but no `+` (Capillary's own spelling): only a number that is certainly one.
  const asInternational = parsePhoneNumberFromString(`+${digits}`);
  if (asInternational?.isValid()) return { mobile: asInternational.number.slice(1) };
  return { problem: defaultCountry ? 'invalid' : 'needs-country' };
}
