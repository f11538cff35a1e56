// Capillary v2 customer API client for one brand: the calls the post-auth flows make, each with its
// documented query (`source` on every get). Auth lives in capillary-auth.ts, the retry loop in
// capillary-transport.ts, the envelope decision in capillary-envelope.ts, the code tables per endpoint family in
// capillary-codes.ts, the brand's rate limit in capillary-rate-limit.ts. Other APIs (points, coupons, rewards)
// call `request` with their own code family.
import { sleep as realSleep } from '../lang/sleep.js';
import type { FetchFn } from '../http/fetch.js';
import type { BrandConfig } from '../config/brand-config.js';
import type { SecretSource } from '../config/secret-source.js';
import { ConfigError } from '../errors.js';
import { CapillaryAuth, CapillaryTokenSlot } from './capillary-auth.js';
import { type CodeFamily, CustomerV2Codes, meaningOf } from './capillary-codes.js';
import {
  CapillaryIdentifierChangeError,
  CapillaryMergedError,
  CapillaryNotFoundError,
  CapillaryRejectedError,
  IDENTIFIER_CHANGE_FAILURES,
} from './capillary-errors.js';
import {
  type EnvelopeAnswer,
  type Expectation,
  judgeApiAnswer,
  type RawAnswer,
  type Verdict,
} from './capillary-envelope.js';
import { type AttemptTimeouts, attemptTimeoutMs, attemptTimeoutsFor } from './attempt-timeouts.js';
import type { CircuitBreaker, CircuitBreakers } from './circuit-breaker.js';
import {
  type CapillaryRateLimiter,
  InMemoryRateWindowStore,
  type RateWindowStore,
  WindowRateLimiter,
} from './capillary-rate-limit.js';
import {
  CapillaryTransport,
  type CapillaryLogger,
  type Deadline,
  DefaultRetryPolicy,
  NoDeadline,
  type RetryPolicy,
} from './capillary-transport.js';
import {
  type AddCustomerInput,
  type CapillaryCustomer,
  type CapillaryIdentifier,
  CapillarySources,
  CustomerSchema,
  type GetSource,
  type LookupQuery,
  type UpdateCustomerInput,
  type WriteResult,
} from './capillary-types.js';

/** A call of another endpoint family (loyalty, rewards, Neo: loyalty-calls.ts), relative to the brand's base URL. */
export interface FamilyRequest {
  operation: string;
  method: string;
  path: string;
  /** Query parameters; a list repeats the parameter. */
  params?: Record<string, string | readonly string[]>;
  body?: unknown;
  /** Headers beside the authentication headers (e.g. Neo's `x-cap-neo-dag-scope`). */
  headers?: Record<string, string>;
}

export interface CapillaryClientOptions {
  baseUrl: string;
  authMode: 'oauth' | 'basic';
  /** SSM parameter holding `{key, secret}` (oauth) or `{tillId, password}` (basic). */
  credentialsParameter: string;
  secrets: SecretSource;
  /** Per-attempt timeout of writes (and of the token call). */
  timeoutMs: number;
  /** Per-attempt timeouts by kind; defaults to attemptTimeoutsFor(timeoutMs) (reads shorter than writes). */
  attemptTimeouts?: AttemptTimeouts;
  /** Fails calls fast while this brand's Capillary is failing (see circuit-breaker.ts). */
  breaker?: CircuitBreaker;
  fetch?: FetchFn;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  logger?: CapillaryLogger;
  /** The brand's Capillary rate limit (none: unlimited). */
  rateLimiter?: CapillaryRateLimiter;
  /** Where the OAuth token is kept (CapillaryClients shares one per brand connection). */
  tokenSlot?: CapillaryTokenSlot;
}

interface ClientCore {
  baseUrl: string;
  auth: CapillaryAuth;
  transport: CapillaryTransport;
  timeouts: AttemptTimeouts;
  breaker: CircuitBreaker | undefined;
}

/** One Capillary call as `request` takes it. */
export interface CapillaryRequest {
  /** Names the call in logs and errors (`lookup`, `get`, `points` ...). */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path from the cluster root, e.g. `/v2/customers/123/loyaltyDetails`. */
  path: string;
  params?: Record<string, string>;
  /** `id` (createdId / entity) or `resource` (a body with an `id`). */
  expect: Expectation;
  body?: unknown;
  /** The code table that reads the answer (default: the v2 customer APIs). */
  family?: CodeFamily;
}

/** A Capillary client bound to one brand's cluster and credentials (and, via `within`, to a deadline). */
export class CapillaryClient {
  private readonly core: ClientCore;
  private readonly deadline: Deadline;

  constructor(options: CapillaryClientOptions);
  constructor(options: ClientCore, deadline: Deadline);
  constructor(options: CapillaryClientOptions | ClientCore, deadline: Deadline = NoDeadline) {
    this.deadline = deadline;
    if ('transport' in options) {
      this.core = options;
      return;
    }
    if (!URL.canParse(options.baseUrl)) throw new ConfigError('Capillary baseUrl must be an absolute URL');
    const retry = { ...DefaultRetryPolicy, ...options.retry };
    if (retry.maxAttempts < 1) throw new ConfigError('retry.maxAttempts must be at least 1');
    const now = options.now ?? Date.now;
    const transport = new CapillaryTransport({
      timeoutMs: options.timeoutMs,
      retry,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      sleep: options.sleep ?? realSleep,
      random: options.random ?? Math.random,
      now,
      logger: options.logger,
      rateLimiter: options.rateLimiter,
    });
    const auth = new CapillaryAuth({
      baseUrl: options.baseUrl,
      authMode: options.authMode,
      credentialsParameter: options.credentialsParameter,
      secrets: options.secrets,
      transport,
      retryAfterSeconds: retry.retryAfterSeconds,
      now,
      ...(options.tokenSlot ? { slot: options.tokenSlot } : {}),
    });
    this.core = {
      baseUrl: options.baseUrl,
      auth,
      transport,
      timeouts: options.attemptTimeouts ?? attemptTimeoutsFor(options.timeoutMs),
      breaker: options.breaker,
    };
  }

  /** The same client (token cache shared) whose calls stop in time for `deadline`. */
  within(deadline: Deadline): CapillaryClient {
    return new CapillaryClient(this.core, deadline);
  }

  /** Drops the cached OAuth token (tests, or after Capillary refused it). */
  clearTokenCache(): void {
    this.core.auth.clear();
  }

  /**
   * Authenticates now with the brand's credentials (a fresh token for oauth): its `ttlSeconds`, undefined for basic.
   * @throws CapillaryRejectedError when Capillary refuses them, CapillaryUnavailableError when it does not answer.
   */
  authenticate(): Promise<{ ttlSeconds: number | undefined }> {
    return this.core.auth.authenticate(this.deadline);
  }

  /**
   * A read-only GET answered as Capillary sent it (status, codes, body, request id), never judged or retried on a
   * business code: the brand doctor's probes read which codes and statuses an org answers. Authenticated as every
   * call is; a refused token is renewed once.
   */
  async readRaw(path: string, params: Record<string, string>): Promise<RawAnswer> {
    const { auth } = this.core;
    const { value } = await this.send(
      { operation: 'probe', method: 'GET', path, params },
      (answer) =>
        answer.status === 401 && auth.renewable === 'renewable'
          ? { kind: 'renew-auth' }
          : { kind: 'done', value: answer },
      { breaker: false },
    );
    return value;
  }

  /**
   * The same read-only GET sent with an OAuth token Capillary never issued, neither renewed nor retried: how the org
   * refuses an expired or unknown token (HTTP 401, or code 401 in an HTTP 500), which the brand doctor reads.
   */
  readRawWithUnknownToken(path: string, params: Record<string, string>, token: string): Promise<RawAnswer> {
    const url = new URL(path, this.core.baseUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.append(key, value);
    return this.core.transport.run(
      {
        operation: 'probe',
        method: 'GET',
        url: url.href,
        headers: async () => ({ 'X-CAP-API-OAUTH-TOKEN': token }),
        timeoutMs: attemptTimeoutMs(this.core.timeouts, 'GET'),
      },
      (answer) => ({ kind: 'done', value: answer }),
      this.deadline,
    );
  }

  /**
   * `GET /v2/customers/lookup`: the customer id, or undefined when not found (8015, 8065, 816); a refused lookup
   * (8013/8003) throws CapillaryLookupRefusedError, an unknown source account (8011) CapillaryAccountUnknownError.
   */
  async lookupCustomerId(query: LookupQuery): Promise<number | undefined> {
    try {
      const { envelope } = await this.call('lookup', 'GET', '/v2/customers/lookup', lookupParams(query), 'id');
      return envelope.entity ?? undefined;
    } catch (error) {
      if (error instanceof CapillaryNotFoundError) return undefined;
      throw error;
    }
  }

  /** `GET /v2/customers/lookup/customerDetails`: the customer with profiles, or undefined on 8015. */
  async lookupCustomer(query: LookupQuery): Promise<CapillaryCustomer | undefined> {
    try {
      const path = '/v2/customers/lookup/customerDetails';
      const { json } = await this.call('lookup customerDetails', 'GET', path, lookupParams(query), 'resource');
      return parseCustomer(json);
    } catch (error) {
      if (error instanceof CapillaryNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * `GET /v2/customers/{id}?source=...` (`source` is mandatory, 8016 without it; ALL returns every profile).
   * Throws CapillaryNotFoundError when it does not exist, CapillaryDeletedError when erased (PII), and
   * CapillaryMergedError when it was merged away: 8069 as an error (the older status-code page), or an answer
   * that is another customer's (8069 as a warning on the current page, or just another `id`), whose data is
   * then the error's `survivor`. So a caller never takes a survivor's data for the id it asked for.
   */
  async getCustomer(customerId: number, source: GetSource = CapillarySources.ALL): Promise<CapillaryCustomer> {
    const { json, envelope, requestId } = await this.call(
      'get',
      'GET',
      `/v2/customers/${customerId}`,
      { source },
      'resource',
    );
    const customer = parseCustomer(json);
    const warnings = (envelope.warnings ?? []).map((warning) => warning.code);
    if (customer.id !== customerId || meaningOf(CustomerV2Codes, 'warnings', warnings) === 'merged') {
      throw new CapillaryMergedError(
        `Capillary get: customer ${customerId} was merged into ${customer.id}`,
        { codes: warnings, httpStatus: 200, requestId },
        { mergedId: customerId, ...(customer.id === customerId ? {} : { survivor: customer }) },
      );
    }
    return customer;
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
    return this.write('update', 'PUT', `/v2/customers/${customerId}`, sourceParams(source, accountId), input);
  }

  /**
   * `POST /v2/customers/{id}/changeIdentifier?source&accountId` with `{add, remove}`. Capillary reports a
   * refused change as a warning 8070-8075 beside the createdId: thrown as CapillaryIdentifierChangeError.
   */
  async changeIdentifier(
    customerId: number,
    source: string,
    accountId: string | undefined,
    change: { add: CapillaryIdentifier[]; remove: CapillaryIdentifier[] },
  ): Promise<WriteResult> {
    const path = `/v2/customers/${customerId}/changeIdentifier`;
    try {
      const result = await this.write('changeIdentifier', 'POST', path, sourceParams(source, accountId), change);
      const failure = result.warnings.find((warning) => IDENTIFIER_CHANGE_FAILURES.has(warning.code));
      if (failure) {
        throw new CapillaryIdentifierChangeError(
          IDENTIFIER_CHANGE_FAILURES.get(failure.code) ?? 'IDENTIFIER_CHANGE_REFUSED',
          `Capillary did not change the identifier (${failure.code}: ${failure.message})`,
          {
            codes: result.warnings.map((w) => w.code),
            httpStatus: undefined,
            requestId: result.requestId,
            ...(result.afterLostAnswer ? { afterLostAnswer: true } : {}),
          },
        );
      }
      return result;
    } catch (error) {
      // A retry after a lost answer may be refused only because the first attempt did the change (8070 "no
      // valid change", 8071-8073 "already attached"): read the customer and report what is true.
      const capillary = (error as { capillary?: { afterLostAnswer?: boolean } }).capillary;
      if (!capillary?.afterLostAnswer) throw error;
      const applied = await this.changeApplied(customerId, source, accountId, change);
      if (applied === undefined) throw error;
      return { customerId: applied, warnings: [], requestId: undefined };
    }
  }

  /** The id now holding the change when `change` is in place on the profile, else undefined. */
  private async changeApplied(
    customerId: number,
    source: string,
    accountId: string | undefined,
    change: { add: CapillaryIdentifier[]; remove: CapillaryIdentifier[] },
  ): Promise<number | undefined> {
    let customer: CapillaryCustomer;
    try {
      customer = await this.getCustomer(customerId);
    } catch (error) {
      // Adding an identifier another customer holds merges this one into it: look at the survivor.
      if (!(error instanceof CapillaryMergedError) || !error.survivor) return undefined;
      customer = error.survivor;
    }
    const profiles = customer.profiles.filter(
      (p) => p.source === source && (accountId === undefined || (p.accountId ?? '') === accountId),
    );
    const holds = (i: CapillaryIdentifier) =>
      profiles.some((p) => p.identifiers.some((held) => held.type === i.type && held.value === i.value));
    return change.add.every(holds) && !change.remove.some(holds) ? customer.id : undefined;
  }

  /**
   * One call of another endpoint family through this client's authentication, timeouts, retries and deadline
   * (shared/capillary/loyalty-calls.ts); `judge` classifies each answer by that family's rules.
   */
  async exchange<T>(
    request: FamilyRequest,
    judge: (answer: RawAnswer, auth: 'renewable' | 'fixed') => Verdict<T>,
  ): Promise<T> {
    const { auth } = this.core;
    return (await this.send(request, (answer) => judge(answer, auth.renewable), { breaker: true })).value;
  }

  private async write(
    operation: string,
    method: CapillaryRequest['method'],
    path: string,
    params: Record<string, string>,
    body: unknown,
  ): Promise<WriteResult> {
    const { envelope, requestId, afterLostAnswer } = await this.call(operation, method, path, params, 'id', body);
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
      ...(afterLostAnswer ? { afterLostAnswer } : {}),
    };
  }

  private call(
    operation: string,
    method: CapillaryRequest['method'],
    path: string,
    params: Record<string, string>,
    expect: Expectation,
    body?: unknown,
  ): Promise<EnvelopeAnswer & { afterLostAnswer?: boolean }> {
    return this.request({ operation, method, path, params, expect, ...(body === undefined ? {} : { body }) });
  }

  /**
   * One Capillary call through the client's circuit breaker, auth, rate limit, retries, deadline and logs, its
   * answer read with `spec.family`'s code table (the v2 customer table unless told). For calls this class has no
   * method for.
   */
  async request(spec: CapillaryRequest): Promise<EnvelopeAnswer & { afterLostAnswer?: boolean }> {
    const { auth } = this.core;
    const family = spec.family ?? CustomerV2Codes;
    const { value, lost } = await this.send(
      spec,
      (raw) => judgeApiAnswer(spec.operation, raw, spec.expect, auth.renewable, family),
      { breaker: true },
    );
    return lost ? { ...value, afterLostAnswer: true } : value;
  }

  /**
   * Every call's one path: the brand's URL, its authentication (a refused token renewed once), the per-attempt
   * timeout of its method (reads shorter than writes), the transport's rate limit, retries and deadline, and, unless
   * told otherwise, the brand's circuit breaker around the whole logical call (its retries and token included).
   * `lost`: an earlier attempt's answer was lost, so a write may already have been applied.
   */
  private async send<T>(
    request: FamilyRequest,
    judge: (answer: RawAnswer) => Verdict<T>,
    options: { breaker: boolean },
  ): Promise<{ value: T; lost: boolean }> {
    const url = new URL(request.path, this.core.baseUrl);
    for (const [key, value] of Object.entries(request.params ?? {})) {
      for (const item of typeof value === 'string' ? [value] : value) url.searchParams.append(key, item);
    }
    const { auth, breaker } = this.core;
    const extra = request.headers ?? {};
    let lost = false;
    const run = () =>
      this.core.transport.run(
        {
          operation: request.operation,
          method: request.method,
          url: url.href,
          ...(request.body === undefined ? {} : { body: request.body }),
          headers: async () => ({ ...extra, ...(await auth.headers(this.deadline)) }),
          renewAuth: (refused) => auth.renewAfterRefusal(refused),
          onLostAnswer: () => {
            lost = true;
          },
          timeoutMs: attemptTimeoutMs(this.core.timeouts, request.method),
        },
        judge,
        this.deadline,
      );
    const value = await (options.breaker && breaker ? breaker.run(run) : run());
    return { value, lost };
  }
}

function lookupParams(query: LookupQuery): Record<string, string> {
  return {
    source: query.source,
    ...(query.accountId === undefined ? {} : { accountId: query.accountId }),
    identifierName: query.identifierName,
    identifierValue: query.identifierValue,
  };
}

function sourceParams(source: string, accountId: string | undefined): Record<string, string> {
  return { source, ...(accountId === undefined ? {} : { accountId }) };
}

function parseCustomer(json: unknown): CapillaryCustomer {
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

type ClientDeps = Omit<
  CapillaryClientOptions,
  'baseUrl' | 'authMode' | 'credentialsParameter' | 'timeoutMs' | 'attemptTimeouts' | 'breaker' | 'rateLimiter'
> & {
  /** One circuit breaker per brand, shared by the brand's successive clients. */
  breakers?: CircuitBreakers;
  /**
   * The counters of the brands' rate limits every container shares (DynamoDB in AWS). Without one, a brand's
   * `capillary.rateLimits` are counted by this container alone.
   */
  rateStore?: RateWindowStore;
  /** Told when the shared counters fail (the container then counts alone). */
  onRateStoreError?: (error: unknown) => void;
  /** The fetch of one brand's calls (e.g. traced under the brand); defaults to `fetch`. */
  brandFetch?: (brandId: string) => FetchFn;
};

/** Builds the client for a brand from its configuration. */
export function createCapillaryClient(
  brand: {
    brandId: string;
    capillary: Pick<
      BrandConfig['capillary'],
      'baseUrl' | 'authMode' | 'credentialsParameter' | 'timeoutMs' | 'rateLimits'
    >;
  },
  deps: ClientDeps,
): CapillaryClient {
  const { breakers, rateStore, onRateStoreError, brandFetch, ...options } = deps;
  const breaker = breakers?.forBrand(brand.brandId);
  const limits = brand.capillary.rateLimits;
  const rateLimiter =
    Object.keys(limits).length === 0
      ? undefined
      : new WindowRateLimiter({
          limits,
          scope: brand.brandId,
          store: rateStore ?? new InMemoryRateWindowStore(deps.now),
          ...(deps.now ? { now: deps.now } : {}),
          ...(onRateStoreError ? { onStoreError: onRateStoreError } : {}),
        });
  return new CapillaryClient({
    ...options,
    ...(brandFetch ? { fetch: brandFetch(brand.brandId) } : {}),
    ...(breaker ? { breaker } : {}),
    baseUrl: brand.capillary.baseUrl,
    authMode: brand.capillary.authMode,
    credentialsParameter: brand.capillary.credentialsParameter,
    timeoutMs: brand.capillary.timeoutMs,
    ...(rateLimiter ? { rateLimiter } : {}),
  });
}

/**
 * Hands out one client per brand revision (a re-save takes effect at once), with one OAuth token per brand
 * connection in the container: a re-save that keeps the cluster and credentials keeps the token.
 */
export class CapillaryClients {
  private readonly clients = new Map<string, { revision: string; client: CapillaryClient }>();
  private readonly tokens = new Map<string, CapillaryTokenSlot>();
  private readonly deps: ClientDeps;

  constructor(deps: ClientDeps) {
    this.deps = deps;
  }

  forBrand(brand: BrandConfig): CapillaryClient {
    const cached = this.clients.get(brand.brandId);
    if (cached && cached.revision === brand.revision) return cached.client;
    const { baseUrl, authMode, credentialsParameter } = brand.capillary;
    const connection = JSON.stringify([brand.brandId, baseUrl, authMode, credentialsParameter]);
    let tokenSlot = this.tokens.get(connection);
    if (!tokenSlot) {
      tokenSlot = new CapillaryTokenSlot(this.deps.now);
      this.tokens.set(connection, tokenSlot);
    }
    const client = createCapillaryClient(brand, { ...this.deps, tokenSlot });
    this.clients.set(brand.brandId, { revision: brand.revision, client });
    return client;
  }

  clear(): void {
    this.clients.clear();
    this.tokens.clear();
  }
}
