// Outbound URLs taken from brand configuration (issuer, JWKS, userinfo, Capillary) must not reach the
// gateway's own network: outside the local stage their hosts may resolve only to public addresses
// (shared/http/address-policy.ts), and nothing is fetched over plain http. This save-time check gives the
// operator a clear answer; the connection-time check of the outbound transports
// (shared/adapters/guarded-http.ts) is what holds against DNS rebinding. Addresses are compared after
// resolution, never as strings, so `127.1`, `[::ffff:7f00:1]` or a DNS name pointing at 10.0.0.5 are all
// caught. The resolver is injected (tests never touch DNS).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { FieldIssue } from '../errors.js';
import { addressRange, isAllowedAddress } from './address-policy.js';

/** Every address `hostname` resolves to (IPv4 and IPv6). */
export type HostResolver = (hostname: string) => Promise<string[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** True for any address that is not public (shared/http/address-policy.ts), and for non-addresses. */
export function isInternalAddress(address: string): boolean {
  return !isAllowedAddress(address, { allowLoopback: false });
}

/** The brand fields whose URLs the gateway fetches or trusts as a network location (dotted: nested fields). */
const OUTBOUND_FIELDS = ['issuer', 'jwksUri', 'userInfoEndpoint', 'capillary.baseUrl'] as const;
export type OutboundField = (typeof OUTBOUND_FIELDS)[number];

/** The outbound URLs of a brand document, by field. */
export function outboundUrlsOf(document: {
  issuer: string;
  jwksUri: string;
  userInfoEndpoint?: string | undefined;
  capillary: { baseUrl: string };
}): Partial<Record<OutboundField, string>> {
  return {
    issuer: document.issuer,
    jwksUri: document.jwksUri,
    ...(document.userInfoEndpoint === undefined ? {} : { userInfoEndpoint: document.userInfoEndpoint }),
    'capillary.baseUrl': document.capillary.baseUrl,
  };
}

/**
 * Save-time check (outside the local stage): each outbound URL's host resolves, and only to public
 * addresses. Issues name the field; a host that does not resolve is an issue too (nothing to fetch).
 */
export async function checkOutboundHosts(
  urls: Readonly<Partial<Record<OutboundField, string | undefined>>>,
  resolve: HostResolver,
): Promise<FieldIssue[]> {
  // userInfoEndpoint is optional (claims may come from the ID token): nothing to resolve then.
  const issues = await Promise.all(OUTBOUND_FIELDS.map((field) => checkOutboundHost(field, urls[field], resolve)));
  return issues.filter((issue): issue is FieldIssue => issue !== undefined);
}

/** One configured URL's host: resolves, and only to public addresses; undefined when it passes (or is absent). */
async function checkOutboundHost(
  field: string,
  url: string | undefined,
  resolve: HostResolver,
): Promise<FieldIssue | undefined> {
  if (url === undefined) return undefined;
  const hostname = new URL(url).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(hostname) ? [hostname] : await resolve(hostname);
  } catch {
    return { field, message: `host ${hostname} does not resolve` };
  }
  if (addresses.length === 0) return { field, message: `host ${hostname} does not resolve` };
  const internal = addresses.find(isInternalAddress);
  if (internal === undefined) return undefined;
  return {
    field,
    message: `host ${hostname} resolves to ${internal} (${addressRange(internal)}), not a public address; only the local stack may use loopback, and nothing may use the others`,
  };
}

/** Refused before any connection: a configured URL that is not https outside the local stage. */
class InsecureUrlError extends Error {
  constructor(url: string) {
    super(`refusing a non-https URL outside the local stage: ${URL.canParse(url) ? new URL(url).origin : '(invalid)'}`);
    this.name = 'InsecureUrlError';
  }
}

/**
 * The read path's outbound calls (JWKS, userinfo): https only, unless `allowHttp` (the local stage, whose CIAM
 * runs on loopback). Wraps a fetch or a GetDocument alike. Callers treat the refusal like any failed call
 * (JWKS unavailable, CIAM unavailable).
 */
export function httpsOnly<Options, Answer>(
  inner: (url: string, options: Options) => Promise<Answer>,
  options: { allowHttp: boolean },
): (url: string, options: Options) => Promise<Answer> {
  if (options.allowHttp) return inner;
  return (url, callOptions) => {
    if (!URL.canParse(url) || new URL(url).protocol !== 'https:') {
      return Promise.reject(new InsecureUrlError(url));
    }
    return inner(url, callOptions);
  };
}
