// `npm run ciam -- user set <id> [--email <e>] [--email-verified true|false] [--mobile <m>]
// [--mobile-verified true|false] [--given-name <n>] [--family-name <n>]`: changes a seeded user at the
// running local stack's development CIAM, as a brand's CIAM would change it; tokens issued afterwards
// carry the new claims. `user get <id>` and `user list` print users. The CIAM URL comes from
// $LOCAL_DATA_DIR/dev-clients.json (as for `npm run token`) unless CIAM_URL is set.
// Exit codes: 0 ok, 1 refused or unreachable, 2 wrong usage.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DevClientsError, localDataDir, readDevClients } from '../local/local-data.js';

const USAGE = `Usage: npm run ciam -- user set <id> [--email <e>] [--email-verified true|false] [--mobile <m>]
                                   [--mobile-verified true|false] [--given-name <n>] [--family-name <n>]
       npm run ciam -- user get <id>
       npm run ciam -- user list

Changes (or prints) a seeded user of the running local stack's development CIAM. Tokens issued afterwards
carry the new claims; then call profile sync or identifier sync (playground, curl) to carry them to Capillary.
  --email <e>                 e-mail claim (email)
  --email-verified <bool>     email_verified
  --mobile <m>                E.164 mobile, e.g. +919800000009 (phone_number)
  --mobile-verified <bool>    phone_number_verified
  --given-name <n>            given_name (name follows)
  --family-name <n>           family_name (name follows)
Environment: CIAM_URL (default: the issuer in $LOCAL_DATA_DIR/dev-clients.json),
             LOCAL_DATA_DIR (default .local-data; the folder npm start writes dev-clients.json to)`;

export interface CiamCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
}

class UsageError extends Error {}

function flag(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`--${name} must be true or false`);
}

function ciamUrl(io: CiamCliIo): string {
  if (io.env.CIAM_URL) return io.env.CIAM_URL.replace(/\/+$/, '');
  return readDevClients(localDataDir(io.env)).issuer.replace(/\/+$/, '');
}

/** Runs one invocation; returns the exit code. */
export async function runCiamCli(argv: string[], io: CiamCliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        email: { type: 'string' },
        'email-verified': { type: 'string' },
        mobile: { type: 'string' },
        'mobile-verified': { type: 'string' },
        'given-name': { type: 'string' },
        'family-name': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    const [noun, verb, id] = positionals;
    if (noun !== 'user' || !verb) throw new UsageError('expected "user set <id>", "user get <id>" or "user list"');
    let method = 'GET';
    let path = '/account/users';
    let body: string | undefined;
    if (verb === 'list') {
      if (id !== undefined) throw new UsageError('user list takes no id');
    } else if (verb === 'get' || verb === 'set') {
      if (!id) throw new UsageError(`user ${verb} needs a user id, e.g. alice`);
      path = `/account/users/${encodeURIComponent(id)}`;
      if (verb === 'set') {
        const change = {
          ...(values.email === undefined ? {} : { email: values.email }),
          ...(values['email-verified'] === undefined
            ? {}
            : { email_verified: flag(values['email-verified'], 'email-verified') }),
          ...(values.mobile === undefined ? {} : { phone_number: values.mobile }),
          ...(values['mobile-verified'] === undefined
            ? {}
            : { phone_number_verified: flag(values['mobile-verified'], 'mobile-verified') }),
          ...(values['given-name'] === undefined ? {} : { given_name: values['given-name'] }),
          ...(values['family-name'] === undefined ? {} : { family_name: values['family-name'] }),
        };
        if (Object.keys(change).length === 0) throw new UsageError('user set needs at least one change');
        method = 'PATCH';
        body = JSON.stringify(change);
      }
    } else {
      throw new UsageError(`unknown command "user ${verb}"`);
    }
    const base = ciamUrl(io);
    let response: Response;
    try {
      response = await io.fetch(`${base}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body } : {}),
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      io.stderr(
        `error: cannot reach the development CIAM at ${base}. Is the local stack running (npm start), with LOCAL_DATA_DIR=${localDataDir(io.env)}?`,
      );
      return 1;
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = (
        json as { error?: { code?: string; message?: string; details?: { field: string; message: string }[] } }
      )?.error;
      const lines = [`error ${error?.code ?? 'HTTP'} (HTTP ${response.status}): ${error?.message ?? 'refused'}`];
      for (const detail of error?.details ?? []) lines.push(`  - ${detail.field}: ${detail.message}`);
      io.stderr(lines.join('\n'));
      return 1;
    }
    io.stdout(JSON.stringify(json, null, 2));
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      io.stderr(`error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof DevClientsError) {
      io.stderr(`error: ${error.message}`);
      return 1;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCiamCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    fetch: (url, init) => fetch(url, init),
  });
}
