// The DynamoDB and SSM clients give up on a peer that accepts the connection and never answers (a brownout),
// after a bounded number of attempts, instead of holding the invocation until Lambda's own timeout.
import { createServer, type Server, type Socket } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, createDynamoClient, createSsmClient } from '../../shared/adapters/aws-clients.js';
import { DefaultAwsRequestTimeouts } from '../../shared/adapters/request-timeouts.js';

describe('AWS SDK request timeouts', () => {
  let server: Server;
  let endpoint: string;
  let requests = 0;
  const sockets = new Set<Socket>();
  const saved = { ...process.env };

  beforeAll(async () => {
    // Reads each request and never answers it.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk) => {
        if (chunk.toString('latin1').startsWith('POST ')) requests++;
      });
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    endpoint = `http://127.0.0.1:${address.port}`;
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_ENDPOINT_URL_SSM: endpoint,
    });
  });
  afterEach(() => {
    requests = 0;
  });
  afterAll(async () => {
    process.env = saved;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fails a DynamoDB read after the default attempts, each cut by the request timeout', async () => {
    const documents = createDocumentClient();
    await expect(documents.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } }))).rejects.toThrow(/timeout/i);
    expect(requests).toBe(DefaultAwsRequestTimeouts.maxAttempts);
  }, 20_000);

  it('takes the limits as data', async () => {
    // The server accepts at once: a generous connection timeout, so only the request timeout can cut an attempt
    // (a 100 ms connection timeout also cut attempts before they were sent on a loaded machine).
    const client = createDynamoClient({ connectionTimeoutMs: 2_000, requestTimeoutMs: 100, maxAttempts: 1 });
    await expect(
      createDocumentClient(client).send(new GetCommand({ TableName: 't', Key: { pk: 'a' } })),
    ).rejects.toThrow(/timeout/i);
    expect(requests).toBe(1);
  });

  it('fails an SSM read the same way', async () => {
    const ssm = createSsmClient({ connectionTimeoutMs: 2_000, requestTimeoutMs: 100, maxAttempts: 2 });
    await expect(ssm.send(new GetParameterCommand({ Name: '/x', WithDecryption: true }))).rejects.toThrow(/timeout/i);
    expect(requests).toBe(2);
  });
});
