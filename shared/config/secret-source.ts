// Port: reads secrets (SSM SecureString parameters, decrypted) by parameter name.
export interface SecretSource {
  /** The decrypted value of the parameter; throws when it does not exist or cannot be read. */
  getSecret(name: string): Promise<string>;
}

/** Fixed secrets, for tests. */
export class InMemorySecretSource implements SecretSource {
  private readonly secrets: Record<string, string>;

  constructor(secrets: Record<string, string> = {}) {
    this.secrets = { ...secrets };
  }

  set(name: string, value: string): void {
    this.secrets[name] = value;
  }

  async getSecret(name: string): Promise<string> {
    const value = this.secrets[name];
    if (value === undefined) throw new Error(`secret ${name} not found`);
    return value;
  }
}
