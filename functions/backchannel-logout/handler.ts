// POST /v1/auth/backchannel-logout/{brandId}: the OpenID Connect Back-Channel Logout receiver. No authorizer;
// the form-encoded logout token is the credential. 200 on success, 400 `{error, error_description}` on any
// failure, both with Cache-Control: no-store (OIDC Back-Channel Logout 1.0 §2.8).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { oauthErrorResponse } from '../../shared/http/responses.js';
import type { Logger } from '../../shared/observability/logger.js';
import { requestIdMiddleware, withRequestId } from '../../shared/observability/request-context.js';
import {
  BackchannelLogoutError,
  type BackchannelLogoutDeps,
  processBackchannelLogout,
  readLogoutTokenForm,
} from '../../shared/revocation/backchannel-logout.js';

export interface BackchannelLogoutHandlerDeps extends BackchannelLogoutDeps {
  logger: Logger;
}

export function createHandler(deps: BackchannelLogoutHandlerDeps) {
  // Its answers are the OAuth error shape of the protocol (not the API error body), so it maps errors itself.
  return withRequestId(
    middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
      .use(injectLambdaContext(deps.logger, { resetKeys: true }))
      .use(requestIdMiddleware(deps.logger))
      .handler(async (event) => {
        try {
          const token = readLogoutTokenForm(event);
          const result = await processBackchannelLogout(deps, event.pathParameters?.brandId, token);
          deps.logger.info('back-channel logout accepted', { ...result });
          return { statusCode: 200, headers: { 'cache-control': 'no-store' }, body: '' };
        } catch (error) {
          if (error instanceof BackchannelLogoutError) {
            deps.logger.info('back-channel logout refused', { reason: error.reason });
            return oauthErrorResponse(400, 'invalid_request', error.description);
          }
          deps.logger.error('back-channel logout failed', { error });
          return oauthErrorResponse(400, 'invalid_request', 'logout failed');
        }
      }),
  );
}
