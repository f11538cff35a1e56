// GET /health: liveness without auth. Reports the stage and the code version only, nothing sensitive.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createPublicApiHandler } from '../../shared/http/api-handler.js';
import { jsonResponse } from '../../shared/http/responses.js';
import type { Logger } from '../../shared/observability/logger.js';

export interface HealthDeps {
  logger: Logger;
  stage: string;
  version: string;
}

export function createHandler(deps: HealthDeps) {
  return createPublicApiHandler({ logger: deps.logger }, async (): Promise<APIGatewayProxyResult> => {
    return jsonResponse(200, { status: 'ok', stage: deps.stage, version: deps.version });
  });
}
