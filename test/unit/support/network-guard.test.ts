// The test-setup network guard: non-loopback connections and lookups are refused (fetch, node:http, node:dns)
// and recorded for the setup file's afterEach; loopback peers work as before.
import dns from 'node:dns';
import { lookup } from 'node:dns/promises';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { installNetworkGuard, isLoopbackHost, NetworkGuardError } from '../../support/network-guard.js';

const guard = installNetworkGuard();
/** Takes what the guard recorded, so these deliberate attempts do not fail the test in setup's afterEach. */
const drain = () => guard.violations.splice(0);

afterEach(() => {
  drain();
});

describe('network guard', () => {
  it('is installed once per process', () => {
    expect(installNetworkGuard()).toBe(guard);
  });

  it('refuses fetch to a non-loopback address and records it', async () => {
    const error = await fetch('http://203.0.113.7:8080/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as { cause?: unknown }).cause).toBeInstanceOf(NetworkGuardError);
    expect(drain()).toEqual([expect.stringContaining('connect to non-loopback host "203.0.113.7"')]);
  });

  it('refuses node:http to a host name before any DNS query', async () => {
    const error = await new Promise<unknown>((resolve) => {
      get('http://ciam.example.com/.well-known/openid-configuration', () => resolve(undefined)).on('error', resolve);
    });
    expect(error).toBeInstanceOf(NetworkGuardError);
    expect(drain()).toEqual([expect.stringContaining('"ciam.example.com"')]);
  });

  it('refuses DNS lookups of non-loopback names (callback and promise forms)', async () => {
    await expect(lookup('example.com')).rejects.toBeInstanceOf(NetworkGuardError);
    const error = await new Promise<unknown>((resolve) => dns.lookup('example.org', (e) => resolve(e)));
    expect(error).toBeInstanceOf(NetworkGuardError);
    expect(drain()).toHaveLength(2);
  });

  it('lets loopback peers through, by address and by name', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
      expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe('ok');
      expect((await lookup('localhost')).address).toMatch(/^(127\.|::1$)/);
      expect(drain()).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['brand.localhost', true],
    ['LOCALHOST.', true],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['::', false],
    ['::ffff:10.0.0.1', false],
    ['localhost.example.com', false],
    ['127.0.0.1.nip.io', false],
  ])('isLoopbackHost(%s) is %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
