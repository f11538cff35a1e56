// `npm start`: the whole gateway on 127.0.0.1 with persisted local data (.local-data/, git-ignored).
// Prints every URL, the admin key and the seeded users, then a ready line; Ctrl-C stops it cleanly.
import { readFileSync } from 'node:fs';
import { simReadingsFromEnv } from './capillary-sim/readings.js';
import { ADMIN_KEY_FILE, DataDirLockedError } from './local-data.js';
import { portInUseMessage } from './start-messages.js';
import { nodeVersionProblem } from './node-version.js';
import type { LocalStack, LocalStackOptions } from './stack.js';

function checkNodeVersion(): void {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    engines?: { node?: string };
  };
  const problem = pkg.engines?.node ? nodeVersionProblem(pkg.engines.node, process.version) : undefined;
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new Error(`${name} must be a port number (0-65535), got ${JSON.stringify(raw)}`);
  }
  return value;
}

function seconds(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 3600) {
    throw new Error(`${name} must be a whole number of seconds (0-3600), got ${JSON.stringify(raw)}`);
  }
  return value;
}

function optionsFromEnv(DEFAULT_PORTS: typeof import('./stack.js').DEFAULT_PORTS): LocalStackOptions {
  const env = process.env;
  const authorizerTtl = seconds('AUTHORIZER_CACHE_TTL_SECONDS');
  const configTtl = seconds('CONFIG_CACHE_TTL_SECONDS');
  const revocationTtl = seconds('REVOCATION_CACHE_TTL_SECONDS');
  const tokenTtl = seconds('TOKEN_TTL_SECONDS');
  return {
    persist: true,
    port: port('PORT', DEFAULT_PORTS.gateway),
    ciamPort: port('CIAM_PORT', DEFAULT_PORTS.ciam),
    capillaryPort: port('CAPILLARY_PORT', DEFAULT_PORTS.capillary),
    // The simulated org's readings (CAPILLARY_SIM_CUID_LOOKUP and the other CAPILLARY_SIM_*, docs/local-stack.md).
    capillaryOrg: simReadingsFromEnv(env),
    dynamoPort: port('DYNAMODB_PORT', DEFAULT_PORTS.dynamodb),
    ssmPort: port('SSM_PORT', DEFAULT_PORTS.ssm),
    ...(env.LOCAL_DATA_DIR ? { dataDir: env.LOCAL_DATA_DIR } : {}),
    ...(env.LOCAL_ADMIN_KEY ? { adminKey: env.LOCAL_ADMIN_KEY } : {}),
    ...(authorizerTtl === undefined ? {} : { authorizerCacheTtlSeconds: authorizerTtl }),
    ...(configTtl === undefined ? {} : { configCacheTtlSeconds: configTtl }),
    ...(revocationTtl === undefined ? {} : { revocationCacheTtlSeconds: revocationTtl }),
    ...(tokenTtl === undefined ? {} : { tokenTtlSeconds: tokenTtl }),
    ...(env.SPA_ORIGINS ? { spaOrigins: env.SPA_ORIGINS.split(',').map((origin) => origin.trim()) } : {}),
    // One readable line per API request; --quiet (or LOCAL_QUIET=1) keeps only those and the functions' errors.
    requestLog: (line) => console.log(line),
    ...(quiet() ? { functionLogs: 'errors' as const } : {}),
  };
}

function quiet(): boolean {
  return process.argv.includes('--quiet') || process.env.LOCAL_QUIET === '1';
}

// Read before the stack starts: it sets LOCAL_ADMIN_KEY for the functions itself.
const adminKeyFromEnv = Boolean(process.env.LOCAL_ADMIN_KEY);

function adminKeySource(stack: LocalStack): string {
  if (adminKeyFromEnv) return '  (from LOCAL_ADMIN_KEY)';
  return stack.dataDir ? `  (kept in ${stack.dataDir}/${ADMIN_KEY_FILE})` : '';
}

function banner(stack: LocalStack): string {
  const { urls } = stack;
  const users = stack.users.map((user) => `    ${user.sub.padEnd(8)} ${user.note}`).join('\n');
  return [
    '',
    'ciam-gateway local stack (loopback only, local development data)',
    `  gateway (API Gateway emulator)  ${urls.gateway}`,
    `  playground                      ${urls.gateway}/`,
    `  OpenAPI document                ${urls.openapi}`,
    `  development CIAM (issuer)       ${urls.ciam}`,
    `  Capillary simulator             ${urls.capillary}`,
    `  DynamoDB (dynalite)             ${urls.dynamodb}`,
    `  SSM Parameter Store             ${urls.ssm}`,
    `  data folder                     ${stack.dataDir ?? '(in memory)'}`,
    '',
    `  admin key (x-admin-key)         ${stack.adminKey}${adminKeySource(stack)}`,
    `  demo brand                      ${stack.brandId} (CIAM client ${stack.clients.brandClientId})`,
    `  CIAM clients                    ${stack.clients.app.clientId} (confidential), ${stack.clients.spa.clientId} (public, PKCE)`,
    `  authorizer cache TTL            ${stack.env.AUTHORIZER_CACHE_TTL_SECONDS} s`,
    '  seeded users:',
    users,
    '',
    '  try: TOKEN=$(npm run -s token -- --user alice)',
    `       curl -s -X POST -H "Authorization: Bearer $TOKEN" ${urls.gateway}/v1/auth/session`,
    '       LOCAL_ADMIN_KEY=$(npm run -s token -- --admin-key)',
    '       npm run ciam -- user set alice --given-name Alicia   (change a user at the CIAM)',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  checkNodeVersion();
  const { DEFAULT_PORTS, startLocalStack } = await import('./stack.js');
  let options: LocalStackOptions;
  try {
    options = optionsFromEnv(DEFAULT_PORTS);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  let stack: LocalStack;
  try {
    stack = await startLocalStack(options);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof DataDirLockedError) console.error(error.message);
    else if (code === 'EADDRINUSE') console.error(portInUseMessage(options, (error as { port?: unknown }).port));
    else console.error('The local stack failed to start:', error);
    process.exit(1);
  }
  console.log(banner(stack));
  console.log(`ciam-gateway local stack ready on ${stack.urls.gateway}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      console.error(`${signal} again: exiting at once`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: stopping the local stack...`);
    stack.close().then(
      () => {
        console.log('local stack stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('stopping failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main();
