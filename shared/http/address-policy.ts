// Which network addresses the gateway's outbound calls may reach. Every URL the gateway fetches comes from
// brand configuration (JWKS, discovery, userinfo, revocation, Capillary), so a resolved address is checked
// against a maintained classification (ipaddr.js special-purpose ranges, RFC 6890 and successors) instead of a
// hand list: only global unicast passes. Loopback, link-local (cloud metadata), private, CGNAT, multicast,
// broadcast, reserved, benchmarking, documentation, NAT64 (64:ff9b::/96), 6to4, Teredo, IPv4-mapped and
// IPv4-compatible forms of any of them, and unallocated IPv6 outside 2000::/3 are all refused. The local
// stage (whose peers run on loopback) additionally allows loopback, nothing else.
import ipaddr from 'ipaddr.js';

/** What outbound connections may reach. */
export interface OutboundAddressPolicy {
  /** The local stage: loopback peers (the development CIAM, the Capillary simulator) are allowed too. */
  allowLoopback: boolean;
}

/** The policy of a stage: only the local stage reaches loopback. */
export function outboundPolicyFor(stage: string): OutboundAddressPolicy {
  return { allowLoopback: stage === 'local' };
}

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/**
 * The special-purpose range of an address (`unicast` for a public one), or `invalid` when it is not an IP
 * address. IPv4-mapped IPv6 is classified as the IPv4 address it carries; IPv4-compatible (::a.b.c.d,
 * deprecated by RFC 4291) and IPv6 outside 2000::/3 are never public.
 */
export function addressRange(address: string): string {
  const literal = address.replace(/^\[|\]$/g, '');
  // Only canonical forms: `127.1` or `0x7f.1` are names to a resolver, never addresses here.
  if (!ipaddr.IPv4.isValidFourPartDecimal(literal) && !ipaddr.IPv6.isValid(literal)) return 'invalid';
  const parsed = ipaddr.process(literal);
  const range = parsed.range();
  if (parsed.kind() === 'ipv6' && range === 'unicast') {
    if (parsed.match(IPV4_COMPATIBLE)) return 'ipv4Compatible';
    if (!parsed.match(GLOBAL_UNICAST_V6)) return 'reserved';
  }
  return range;
}

/** True when the policy lets a connection go to `address`. */
export function isAllowedAddress(address: string, policy: OutboundAddressPolicy): boolean {
  const range = addressRange(address);
  return range === 'unicast' || (policy.allowLoopback && range === 'loopback');
}

/** A connection refused because its resolved address is not one the policy allows. */
export class BlockedAddressError extends Error {
  readonly code = 'EADDRBLOCKED';
  readonly host: string;
  readonly address: string;
  readonly range: string;

  constructor(host: string, address: string) {
    const range = addressRange(address);
    super(`refusing to connect to ${host}: it resolves to ${address} (${range}), not a public address`);
    this.name = 'BlockedAddressError';
    this.host = host;
    this.address = address;
    this.range = range;
  }
}
