// Token-signing helpers for tests: real keys generated at run time, compact JWS built by hand (so tests
// can produce every malformed variant), a brand factory, and a loopback JWKS server with failure modes.
import { constants, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BrandConfig, type BrandConfigInput, parseBrandConfig } from '../../shared/config/brand-config.js';
import type { FetchFn } from '../../shared/http/fetch.js';

export type TestAlg = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

export interface TestKey {
  kid: string;
  alg: TestAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK with kid, alg and use = sig. */
  jwk: Record<string, unknown>;
}

const CURVE_OF = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' } as const;

/** Generates a signing key; RSA keys are 2048 bits unless `bits` says otherwise. */
export function generateTestKey(alg: TestAlg, kid: string, options: { bits?: number; jwkAlg?: boolean } = {}): TestKey {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg.startsWith('ES')
        ? generateKeyPairSync('ec', { namedCurve: CURVE_OF[alg as keyof typeof CURVE_OF] })
        : generateKeyPairSync('rsa', { modulusLength: options.bits ?? 2048 });
  const jwk: Record<string, unknown> = { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' };
  if (options.jwkAlg !== false) jwk.alg = alg;
  return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}

export function b64url(value: string | Buffer | Record<string, unknown>): string {
  if (Buffer.isBuffer(value)) return value.toString('base64url');
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64url');
}

const HASH = { '256': 'sha256', '384': 'sha384', '512': 'sha512' } as const;

/** Signs `signingInput` (ASCII) as a JWS `alg` would. */
function signInput(alg: TestAlg, key: KeyObject, signingInput: string): Buffer {
  const data = Buffer.from(signingInput, 'latin1');
  if (alg === 'EdDSA') return sign(null, data, key);
  const hash = HASH[alg.slice(2) as keyof typeof HASH];
  if (alg.startsWith('ES')) return sign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
  if (alg.startsWith('PS')) {
    return sign(hash, data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  }
  return sign(hash, data, key);
}

export interface SignOptions {
  /** Header fields merged over {alg, kid, typ: 'JWT'}; a field set to undefined is removed. */
  header?: Record<string, unknown>;
  /** Raw header/payload JSON text instead of JSON.stringify (duplicate keys, odd spacing). */
  rawHeader?: string;
  rawPayload?: string;
}

/** Builds a compact JWS signed with `key`. */
export function signJwt(claims: Record<string, unknown>, key: TestKey, options: SignOptions = {}): string {
  const header: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: 'JWT', ...options.header };
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name];
  const input = `${b64url(options.rawHeader ?? JSON.stringify(header))}.${b64url(options.rawPayload ?? JSON.stringify(claims))}`;
  return `${input}.${b64url(signInput(key.alg, key.privateKey, input))}`;
}

/** Re-signs an arbitrary signing input (`header.payload`) with `key` under `alg`. */
export function signRaw(input: string, alg: TestAlg, privateKey: KeyObject): string {
  return `${input}.${b64url(signInput(alg, privateKey, input))}`;
}

const TEST_ISSUER = 'https://ciam.brand-a.test';
export const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
export const NOW_S = NOW_MS / 1000;

/** A valid brand; `overrides` are raw input fields (validated by the real schema). */
export function makeBrand(overrides: Partial<BrandConfigInput> = {}, version = 0): BrandConfig {
  const brandId = overrides.brandId ?? 'brand-a';
  return parseBrandConfig(
    {
      brandId,
      brandName: `Brand ${brandId}`,
      orgId: 100,
      issuer: TEST_ISSUER,
      applicationId: 'https://api.brand-a.test',
      clientId: 'brand-a-app',
      jwksUri: 'https://ciam.brand-a.test/jwks',
      userInfoEndpoint: 'https://ciam.brand-a.test/me',
      fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
      capillary: {
        baseUrl: 'https://eu.api.capillarytech.com',
        sourceAccountId: 'src-1',
        credentialsParameter: `/ciam-gateway/test/${brandId}`,
      },
      ...overrides,
    },
    version,
  );
}

/** Standard claims of a valid access token for `brand` at NOW_S (aud = the brand's API, its default audience). */
export function accessClaims(brand: BrandConfig, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: brand.issuer,
    sub: 'user-1',
    aud: brand.applicationId,
    iat: NOW_S - 60,
    exp: NOW_S + 600,
    sid: 'sid-1',
    jti: 'jti-1',
    ...extra,
  };
}

/** A fetch that answers one JWKS document from memory and counts calls (unit tests: no sockets). */
export function memoryJwksFetch(initial: { keys: unknown[] }) {
  const state = { jwks: initial as unknown, calls: 0, fail: false };
  const fetch = async (_url: string, _init: RequestInit): Promise<Response> => {
    state.calls++;
    if (state.fail) throw new TypeError('fetch failed');
    return new Response(JSON.stringify(state.jwks), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { state, fetch };
}

type JwksServerMode = 'ok' | 'error500' | 'garbage' | 'hang' | 'huge';

export interface JwksServer {
  uri: string;
  requests: number;
  mode: JwksServerMode;
  jwks: { keys: unknown[] };
  /**
   * A fetch whose call this server parks in `hang` mode ends at once as a timeout, as the client's own timeout
   * would end it later: a test of hangs needs no short timeout, which every healthy fetch under load races too.
   */
  fetch: FetchFn;
  close(): Promise<void>;
}

const CALL_ID_HEADER = 'x-test-call-id';

/** A loopback JWKS endpoint (port 0) whose keys and failure mode the test changes at will. */
export async function startJwksServer(jwks: { keys: unknown[] }): Promise<JwksServer> {
  const server: Server = createServer();
  const inFlight = new Map<string, AbortController>();
  let calls = 0;
  const state: JwksServer = {
    uri: '',
    requests: 0,
    mode: 'ok',
    jwks,
    fetch: async (url, init) => {
      const id = String(calls++);
      const controller = new AbortController();
      inFlight.set(id, controller);
      const headers = new Headers(init?.headers);
      headers.set(CALL_ID_HEADER, id);
      const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
      try {
        return await fetch(url, { ...init, headers, signal });
      } finally {
        inFlight.delete(id);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('request', (req, res) => {
    state.requests++;
    req.resume();
    if (state.mode === 'hang') {
      // Never answers: the client's timeout ends it (at once for a call made with state.fetch).
      const timedOut = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      inFlight.get(String(req.headers[CALL_ID_HEADER]))?.abort(timedOut);
      return;
    }
    if (state.mode === 'error500') {
      res.writeHead(500).end('boom');
      return;
    }
    if (state.mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [ nope');
      return;
    }
    const body =
      state.mode === 'huge' ? JSON.stringify({ keys: [], pad: 'x'.repeat(200_000) }) : JSON.stringify(state.jwks);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  return state;
}

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/me';

/** A REQUEST authorizer event with the given headers (multi-value map filled like API Gateway does). */
export function authorizerEvent(
  headers: Record<string, string> = {},
  multiValueHeaders?: Record<string, string[]>,
): import('aws-lambda').APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: '/v1/me',
    path: '/v1/me',
    httpMethod: 'GET',
    headers,
    multiValueHeaders: multiValueHeaders ?? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as import('aws-lambda').APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}
