// Save-time checks of a brand against its Capillary org, as warnings (a save never fails on them: Capillary may
// be briefly unreachable, and some answers cannot tell): whether the org knows the brand's OAUTH_EXTERNAL
// account (source-account-probe.ts), and whether national mobile numbers can be read (phoneDefaultCountry).
import { isIP } from 'node:net';
import { createCapillaryClient } from '../capillary/capillary-client.js';
import { probeSourceAccount } from '../capillary/source-account-probe.js';
import type { FetchFn } from '../http/fetch.js';
import { type HostResolver, isInternalAddress } from '../http/outbound-url.js';
import type { BrandDocument } from './brand-config.js';
import type { SecretSource } from './secret-source.js';

export interface CapillaryCheckOptions {
  fetch: FetchFn;
  secrets: SecretSource;
  timeoutMs: number;
  /** Outside the local stack: the cluster host must resolve to public addresses before credentials go there. */
  resolveHost?: HostResolver | undefined;
}

const CHANNEL_SETTINGS =
  'Intouch > Organisation Settings > Omni Channel Settings > Channel Configurations > OAUTH_EXTERNAL';

/** Warnings about the brand's OAUTH_EXTERNAL account, from the org's own answers (none when it is known). */
export async function checkSourceAccount(document: BrandDocument, options: CapillaryCheckOptions): Promise<string[]> {
  const { baseUrl, sourceAccountId } = document.capillary;
  if (options.resolveHost) {
    const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : await options.resolveHost(host).catch(() => []);
    if (addresses.length === 0 || addresses.some(isInternalAddress)) {
      return [`capillary.sourceAccountId not checked: ${host} does not resolve to a public address`];
    }
  }
  const client = createCapillaryClient(document, {
    secrets: options.secrets,
    fetch: options.fetch,
    retry: { maxAttempts: 1 },
  });
  const end = Date.now() + options.timeoutMs;
  const verdict = await probeSourceAccount(client.within({ remainingMs: () => end - Date.now() }), sourceAccountId);
  switch (verdict.kind) {
    case 'known':
      return [];
    case 'unknown':
      return [
        `capillary.sourceAccountId "${sourceAccountId}" is not an OAUTH_EXTERNAL account of the org (Capillary answered 8011 "invalid source account"): add it in ${CHANNEL_SETTINGS}, or correct the id`,
      ];
    case 'undetermined':
      return [
        verdict.reason === 'accounts-not-checked'
          ? `capillary.sourceAccountId "${sourceAccountId}" could not be checked: the org accepts any OAUTH_EXTERNAL account id on lookups; make sure it is the account in ${CHANNEL_SETTINGS}`
          : verdict.reason === 'source-refused'
            ? `capillary.sourceAccountId "${sourceAccountId}" could not be checked: the org refuses lookups on OAUTH_EXTERNAL`
            : `capillary.sourceAccountId "${sourceAccountId}" could not be checked: Capillary did not answer with the brand's credentials`,
      ];
  }
}

/** A brand without `phoneDefaultCountry` cannot use mobile claims that carry no country code. */
export function phoneCountryWarnings(document: BrandDocument): string[] {
  if (document.phoneDefaultCountry) return [];
  return [
    'phoneDefaultCountry is not set: mobile numbers the CIAM sends without a country code (e.g. 07700 900000) are left out; set it to the org base country',
  ];
}
