// The REST API: the request authorizer, every route of shared/routes.ts with its auth type, request validation,
// stage throttling (plus own limits for the public routes), JSON access logs that carry the authorizer's principal
// and reason, CORS, JSON gateway responses, WAF, and an optional custom domain.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  CfnMethod,
  Cors,
  type DomainName,
  EndpointType,
  IdentitySource,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodDeploymentOptions,
  type Model,
  RequestAuthorizer,
  type RequestValidator,
  ResponseType,
  RestApi,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS, BEARER_CHALLENGE, ErrorCodes } from '../../shared/errors.js';
import { type FunctionName, type RouteDefinition, Routes } from '../../shared/routes.js';
import type { EnvironmentSettings } from '../environment-settings.js';
import { pascalCase } from './gateway-function.js';

/** Header that carries the CIAM bearer token; the authorizer's only identity source (and cache key). */
const AUTHORIZATION_HEADER = 'Authorization';

/** Routes whose handler needs a JSON object body; API Gateway rejects anything else before a Lambda runs. */
export const BODY_REQUIRED_ROUTES: ReadonlySet<string> = new Set([
  'PUT /v1/admin/brands/{brandId}',
  'POST /v1/admin/brands/{brandId}/validate',
]);

/** Fields of each JSON access log line (API Gateway `$context` variables). */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTimeEpoch',
  /** Lets the AUTHORIZER_FAILURE metric filter put the stage in a dimension. */
  stage: '$context.stage',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integration.status',
  principalId: '$context.authorizer.principalId',
  brandId: '$context.authorizer.brandId',
  principalType: '$context.authorizer.principalType',
  // Set by the authorizer's context on a revoked token (its reason code); empty otherwise.
  authorizerRevoked: '$context.authorizer.revoked',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  authorizerError: '$context.authorizer.error',
  iamUser: '$context.identity.userArn',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
  wafStatus: '$context.waf.status',
};

/** Headers a browser may send cross-origin. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Brand-Id', 'X-Request-Id', 'Idempotency-Key'];

/** Retry-After (seconds) on the 503 answered when the authorizer failed: one value, shared with the local emulator. */
export { AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../shared/errors.js';

/** The routes that get their own method throttle (unauthenticated, so anyone can call them). */
export const ROUTE_THROTTLES = {
  health: { method: 'GET', path: '/health' },
  backchannelLogout: { method: 'POST', path: '/v1/auth/backchannel-logout/{brandId}' },
} as const;

/** Names of the WAF rules the stack's web ACL holds (also its CloudWatch metric names). */
export const WAF_RULES = {
  common: 'AWSManagedRulesCommonRuleSet',
  ipRate: 'RateLimitPerClientIp',
  brandRate: 'RateLimitPerBrand',
} as const;

/** The header the per-brand rate rule counts on (apps send their brand id; the handlers check it is the token's). */
const BRAND_HEADER = 'x-brand-id';

export interface GatewayApiProps {
  settings: EnvironmentSettings;
  removalPolicy: RemovalPolicy;
  /** The handler of each route's function. */
  functions: Readonly<Record<FunctionName, IFunction>>;
  /** The authorizer's handler (the function, or its provisioned-concurrency alias). */
  authorizer: IFunction;
}

export class GatewayApi extends Construct {
  readonly api: RestApi;
  readonly authorizer: RequestAuthorizer;
  readonly accessLogGroup: LogGroup;
  /** API Gateway's execution log group, made by the stack (with a retention) before the stage writes to it. */
  readonly executionLogGroup: LogGroup;
  readonly domainName: DomainName | undefined;
  /** The web ACL the stack created (undefined when WAF is off or an existing ACL is associated). */
  readonly webAcl: CfnWebACL | undefined;

  constructor(scope: Construct, id: string, props: GatewayApiProps) {
    super(scope, id);
    const { settings } = props;
    const api = settings.api;

    // The access and execution logs are the only ones holding client IPs: they keep them clientIpRetentionDays.
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/ciam-gateway-${settings.stage}/access`,
      retention: settings.clientIpRetentionDays,
      removalPolicy: props.removalPolicy,
    });

    this.api = new RestApi(this, 'Api', {
      restApiName: `ciam-gateway-${settings.stage}`,
      description: `ciam-gateway ${settings.stage}: CIAM sign-in for Capillary brands`,
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: api.manageCloudWatchRole,
      // Account-wide: other stacks in the account log through it too, so deleting this one must not remove it.
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: settings.stage,
        tracingEnabled: settings.tracing,
        metricsEnabled: true,
        loggingLevel: methodLoggingLevel(api.executionLogLevel),
        // Full request/response logging would write bearer tokens and personal data to CloudWatch.
        dataTraceEnabled: false,
        throttlingRateLimit: api.throttling.rateLimit,
        throttlingBurstLimit: api.throttling.burstLimit,
        accessLogDestination: new LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        methodOptions: routeMethodOptions(api.routeThrottling, api.executionLogLevel),
      },
      ...(api.corsAllowedOrigins.length > 0
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: api.corsAllowedOrigins,
              allowMethods: Cors.ALL_METHODS,
              allowHeaders: CORS_ALLOWED_HEADERS,
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    // The account's CloudWatch role must be set before the stage turns logging on.
    const account = this.api.node.tryFindChild('Account');
    if (account) this.api.deploymentStage.node.addDependency(account);
    // Otherwise API Gateway creates this group itself on the first log line, with no retention, and outside the stack.
    this.executionLogGroup = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${settings.stage}`,
      retention: settings.clientIpRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.api.deploymentStage.node.addDependency(this.executionLogGroup);

    this.authorizer = new RequestAuthorizer(this, 'Authorizer', {
      authorizerName: `ciam-gateway-${settings.stage}-authorizer`,
      handler: props.authorizer,
      identitySources: [IdentitySource.header(AUTHORIZATION_HEADER)],
      resultsCacheTtl: Duration.seconds(settings.authorizer.resultCacheTtlSeconds),
    });

    const paramsValidator = this.api.addRequestValidator('ParamsValidator', {
      requestValidatorName: 'params',
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    const bodyValidator = this.api.addRequestValidator('BodyValidator', {
      requestValidatorName: 'body-and-params',
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const jsonObjectModel = this.api.addModel('JsonObjectModel', {
      modelName: 'JsonObject',
      contentType: 'application/json',
      schema: { schema: JsonSchemaVersion.DRAFT4, title: 'JsonObject', type: JsonSchemaType.OBJECT },
    });

    const integrations = new Map<FunctionName, LambdaIntegration>();
    for (const route of Routes) {
      let integration = integrations.get(route.functionName);
      if (integration === undefined) {
        // One invoke permission per function for the whole API instead of one per method (plus test-invoke).
        integration = new LambdaIntegration(props.functions[route.functionName], {
          scopePermissionToMethod: false,
        });
        integrations.set(route.functionName, integration);
      }
      this.addRoute(route, integration, { paramsValidator, bodyValidator, jsonObjectModel });
    }

    this.addGatewayResponses(api.corsAllowedOrigins);

    if (api.customDomain) {
      this.domainName = this.api.addDomainName('CustomDomain', {
        domainName: api.customDomain.domainName,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', api.customDomain.certificateArn),
        endpointType: EndpointType.REGIONAL,
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
    } else {
      this.domainName = undefined;
    }

    this.webAcl = api.waf && 'ipRateLimit' in api.waf ? this.createWebAcl(settings.stage, api.waf) : undefined;
    const webAclArn = this.webAcl?.attrArn ?? (api.waf && 'webAclArn' in api.waf ? api.waf.webAclArn : undefined);
    if (webAclArn) {
      new CfnWebACLAssociation(this, 'WebAclAssociation', {
        resourceArn: this.api.deploymentStage.stageArn,
        webAclArn,
      });
    }
  }

  /** AWS managed common rule set, then a per-client-IP rate limit; everything else is allowed. */
  private createWebAcl(
    stage: string,
    limits: { ipRateLimit: number; ipRateWindowSeconds: number; brandRateLimit: number },
  ): CfnWebACL {
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    return new CfnWebACL(this, 'WebAcl', {
      name: `ciam-gateway-${stage}`,
      description: `ciam-gateway ${stage}: AWS common rule set, a per-IP and a per-brand rate limit`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`ciam-gateway-${stage}`),
      rules: [
        {
          name: WAF_RULES.common,
          priority: 0,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } },
          visibilityConfig: visibility(WAF_RULES.common),
        },
        {
          name: WAF_RULES.ipRate,
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: limits.ipRateLimit,
              evaluationWindowSec: limits.ipRateWindowSeconds,
            },
          },
          visibilityConfig: visibility(WAF_RULES.ipRate),
        },
        {
          // After the per-IP rule: a request it blocked is not counted against the brand it names, so a few
          // addresses spoofing a brand's header cannot use up that brand's limit.
          name: WAF_RULES.brandRate,
          priority: 2,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'CUSTOM_KEYS',
              customKeys: [
                { header: { name: BRAND_HEADER, textTransformations: [{ priority: 0, type: 'LOWERCASE' }] } },
              ],
              limit: limits.brandRateLimit,
              evaluationWindowSec: limits.ipRateWindowSeconds,
            },
          },
          visibilityConfig: visibility(WAF_RULES.brandRate),
        },
      ],
    });
  }

  private addRoute(
    route: RouteDefinition,
    integration: LambdaIntegration,
    shared: { paramsValidator: RequestValidator; bodyValidator: RequestValidator; jsonObjectModel: Model },
  ): void {
    const key = `${route.method} ${route.path}`;
    const needsBody = BODY_REQUIRED_ROUTES.has(key);
    const requestParameters: Record<string, boolean> = {};
    for (const match of route.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)) {
      requestParameters[`method.request.path.${match[1]}`] = true;
    }
    if (route.auth === 'ciam') requestParameters[`method.request.header.${AUTHORIZATION_HEADER}`] = true;

    const auth =
      route.auth === 'ciam'
        ? { authorizationType: AuthorizationType.CUSTOM, authorizer: this.authorizer }
        : { authorizationType: route.auth === 'iam' ? AuthorizationType.IAM : AuthorizationType.NONE };

    const method = this.api.root.resourceForPath(route.path).addMethod(route.method, integration, {
      ...auth,
      operationName: `${route.functionName}:${route.method} ${route.path}`,
      requestParameters,
      requestValidator: needsBody ? shared.bodyValidator : shared.paramsValidator,
      ...(needsBody ? { requestModels: { 'application/json': shared.jsonObjectModel } } : {}),
    });
    const cfn = method.node.defaultChild;
    if (cfn instanceof CfnMethod) cfn.overrideLogicalId(methodLogicalId(route));
  }

  private addGatewayResponses(corsAllowedOrigins: readonly string[]): void {
    const responseHeaders: Record<string, string> = {
      'Cache-Control': "'no-store'",
      'X-Content-Type-Options': "'nosniff'",
      ...gatewayResponseCorsHeaders(corsAllowedOrigins),
    };
    const body = (code: string, message: string) =>
      `{"error":{"code":"${code}","message":${message},"requestId":"$context.requestId"}}`;
    const authorizerUnavailable = body(
      ErrorCodes.AUTHORIZER_UNAVAILABLE,
      '"Authorization is temporarily unavailable; retry shortly"',
    );
    // A request model or parameter refused by API Gateway: API Gateway's own message, the functions' 400 code.
    const badRequest = body('VALIDATION_FAILED', '$context.error.messageString');
    const responses: [string, ResponseType, string | undefined, string][] = [
      ['Unauthorized', ResponseType.UNAUTHORIZED, '401', body('UNAUTHORIZED', '"Unauthorized"')],
      // The authorizer threw something other than `Unauthorized` (revocation store, brand store or JWKS down)
      // or timed out: not a verdict on the token, so the client retries instead of dropping the session. API
      // Gateway files a thrown error under AUTHORIZER_CONFIGURATION_ERROR (its "500 Authorizer Configuration
      // Error") as well as AUTHORIZER_FAILURE, so both get the 503.
      ['AuthorizerFailure', ResponseType.AUTHORIZER_FAILURE, '503', authorizerUnavailable],
      ['AuthorizerConfigurationError', ResponseType.AUTHORIZER_CONFIGURATION_ERROR, '503', authorizerUnavailable],
      ['AccessDenied', ResponseType.ACCESS_DENIED, '403', body('FORBIDDEN', '"Forbidden"')],
      // An unsigned call to an IAM route, or a path that is not a route: API Gateway's 403 either way.
      [
        'MissingAuthenticationToken',
        ResponseType.MISSING_AUTHENTICATION_TOKEN,
        '403',
        body('FORBIDDEN', '"Missing authentication token, or no such route"'),
      ],
      ['InvalidSignature', ResponseType.INVALID_SIGNATURE, '403', body('FORBIDDEN', '"Invalid request signature"')],
      ['ExpiredSignature', ResponseType.EXPIRED_TOKEN, '403', body('FORBIDDEN', '"Request signature expired"')],
      ['BadRequestBody', ResponseType.BAD_REQUEST_BODY, '400', badRequest],
      ['BadRequestParameters', ResponseType.BAD_REQUEST_PARAMETERS, '400', badRequest],
      ['Throttled', ResponseType.THROTTLED, '429', body('TOO_MANY_REQUESTS', '"Too many requests"')],
      // Over API Gateway's 10 MB payload limit: the same 413 BODY_TOO_LARGE the functions give over theirs.
      ['RequestTooLarge', ResponseType.REQUEST_TOO_LARGE, '413', body('BODY_TOO_LARGE', '"Request body too large"')],
      ['Default4xx', ResponseType.DEFAULT_4XX, undefined, body('BAD_REQUEST', '$context.error.messageString')],
      ['Default5xx', ResponseType.DEFAULT_5XX, undefined, body('INTERNAL_ERROR', '"Internal error"')],
    ];
    for (const [id, type, statusCode, template] of responses) {
      const retryAfter =
        statusCode === '503' ? { 'Retry-After': `'${AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS}'` } : {};
      // RFC 6750 §3: a refused bearer token is answered with its challenge, as the handlers' own 401s are.
      const challenge = statusCode === '401' ? { 'WWW-Authenticate': `'${BEARER_CHALLENGE}'` } : {};
      this.api.addGatewayResponse(id, {
        type,
        ...(statusCode ? { statusCode } : {}),
        responseHeaders: { ...responseHeaders, ...retryAfter, ...challenge },
        templates: { 'application/json': template },
      });
    }
  }
}

/**
 * CORS headers of the gateway's own answers (401/403/429/503...), which no function sees. A gateway response
 * can only set a literal or copy a request value; it cannot check the Origin against a list. So: no origin
 * configured -> no CORS headers; one -> that literal origin; several -> the request's own Origin header copied
 * back (`method.request.header.Origin`) with `Vary: Origin`. The trade-off of the last case: any page can read
 * these error bodies cross-origin. They hold only a stable code, a fixed message and the request id, never
 * user data, and no `Access-Control-Allow-Credentials` is sent (bearer tokens are not ambient credentials), so
 * nothing is disclosed that a non-browser client could not get anyway. The functions' own answers (the data)
 * and the preflights still allow exactly the configured origins.
 */
function gatewayResponseCorsHeaders(corsAllowedOrigins: readonly string[]): Record<string, string> {
  if (corsAllowedOrigins.length === 0) return {};
  const allowOrigin = corsAllowedOrigins.length === 1 ? `'${corsAllowedOrigins[0]}'` : 'method.request.header.Origin';
  return {
    'Access-Control-Allow-Origin': allowOrigin,
    'Access-Control-Expose-Headers': "'Retry-After,WWW-Authenticate'",
    Vary: "'Origin'",
  };
}

function methodLoggingLevel(level: 'ERROR' | 'INFO'): MethodLoggingLevel {
  return level === 'INFO' ? MethodLoggingLevel.INFO : MethodLoggingLevel.ERROR;
}

/**
 * Method settings (`/<path>/<METHOD>`) that give the public routes their own throttles. A method setting
 * replaces the stage-wide one for that method, so it repeats the logging and metrics choices.
 */
function routeMethodOptions(
  limits: EnvironmentSettings['api']['routeThrottling'],
  executionLogLevel: 'ERROR' | 'INFO',
): Record<string, MethodDeploymentOptions> {
  const options: Record<string, MethodDeploymentOptions> = {};
  for (const [key, route] of Object.entries(ROUTE_THROTTLES)) {
    const limit = limits[key as keyof typeof ROUTE_THROTTLES];
    options[`${route.path}/${route.method}`] = {
      throttlingRateLimit: limit.rateLimit,
      throttlingBurstLimit: limit.burstLimit,
      loggingLevel: methodLoggingLevel(executionLogLevel),
      metricsEnabled: true,
      dataTraceEnabled: false,
    };
  }
  return options;
}

/** `POST /v1/auth/backchannel-logout/{brandId}` -> `MethodPostV1AuthBackchannelLogoutBrandId`. */
export function methodLogicalId(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  const words = route.path
    .split(/[/{}]/)
    .filter((part) => part !== '')
    .map((part) => pascalCase(part));
  return `Method${pascalCase(route.method.toLowerCase())}${words.join('')}`;
}
