// How the simulated org spells a mobile it is given (the `mobileMatch` reading). The reference says mobiles
// are digits with the country code (reference/v2-add-customer) and that the org's base country and mobile rules
// validate them (8014 "invalid mobile / base country not configured"), but not whether a national number is
// completed with the base country: `as-sent` keeps it as sent (so 9800000077 and 919800000077 are two
// customers), `base-country` completes a number of the org's national mobile length (after a trunk `0`) with
// the base country's calling code, as the org's own mobile rules would.
import { type CountryCode, getCountryCallingCode, isSupportedCountry } from 'libphonenumber-js';

/** The org's spelling of `value`: unchanged, or (base-country) a national number completed with the country code. */
export function canonicalMobile(
  value: string,
  reading: 'as-sent' | 'base-country',
  baseCountry: string,
  nationalLength: number,
): string {
  if (reading === 'as-sent' || !/^\d+$/.test(value) || !isSupportedCountry(baseCountry)) return value;
  const national = value.startsWith('0') ? value.slice(1) : value;
  if (national.length !== nationalLength) return value;
  return `${getCountryCallingCode(baseCountry as CountryCode)}${national}`;
}
