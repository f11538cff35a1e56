// Tests reach only loopback peers they start themselves. This guard makes that a rule instead of a habit:
// every TCP/TLS connection (net, http, https, fetch/undici, the AWS SDK all end in net.Socket#connect) and
// every DNS lookup of a name that is not loopback is refused with an error, and recorded so the test fails
// in afterEach even when the code under test swallows the error (a 502 is not a pass if it came from here).
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

const installed = Symbol.for('ciam-gateway.network-guard');

export class NetworkGuardError extends Error {
  readonly code = 'ERR_TEST_NETWORK_GUARD';
  constructor(what: string, host: string) {
    super(`test tried to ${what} non-loopback host "${host}": tests may only reach peers on 127.0.0.1/::1`);
    this.name = 'NetworkGuardError';
  }
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped and bracketed), `localhost` and `*.localhost` (RFC 6761). */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (net.isIPv4(name)) return name.startsWith('127.');
  if (!net.isIPv6(name)) return false;
  // The URL parser canonicalizes IPv6 (::ffff:127.0.0.1 becomes ::ffff:7f00:1).
  const canonical = new URL(`http://[${name}]/`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/** The host a Socket#connect call aims at, or undefined for a Unix socket / named pipe. */
function connectTarget(args: unknown[]): string | undefined {
  const [first, second] = args;
  if (Array.isArray(first)) return connectTarget(first); // net's internal normalized [options, callback] form
  if (first !== null && typeof first === 'object') {
    const options = first as { host?: unknown; path?: unknown };
    if (typeof options.path === 'string') return undefined;
    return typeof options.host === 'string' && options.host !== '' ? options.host : 'localhost';
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined; // connect(path)
  return typeof second === 'string' && second !== '' ? second : 'localhost';
}

interface GuardState {
  violations: string[];
}

/** Installs the guard once per process; returns the list the setup file drains after each test. */
export function installNetworkGuard(): GuardState {
  const holder = globalThis as { [installed]?: GuardState };
  const existing = holder[installed];
  if (existing) return existing;
  const state: GuardState = { violations: [] };
  holder[installed] = state;

  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const host = connectTarget(args);
    if (host !== undefined && !isLoopbackHost(host)) {
      const error = new NetworkGuardError('connect to', host);
      state.violations.push(error.message);
      // Fail like a refused connection (asynchronously, as net does) so callers see an ordinary socket error.
      process.nextTick(() => this.destroy(error));
      return this;
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;

  const lookup = dns.lookup;
  dns.lookup = function guardedLookup(hostname: string, ...rest: unknown[]) {
    if (typeof hostname === 'string' && !isLoopbackHost(hostname) && net.isIP(hostname) === 0) {
      const error = new NetworkGuardError('resolve', hostname);
      state.violations.push(error.message);
      const callback = rest.at(-1);
      if (typeof callback === 'function') process.nextTick(() => callback(error));
      return {};
    }
    return (lookup as (...a: unknown[]) => unknown)(hostname, ...rest);
  } as typeof dns.lookup;
  const lookupPromise = dns.promises.lookup;
  dns.promises.lookup = (async (hostname: string, ...rest: unknown[]) => {
    if (typeof hostname === 'string' && !isLoopbackHost(hostname) && net.isIP(hostname) === 0) {
      const error = new NetworkGuardError('resolve', hostname);
      state.violations.push(error.message);
      throw error;
    }
    return (lookupPromise as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest);
  }) as typeof dns.promises.lookup;
  // ESM importers of node:dns / node:net see the patched functions too.
  syncBuiltinESMExports();
  return state;
}
