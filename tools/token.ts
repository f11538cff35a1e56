// `npm run token -- --user <id>`: signs a seeded user in at the running local stack's development CIAM
// (authorization code + PKCE, no browser) and prints a real JWT access token for curl. The client comes
// from $LOCAL_DATA_DIR/dev-clients.json (default .local-data/), which the local stack writes at every start.
import { parseArgs } from 'node:util';
import { LOYALTY_SCOPE } from '../local/dev-ciam.js';
import { loginWithCode } from '../local/dev-ciam-client.js';
import { type DevClients, DevClientsError, localDataDir, readDevClients } from '../local/local-data.js';

const USAGE = `Usage: npm run token -- --user <id> [--id-token | --json] [--client demo-app|demo-spa] [--scope <s>] [--acr <v>]
       npm run token -- --admin-key

Prints a JWT access token of the running local stack's development CIAM for the seeded user <id>.
  --user <id>      seeded user (see the list \`npm start\` prints), e.g. alice
  --id-token       print the ID token instead of the access token
  --json           print {"access_token","id_token","token_type","user","client_id"} as JSON
  --client <id>    CIAM client to sign in with (default demo-app; demo-spa is the demo brand's own client,
                   whose ID tokens POST /v1/auth/session accepts as "idToken")
  --scope <s>      extra scopes to ask for, space-separated (e.g. rewards:redeem, which the demo brand's
                   reward exchange requires)
  --acr <v>        acr_values to sign in with (e.g. mfa: the step-up the demo brand's reward exchange requires)
  --admin-key      print the local stack's admin key (x-admin-key) instead of signing in
Environment: CIAM_URL (default: the issuer in dev-clients.json, else http://127.0.0.1:3001),
             LOCAL_DATA_DIR (default .local-data; the folder npm start writes dev-clients.json to)`;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function devClientsOrFail(dataDir: string): DevClients {
  try {
    return readDevClients(dataDir);
  } catch (error) {
    if (error instanceof DevClientsError) return fail(error.message);
    throw error;
  }
}

async function main(): Promise<void> {
  let values: {
    user?: string | undefined;
    'id-token'?: boolean;
    json?: boolean;
    client?: string;
    'admin-key'?: boolean;
    scope?: string;
    acr?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        user: { type: 'string', short: 'u' },
        'id-token': { type: 'boolean' },
        json: { type: 'boolean' },
        client: { type: 'string' },
        'admin-key': { type: 'boolean' },
        scope: { type: 'string' },
        acr: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const dataDir = localDataDir();
  if (values['admin-key']) {
    const devClients = devClientsOrFail(dataDir);
    if (!devClients.adminKey) return fail(`no admin key in LOCAL_DATA_DIR=${dataDir}: restart the local stack.`);
    console.log(devClients.adminKey);
    return;
  }
  const user = values.user;
  if (!user) return fail(`--user is required\n\n${USAGE}`);

  const devClients = devClientsOrFail(dataDir);
  const issuer = (process.env.CIAM_URL ?? devClients.issuer ?? 'http://127.0.0.1:3001').replace(/\/+$/, '');
  const clientId = values.client ?? devClients.clients.app.clientId;
  const client = [devClients.clients.app, devClients.clients.spa].find((c) => c.clientId === clientId);
  if (!client)
    return fail(
      `unknown --client ${clientId}; use ${devClients.clients.app.clientId} or ${devClients.clients.spa.clientId}`,
    );
  if (devClients.users.length > 0 && !devClients.users.includes(user)) {
    return fail(`unknown user ${JSON.stringify(user)}; seeded users: ${devClients.users.join(', ')}`);
  }

  let tokens: Awaited<ReturnType<typeof loginWithCode>>;
  try {
    tokens = await loginWithCode(
      { issuer },
      {
        clientId: client.clientId,
        redirectUri: client.redirectUri,
        ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
      },
      user,
      `openid email phone profile ${LOYALTY_SCOPE}${values.scope ? ` ${values.scope}` : ''}`,
      values.acr ? { acrValues: values.acr } : {},
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return fail(
      `login at ${issuer} failed (${reason}). Is the local stack running (npm start), with LOCAL_DATA_DIR=${dataDir}?`,
    );
  }
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          access_token: tokens.accessToken,
          id_token: tokens.idToken,
          token_type: 'Bearer',
          user,
          client_id: client.clientId,
        },
        null,
        2,
      ),
    );
  } else {
    console.log(values['id-token'] ? tokens.idToken : tokens.accessToken);
  }
}

await main();
