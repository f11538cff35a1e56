// The simulator's server-to-server authentication: OAuth API clients get a token from
// `POST /v3/oauth/token/generate` and send it as X-CAP-API-OAUTH-TOKEN; tills send Basic auth with the md5 of
// their password. Rate limits count per API key or till, so each call is told who it comes from.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isRecord } from '../../shared/lang/is-record.js';
import { type Answer, fail } from './answers.js';
import { CustomerV2 } from './codes.js';
import type { SimOrgConfig } from './org-config.js';

export interface SimAuthOptions {
  /** OAuth API clients accepted by /v3/oauth/token/generate. */
  clients: { key: string; secret: string }[];
  /** Till credentials accepted with Basic auth (password in clear; the client sends its md5). */
  tills: { tillId: string; password: string }[];
  tokenTtlSeconds: number;
}

function md5Hex(value: string): string {
  return createHash('md5').update(value, 'utf8').digest('hex');
}

export class SimAuth {
  private readonly tokens = new Map<string, { expiresAt: number; key: string }>();
  private issued = 0;

  private readonly options: SimAuthOptions;
  private readonly org: SimOrgConfig;

  constructor(options: SimAuthOptions, org: SimOrgConfig) {
    this.options = options;
    this.org = org;
  }

  /** The token endpoint; `throttled` answers the key's rate limit once its credentials are known good. */
  generateToken(body: unknown, throttled: (who: string) => Answer | undefined): Answer {
    const ok = isRecord(body) && this.options.clients.some((c) => c.key === body.key && c.secret === body.secret);
    if (!ok) return { status: 401, body: { data: null, errors: [{ code: 1001, message: 'Invalid key or secret' }] } };
    const key = String(body.key);
    const refused = throttled(`key:${key}`);
    if (refused) return refused;
    const accessToken = randomBytes(24).toString('base64url');
    const ttl = this.options.tokenTtlSeconds;
    this.tokens.set(accessToken, { expiresAt: Date.now() + ttl * 1000, key });
    this.issued++;
    return { status: 200, body: { data: { accessToken, ttlSeconds: ttl }, errors: null } };
  }

  /** The API key or till a request authenticates as (rate limits count per API key), or undefined. */
  caller(headers: IncomingHttpHeaders): string | undefined {
    const token = headers['x-cap-api-oauth-token'];
    if (typeof token === 'string') {
      const issued = this.tokens.get(token);
      return issued !== undefined && issued.expiresAt > Date.now() ? `key:${issued.key}` : undefined;
    }
    const basic = /^Basic (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (!basic) return undefined;
    const [tillId, hash] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    return this.options.tills.some((t) => t.tillId === tillId && md5Hex(t.password) === hash)
      ? `till:${tillId}`
      : undefined;
  }

  /** An expired or unknown token: "401 Authentication failed" as HTTP 401, or in the body of an HTTP 500. */
  unauthenticated(): Answer {
    return fail(this.org.expiredTokenAnswer === 'http401' ? 401 : 500, CustomerV2.AUTH_FAILED);
  }

  tokensIssued(): number {
    return this.issued;
  }

  /** Revokes every issued token (the client must get a new one). */
  revokeTokens(): void {
    this.tokens.clear();
  }
}
