import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretNotFoundError, SsmSecretSource, SsmSecretWriter } from '../../../shared/adapters/ssm-secret-source.js';

const ssm = mockClient(SSMClient);
const notFound = () => new ParameterNotFound({ message: 'Parameter /x not found.', $metadata: {} });

beforeEach(() => ssm.reset());

describe('SsmSecretSource', () => {
  it('reads with decryption', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'v' } });
    expect(await new SsmSecretSource({ ssm: new SSMClient({}) }).getSecret('/x')).toBe('v');
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/x', WithDecryption: true });
  });

  it('turns ParameterNotFound and an empty answer into SecretNotFoundError, and passes other errors on', async () => {
    const source = new SsmSecretSource({ ssm: new SSMClient({}) });
    ssm.on(GetParameterCommand).rejectsOnce(notFound()).resolvesOnce({}).rejectsOnce(new Error('Throttling'));
    await expect(source.getSecret('/x')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(source.getSecret('/x')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(source.getSecret('/x')).rejects.toThrow('Throttling');
  });
});

describe('SsmSecretWriter', () => {
  it('writes SecureString with Overwrite and ignores deleting a missing parameter', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 }).on(DeleteParameterCommand).rejects(notFound());
    const writer = new SsmSecretWriter({ ssm: new SSMClient({}) });
    await writer.putSecret('/x', 'v');
    await expect(writer.deleteSecret('/x')).resolves.toBeUndefined();
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: '/x',
      Value: 'v',
      Type: 'SecureString',
      Overwrite: true,
    });
  });

  it('encrypts with the configured customer KMS key (KeyId), the only key the readers may decrypt with', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const keyId = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    await new SsmSecretWriter({ ssm: new SSMClient({}), kmsKeyId: keyId }).putSecret('/x', 'v');
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: '/x', Type: 'SecureString', KeyId: keyId });
  });

  it('leaves KeyId out without a configured key, so SSM uses its AWS-managed key', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    await new SsmSecretWriter({ ssm: new SSMClient({}) }).putSecret('/x', 'v');
    const input = ssm.commandCalls(PutParameterCommand)[0]?.args[0].input;
    expect(input).toBeDefined();
    expect(input).not.toHaveProperty('KeyId');
  });

  it('passes on other delete failures', async () => {
    ssm.on(DeleteParameterCommand).rejects(new Error('AccessDenied'));
    await expect(new SsmSecretWriter({ ssm: new SSMClient({}) }).deleteSecret('/x')).rejects.toThrow('AccessDenied');
  });
});
