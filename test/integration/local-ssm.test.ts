import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSsm, startLocalSsm } from '../../local/local-ssm.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let ssm: LocalSsm;
let client: SSMClient;

beforeAll(async () => {
  ssm = await startLocalSsm();
  client = new SSMClient({ endpoint: ssm.endpoint, region: 'eu-west-1', credentials });
});

afterAll(async () => {
  client.destroy();
  await ssm.close();
});

describe('local SSM server', () => {
  it('stores a SecureString and returns it decrypted with Version and ARN', async () => {
    // Act
    const put = await client.send(
      new PutParameterCommand({ Name: '/t/a/secret', Value: '{"key":"k"}', Type: 'SecureString' }),
    );
    const { Parameter } = await client.send(new GetParameterCommand({ Name: '/t/a/secret', WithDecryption: true }));

    // Assert
    expect(put.Version).toBe(1);
    expect(Parameter).toMatchObject({ Name: '/t/a/secret', Type: 'SecureString', Value: '{"key":"k"}', Version: 1 });
    expect(Parameter?.ARN).toBe('arn:aws:ssm:eu-west-1:000000000000:parameter/t/a/secret');
    expect(Parameter?.LastModifiedDate).toBeInstanceOf(Date);
  });

  it('does not reveal a SecureString value read without decryption', async () => {
    await client.send(new PutParameterCommand({ Name: '/t/enc', Value: 'plain', Type: 'SecureString' }));
    const { Parameter } = await client.send(new GetParameterCommand({ Name: '/t/enc' }));
    expect(Parameter?.Value).not.toBe('plain');
  });

  it('refuses to overwrite without Overwrite and bumps the version with it', async () => {
    // Arrange
    await client.send(new PutParameterCommand({ Name: '/t/ow', Value: 'one', Type: 'String' }));

    // Act
    const refused = client.send(new PutParameterCommand({ Name: '/t/ow', Value: 'two', Type: 'String' }));
    await expect(refused).rejects.toBeInstanceOf(ParameterAlreadyExists);
    const second = await client.send(new PutParameterCommand({ Name: '/t/ow', Value: 'two', Overwrite: true }));
    const { Parameter } = await client.send(new GetParameterCommand({ Name: '/t/ow' }));

    // Assert
    expect(second.Version).toBe(2);
    expect(Parameter).toMatchObject({ Value: 'two', Version: 2, Type: 'String' });
  });

  it('answers ParameterNotFound for a missing parameter, as SSM does', async () => {
    const read = client.send(new GetParameterCommand({ Name: '/t/missing' }));
    await expect(read).rejects.toBeInstanceOf(ParameterNotFound);
    await expect(read).rejects.toMatchObject({ name: 'ParameterNotFound', $metadata: { httpStatusCode: 400 } });
    await expect(client.send(new DeleteParameterCommand({ Name: '/t/missing' }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
  });

  it('deletes a parameter', async () => {
    await client.send(new PutParameterCommand({ Name: '/t/del', Value: 'x', Type: 'String' }));
    await client.send(new DeleteParameterCommand({ Name: '/t/del' }));
    await expect(client.send(new GetParameterCommand({ Name: '/t/del' }))).rejects.toBeInstanceOf(ParameterNotFound);
  });

  it('reads several parameters and lists the missing ones as invalid', async () => {
    await client.send(new PutParameterCommand({ Name: '/t/m/1', Value: 'one', Type: 'String' }));
    const result = await client.send(new GetParametersCommand({ Names: ['/t/m/1', '/t/m/none'] }));
    expect(result.Parameters?.map((p) => p.Value)).toEqual(['one']);
    expect(result.InvalidParameters).toEqual(['/t/m/none']);
  });

  it('lists a path one level deep, recursively, and page by page', async () => {
    // Arrange
    for (const name of ['/p/a', '/p/b', '/p/c', '/p/deep/d']) {
      await client.send(new PutParameterCommand({ Name: name, Value: name, Type: 'String' }));
    }

    // Act
    const flat = await client.send(new GetParametersByPathCommand({ Path: '/p' }));
    const first = await client.send(new GetParametersByPathCommand({ Path: '/p', Recursive: true, MaxResults: 2 }));
    const rest = await client.send(
      new GetParametersByPathCommand({ Path: '/p', Recursive: true, MaxResults: 2, NextToken: first.NextToken }),
    );

    // Assert
    expect(flat.Parameters?.map((p) => p.Name)).toEqual(['/p/a', '/p/b', '/p/c']);
    expect([...(first.Parameters ?? []), ...(rest.Parameters ?? [])].map((p) => p.Name)).toEqual([
      '/p/a',
      '/p/b',
      '/p/c',
      '/p/deep/d',
    ]);
    expect(rest.NextToken).toBeUndefined();
  });

  it('describes parameters filtered by name prefix without their values', async () => {
    await client.send(new PutParameterCommand({ Name: '/desc/x', Value: 'secret-x', Type: 'SecureString' }));
    const { Parameters } = await client.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/desc/'] }] }),
    );
    expect(Parameters).toEqual([expect.objectContaining({ Name: '/desc/x', Type: 'SecureString', Version: 1 })]);
    expect(JSON.stringify(Parameters)).not.toContain('secret-x');
  });

  it('answers an unknown operation with a 400 error body', async () => {
    const res = await fetch(ssm.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSSM.LabelParameterVersion', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('keeps parameters across a restart when given a file', async () => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'local-ssm-'));
    const path = join(dir, 'ssm.json');
    try {
      const first = await startLocalSsm({ path });
      const c1 = new SSMClient({ endpoint: first.endpoint, region: 'eu-west-1', credentials });
      await c1.send(new PutParameterCommand({ Name: '/keep/me', Value: 'v', Type: 'SecureString' }));
      c1.destroy();
      await first.close();

      // Act
      const second = await startLocalSsm({ path });
      const c2 = new SSMClient({ endpoint: second.endpoint, region: 'eu-west-1', credentials });
      const { Parameter } = await c2.send(new GetParameterCommand({ Name: '/keep/me', WithDecryption: true }));
      c2.destroy();
      await second.close();

      // Assert
      expect(Parameter).toMatchObject({ Value: 'v', Version: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is reached by an unconfigured client through AWS_ENDPOINT_URL_SSM', async () => {
    // Arrange: a child process builds a plain SSMClient({}) with the endpoint only in its environment.
    await client.send(new PutParameterCommand({ Name: '/env/probe', Value: 'via-env', Type: 'SecureString' }));
    const script = [
      "import { SSMClient, GetParameterCommand } from '@aws-sdk/client-ssm';",
      'const c = new SSMClient({});',
      "const r = await c.send(new GetParameterCommand({ Name: '/env/probe', WithDecryption: true }));",
      'process.stdout.write(r.Parameter.Value);',
    ].join('\n');

    // Act
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
    });

    // Assert
    expect(stdout).toBe('via-env');
  });

  it('answers an oversized body 413 and a malformed one as a SerializationException, as SSM does', async () => {
    const call = (body: string) =>
      fetch(ssm.endpoint, {
        method: 'POST',
        headers: { 'x-amz-target': 'AmazonSSM.GetParameter', 'content-type': 'application/x-amz-json-1.1' },
        body,
      });
    const oversized = await call('x'.repeat(1_048_577));
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toEqual({ __type: 'ValidationException', message: 'Request body too large' });
    const malformed = await call('{');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      __type: 'SerializationException',
      message: 'Request body is not valid JSON',
    });
  });
});
