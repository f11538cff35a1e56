import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, runBrandCli, signRequest } from '../../tools/brand-cli.js';
import {
  type BrandAdminRig,
  brandBody,
  goLiveOf,
  serveAdminHandler,
  startBrandAdminRig,
} from '../support/brand-admin-harness.js';

const ADMIN_KEY = 'test-admin-key-0123456789';
let rig: BrandAdminRig;
let api: { url: string; close(): Promise<void> };
let dir: string;

beforeAll(async () => {
  rig = await startBrandAdminRig();
  api = await serveAdminHandler(rig.admin, ADMIN_KEY, goLiveOf(rig));
  dir = mkdtempSync(join(tmpdir(), 'brand-cli-'));
});
afterAll(async () => {
  await api.close();
  await rig.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeBrand(name: string, body: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

/** Runs the CLI against the in-process admin API and captures its output. */
async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { LOCAL_ADMIN_KEY: ADMIN_KEY, CIAM_GATEWAY_URL: api.url },
    fetch: (url, init) => fetch(url, init),
    readFile: (path) => readFile(path, 'utf8'),
  };
  const code = await runBrandCli(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('brand CLI against the admin API', () => {
  it('puts, gets, lists, validates and deletes a brand', async () => {
    // Arrange
    const file = writeBrand('cli-a.json', { $schema: './brand.schema.json', ...brandBody(rig.ciam, 'cli-a') });

    // Act + Assert
    const put = await cli('put', '--file', file);
    expect(put).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(put.stdout).brand).toMatchObject({ brandId: 'cli-a', version: 1 });
    expect(put.stdout).not.toContain('cap-secret');

    const get = await cli('get', 'cli-a');
    expect(get.code).toBe(0);
    const view = JSON.parse(get.stdout);
    expect(view).toMatchObject({ brandId: 'cli-a', version: 1 });
    expect(view).not.toHaveProperty('secrets');

    const edited = writeBrand('cli-a-v2.json', { ...view, brandName: 'Edited' });
    expect((await cli('validate', '--file', edited)).code).toBe(0);
    expect((await cli('put', '--file', edited)).code).toBe(0);

    const list = await cli('list');
    expect(JSON.parse(list.stdout).brands).toEqual([
      expect.objectContaining({ brandId: 'cli-a', brandName: 'Edited', version: 2 }),
    ]);

    const del = await cli('delete', 'cli-a', '--version', '2');
    expect(del.code).toBe(0);
    expect((await cli('get', 'cli-a')).code).toBe(1);
  });

  it('prints each failed field and exits 1 when validation fails, changing nothing', async () => {
    // Arrange
    const file = writeBrand(
      'bad.json',
      brandBody(rig.ciam, 'cli-bad', { issuer: 'http://ciam.example.com', orgId: -1 }),
    );
    const before = await rig.snapshot();

    // Act
    const result = await cli('put', '--file', file);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error VALIDATION_FAILED (HTTP 400)');
    expect(result.stderr).toContain('- issuer: must use https');
    expect(result.stderr).toContain('- orgId:');
    expect(await rig.snapshot()).toEqual(before);
  });

  it('reports a stale version as a version conflict', async () => {
    const file = writeBrand('cli-v.json', brandBody(rig.ciam, 'cli-v'));
    expect((await cli('put', '--file', file)).code).toBe(0);
    const stale = await cli('put', '--file', file);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('VERSION_CONFLICT');
  });

  it('explains a wrong admin key', async () => {
    const result = await cli('list', '--admin-key', 'wrong');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FORBIDDEN (HTTP 403)');
    expect(result.stderr).toContain('LOCAL_ADMIN_KEY');
    expect(result.stderr).toContain('LOCAL_DATA_DIR');
  });

  it('explains an unreachable endpoint', async () => {
    const result = await cli('list', '--endpoint', 'http://127.0.0.1:1');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach http://127.0.0.1:1');
    expect(result.stderr).toContain('is the local stack running? npm start, with LOCAL_DATA_DIR=');
  });

  it('exits 2 with usage on a wrong command or a missing file option', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    const missing = await cli('put');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--file');
    expect((await cli('delete', 'x', '--version', 'abc')).code).toBe(2);
  });

  it('says which file cannot be read or parsed', async () => {
    expect((await cli('put', '--file', join(dir, 'none.json'))).stderr).toContain('cannot read');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"brandId": ');
    expect((await cli('validate', '--file', broken)).stderr).toContain('not valid JSON');
  });

  it('prints the JSON schema', async () => {
    const result = await cli('schema');
    expect(JSON.parse(result.stdout).title).toBe('CIAM gateway brand');
  });
});

describe('brand CLI SigV4 signing', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const signingDate = new Date('2026-11-29T04:00:00Z');

  it('sends a request whose signature verifies when re-signed from what arrived', async () => {
    // Arrange: a server that records the request exactly as received.
    let received: { req: IncomingMessage; body: string } | undefined;
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      received = { req, body: Buffer.concat(chunks).toString('utf8') };
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
    const file = writeBrand('signed.json', brandBody(rig.ciam, 'signed'));

    // Act
    const code = await runBrandCli(
      ['put', '--file', file, '--sigv4', '--region', 'eu-west-1', '--endpoint', endpoint],
      {
        stdout: () => undefined,
        stderr: () => undefined,
        env: {},
        fetch: (url, init) => fetch(url, init),
        readFile: (path) => readFile(path, 'utf8'),
        credentials: async () => credentials,
        signingDate,
      },
    );
    server.close();

    // Assert: rebuild the request from the wire and sign it again with the same key and time.
    expect(code).toBe(0);
    const req = received?.req;
    const authorization = String(req?.headers.authorization);
    expect(authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261129\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
    expect(req?.headers['x-amz-date']).toBe('20261129T040000Z');
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
    expect(signedHeaders).toContain('host');
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) if (name !== 'host') headers[name] = String(req?.headers[name]);
    delete headers['x-amz-date'];
    delete headers['x-amz-content-sha256'];
    const resigned = await signRequest({
      method: String(req?.method),
      url: new URL(String(req?.url), `http://${req?.headers.host}`),
      headers,
      body: received?.body,
      region: 'eu-west-1',
      credentials,
      signingDate,
    });
    expect(resigned.authorization).toBe(authorization);
    expect(received?.req.url).toBe('/prod/v1/admin/brands/signed');
  });

  it('produces a different signature for a different body, key or time', async () => {
    const base = {
      method: 'PUT',
      url: new URL('https://abc.execute-api.eu-west-1.amazonaws.com/prod/v1/admin/brands/x'),
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
      region: 'eu-west-1',
      credentials,
      signingDate,
    };
    const reference = (await signRequest(base)).authorization;
    expect((await signRequest(base)).authorization).toBe(reference);
    expect((await signRequest({ ...base, body: '{"a":2}' })).authorization).not.toBe(reference);
    expect(
      (await signRequest({ ...base, credentials: { ...credentials, secretAccessKey: 'other' } })).authorization,
    ).not.toBe(reference);
    expect((await signRequest({ ...base, signingDate: new Date('2026-11-29T04:00:01Z') })).authorization).not.toBe(
      reference,
    );
  });

  it('refuses --sigv4 without a region', async () => {
    const err: string[] = [];
    const code = await runBrandCli(['list', '--sigv4'], {
      stdout: () => undefined,
      stderr: (text) => err.push(text),
      env: {},
      fetch: () => Promise.reject(new Error('must not be called')),
      readFile: () => Promise.reject(new Error('unused')),
      credentials: async () => credentials,
    });
    expect(code).toBe(2);
    expect(err.join('')).toContain('region');
  });
});

describe('brand CLI validate --offline', () => {
  const ROOT = join(import.meta.dirname, '../..');

  /** Runs the CLI with a network that fails every call: offline validation must not need one. */
  async function offline(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    let fetches = 0;
    const code = await runBrandCli(args, {
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      env: { LOCAL_DATA_DIR: dir },
      fetch: async () => {
        fetches++;
        throw new Error('no network');
      },
      readFile: (path) => readFile(path, 'utf8'),
    });
    return { code, stdout: out.join('\n'), stderr: err.join('\n'), fetches };
  }

  it('passes both shipped examples for their own stage without touching the network', async () => {
    const production = await offline(
      'validate',
      '--offline',
      '--stage',
      'dev',
      '--file',
      join(ROOT, 'brand.example.json'),
    );
    const local = await offline('validate', '--offline', '--file', join(ROOT, 'brand.local.example.json'));

    expect(production).toMatchObject({ code: 0, fetches: 0 });
    expect(JSON.parse(production.stdout)).toEqual({
      valid: true,
      brandId: 'demo-coffee',
      warnings: [],
      offline: true,
      stage: 'dev',
    });
    expect(local).toMatchObject({ code: 0, fetches: 0 });
  });

  it('applies the stage rules: credentials under the stage SSM path, loopback URLs only for local', async () => {
    const result = await offline(
      'validate',
      '--offline',
      '--stage',
      'prod',
      '--file',
      join(ROOT, 'brand.local.example.json'),
    );

    expect(result).toMatchObject({ code: 1, fetches: 0 });
    expect(result.stderr).toContain('VALIDATION_FAILED (HTTP 400)');
    expect(result.stderr).toContain('issuer: loopback URLs are accepted only by the local stack');
    expect(result.stderr).toContain(
      'capillary.credentialsParameter: must be under /ciam-gateway/prod/brands/demo-local/',
    );
  });

  it('reports schema problems field by field', async () => {
    const file = writeBrand('offline-bad.json', { brandId: 'offline-bad', issuer: 'http://login.example.com' });

    const result = await offline('validate', '--offline', '--file', file);

    expect(result).toMatchObject({ code: 1, fetches: 0 });
    expect(result.stderr).toMatch(/- issuer: /);
    expect(result.stderr).toMatch(/- orgId: /);
  });

  it('refuses --offline on other commands and --stage without --offline', async () => {
    expect((await offline('put', '--offline', '--file', 'x.json')).code).toBe(2);
    expect((await offline('validate', '--stage', 'dev', '--file', 'x.json')).code).toBe(2);
  });
});

describe('brand CLI --force', () => {
  it('changes the issuer of a brand with linked customers only with --force', async () => {
    const file = writeBrand('cli-force.json', brandBody(rig.ciam, 'cli-force'));
    expect((await cli('put', '--file', file)).code).toBe(0);
    await rig.links.putIfAbsent({ brandId: 'cli-force', sub: 'u-1', customerId: 5, linkedAt: 1 });
    const moved = writeBrand(
      'cli-force-2.json',
      brandBody(rig.ciam, 'cli-force', { issuer: `${rig.ciam.issuer}/tenant-2`, version: 1 }),
    );

    const refused = await cli('put', '--file', moved);
    const forced = await cli('put', '--file', moved, '--force');

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('BRAND_HAS_LINKS');
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ brand: { issuer: `${rig.ciam.issuer}/tenant-2`, version: 2 } });
    expect((await cli('delete', 'cli-force')).code).toBe(0);
  });
});
