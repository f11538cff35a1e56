// Composition root of the health function.
import { EnvNames } from '../../shared/env.js';
import { createLogger } from '../../shared/observability/logger.js';
import { createHandler } from './handler.js';

export const handler = createHandler({
  logger: createLogger('health'),
  stage: process.env[EnvNames.STAGE] ?? 'local',
  version: process.env.GATEWAY_VERSION ?? '0.1.0',
});
