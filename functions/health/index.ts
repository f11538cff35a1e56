// Composition root of the health function: STAGE and LOG_LEVEL at cold start, the version from the build.
import { loadBaseSettings } from '../../shared/env.js';
import { createLogger } from '../../shared/observability/logger.js';
import { GATEWAY_VERSION } from '../../shared/version.js';
import { createHandler } from './handler.js';

const settings = loadBaseSettings(process.env);

export const handler = createHandler({
  logger: createLogger('health', settings.logLevel),
  stage: settings.stage,
  version: GATEWAY_VERSION,
});
