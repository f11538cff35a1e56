// Powertools Logger factory: structured JSON lines with the service name; one place to set defaults.
// The level comes from the function's settings (LOG_LEVEL, read once by shared/env.ts), not from a global.
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '../env.js';

export type { Logger };

/**
 * A logger for one function. Composition roots pass `settings.logLevel`; a test may leave it out, and Powertools
 * then applies its own default (INFO, or POWERTOOLS_LOG_LEVEL). AWS_LAMBDA_LOG_LEVEL (Lambda's advanced logging
 * controls) still overrides both, as Powertools documents.
 */
export function createLogger(serviceName: string, logLevel?: LogLevel): Logger {
  return new Logger({ serviceName, ...(logLevel ? { logLevel } : {}) });
}
