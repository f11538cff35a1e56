// The gateway's version as GET /health reports it: package.json's, fixed at build time. esbuild replaces
// __GATEWAY_VERSION__ with it when it bundles a function (infra/constructs/gateway-function.ts `define`);
// unbundled code (tests, the local stack) reads package.json instead.
import { createRequire } from 'node:module';

declare const __GATEWAY_VERSION__: string | undefined;

function packageVersion(): string {
  const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
  return version;
}

export const GATEWAY_VERSION: string = typeof __GATEWAY_VERSION__ === 'string' ? __GATEWAY_VERSION__ : packageVersion();
