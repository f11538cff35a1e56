// Capillary v2 customer API client for one brand: OAuth (or Basic till) auth, the v2 envelope, bounded
// retries with exponential backoff and full jitter on 5xx/429/521/timeouts only, and a per-request timeout.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { BrandConfig } from '../config/brand-config.js';
import type { SecretSource } from '../config/secret-source.js';
import { ConfigError, ErrorCodes, UpstreamError } from '../errors.js';
import { safeJsonParse } from '../http/json.js';
import type { Logger } from '../observability/logger.js';
import {
  CONCURRENT_ACTION_CODE,
  CapillaryNotFoundError,
  CapillaryRejectedError,
  CapillaryUnavailableError,
  toCapillaryError,
} from './capillary-errors.js';
import {
  type AddCustomerInput,
  type CapillaryCustomer,
  type CapillaryEnvelope,
  type CapillaryIdentifier,
  CustomerSchema,
  EnvelopeSchema,
  type LookupQuery,
  type UpdateCustomerInput,
  type WriteResult,
} from './capillary-types.js';

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

/** The logger calls the client makes (Powertools Logger). */
export type CapillaryLogger = Pick<Logger, 'info' | 'warn'>;

export interface RetryPolicy {
  /** Total attempts including the first (>= 1). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retry-After sent to the caller when retries run out. */
  retryAfterSeconds: number;
}

export const DefaultRetryPolicy: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  retryAfterSeconds: 2,
};

export interface CapillaryClientOptions {
  baseUrl: string;
  authMode: 'oauth' | 'basic';
  /** SSM parameter holding `{key, secret}` (oauth) or `{tillId, password}` (basic). */
  credentialsParameter: string;
  secrets: SecretSource;
  timeoutMs: number;
  fetch?: FetchFn;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  logger?: CapillaryLogger;
}

const OAuthSecretSchema = z.object({ key: z.string().min(1), secret: z.string().min(1) });
const BasicSecretSchema = z.object({ tillId: z.string().min(1), password: z.string().min(1) });
const TokenResponseSchema = z.object({
  data: z.object({ accessToken: z.string().min(1), ttlSeconds: z.number().positive() }),
});

interface RawAnswer {
  status: number;
  requestId: string | undefined;
  json: unknown;
  retryAfterHeader: string | null;
}

type Attempt = { kind: 'answer'; answer: RawAnswer } | { kind: 'timeout' } | { kind: 'network' };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function md5Hex(value: string): string {
  return createHash('md5').update(value, 'utf8').digest('hex');
}

function errorCodes(envelope: CapillaryEnvelope | undefined): number[] {
  return (envelope?.errors ?? []).map((item) => item.code);
}

/** The v2 rule: success is decided from the body (created id / entity / resource present and no errors). */
function isSuccess(envelope: CapillaryEnvelope | undefined, json: unknown, expectResource: boolean): boolean {
  if (!envelope || (envelope.errors?.length ?? 0) > 0) return false;
  if (expectResource) return json !== null && typeof json === 'object' && 'id' in json;
  return typeof envelope.createdId === 'number' || typeof envelope.entity === 'number';
}

/** A Capillary client bound to one brand's cluster and credentials. */
export class CapillaryClient {
  private readonly options: CapillaryClientOptions;
  private readonly retry: RetryPolicy;
  private readonly fetchFn: FetchFn;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private token: { value: string; refreshAt: number } | undefined;
  private tokenInFlight: Promise<string> | undefined;

  constructor(options: CapillaryClientOptions) {
    if (!URL.canParse(options.baseUrl)) throw new ConfigError('Capillary baseUrl must be an absolute URL');
    this.options = options;
    this.retry = { ...DefaultRetryPolicy, ...options.retry };
    if (this.retry.maxAttempts < 1) throw new ConfigError('retry.maxAttempts must be at least 1');
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** Drops the cached OAuth token (tests, or after Capillary refused it). */
  clearTokenCache(): void {
    this.token = undefined;
  }

  /** `GET /v2/customers/lookup`: the customer id, or undefined on 8015. */
  async lookupCustomerId(query: LookupQuery): Promise<number | undefined> {
    try {
      const { envelope } = await this.call('lookup', 'GET', '/v2/customers/lookup', this.lookupParams(query));
      return envelope.entity ?? undefined;
    } catch (error) {
      if (error instanceof CapillaryNotFoundError) return undefined;
      throw error;
    }
  }

  /** `GET /v2/customers/lookup/customerDetails`: the customer with profiles, or undefined on 8015. */
  async lookupCustomer(query: LookupQuery): Promise<CapillaryCustomer | undefined> {
    try {
      const { json } = await this.call(
        'lookup customerDetails',
        'GET',
        '/v2/customers/lookup/customerDetails',
        this.lookupParams(query),
        undefined,
        true,
      );
      return this.parseCustomer(json);
    } catch (error) {
      if (error instanceof CapillaryNotFoundError) return undefined;
      throw error;
    }
  }

  /** `GET /v2/customers/{id}`; throws CapillaryNotFoundError when it does not exist. */
  async getCustomer(customerId: number): Promise<CapillaryCustomer> {
    const { json } = await this.call('get', 'GET', `/v2/customers/${customerId}`, {}, undefined, true);
    return this.parseCustomer(json);
  }

  /** `POST /v2/customers`; an 8050 merge warning is a success whose id is the surviving customer. */
  async addCustomer(input: AddCustomerInput): Promise<WriteResult> {
    return this.write('add', 'POST', '/v2/customers', {}, input);
  }

  /** `PUT /v2/customers/{id}?source&accountId`: profile fields, custom fields, extended fields. */
  async updateCustomer(
    customerId: number,
    source: string,
    accountId: string | undefined,
    input: UpdateCustomerInput,
  ): Promise<WriteResult> {
    return this.write('update', 'PUT', `/v2/customers/${customerId}`, this.sourceParams(source, accountId), input);
  }

  /** `POST /v2/customers/{id}/changeIdentifier?source&accountId` with `{add, remove}`. */
  async changeIdentifier(
    customerId: number,
    source: string,
    accountId: string | undefined,
    change: { add: CapillaryIdentifier[]; remove: CapillaryIdentifier[] },
  ): Promise<WriteResult> {
    return this.write(
      'changeIdentifier',
      'POST',
      `/v2/customers/${customerId}/changeIdentifier`,
      this.sourceParams(source, accountId),
      change,
    );
  }

  private lookupParams(query: LookupQuery): Record<string, string> {
    return {
      source: query.source,
      ...(query.accountId === undefined ? {} : { accountId: query.accountId }),
      identifierName: query.identifierName,
      identifierValue: query.identifierValue,
    };
  }

  private sourceParams(source: string, accountId: string | undefined): Record<string, string> {
    return { source, ...(accountId === undefined ? {} : { accountId }) };
  }

  private parseCustomer(json: unknown): CapillaryCustomer {
    const parsed = CustomerSchema.safeParse(json);
    if (!parsed.success) {
      throw new CapillaryRejectedError('Capillary returned an unexpected customer shape', {
        codes: [],
        httpStatus: undefined,
        requestId: undefined,
      });
    }
    return parsed.data;
  }

  private async write(
    operation: string,
    method: string,
    path: string,
    params: Record<string, string>,
    body: unknown,
  ): Promise<WriteResult> {
    const { envelope, requestId } = await this.call(operation, method, path, params, body);
    const customerId = envelope.createdId ?? envelope.entity;
    if (typeof customerId !== 'number') {
      throw new CapillaryRejectedError(`Capillary ${operation}: no id in the answer`, {
        codes: [],
        httpStatus: undefined,
        requestId,
      });
    }
    return {
      customerId,
      warnings: (envelope.warnings ?? []).map(({ code, message }) => ({ code, message })),
      requestId,
    };
  }

  /** One logical call: auth header, retries with backoff, envelope decision, typed errors. */
  private async call(
    operation: string,
    method: string,
    path: string,
    params: Record<string, string>,
    body?: unknown,
    expectResource = false,
  ): Promise<{ envelope: CapillaryEnvelope; json: unknown; requestId: string | undefined }> {
    const url = new URL(path, this.options.baseUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    let refreshedToken = false;
    let last: Attempt = { kind: 'network' };
    for (let attempt = 0; attempt < this.retry.maxAttempts; attempt++) {
      if (attempt > 0) await this.backoff(attempt);
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...(await this.authHeaders()),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      };
      last = await this.send(url.href, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (last.kind !== 'answer') {
        this.options.logger?.warn('capillary call failed', { operation, failure: last.kind, attempt });
        continue;
      }
      const { answer } = last;
      const parsed = EnvelopeSchema.safeParse(answer.json);
      const envelope = parsed.success ? parsed.data : undefined;
      const codes = errorCodes(envelope);
      this.options.logger?.info('capillary call', {
        operation,
        status: answer.status,
        capRequestId: answer.requestId,
        codes,
        warnings: (envelope?.warnings ?? []).map((w) => w.code),
        attempt,
      });
      if (envelope && isSuccess(envelope, answer.json, expectResource)) {
        return { envelope, json: answer.json, requestId: answer.requestId };
      }
      if (answer.status === 401 && this.options.authMode === 'oauth' && !refreshedToken) {
        // A token revoked or expired early: fetch a new one once, without using up a retry.
        refreshedToken = true;
        this.clearTokenCache();
        attempt--;
        continue;
      }
      if (this.isRetryable(answer.status, codes)) continue;
      throw toCapillaryError(operation, { codes, httpStatus: answer.status, requestId: answer.requestId });
    }
    throw this.exhausted(operation, last);
  }

  private isRetryable(status: number, codes: number[]): boolean {
    return status >= 500 || status === 429 || codes.includes(CONCURRENT_ACTION_CODE);
  }

  private exhausted(operation: string, last: Attempt): CapillaryUnavailableError {
    const info = {
      codes: last.kind === 'answer' ? errorCodes(EnvelopeSchema.safeParse(last.answer.json).data) : [],
      httpStatus: last.kind === 'answer' ? last.answer.status : undefined,
      requestId: last.kind === 'answer' ? last.answer.requestId : undefined,
    };
    const header = last.kind === 'answer' ? Number(last.answer.retryAfterHeader) : Number.NaN;
    const retryAfter = Number.isInteger(header) && header > 0 && header <= 300 ? header : this.retry.retryAfterSeconds;
    // Throttling, concurrent-action (521), 503 and timeouts say "try again later"; other 5xx are a bad gateway.
    const busy =
      last.kind !== 'answer' ||
      last.answer.status === 429 ||
      last.answer.status === 503 ||
      last.answer.status === 521 ||
      info.codes.includes(CONCURRENT_ACTION_CODE);
    const reason = last.kind === 'answer' ? `HTTP ${last.answer.status}` : last.kind;
    return new CapillaryUnavailableError(
      busy ? 503 : 502,
      `Capillary ${operation} kept failing (${reason}); retry later`,
      retryAfter,
      info,
    );
  }

  /** Full jitter: a random delay in [0, min(max, base * 2^attempt)). */
  private async backoff(attempt: number): Promise<void> {
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    await this.sleep(Math.floor(this.random() * cap));
  }

  private async send(url: string, init: RequestInit): Promise<Attempt> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await this.fetchFn(url, { ...init, signal });
    } catch (error) {
      if (
        signal.aborted ||
        (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
      ) {
        return { kind: 'timeout' };
      }
      return { kind: 'network' };
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      return signal.aborted ? { kind: 'timeout' } : { kind: 'network' };
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : safeJsonParse(text);
    } catch {
      json = undefined;
    }
    return {
      kind: 'answer',
      answer: {
        status: response.status,
        requestId: response.headers.get('x-cap-requestid') ?? undefined,
        json,
        retryAfterHeader: response.headers.get('retry-after'),
      },
    };
  }

  private async authHeaders(): Promise<Record<string, string>> {
    if (this.options.authMode === 'basic') {
      const { tillId, password } = await this.readSecret(BasicSecretSchema);
      return { authorization: `Basic ${Buffer.from(`${tillId}:${md5Hex(password)}`).toString('base64')}` };
    }
    return { 'X-CAP-API-OAUTH-TOKEN': await this.oauthToken() };
  }

  private async readSecret<T extends z.ZodType>(schema: T): Promise<z.output<T>> {
    let raw: string;
    try {
      raw = await this.options.secrets.getSecret(this.options.credentialsParameter);
    } catch (error) {
      throw new UpstreamError(503, ErrorCodes.CONFIG_UNAVAILABLE, 'Capillary credentials unavailable', {
        retryAfterSeconds: this.retry.retryAfterSeconds,
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

  /** The cached OAuth token, renewed shortly before `ttlSeconds` runs out; concurrent misses share one request. */
  private async oauthToken(): Promise<string> {
    if (this.token && this.now() < this.token.refreshAt) return this.token.value;
    this.tokenInFlight ??= this.generateToken().finally(() => {
      this.tokenInFlight = undefined;
    });
    return this.tokenInFlight;
  }

  private async generateToken(): Promise<string> {
    const { key, secret } = await this.readSecret(OAuthSecretSchema);
    const url = new URL('/v3/oauth/token/generate', this.options.baseUrl).href;
    let last: Attempt = { kind: 'network' };
    for (let attempt = 0; attempt < this.retry.maxAttempts; attempt++) {
      if (attempt > 0) await this.backoff(attempt);
      last = await this.send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ key, secret }),
      });
      if (last.kind !== 'answer') continue;
      const parsed = TokenResponseSchema.safeParse(last.answer.json);
      this.options.logger?.info('capillary token', { status: last.answer.status, capRequestId: last.answer.requestId });
      if (last.answer.status < 300 && parsed.success) {
        const ttlMs = parsed.data.data.ttlSeconds * 1000;
        // Renew a little early so a token never expires in flight: 60 s or a fifth of its life, whichever is less.
        const margin = Math.min(60_000, ttlMs / 5);
        this.token = { value: parsed.data.data.accessToken, refreshAt: this.now() + ttlMs - margin };
        return this.token.value;
      }
      if (!this.isRetryable(last.answer.status, [])) {
        throw new CapillaryRejectedError('Capillary refused the gateway credentials', {
          codes: [],
          httpStatus: last.answer.status,
          requestId: last.answer.requestId,
        });
      }
    }
    throw this.exhausted('token', last);
  }
}

/** Builds the client for a brand from its configuration. */
export function createCapillaryClient(
  brand: Pick<BrandConfig, 'capillary'>,
  deps: Omit<CapillaryClientOptions, 'baseUrl' | 'authMode' | 'credentialsParameter' | 'timeoutMs'>,
): CapillaryClient {
  return new CapillaryClient({
    ...deps,
    baseUrl: brand.capillary.baseUrl,
    authMode: brand.capillary.authMode,
    credentialsParameter: brand.capillary.credentialsParameter,
    timeoutMs: brand.capillary.timeoutMs,
  });
}

/** Hands out one client per brand revision, so token caches survive between warm calls but never a re-save. */
export class CapillaryClients {
  private readonly clients = new Map<string, { revision: string; client: CapillaryClient }>();
  private readonly deps: Omit<CapillaryClientOptions, 'baseUrl' | 'authMode' | 'credentialsParameter' | 'timeoutMs'>;

  constructor(deps: Omit<CapillaryClientOptions, 'baseUrl' | 'authMode' | 'credentialsParameter' | 'timeoutMs'>) {
    this.deps = deps;
  }

  forBrand(brand: BrandConfig): CapillaryClient {
    const cached = this.clients.get(brand.brandId);
    if (cached && cached.revision === brand.revision) return cached.client;
    const client = createCapillaryClient(brand, this.deps);
    this.clients.set(brand.brandId, { revision: brand.revision, client });
    return client;
  }

  clear(): void {
    this.clients.clear();
  }
}
