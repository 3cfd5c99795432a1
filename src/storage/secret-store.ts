// The one small interface behind which secrets live: the OS keychain, an explicitly chosen encrypted file, or the sandbox's memory.
import type { SecretStoreConfig } from '../config.js';

/** Secrets are addressed by account names under one service; connections/ names them (`zoom:client_secret`). */
export interface SecretStore {
  readonly kind: SecretStoreConfig['kind'];
  /** Where the secrets are, for what a person reads: "OS keychain". */
  readonly label: string;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

/** Opens the configured store; the native keychain module is only loaded when it is the one chosen. */
export async function openSecretStore(config: SecretStoreConfig): Promise<SecretStore> {
  if (config.kind === 'sandbox') {
    const { SandboxSecretStore } = await import('./sandbox-secret-store.js');
    return new SandboxSecretStore(config.url, config.key, config.service);
  }
  if (config.kind === 'file') {
    const { FileSecretStore } = await import('./file-secret-store.js');
    return new FileSecretStore(config.path, config.key, config.service);
  }
  const { KeychainSecretStore } = await import('./keychain.js');
  return new KeychainSecretStore(config.service);
}
