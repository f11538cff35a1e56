// Per-environment deployment settings (infra/env/<env>.json), validated with zod at synth so a bad file fails
// with one readable error listing every problem instead of a half-built template.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The environments the app knows; `cdk synth -c env=<name>` picks one. */
export const EnvironmentNames = ['dev', 'stage', 'prod'] as const;
export type EnvironmentName = (typeof EnvironmentNames)[number];

/** CloudWatch Logs accepts only these retention periods (days). */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** API Gateway (REST) waits at most this long for an integration before answering 504 itself. */
export const API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 29;

const positiveInt = z.number().int().positive();
const rate = z.number().gt(0).max(1);
const seconds = (max: number) => z.number().int().min(0).max(max);
const lambdaMemorySize = z.number().int().min(128).max(10_240);
/** Below API Gateway's 29 s integration timeout, so the function's own error answer reaches the client. */
const lambdaTimeoutSeconds = z
  .number()
  .int()
  .min(1)
  .max(API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS - 1);

/** `https://app.example.com`, or `http://localhost:<port>` for development; no paths, no wildcards. */
const Origin = z.string().refine((value) => {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  const schemeOk = url.protocol === 'https:' || (url.protocol === 'http:' && loopback);
  return schemeOk && url.origin === value;
}, 'must be an origin such as https://app.example.com (http only for localhost), without path or trailing slash');

/** Rate and burst of one throttle (requests per second; burst >= rate is checked after parsing). */
const Throttle = z.strictObject({ rateLimit: positiveInt, burstLimit: positiveInt });

const Arn = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]*:\\d{12}:\\S+$`), `must be a ${service} ARN`);

const EnvironmentSettingsSchema = z.strictObject({
  /** Name used in resource names, the SSM prefix and the API stage. */
  stage: z.string().regex(/^[a-z][a-z0-9-]{1,15}$/, 'lowercase letters, digits and dashes (2-16 chars)'),
  /** Optional: pin the stack to an account/region; left out, the template is environment-agnostic. */
  account: z
    .string()
    .regex(/^\d{12}$/, 'a 12-digit AWS account id')
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
    .optional(),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
  /**
   * X-Ray on the functions and the API stage, with a subsegment per DynamoDB, SSM, Capillary and CIAM call
   * (shared/observability/tracing.ts). Off, the functions never load the Tracer (about 12 % of the authorizer's
   * cold start) and record nothing.
   */
  tracing: z.boolean(),
  logRetentionDays: z.number().refine((days) => RETENTION_DAYS.includes(days), `one of ${RETENTION_DAYS.join(', ')}`),
  /** `retain` keeps tables and log groups when the stack is deleted (use it wherever data matters). */
  removalPolicy: z.enum(['retain', 'destroy']),
  /** DynamoDB deletion protection (an extra guard on top of `retain`). */
  deletionProtection: z.boolean(),
  /** How long client IP addresses are kept: the retention of the API access and execution logs (the only logs holding them). */
  clientIpRetentionDays: z
    .number()
    .refine((days) => RETENTION_DAYS.includes(days), `one of ${RETENTION_DAYS.join(', ')}`),
  functions: z.strictObject({
    memorySize: lambdaMemorySize,
    timeoutSeconds: lambdaTimeoutSeconds,
  }),
  /**
   * Reserved concurrency of each function of a group (infra/function-access.ts gives each function its group);
   * null = the account's shared pool. The authorizer's is `authorizer.reservedConcurrency`.
   */
  concurrencyBudgets: z.strictObject({
    postAuth: positiveInt.nullable(),
    logout: positiveInt.nullable(),
    admin: positiveInt.nullable(),
    health: positiveInt.nullable(),
    /** Each member API function (loyalty reads, reward issue, Neo): members' reads never starve sign-ins. */
    member: positiveInt.nullable(),
  }),
  /** How CodeDeploy moves each function's `live` alias to a new version (rolled back when a release alarm fires). */
  release: z.strictObject({
    deploymentConfig: z.enum([
      'ALL_AT_ONCE',
      'CANARY_10PERCENT_5MINUTES',
      'CANARY_10PERCENT_10MINUTES',
      'LINEAR_10PERCENT_EVERY_1MINUTE',
      'LINEAR_10PERCENT_EVERY_2MINUTES',
    ]),
  }),
  authorizer: z.strictObject({
    /** API Gateway's authorizer result cache TTL (0 disables caching; the maximum is 3600). */
    resultCacheTtlSeconds: seconds(3600),
    memorySize: lambdaMemorySize,
    timeoutSeconds: lambdaTimeoutSeconds,
    /** Reserved concurrency of the authorizer; null = share the account pool. */
    reservedConcurrency: positiveInt.nullable(),
    /** Provisioned concurrency on a `live` alias; 0 = none (the authorizer then points at $LATEST). */
    provisionedConcurrency: z.number().int().min(0),
  }),
  caches: z.strictObject({
    configCacheTtlSeconds: seconds(86_400),
    configStaleIfErrorSeconds: seconds(86_400),
    revocationCacheTtlSeconds: seconds(86_400),
  }),
  api: z.strictObject({
    throttling: Throttle,
    /**
     * Own method throttles for the unauthenticated routes, so a flood on them cannot use up the stage-wide
     * limit the signed-in routes share (each must stay within the stage limit).
     */
    routeThrottling: z.strictObject({ health: Throttle, backchannelLogout: Throttle }),
    /** API Gateway execution logging level (never full request/response data). */
    executionLogLevel: z.enum(['ERROR', 'INFO']),
    /** Browser origins allowed by CORS; empty = no CORS preflight at all (server-to-server use only). */
    corsAllowedOrigins: z.array(Origin),
    /**
     * The explicit "no browser will call this API" choice: stage and prod refuse an empty corsAllowedOrigins
     * without it (a web app's first production call would fail CORS), and it excludes listing origins.
     */
    serverToServerOnly: z.boolean().default(false),
    /** Optional custom domain; null = only the execute-api URL. */
    customDomain: z
      .strictObject({
        domainName: z.string().regex(/^(?=.{4,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, 'a lowercase DNS name'),
        certificateArn: Arn('acm'),
      })
      .nullable(),
    /**
     * WAFv2 on the stage: `null` = none (dev only), `{ webAclArn }` = associate an existing regional web ACL, or
     * the limits of the web ACL the stack creates (AWS managed common rule set + a rate-based rule per client IP).
     */
    waf: z
      .union([
        z.strictObject({ webAclArn: Arn('wafv2') }),
        z.strictObject({
          /** Requests one client IP may send per window before WAF blocks it (WAF's minimum is 10). */
          ipRateLimit: z.number().int().min(10).max(2_000_000_000),
          /** The rate-based rule's evaluation window (both rate rules). */
          ipRateWindowSeconds: z.union([z.literal(60), z.literal(120), z.literal(300), z.literal(600)]),
          /**
           * Requests one brand's apps may send per window (counted on the X-Brand-Id header), so one brand cannot
           * use up the stage's rate for every brand.
           */
          brandRateLimit: z.number().int().min(10).max(2_000_000_000),
        }),
      ])
      .nullable(),
    /**
     * Whether this stack sets the account-wide API Gateway CloudWatch role that execution and access logging
     * need (on by default: a fresh account has none and the stage would fail to deploy). The role is retained
     * when the stack goes, so another stack's logging keeps working.
     */
    manageCloudWatchRole: z.boolean().default(true),
  }),
  alarms: z.strictObject({
    /** Alarm evaluation: each datapoint covers `periodSeconds`; `evaluationPeriods` in a row trigger. */
    periodSeconds: z.union([z.literal(60), z.literal(300)]),
    evaluationPeriods: z.number().int().min(1).max(10),
    /** Rates are shares (0-1) of the requests, calls or decisions in a period, never counts. */
    rates: z.strictObject({
      /** AUTHORIZER_FAILURE answers (503: the authorizer threw or timed out) per request; never its 401s. */
      authorizerFailure: rate,
      /** Share of one brand's tokens the authorizer refused (a key rotation or issuer change at its CIAM). */
      authorizerRefusal: rate,
      api4xx: rate,
      api429: rate,
      api5xx: rate,
      /** Failed Capillary calls of one brand (timeouts, 5xx, refused by its open circuit). */
      capillaryFailure: rate,
      /** Calls of one brand refused by its open circuit. */
      circuitOpen: rate,
      /** DynamoDB throttled requests and system errors per request, per table. */
      dynamoErrors: rate,
      /** Lambda errors and ERROR log lines per invocation of one function (also each release's rollback alarm). */
      functionErrors: rate,
      /** Throttled invocations of one function per invocation. */
      functionThrottles: rate,
      /** Requests WAF blocked per request. */
      wafBlocked: rate,
      /** Peak concurrency of a function with reserved concurrency, as a share of its budget. */
      concurrencyUtilization: rate,
    }),
    authorizerP99LatencyMs: positiveInt,
    /** p99 latency of each route (API Gateway's own per-method metric). */
    routeP99LatencyMs: positiveInt,
    /** An existing SNS topic for every alarm; null = the stack creates `ciam-gateway-<stage>-alarms`. */
    topicArn: Arn('sns').nullable(),
    /** E-mail subscriptions added to the created topic (each must be confirmed from the mail AWS sends). */
    emailSubscriptions: z.array(z.email()).default([]),
  }),
  /**
   * The customer-managed KMS key of the brands' SecureString parameters and the subject-hash key. null = the stack
   * creates one whose key policy lets only the functions that need it use it; or an existing key's ARN.
   */
  secretsKmsKeyArn: Arn('kms').nullable(),
});
export type EnvironmentSettings = z.infer<typeof EnvironmentSettingsSchema>;

/** Environments that serve real users: they must tell someone when they break and sit behind WAF. */
export const ProtectedEnvironments: ReadonlySet<string> = new Set<EnvironmentName>(['stage', 'prod']);

/** Hosts reserved for documentation and testing (RFC 2606/6761): a sure sign of an unedited placeholder. */
export function isPlaceholderOrigin(origin: string): boolean {
  const host = new URL(origin).hostname;
  const reserved = ['example.com', 'example.net', 'example.org', 'example', 'test', 'invalid', 'localhost'];
  return host === '127.0.0.1' || reserved.some((name) => host === name || host.endsWith(`.${name}`));
}

/** Cross-field rules zod's per-field schema cannot state; returns every problem found. */
function crossFieldProblems(settings: EnvironmentSettings, protectedEnvironment: boolean): string[] {
  const problems: string[] = [];
  const { api, authorizer } = settings;
  const throttles = {
    'api.throttling': api.throttling,
    'api.routeThrottling.health': api.routeThrottling.health,
    'api.routeThrottling.backchannelLogout': api.routeThrottling.backchannelLogout,
  };
  for (const [path, throttle] of Object.entries(throttles)) {
    if (throttle.burstLimit < throttle.rateLimit) problems.push(`${path}.burstLimit must be >= rateLimit`);
    if (path !== 'api.throttling' && throttle.rateLimit > api.throttling.rateLimit) {
      problems.push(`${path}.rateLimit must not exceed api.throttling.rateLimit`);
    }
  }
  if (api.serverToServerOnly && api.corsAllowedOrigins.length > 0) {
    problems.push('api.serverToServerOnly: true excludes api.corsAllowedOrigins; choose one');
  }
  if (api.waf && 'brandRateLimit' in api.waf && api.waf.brandRateLimit < api.waf.ipRateLimit) {
    problems.push('api.waf.brandRateLimit must be >= ipRateLimit (a brand has at least one client)');
  }
  // Lambda refuses provisioned concurrency above the function's reserved concurrency.
  if (authorizer.reservedConcurrency !== null && authorizer.provisionedConcurrency > authorizer.reservedConcurrency) {
    problems.push('authorizer.provisionedConcurrency must not exceed authorizer.reservedConcurrency');
  }
  if (protectedEnvironment) {
    if (settings.alarms.topicArn === null && settings.alarms.emailSubscriptions.length === 0) {
      problems.push(
        `alarms: ${settings.stage} needs an alarm destination: set alarms.topicArn (an existing SNS topic) or alarms.emailSubscriptions`,
      );
    }
    if (api.waf === null) {
      problems.push(
        `api.waf: ${settings.stage} must sit behind WAF: set { ipRateLimit, ipRateWindowSeconds } or { webAclArn }`,
      );
    }
    if (api.corsAllowedOrigins.length === 0 && !api.serverToServerOnly) {
      problems.push(
        `api.corsAllowedOrigins: ${settings.stage} needs an explicit choice: list the brands' browser origins, or set api.serverToServerOnly: true`,
      );
    }
    for (const origin of api.corsAllowedOrigins.filter(isPlaceholderOrigin)) {
      problems.push(
        `api.corsAllowedOrigins: ${origin} is a placeholder or local origin; list the real browser origins`,
      );
    }
  }
  return problems;
}

/**
 * Validates a settings object; throws one Error naming the source and every invalid field. The stage/prod rules
 * apply when either the environment (`-c env=`) or the settings' `stage` is one of ProtectedEnvironments.
 */
export function parseEnvironmentSettings(value: unknown, source: string, env?: EnvironmentName): EnvironmentSettings {
  const result = EnvironmentSettingsSchema.safeParse(value);
  if (!result.success) throw new Error(`Invalid environment settings in ${source}:\n${z.prettifyError(result.error)}`);
  const protectedEnvironment =
    ProtectedEnvironments.has(result.data.stage) || (env !== undefined && ProtectedEnvironments.has(env));
  const problems = crossFieldProblems(result.data, protectedEnvironment);
  if (problems.length > 0) {
    throw new Error(`Invalid environment settings in ${source}:\n${problems.map((p) => `  ✖ ${p}`).join('\n')}`);
  }
  return result.data;
}

/** Folder of the settings files. */
export const environmentSettingsDir = join(import.meta.dirname, 'env');

/** Checks an environment name taken from `-c env=...`. */
export function assertEnvironmentName(value: unknown): EnvironmentName {
  const match = EnvironmentNames.find((name) => name === value);
  if (match === undefined) {
    throw new Error(`Unknown environment ${JSON.stringify(value)}: pass -c env=${EnvironmentNames.join('|')}`);
  }
  return match;
}

/** Reads and validates infra/env/<name>.json. */
export function loadEnvironmentSettings(name: EnvironmentName, dir = environmentSettingsDir): EnvironmentSettings {
  const file = join(dir, `${name}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read environment settings ${file}: ${error instanceof Error ? error.message : error}`);
  }
  return parseEnvironmentSettings(raw, file, name);
}
