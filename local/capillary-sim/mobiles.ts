// How the simulated org spells a mobile it is given (the `mobileMatch` reading). The reference says mobiles
// are digits with the country code (reference/v2-add-customer) and that the org's base country and mobile rules
// validate them (8014 "invalid mobile / base country not configured"), but not whether a national number is
// completed with the base country: `as-sent` keeps it as sent (so 9800000077 and 919800000077 are two
// customers), `base-country` completes it, as the org's own rules would.
import {
  type CountryCode,
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
} from 'libphonenumber-js';

/** The org's spelling of `value`: unchanged, or (base-country) the digits of its E.164 form in the base country. */
export function canonicalMobile(value: string, reading: 'as-sent' | 'base-country', baseCountry: string): string {
  if (reading === 'as-sent' || !/^\d+$/.test(value) || !isSupportedCountry(baseCountry)) return value;
  const country = baseCountry as CountryCode;
  // Already with the base country's calling code: as it is. Otherwise a national number of the base country.
  if (value.startsWith(getCountryCallingCode(country)) && parsePhoneNumberFromString(`+${value}`)?.isPossible()) {
    return value;
  }
  const national = parsePhoneNumberFromString(value, country);
  return national?.isPossible() ? national.number.slice(1) : value;
}
