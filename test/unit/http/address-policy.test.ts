// Issue 21 item 7: outbound addresses are classified with ipaddr.js's maintained ranges, not a hand list.
import { describe, expect, it } from 'vitest';
import { addressRange, isAllowedAddress } from '../../../shared/http/address-policy.js';
import { isInternalAddress } from '../../../shared/http/outbound-url.js';

const PUBLIC = { allowLoopback: false };
const LOCAL = { allowLoopback: true };

describe('addressRange / isAllowedAddress', () => {
  it.each([
    ['8.8.8.8', 'unicast'],
    ['2606:4700:4700::1111', 'unicast'],
    ['[2606:4700:4700::1111]', 'unicast'],
  ])('allows the public address %s (%s)', (address, range) => {
    expect(addressRange(address)).toBe(range);
    expect(isAllowedAddress(address, PUBLIC)).toBe(true);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fd00::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['198.18.0.1', 'reserved'], // benchmarking (RFC 2544)
    ['192.0.2.10', 'reserved'], // documentation
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001:2::1', 'benchmarking'],
    ['64:ff9b::a9fe:a9fe', 'rfc6052'], // NAT64 of 169.254.169.254
    ['2002:a9fe:a9fe::1', '6to4'],
    ['2001:0:4136:e378::1', 'teredo'],
    ['::ffff:169.254.169.254', 'linkLocal'], // IPv4-mapped
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::a9fe:a9fe', 'ipv4Compatible'],
    ['::127.0.0.1', 'loopback'],
    ['4000::1', 'reserved'], // outside 2000::/3
    ['fec0::1', 'deprecatedSiteLocal'],
  ])('refuses %s (%s) outside the local stage', (address, range) => {
    expect(addressRange(address)).toBe(range);
    expect(isAllowedAddress(address, PUBLIC)).toBe(false);
    expect(isInternalAddress(address)).toBe(true);
  });

  it('refuses non-canonical forms and names (a resolver decides what they are)', () => {
    for (const value of ['127.1', '0x7f.0.0.1', '2130706433', 'localhost', '', 'not an address']) {
      expect(addressRange(value)).toBe('invalid');
      expect(isAllowedAddress(value, LOCAL)).toBe(false);
    }
  });

  it('lets the local stage reach loopback and nothing else internal', () => {
    expect(isAllowedAddress('127.0.0.1', LOCAL)).toBe(true);
    expect(isAllowedAddress('::1', LOCAL)).toBe(true);
    expect(isAllowedAddress('169.254.169.254', LOCAL)).toBe(false);
    expect(isAllowedAddress('10.0.0.1', LOCAL)).toBe(false);
    expect(isAllowedAddress('8.8.8.8', LOCAL)).toBe(true);
  });
});
