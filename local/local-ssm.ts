// A local SSM Parameter Store speaking SSM's JSON 1.1 protocol (POST /, X-Amz-Target: AmazonSSM.<Op>),
// so the real @aws-sdk/client-ssm runs against it through AWS_ENDPOINT_URL_SSM. Loopback only. Here are the
// operations; the protocol (request, answer and error shapes) is ssm/protocol.ts, the parameters and their
// optional JSON file ssm/parameter-store.ts. There is no KMS locally: SecureString values are stored as given
// (the file is git-ignored local data), and reads without WithDecryption return an opaque placeholder, as SSM would.
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ParameterStore, ParameterTypes, type StoredParameter } from './ssm/parameter-store.js';
import { createSsmServer, parseInput, SsmError, type SsmOperation } from './ssm/protocol.js';

export interface LocalSsmOptions {
  port?: number;
  /** JSON file to load at start and rewrite after every change (kept across restarts). */
  path?: string;
  region?: string;
  accountId?: string;
  now?: () => number;
}

export interface LocalSsm {
  endpoint: string;
  port: number;
  close(): Promise<void>;
  /** Every stored parameter name (tests). */
  names(): string[];
}

const MAX_VALUE_CHARS = 8192;
const NAME_PATTERN = /^\/?[A-Za-z0-9_.\-/]{1,2048}$/;

const NameInput = z.object({ Name: z.string() });
const GetInput = z.object({ Name: z.string(), WithDecryption: z.boolean().optional() });
const GetManyInput = z.object({ Names: z.array(z.string()).min(1).max(10), WithDecryption: z.boolean().optional() });
const PutInput = z.object({
  Name: z.string(),
  Value: z.string(),
  Type: z.enum(ParameterTypes).optional(),
  Overwrite: z.boolean().optional(),
  Description: z.string().optional(),
});
const ByPathInput = z.object({
  Path: z.string(),
  Recursive: z.boolean().optional(),
  WithDecryption: z.boolean().optional(),
  MaxResults: z.number().int().min(1).max(10).optional(),
  NextToken: z.string().optional(),
});
const DescribeInput = z.object({
  MaxResults: z.number().int().min(1).max(50).optional(),
  NextToken: z.string().optional(),
  ParameterFilters: z
    .array(z.object({ Key: z.string(), Option: z.string().optional(), Values: z.array(z.string()).optional() }))
    .optional(),
});

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name) || name.includes('//')) {
    throw new SsmError('ValidationException', `Parameter name ${JSON.stringify(name)} is not valid`);
  }
}

function page<T>(items: T[], max: number, token: string | undefined): { items: T[]; next?: string } {
  const start = token === undefined ? 0 : Number.parseInt(token, 10);
  if (!Number.isInteger(start) || start < 0) throw new SsmError('InvalidNextToken', 'The specified token is not valid');
  const slice = items.slice(start, start + max);
  return start + max < items.length ? { items: slice, next: String(start + max) } : { items: slice };
}

/** SSM's operations over the store (ARNs in `region` and `accountId`; `now` stamps LastModifiedDate). */
function ssmOperations(
  store: ParameterStore,
  { region, accountId, now }: { region: string; accountId: string; now: () => number },
): Record<string, SsmOperation> {
  const { parameters } = store;
  const persist = () => store.persist();

  const arn = (name: string): string =>
    `arn:aws:ssm:${region}:${accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;

  const view = (parameter: StoredParameter, decrypt: boolean) => ({
    Name: parameter.name,
    Type: parameter.type,
    Value:
      parameter.type === 'SecureString' && !decrypt
        ? Buffer.from(`local-kms-ciphertext:${parameter.version}:${parameter.name}`).toString('base64')
        : parameter.value,
    Version: parameter.version,
    LastModifiedDate: parameter.lastModified / 1000,
    ARN: arn(parameter.name),
    DataType: 'text',
  });

  const notFound = (name: string) => new SsmError('ParameterNotFound', `Parameter ${name} not found.`);

  return {
    GetParameter: (body) => {
      const input = parseInput(GetInput, body);
      const parameter = parameters.get(input.Name);
      if (!parameter) throw notFound(input.Name);
      return { Parameter: view(parameter, input.WithDecryption === true) };
    },
    GetParameters: (body) => {
      const input = parseInput(GetManyInput, body);
      const found = input.Names.flatMap((name) => {
        const parameter = parameters.get(name);
        return parameter ? [view(parameter, input.WithDecryption === true)] : [];
      });
      return { Parameters: found, InvalidParameters: input.Names.filter((name) => !parameters.has(name)) };
    },
    PutParameter: (body) => {
      const input = parseInput(PutInput, body);
      checkName(input.Name);
      if (input.Value.length === 0 || input.Value.length > MAX_VALUE_CHARS) {
        throw new SsmError('ValidationException', `Parameter value must be 1-${MAX_VALUE_CHARS} characters`);
      }
      const existing = parameters.get(input.Name);
      if (existing && input.Overwrite !== true) {
        throw new SsmError(
          'ParameterAlreadyExists',
          'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
        );
      }
      const type = input.Type ?? existing?.type;
      if (!type) throw new SsmError('ValidationException', 'A parameter type is required when you create a parameter.');
      const description = input.Description ?? existing?.description;
      const parameter: StoredParameter = {
        name: input.Name,
        type,
        value: input.Value,
        version: (existing?.version ?? 0) + 1,
        lastModified: now(),
        ...(description === undefined ? {} : { description }),
      };
      parameters.set(input.Name, parameter);
      persist();
      return { Version: parameter.version, Tier: 'Standard' };
    },
    DeleteParameter: (body) => {
      const input = parseInput(NameInput, body);
      if (!parameters.delete(input.Name)) throw notFound(input.Name);
      persist();
      return {};
    },
    DeleteParameters: (body) => {
      const input = parseInput(z.object({ Names: z.array(z.string()).min(1).max(10) }), body);
      const deleted = input.Names.filter((name) => parameters.delete(name));
      persist();
      return { DeletedParameters: deleted, InvalidParameters: input.Names.filter((name) => !deleted.includes(name)) };
    },
    GetParametersByPath: (body) => {
      const input = parseInput(ByPathInput, body);
      if (!input.Path.startsWith('/')) throw new SsmError('ValidationException', 'The path must start with /');
      const prefix = input.Path.endsWith('/') ? input.Path : `${input.Path}/`;
      const matches = [...parameters.values()]
        .filter(
          (p) => p.name.startsWith(prefix) && (input.Recursive === true || !p.name.slice(prefix.length).includes('/')),
        )
        .sort((a, b) => a.name.localeCompare(b.name));
      const result = page(matches, input.MaxResults ?? 10, input.NextToken);
      return {
        Parameters: result.items.map((p) => view(p, input.WithDecryption === true)),
        ...(result.next ? { NextToken: result.next } : {}),
      };
    },
    DescribeParameters: (body) => {
      const input = parseInput(DescribeInput, body ?? {});
      let matches = [...parameters.values()].sort((a, b) => a.name.localeCompare(b.name));
      for (const filter of input.ParameterFilters ?? []) {
        const values = filter.Values ?? [];
        if (filter.Key === 'Name') {
          matches = matches.filter((p) =>
            values.some((v) => (filter.Option === 'BeginsWith' ? p.name.startsWith(v) : p.name === v)),
          );
        } else if (filter.Key === 'Type') {
          matches = matches.filter((p) => values.includes(p.type));
        } else if (filter.Key === 'Path') {
          const recursive = filter.Option === 'Recursive';
          matches = matches.filter((p) =>
            values.some((v) => {
              const prefix = v.endsWith('/') ? v : `${v}/`;
              return p.name.startsWith(prefix) && (recursive || !p.name.slice(prefix.length).includes('/'));
            }),
          );
        } else {
          throw new SsmError('InvalidFilterKey', `Filter key ${filter.Key} is not supported locally`);
        }
      }
      const result = page(matches, input.MaxResults ?? 50, input.NextToken);
      return {
        Parameters: result.items.map((p) => ({
          Name: p.name,
          ARN: arn(p.name),
          Type: p.type,
          Version: p.version,
          LastModifiedDate: p.lastModified / 1000,
          DataType: 'text',
          Tier: 'Standard',
          ...(p.description === undefined ? {} : { Description: p.description }),
        })),
        ...(result.next ? { NextToken: result.next } : {}),
      };
    },
  };
}

/** Starts the local SSM server on 127.0.0.1 (port 0 = any free port). */
export async function startLocalSsm(options: LocalSsmOptions = {}): Promise<LocalSsm> {
  const store = new ParameterStore(options.path);
  const operations = ssmOperations(store, {
    region: options.region ?? 'eu-west-1',
    accountId: options.accountId ?? '000000000000',
    now: options.now ?? Date.now,
  });
  const server = createSsmServer(operations);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    names: () => [...store.parameters.keys()].sort(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
