// The REST API: the request authorizer, every route of shared/routes.ts with its auth type, request validation,
// stage throttling, JSON access logs that carry the authorizer's principal and reason, CORS, JSON gateway
// responses, and an optional custom domain and WAF association.
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
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
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { type FunctionName, type RouteDefinition, Routes } from '../../shared/routes.js';
import type { EnvironmentSettings } from '../environment-settings.js';
import { pascalCase } from './gateway-function.js';

/** Header that carries the CIAM bearer token; the authorizer's only identity source (and cache key). */
export const AUTHORIZATION_HEADER = 'Authorization';

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
  authorizerReason: '$context.authorizer.reason',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  authorizerError: '$context.authorizer.error',
  iamUser: '$context.identity.userArn',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
  wafStatus: '$context.waf.status',
};

/** Headers a browser may send cross-origin. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Brand-Id', 'X-Request-Id'];

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
  readonly domainName: DomainName | undefined;

  constructor(scope: Construct, id: string, props: GatewayApiProps) {
    super(scope, id);
    const { settings } = props;
    const api = settings.api;

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/ciam-gateway-${settings.stage}/access`,
      retention: settings.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });

    this.api = new RestApi(this, 'Api', {
      restApiName: `ciam-gateway-${settings.stage}`,
      description: `ciam-gateway ${settings.stage}: CIAM sign-in for Capillary brands`,
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: api.manageCloudWatchRole,
      deployOptions: {
        stageName: settings.stage,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: api.executionLogLevel === 'INFO' ? MethodLoggingLevel.INFO : MethodLoggingLevel.ERROR,
        // Full request/response logging would write bearer tokens and personal data to CloudWatch.
        dataTraceEnabled: false,
        throttlingRateLimit: api.throttling.rateLimit,
        throttlingBurstLimit: api.throttling.burstLimit,
        accessLogDestination: new LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
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

    if (api.wafWebAclArn) {
      new CfnWebACLAssociation(this, 'WebAclAssociation', {
        resourceArn: this.api.deploymentStage.stageArn,
        webAclArn: api.wafWebAclArn,
      });
    }
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
    // A single allowed origin can be echoed on error responses too; with several, the browser sees the
    // error as a CORS failure, which is still a failure.
    const origin = corsAllowedOrigins.length === 1 ? corsAllowedOrigins[0] : undefined;
    const responseHeaders: Record<string, string> = {
      'Cache-Control': "'no-store'",
      'X-Content-Type-Options': "'nosniff'",
      ...(origin ? { 'Access-Control-Allow-Origin': `'${origin}'`, Vary: "'Origin'" } : {}),
    };
    const body = (code: string, message: string) =>
      `{"error":{"code":"${code}","message":${message},"requestId":"$context.requestId"}}`;
    const responses: [string, ResponseType, string | undefined, string][] = [
      ['Unauthorized', ResponseType.UNAUTHORIZED, '401', body('UNAUTHORIZED', '"Unauthorized"')],
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
      [
        'BadRequestBody',
        ResponseType.BAD_REQUEST_BODY,
        '400',
        body('VALIDATION_FAILED', '$context.error.messageString'),
      ],
      [
        'BadRequestParameters',
        ResponseType.BAD_REQUEST_PARAMETERS,
        '400',
        body('VALIDATION_FAILED', '$context.error.messageString'),
      ],
      ['Throttled', ResponseType.THROTTLED, '429', body('TOO_MANY_REQUESTS', '"Too many requests"')],
      ['Default4xx', ResponseType.DEFAULT_4XX, undefined, body('BAD_REQUEST', '$context.error.messageString')],
      ['Default5xx', ResponseType.DEFAULT_5XX, undefined, body('INTERNAL_ERROR', '"Internal error"')],
    ];
    for (const [id, type, statusCode, template] of responses) {
      this.api.addGatewayResponse(id, {
        type,
        ...(statusCode ? { statusCode } : {}),
        responseHeaders,
        templates: { 'application/json': template },
      });
    }
  }
}

/** `POST /v1/auth/backchannel-logout/{brandId}` -> `MethodPostV1AuthBackchannelLogoutBrandId`. */
export function methodLogicalId(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  const words = route.path
    .split(/[/{}]/)
    .filter((part) => part !== '')
    .map((part) => pascalCase(part));
  return `Method${pascalCase(route.method.toLowerCase())}${words.join('')}`;
}
