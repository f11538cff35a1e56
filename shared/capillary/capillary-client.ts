// Capillary v2 customer API client for one brand: the calls the post-auth flows make, each with its
// documented query (`source` on every get). Auth lives in capillary-auth.ts, the retry loop in
// capillary-transport.ts, the envelope decision in capillary-envelope.ts.
import { sleep as realSleep } from '../lang/sleep.js';
import type { FetchFn } from '../http/fetch.js';
import type { BrandConfig } from '../config/brand-config.js';
import type { SecretSource } from '../config/secret-source.js';
import { ConfigError } from '../errors.js';
import { CapillaryAuth } from './capillary-auth.js';
import {
  CapillaryIdentifierChangeError,
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

export type { CapillaryLogger, RetryPolicy } from './capillary-transport.js';

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
export { DefaultRetryPolicy } from './capillary-transport.js';

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

interface ClientCore {
  baseUrl: string;
  auth: CapillaryAuth;
  transport: CapillaryTransport;
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
    const transport = new CapillaryTransport({
      timeoutMs: options.timeoutMs,
      retry,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      sleep: options.sleep ?? realSleep,
      random: options.random ?? Math.random,
      logger: options.logger,
    });
    const auth = new CapillaryAuth({
      baseUrl: options.baseUrl,
      authMode: options.authMode,
      credentialsParameter: options.credentialsParameter,
      secrets: options.secrets,
      transport,
      retryAfterSeconds: retry.retryAfterSeconds,
      now: options.now ?? Date.now,
    });
    this.core = { baseUrl: options.baseUrl, auth, transport };
  }

  /** The same client (token cache shared) whose calls stop in time for `deadline`. */
  within(deadline: Deadline): CapillaryClient {
    return new CapillaryClient(this.core, deadline);
  }

  /** Drops the cached OAuth token (tests, or after Capillary refused it). */
  clearTokenCache(): void {
    this.core.auth.clear();
  }

  /** `GET /v2/customers/lookup`: the customer id, or undefined on 8015; 8013/8011 throw CapillaryLookupRefusedError. */
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
   * Throws CapillaryNotFoundError when it does not exist, CapillaryMergedError (8069) when merged away.
   */
  async getCustomer(customerId: number, source: GetSource = CapillarySources.ALL): Promise<CapillaryCustomer> {
    const { json } = await this.call('get', 'GET', `/v2/customers/${customerId}`, { source }, 'resource');
    return parseCustomer(json);
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
    const result = await this.write('changeIdentifier', 'POST', path, sourceParams(source, accountId), change);
    const failure = result.warnings.find((warning) => IDENTIFIER_CHANGE_FAILURES.has(warning.code));
    if (failure) {
      throw new CapillaryIdentifierChangeError(
        IDENTIFIER_CHANGE_FAILURES.get(failure.code) ?? 'IDENTIFIER_CHANGE_REFUSED',
        `Capillary did not change the identifier (${failure.code}: ${failure.message})`,
        { codes: result.warnings.map((w) => w.code), httpStatus: undefined, requestId: result.requestId },
      );
    }
    return result;
  }

  /**
   * One call of another endpoint family through this client's authentication, timeouts, retries and deadline
   * (shared/capillary/loyalty-calls.ts); `judge` classifies each answer by that family's rules.
   */
  exchange<T>(
    request: FamilyRequest,
    judge: (answer: RawAnswer, auth: 'renewable' | 'fixed') => Verdict<T>,
  ): Promise<T> {
    const url = new URL(request.path, this.core.baseUrl);
    for (const [key, value] of Object.entries(request.params ?? {})) {
      for (const item of typeof value === 'string' ? [value] : value) url.searchParams.append(key, item);
    }
    const { auth } = this.core;
    const extra = request.headers ?? {};
    return this.core.transport.run(
      {
        operation: request.operation,
        method: request.method,
        url: url.href,
        ...(request.body === undefined ? {} : { body: request.body }),
        headers: async () => ({ ...extra, ...(await auth.headers(this.deadline)) }),
        renewAuth: () => auth.clear(),
      },
      (answer) => judge(answer, auth.renewable),
      this.deadline,
    );
  }

  private async write(
    operation: string,
    method: string,
    path: string,
    params: Record<string, string>,
    body: unknown,
  ): Promise<WriteResult> {
    const { envelope, requestId } = await this.call(operation, method, path, params, 'id', body);
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

  private call(
    operation: string,
    method: string,
    path: string,
    params: Record<string, string>,
    expect: Expectation,
    body?: unknown,
  ): Promise<EnvelopeAnswer> {
    const url = new URL(path, this.core.baseUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const { auth } = this.core;
    return this.core.transport.run(
      {
        operation,
        method,
        url: url.href,
        ...(body === undefined ? {} : { body }),
        headers: () => auth.headers(this.deadline),
        renewAuth: () => auth.clear(),
      },
      (answer) => judgeApiAnswer(operation, answer, expect, auth.renewable),
      this.deadline,
    );
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

type ClientDeps = Omit<CapillaryClientOptions, 'baseUrl' | 'authMode' | 'credentialsParameter' | 'timeoutMs'>;

/** Builds the client for a brand from its configuration. */
export function createCapillaryClient(brand: Pick<BrandConfig, 'capillary'>, deps: ClientDeps): CapillaryClient {
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
  private readonly deps: ClientDeps;

  constructor(deps: ClientDeps) {
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
