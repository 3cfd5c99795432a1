// The only importer of the native keychain module: keytar's API as @napi-rs/keyring serves it.
import type * as KeytarModule from '@napi-rs/keyring/keytar.js';
import { SecretStoreError } from '../errors.js';
import type { SecretStore } from './secret-store.js';

type Keytar = typeof KeytarModule;

const unreachableHint =
  'the OS keychain is not reachable. On Linux, install and unlock a Secret Service (GNOME Keyring or KWallet: ' +
  '`apt-get install gnome-keyring` and log in to a desktop session, or run under `dbus-run-session` with ' +
  '`gnome-keyring-daemon --unlock`); on a headless machine you can instead choose the encrypted file store: ' +
  'set ALSATALK_SECRET_STORE=file and ALSATALK_SECRET_FILE_KEY to a long random passphrase';

/** Secrets in the OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret Service). */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain';
  #keytar: Promise<Keytar> | undefined;

  constructor(private readonly service: string) {}

  async get(account: string): Promise<string | null> {
    return this.#call('read', account, (k) => k.getPassword(this.service, account));
  }

  async set(account: string, secret: string): Promise<void> {
    await this.#call('write', account, (k) => k.setPassword(this.service, account, secret));
  }

  async delete(account: string): Promise<boolean> {
    return this.#call('delete', account, (k) => k.deletePassword(this.service, account));
  }

  async #call<T>(verb: string, account: string, run: (k: Keytar) => Promise<T>): Promise<T> {
    this.#keytar ??= import('@napi-rs/keyring/keytar.js');
    let keytar: Keytar;
    try {
      keytar = await this.#keytar;
    } catch (cause) {
      throw new SecretStoreError('The keychain module could not be loaded on this platform', { hint: unreachableHint, cause });
    }
    try {
      return await run(keytar);
    } catch (cause) {
      // The native error text names the platform failure ("AccessDenied", "no secret service"); it never holds the secret.
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new SecretStoreError(`Could not ${verb} "${account}" in the OS keychain (${detail})`, { hint: unreachableHint, cause });
    }
  }
}
