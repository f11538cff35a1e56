// SSM Parameter Store adapters: SecureString reads (decrypted) for the functions, writes for brand admin.
import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { SecretSource } from '../config/secret-source.js';
import type { SecretWriter } from '../config/secret-writer.js';

/** Thrown when a secret parameter does not exist (so callers can tell "missing" from "SSM failed"). */
export class SecretNotFoundError extends Error {
  readonly parameterName: string;
  constructor(name: string, options?: { cause?: unknown }) {
    super(`SSM parameter ${name} not found`, options);
    this.name = 'SecretNotFoundError';
    this.parameterName = name;
  }
}

/** Reads SecureString parameters with decryption. */
export class SsmSecretSource implements SecretSource {
  private readonly ssm: SSMClient;

  constructor(options: { ssm: SSMClient }) {
    this.ssm = options.ssm;
  }

  async getSecret(name: string): Promise<string> {
    try {
      const { Parameter } = await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      const value = Parameter?.Value;
      if (typeof value !== 'string') throw new SecretNotFoundError(name);
      return value;
    } catch (error) {
      if (error instanceof ParameterNotFound) throw new SecretNotFoundError(name, { cause: error });
      throw error;
    }
  }
}

/**
 * Writes SecureString parameters, encrypted with `kmsKeyId` when given (the stack's `secretsKmsKeyArn`, the only
 * key the readers may decrypt with), else with SSM's AWS-managed key.
 */
export class SsmSecretWriter implements SecretWriter {
  private readonly ssm: SSMClient;
  private readonly kmsKeyId: string | undefined;

  constructor(options: { ssm: SSMClient; kmsKeyId?: string | undefined }) {
    this.ssm = options.ssm;
    this.kmsKeyId = options.kmsKeyId;
  }

  async putSecret(name: string, value: string): Promise<void> {
    await this.ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: value,
        Type: 'SecureString',
        Overwrite: true,
        ...(this.kmsKeyId ? { KeyId: this.kmsKeyId } : {}),
      }),
    );
  }

  async deleteSecret(name: string): Promise<void> {
    try {
      await this.ssm.send(new DeleteParameterCommand({ Name: name }));
    } catch (error) {
      if (!(error instanceof ParameterNotFound)) throw error;
    }
  }
}
