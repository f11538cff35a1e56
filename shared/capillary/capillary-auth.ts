// Capillary authentication for one brand: OAuth client credentials (`POST /v3/oauth/token/generate` with
// `{key, secret}`, the token cached until shortly before `ttlSeconds` and sent as X-CAP-API-OAUTH-TOKEN;
// concurrent misses share one request; renewed before `ttlSeconds` runs out and whenever Capillary refuses it)
// or Basic till auth (`till:md5(password)`). The token lives in a slot shared by every client of the brand's
// connection in the container (CapillaryClients), so a container holds one token per brand: a RefreshingCache
// policy of one entry that expires at the token's own renewal time, with no stale window.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SecretSource } from '../config/secret-source.js';
import { ConfigError, ErrorCodes, UpstreamError } from '../errors.js';
import { safeJsonParse } from '../http/json.js';
import { RefreshingCache } from '../lang/refreshing-cache.js';
import { CapillaryRejectedError } from './capillary-errors.js';
import { isRetryable, type Verdict } from './capillary-envelope.js';
import { BasicSecretSchema, OAuthSecretSchema } from './capillary-secret.js';
import type { CapillaryTransport, Deadline } from './capillary-transport.js';

const TokenResponseSchema = z.object({
  data: z.object({ accessToken: z.string().min(1), ttlSeconds: z.number().positive() }),
});

export interface CapillaryAuthOptions {
  baseUrl: string;
  authMode: 'oauth' | 'basic';
  /** SSM parameter holding `{key, secret}` (oauth) or `{tillId, password}` (basic). */
  credentialsParameter: string;
  secrets: SecretSource;
  transport: CapillaryTransport;
  retryAfterSeconds: number;
  now: () => number;
  /** Where the token is kept; shared by the clients of one brand connection (default: this client's own). */
  slot?: CapillaryTokenSlot;
}

/** The slot's one key. */
const TOKEN = 'oauth';

interface IssuedToken {
  value: string;
  /** Epoch ms the token is renewed at (shortly before it expires). */
  refreshAt: number;
  ttlSeconds: number;
}

/** The OAuth token of one brand connection and its in-flight renewal, shared by every client of that connection. */
export class CapillaryTokenSlot {
  readonly cache: RefreshingCache<typeof TOKEN, IssuedToken>;

  constructor(now: () => number = Date.now) {
    this.cache = new RefreshingCache({ now, ttlMs: 0, expiresAt: (token) => token.refreshAt, maxEntries: 1 });
  }
}

/** The header that carries the OAuth token (reference/oauth; not the overview page's CAP-API-ACCESS-TOKEN). */
const OAUTH_HEADER = 'X-CAP-API-OAUTH-TOKEN';

function md5Hex(value: string): string {
  return createHash('md5').update(value, 'utf8').digest('hex');
}

export class CapillaryAuth {
  private readonly slot: CapillaryTokenSlot;
  private readonly options: CapillaryAuthOptions;

  constructor(options: CapillaryAuthOptions) {
    this.options = options;
    this.slot = options.slot ?? new CapillaryTokenSlot(options.now);
  }

  /** Whether a 401 may be cured by a new token. */
  get renewable(): 'renewable' | 'fixed' {
    return this.options.authMode === 'oauth' ? 'renewable' : 'fixed';
  }

  /** Drops the cached OAuth token (tests, or after Capillary refused it). */
  clear(): void {
    this.slot.cache.delete(TOKEN);
  }

  /**
   * Capillary refused the credentials sent in `sent`: drops that token, unless a concurrent call already
   * replaced it (a wave of calls refused together renews once).
   */
  renewAfterRefusal(sent: Record<string, string>): void {
    const refused = sent[OAUTH_HEADER];
    if (refused === undefined || this.slot.cache.peek(TOKEN)?.value === refused) this.clear();
  }

  /**
   * Authenticates now, a fresh token for oauth (the save-time check and the brand doctor): the token's
   * `ttlSeconds`, or undefined for basic auth, which makes no call of its own.
   * @throws CapillaryRejectedError when Capillary refuses the credentials.
   */
  async authenticate(deadline: Deadline): Promise<{ ttlSeconds: number | undefined }> {
    if (this.options.authMode === 'basic') {
      await this.headers(deadline);
      return { ttlSeconds: undefined };
    }
    this.clear();
    return { ttlSeconds: (await this.oauthToken(deadline)).ttlSeconds };
  }

  async headers(deadline: Deadline): Promise<Record<string, string>> {
    if (this.options.authMode === 'basic') {
      const { tillId, password } = await this.readSecret(BasicSecretSchema);
      return { authorization: `Basic ${Buffer.from(`${tillId}:${md5Hex(password)}`).toString('base64')}` };
    }
    return { [OAUTH_HEADER]: (await this.oauthToken(deadline)).value };
  }

  private async readSecret<T extends z.ZodType>(schema: T): Promise<z.output<T>> {
    let raw: string;
    try {
      raw = await this.options.secrets.getSecret(this.options.credentialsParameter);
    } catch (error) {
      throw new UpstreamError(503, ErrorCodes.CONFIG_UNAVAILABLE, 'Capillary credentials unavailable', {
        retryAfterSeconds: this.options.retryAfterSeconds,
        cause: error,
      });
    }
    let value: unknown;
    try {
      value = safeJsonParse(raw);
    } catch {
      value = undefined;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new ConfigError(`Capillary credentials in ${this.options.credentialsParameter} have the wrong shape`);
    }
    return parsed.data;
  }

  /** The kept token until its renewal time; then one request for a new one, shared by concurrent callers. */
  private oauthToken(deadline: Deadline): Promise<IssuedToken> {
    return this.slot.cache.get(TOKEN, () => this.generateToken(deadline));
  }

  private async generateToken(deadline: Deadline): Promise<IssuedToken> {
    const { key, secret } = await this.readSecret(OAuthSecretSchema);
    const issued = await this.options.transport.run(
      {
        operation: 'token',
        method: 'POST',
        url: new URL('/v3/oauth/token/generate', this.options.baseUrl).href,
        body: { key, secret },
        headers: async () => ({}),
      },
      (answer): Verdict<{ accessToken: string; ttlSeconds: number }> => {
        const parsed = TokenResponseSchema.safeParse(answer.json);
        if (answer.status < 300 && parsed.success) return { kind: 'done', value: parsed.data.data };
        if (isRetryable(answer.status, [])) return { kind: 'retry' };
        return {
          kind: 'fail',
          error: new CapillaryRejectedError('Capillary refused the gateway credentials', {
            codes: [],
            httpStatus: answer.status,
            requestId: answer.requestId,
          }),
        };
      },
      deadline,
    );
    const ttlMs = issued.ttlSeconds * 1000;
    // Renew a little early so a token never expires in flight: 60 s or a fifth of its life, whichever is less.
    const margin = Math.min(60_000, ttlMs / 5);
    return { value: issued.accessToken, refreshAt: this.options.now() + ttlMs - margin, ttlSeconds: issued.ttlSeconds };
  }
}
