// Property: whatever arrives in the Authorization header, the authorizer answers an Allow/Deny policy or
// throws exactly Error('Unauthorized'); never another exception, never Allow for anything but a valid token.
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/authorizer/handler.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { JwksCache } from '../../shared/auth/jwks-cache.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { NeverRevoked } from '../../shared/revocation/revocation-checker.js';
import { createLogger } from '../../shared/observability/logger.js';
import { readBearerCredential, readBearerToken } from '../../shared/http/headers.js';
import { lambdaContext } from '../support/events.js';
import {
  accessClaims,
  authorizerEvent,
  b64url,
  generateTestKey,
  makeBrand,
  memoryJwksFetch,
  NOW_MS,
  signJwt,
} from '../support/jwt.js';

const key = generateTestKey('RS256', 'k1');
const esKey = generateTestKey('ES256', 'k2');
const brand = makeBrand();
const validTokens = [signJwt(accessClaims(brand), key), signJwt(accessClaims(brand), esKey)];
let handler: ReturnType<typeof createHandler>;
let audit: InMemoryAuditLog;

beforeAll(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const cache = new JwksCache(brand.jwksUri, {
    fetch: memoryJwksFetch({ keys: [key.jwk, esKey.jwk] }).fetch,
    now: () => NOW_MS,
  });
  audit = new InMemoryAuditLog();
  handler = createHandler({
    brandDirectory: new InMemoryBrandDirectory([
      brand,
      makeBrand({ brandId: 'brand-b', clientId: 'b-app', applicationId: 'https://api.brand-b.test' }),
    ]),
    revocationChecker: NeverRevoked,
    auditLog: audit,
    logger: createLogger('fuzz'),
    now: () => NOW_MS,
    jwks: () => cache,
  });
});

type Outcome = 'Allow' | 'Deny' | 'Unauthorized';

async function outcome(headers: Record<string, string>, multi?: Record<string, string[]>): Promise<Outcome> {
  try {
    const result = (await handler(authorizerEvent(headers, multi), lambdaContext)) as APIGatewayAuthorizerResult;
    const effect = result.policyDocument.Statement[0]?.Effect;
    if (effect !== 'Allow' && effect !== 'Deny') throw new Error(`unexpected policy ${JSON.stringify(result)}`);
    return effect;
  } catch (error) {
    if (error instanceof Error && error.constructor === Error && error.message === 'Unauthorized')
      return 'Unauthorized';
    throw error;
  }
}

const b64Char = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. '.split(''));
const tokenish = fc.array(b64Char, { maxLength: 400 }).map((chars) => chars.join(''));
const jsonish = fc.jsonValue().map((value) => b64url(JSON.stringify(value)));
const structured = fc
  .tuple(fc.oneof(jsonish, tokenish), fc.oneof(jsonish, tokenish), tokenish)
  .map(([h, p, s]) => `${h}.${p}.${s}`);

/** A valid token with one random edit: a character replaced, inserted or removed, or a slice cut. */
const mutatedValid = fc
  .tuple(fc.constantFrom(...validTokens), fc.nat(), fc.nat({ max: 3 }), fc.string({ minLength: 1, maxLength: 2 }))
  .map(([token, at, kind, text]) => {
    const i = at % token.length;
    if (kind === 0) return token.slice(0, i) + text + token.slice(i + 1);
    if (kind === 1) return token.slice(0, i) + text + token.slice(i);
    if (kind === 2) return token.slice(0, i) + token.slice(i + 1);
    return token.slice(0, i);
  })
  .filter((token) => !validTokens.includes(token));

const header = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  tokenish.map((t) => `Bearer ${t}`),
  structured.map((t) => `Bearer ${t}`),
  mutatedValid.map((t) => `Bearer ${t}`),
  fc
    .tuple(fc.constantFrom('bearer', 'BEARER', 'Basic', 'Bearer  ', 'Token', ''), structured)
    .map(([s, t]) => `${s} ${t}`),
  fc.constantFrom(...validTokens).map((t) => t), // no scheme at all
);

describe('authorizer handler under random Authorization headers', () => {
  it('answers Unauthorized for any header that does not carry a valid token, never throwing anything else', async () => {
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        const result = await outcome({ Authorization: value });
        // A one-character edit can land on an equivalent spelling only if verification is lax; it must not.
        expect(result).toBe('Unauthorized');
      }),
      { numRuns: 3000 },
    );
  });

  it('answers a policy or Unauthorized for random header maps, including several Authorization values', async () => {
    const headerMap = fc.dictionary(
      fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION', 'X-Brand-Id', 'x-brand-id', 'Host', 'Cookie'),
      fc.oneof(
        header,
        fc.constantFrom(...validTokens.map((t) => `Bearer ${t}`)),
        fc.constantFrom('brand-a', 'brand-b', ''),
      ),
    );
    await fc.assert(
      fc.asyncProperty(headerMap, fc.boolean(), async (headers, withMulti) => {
        const multi = withMulti ? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v, v]])) : undefined;
        const result = await outcome(headers, multi);
        expect(['Allow', 'Deny', 'Unauthorized']).toContain(result);
        if (withMulti && Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) {
          expect(result).toBe('Unauthorized');
        }
      }),
      { numRuns: 2000 },
    );
  });

  // The authorizer reads the credential without the b64token scan (its verifier's grammar is stricter); what it
  // refuses for the characters is TOKEN_MALFORMED either way, and whatever it allows the handlers read too.
  it('allows only credentials the handlers read as the same b64token', async () => {
    const edits = fc.constantFrom('~', '+', '/', '=', '==', ' ', '\t', ',', '%', 'é', '\u0000');
    const edited = fc
      .tuple(fc.constantFrom(...validTokens), fc.nat(), edits)
      .map(([token, at, text]) => token.slice(0, at % token.length) + text + token.slice(at % token.length));
    // A character swapped for the one above U+00FF with the same low byte (Node's base64 decoder keeps only that
    // byte, so 'J' and '\u014A' decode alike): the same header, claims and signing input in another spelling.
    const lookalike = fc.tuple(fc.constantFrom(...validTokens), fc.nat()).map(([token, at]) => {
      const i = at % token.length;
      return token.slice(0, i) + String.fromCharCode(0x100 | token.charCodeAt(i)) + token.slice(i + 1);
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(edited, lookalike, fc.constantFrom(...validTokens)), async (token) => {
        const headers = { Authorization: `Bearer ${token}` };
        const result = await outcome(headers);
        const credential = readBearerCredential({ headers });
        const handlersRead = readBearerToken({ headers });
        if (result === 'Allow') {
          expect('token' in credential).toBe(true);
          expect(handlersRead).toEqual(credential);
        } else expect(result).toBe('Unauthorized');
        if (!('token' in handlersRead)) {
          // Outside b64token: the authorizer still reads a credential, and its verifier refuses it.
          expect('token' in credential).toBe(true);
          expect(audit.events.at(-1)?.reason).toBe('TOKEN_MALFORMED');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('still allows the unmutated valid tokens (the property above is not vacuous)', async () => {
    for (const token of validTokens) expect(await outcome({ Authorization: `Bearer ${token}` })).toBe('Allow');
    expect(audit.events.at(-1)?.outcome).toBe('allow');
  });
});
