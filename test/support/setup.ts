// Global test setup: typed aws-sdk-client-mock matchers, quiet SDK warnings on Node 20, and the network
// guard (only loopback peers; a test that tried to reach anything else fails here even if it caught the error).
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach } from 'vitest';
import { installNetworkGuard } from './network-guard.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

const networkGuard = installNetworkGuard();

afterEach(() => {
  const attempts = networkGuard.violations.splice(0);
  if (attempts.length > 0) throw new Error(`network guard: ${[...new Set(attempts)].join('; ')}`);
});
