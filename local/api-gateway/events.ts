// The events the Lambda functions get: REQUEST authorizer events and REST proxy integration events, with
// API Gateway's request context and body encoding.
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { firstHeader } from '../../shared/http/headers.js';
import type { RouteDefinition } from '../../shared/routes.js';
import type { PathParameters } from './routes.js';
import type { RequestHeaders, RequestQuery } from './request.js';

const TEXT_TYPES = /^(text\/|application\/(json|[\w.+-]+\+json|x-www-form-urlencoded|xml|[\w.+-]+\+xml|javascript))/i;

/** What one request contributes to the events built for it. */
export interface RequestFacts extends RequestHeaders {
  route: RouteDefinition;
  /** The method as sent (HEAD stays HEAD in the request context). */
  method: string;
  /** The method the route was matched with (HEAD -> GET). */
  routeMethod: string;
  path: string;
  pathParameters: PathParameters;
  query: RequestQuery;
  stage: string;
  requestId: string;
  sourceIp: string;
}

/** The ARN the authorizer's policy is evaluated against. */
export function methodArnFor(stage: string, routeMethod: string, path: string): string {
  return `arn:aws:execute-api:local:000000000000:local/${stage}/${routeMethod}${path}`;
}

/** Encodes a request body as API Gateway does: text as UTF-8, anything else base64 (isBase64Encoded). */
export function encodeBody(
  body: Buffer,
  contentType: string | undefined,
): { body: string | null; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: null, isBase64Encoded: false };
  const text = contentType === undefined || TEXT_TYPES.test(contentType);
  if (text) {
    const decoded = body.toString('utf8');
    if (Buffer.from(decoded, 'utf8').equals(body)) return { body: decoded, isBase64Encoded: false };
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestTime` format (CLF): `09/Apr/2015:12:34:56 +0000`. */
export function clfTime(time: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(time.getUTCDate())}/${MONTHS[time.getUTCMonth()]}/${time.getUTCFullYear()}:${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())} +0000`;
}

export function requestContext(
  route: RouteDefinition,
  method: string,
  path: string,
  stage: string,
  requestId: string,
  sourceIp: string,
  headers: Record<string, string>,
  time: Date = new Date(),
): APIGatewayProxyEvent['requestContext'] {
  return {
    accountId: '000000000000',
    apiId: 'local',
    protocol: 'HTTP/1.1',
    httpMethod: method,
    path: `/${stage}${path}`,
    stage,
    requestId,
    extendedRequestId: requestId,
    requestTime: clfTime(time),
    requestTimeEpoch: time.getTime(),
    resourceId: route.path,
    resourcePath: route.path,
    domainName: firstHeader({ headers }, 'host') ?? '127.0.0.1',
    domainPrefix: 'local',
    authorizer: undefined,
    identity: {
      accessKey: null,
      accountId: null,
      apiKey: null,
      apiKeyId: null,
      caller: null,
      clientCert: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp,
      user: null,
      userAgent: firstHeader({ headers }, 'user-agent') ?? null,
      userArn: null,
    },
  };
}

function contextOf(facts: RequestFacts): APIGatewayProxyEvent['requestContext'] {
  return requestContext(
    facts.route,
    facts.method,
    facts.path,
    facts.stage,
    facts.requestId,
    facts.sourceIp,
    facts.headers,
  );
}

/** The REQUEST authorizer event (identity source: the Authorization header). */
export function authorizerEvent(facts: RequestFacts): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: methodArnFor(facts.stage, facts.routeMethod, facts.path),
    resource: facts.route.path,
    path: facts.path,
    httpMethod: facts.method,
    headers: facts.headers,
    multiValueHeaders: facts.multiValueHeaders,
    pathParameters: facts.pathParameters,
    ...facts.query,
    stageVariables: null,
    requestContext: contextOf(facts),
  } as APIGatewayRequestAuthorizerEvent;
}

/** The REST proxy integration event; `authorizerContext` is what a REQUEST authorizer allowed with. */
export function proxyEvent(
  facts: RequestFacts,
  body: Buffer,
  authorizerContext: Record<string, string | number | boolean> | undefined,
): APIGatewayProxyEvent {
  const { headers, multiValueHeaders } = facts;
  return {
    resource: facts.route.path,
    path: facts.path,
    httpMethod: facts.routeMethod,
    headers,
    multiValueHeaders,
    ...facts.query,
    pathParameters: Object.keys(facts.pathParameters).length ? facts.pathParameters : null,
    stageVariables: null,
    ...encodeBody(body, firstHeader({ headers, multiValueHeaders }, 'content-type')),
    requestContext: {
      ...contextOf(facts),
      ...(authorizerContext ? { authorizer: { ...authorizerContext, integrationLatency: 0 } } : {}),
    },
  } as APIGatewayProxyEvent;
}
