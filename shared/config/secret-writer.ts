// Port: writes and deletes secrets (SSM SecureString parameters); used only by brand administration.
export interface SecretWriter {
  /** Creates or overwrites the secret `name`. */
  putSecret(name: string, value: string): Promise<void>;
  /** Deletes the secret `name`; a missing secret is not an error. */
  deleteSecret(name: string): Promise<void>;
}
