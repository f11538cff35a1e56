// Composition root of the reward issue: settings at cold start, AWS clients built lazily by the runtime.
import { loadSettings } from '../../shared/env.js';
import { buildMemberDeps } from '../../shared/runtime/member-deps.js';
import { createGatewayRuntime } from '../../shared/runtime/gateway-runtime.js';
import { createHandler } from './handler.js';

const runtime = createGatewayRuntime(loadSettings(process.env), { serviceName: 'reward-issue' });

export const handler = createHandler(buildMemberDeps('reward-issue', runtime));
