// The member API test rig: the post-auth rig (a real oidc-provider CIAM, the Capillary simulator, dynalite) with the
// brand's `memberApi` set, the member state in dynalite, in-memory metrics, and the three member handlers, called
// with API Gateway events as the stack builds them (route template, path parameters, query, headers).
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createHandler as createMemberHandler } from '../../functions/member/handler.js';
import { createHandler as createNeoHandler } from '../../functions/neo/handler.js';
import { createHandler as createRewardIssueHandler } from '../../functions/reward-issue/handler.js';
import type { LoginResult, LoginStepUp } from '../../local/dev-ciam-client.js';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { DynamoMemberStateStore } from '../../shared/adapters/dynamo-member-state.js';
import { type BrandConfig, parseBrandConfig } from '../../shared/config/brand-config.js';
import type { MemberHandlerDeps, MemberServices } from '../../shared/member/member-ports.js';
import type { AuthGuard } from '../../shared/http/api-handler.js';
import { createLogger } from '../../shared/observability/logger.js';
import { InMemoryGatewayMetrics } from '../../shared/observability/metrics.js';
import { type HttpMethod, Routes } from '../../shared/routes.js';
import { authorizedEvent, lambdaContext } from './events.js';
import { APP, type PostAuthRig, startPostAuthRig } from './post-auth-harness.js';

/** The demo settings of the tests: rewards set up, a Neo echo; tests change them with `setMemberApi`. */
export const MEMBER_API_SETTINGS = {
  rewards: { brand: 'demo_marvel', till: 'demo.till' },
  neo: [{ name: 'echo', method: 'POST', path: '/x/neo/{customerId}/echo', customerId: 'path' }],
};

/** A CIAM account of the member tests: a verified e-mail (`<given>@example.com`), and a verified mobile if given. */
export function memberAccount(given: string, family: string, mobile?: string): Record<string, unknown> {
  return {
    given_name: given,
    family_name: family,
    email: `${given.toLowerCase()}@example.com`,
    email_verified: true,
    ...(mobile ? { phone_number: mobile, phone_number_verified: true } : {}),
  };
}

export interface MemberCall {
  method?: HttpMethod;
  /** Path parameters of the route template. */
  params?: Record<string, string>;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: unknown;
  remainingTimeMs?: number;
}

export interface MemberAnswer {
  status: number;
  headers: Record<string, string | number | boolean>;
  // biome-ignore lint/suspicious/noExplicitAny: the answers' JSON shapes are read by each test's assertions.
  body: any;
}

export interface MemberRig extends PostAuthRig {
  state: DynamoMemberStateStore;
  metrics: InMemoryGatewayMetrics;
  memberServices: MemberServices;
  /** Replaces the brand's `memberApi` (validated as the admin API would). */
  setMemberApi(memberApi: unknown): BrandConfig;
  /** Signs in with extra scopes or a step-up (acr_values, max_age, prompt, an existing CIAM session). */
  loginWith(sub: string, options?: { scope?: string; stepUp?: LoginStepUp }): Promise<LoginResult>;
  /** Calls the member route `METHOD path` (a template of shared/routes.ts) with `token`. */
  member(route: string, token: string, call?: MemberCall): Promise<MemberAnswer>;
}

type Handler = (
  event: ReturnType<typeof authorizedEvent>,
  context: typeof lambdaContext,
) => Promise<APIGatewayProxyResult>;

export async function startMemberRig(
  options: Parameters<typeof startPostAuthRig>[0] & { memberApi?: unknown; guards?: AuthGuard[] },
): Promise<MemberRig> {
  const rig = await startPostAuthRig(options);
  const { version: _version, revision: _revision, ...document } = rig.brand;
  const state = new DynamoMemberStateStore({ documentClient: rig.documentClient, tableName: rig.tables.links });
  const metrics = new InMemoryGatewayMetrics();
  const memberServices: MemberServices = { ...rig.services, state, metrics };
  const deps: MemberHandlerDeps = {
    logger: createLogger('member-test', 'SILENT'),
    brands: rig.brands,
    services: memberServices,
    ...(options.guards ? { guards: options.guards } : {}),
  };
  const handlers: Record<string, Handler> = {
    member: createMemberHandler(deps),
    'reward-issue': createRewardIssueHandler(deps),
    neo: createNeoHandler(deps),
  };
  const setMemberApi = (memberApi: unknown) => {
    const brand = parseBrandConfig({ ...document, memberApi }, 1);
    rig.brands.put(brand);
    return brand;
  };
  setMemberApi(options.memberApi ?? MEMBER_API_SETTINGS);

  return {
    ...rig,
    state,
    metrics,
    memberServices,
    setMemberApi,
    loginWith: (sub, login = {}) => loginWithCode(rig.ciam, APP, sub, login.scope, login.stepUp),
    async member(route, token, call = {}) {
      const [method, template] = route.split(' ') as [HttpMethod, string];
      const definition = Routes.find((r) => r.method === method && r.path === template);
      if (!definition) throw new Error(`no route ${route}`);
      const handler = handlers[definition.functionName];
      if (!handler) throw new Error(`${definition.functionName} is not a member function`);
      const path = template.replace(/\{(\w+)\}/g, (_all, name: string) =>
        encodeURIComponent(call.params?.[name] ?? ''),
      );
      const single: Record<string, string> = {};
      const multi: Record<string, string[]> = {};
      for (const [key, value] of Object.entries(call.query ?? {})) {
        multi[key] = Array.isArray(value) ? value : [value];
        single[key] = Array.isArray(value) ? (value.at(-1) ?? '') : value;
      }
      const body =
        call.body === undefined ? null : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
      const headers = {
        Authorization: `Bearer ${token}`,
        ...(body === null ? {} : { 'content-type': 'application/json' }),
        ...call.headers,
      };
      const event = authorizedEvent(await rig.contextFor(token), {
        resource: template,
        path,
        httpMethod: method,
        headers,
        multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        pathParameters: call.params ?? null,
        queryStringParameters: Object.keys(single).length ? single : null,
        multiValueQueryStringParameters: Object.keys(multi).length ? multi : null,
        body,
      });
      const started = Date.now();
      const context =
        call.remainingTimeMs === undefined
          ? lambdaContext
          : { ...lambdaContext, getRemainingTimeInMillis: () => (call.remainingTimeMs ?? 0) - (Date.now() - started) };
      const result = await handler(event, context);
      return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body) };
    },
  };
}
