// Outbound URLs taken from brand configuration (issuer, JWKS, userinfo) must not reach the gateway's own
// network: outside the local stage their hosts may not resolve to loopback, link-local, private or
// unspecified addresses (IPv4-mapped IPv6 included), and nothing is fetched over plain http. Addresses
// are compared after resolution, never as strings, so `127.1`, `[::ffff:7f00:1]` or a DNS name pointing
// at 10.0.0.5 are all caught. The resolver is injected (tests never touch DNS).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { FieldIssue } from '../errors.js';

/** Every address `hostname` resolves to (IPv4 and IPv6). */
export type HostResolver = (hostname: string) => Promise<string[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // unspecified / "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT (shared address space)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d or ::ffff:xxxx:xxxx) IPv6 address. */
function mappedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (dotted?.[1]) return dotted[1];
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex?.[1] || !hex[2]) return undefined;
  const high = Number.parseInt(hex[1], 16);
  const low = Number.parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True for loopback, link-local, private, shared (CGNAT) and unspecified addresses, and for non-addresses. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const v4 = mappedIpv4(address);
    return v4 !== undefined ? blocked.check(v4, 'ipv4') : blocked.check(address, 'ipv6');
  }
  return true;
}

/** The brand fields whose URLs the gateway fetches or trusts as a network location. */
const OUTBOUND_FIELDS = ['issuer', 'jwksUri', 'userInfoEndpoint'] as const;

/**
 * Save-time check (outside the local stage): each outbound URL's host resolves, and only to public
 * addresses. Issues name the field; a host that does not resolve is an issue too (nothing to fetch).
 */
export async function checkOutboundHosts(
  urls: Readonly<Partial<Record<(typeof OUTBOUND_FIELDS)[number], string | undefined>>>,
  resolve: HostResolver,
): Promise<FieldIssue[]> {
  const issues = await Promise.all(
    OUTBOUND_FIELDS.map(async (field): Promise<FieldIssue | undefined> => {
      // userInfoEndpoint is optional (claims may come from the ID token): nothing to resolve then.
      const url = urls[field];
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
        message: `host ${hostname} resolves to ${internal} (loopback, link-local, private or unspecified); only the local stack may use such addresses`,
      };
    }),
  );
  return issues.filter((issue): issue is FieldIssue => issue !== undefined);
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
