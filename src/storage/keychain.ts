// The only importer of the native keychain module: keytar's API (get/set/deletePassword by service and
// account) as @napi-rs/keyring serves it, pinned on Linux to the Secret Service.
import type * as Keyring from '@napi-rs/keyring';
import { errorMessage, SecretStoreError } from '../errors.js';
import type { SecretStore } from './secret-store.js';

const fileStoreHint =
  'on a headless machine you can instead choose the encrypted file store: set ALSATALK_SECRET_STORE=file and ALSATALK_SECRET_FILE_KEY to a long random passphrase';

const unreachableHint =
  'the OS keychain is not reachable. On Linux, install and unlock a Secret Service (GNOME Keyring or KWallet: ' +
  '`apt-get install gnome-keyring` and log in to a desktop session, or run under `dbus-run-session` with ' +
  `\`gnome-keyring-daemon --unlock\`); ${fileStoreHint}`;

const lockedHint =
  'unlock the OS keychain, then retry: log in to the desktop session again, or unlock the "Login" keyring in ' +
  'Passwords and Keys (seahorse) or the login keychain in Keychain Access; without a desktop, restart GNOME Keyring unlocked ' +
  `(\`gnome-keyring-daemon --replace --unlock --components=secrets\`, its password on stdin); ${fileStoreHint}`;

/**
 * A locked keychain answers, but wants a person to unlock it: the Secret Service's unlock prompt is dismissed (or cannot be
 * shown without a display), macOS refuses user interaction.
 */
const lockedPattern = /\bunlock|\blocked\b|interaction is not allowed/i;

/**
 * `@napi-rs/keyring/keytar.js` would silently fall back to the kernel keyring on Linux when no Secret
 * Service runs, and that keyring is in memory only: secrets would vanish at the next reboot. keytar
 * itself never did that, so we build the same three calls on `AsyncEntry` with the store pinned.
 */
const entryOptions: Keyring.EntryOptions = { linux: { store: 'secret-service' } };

/**
 * One entry per service and account, shared by every store in the process. On Linux each entry opens its own D-Bus
 * connection (and Secret Service session) when it is made and keeps it until it is garbage-collected, which may be
 * never in a quiet process: a new entry per call left a connection behind each time, the keyring daemon slowed with
 * every session, and past 1024 open descriptors libdbus spins at 100% CPU. Reused, a server holds a handful.
 */
const entries = new Map<string, Keyring.AsyncEntry>();
/** More than any real service's accounts; past it the oldest entry is let go (and closed when collected). */
const maxEntries = 64;

/** Secrets in the OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret Service). */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain';
  readonly label = 'OS keychain';
  #module: Promise<typeof Keyring> | undefined;

  constructor(private readonly service: string) {}

  async get(account: string): Promise<string | null> {
    return this.#call('read', account, (entry) => entry.getPassword());
  }

  async set(account: string, secret: string): Promise<void> {
    await this.#call('write', account, (entry) => entry.setPassword(secret));
  }

  async delete(account: string): Promise<boolean> {
    return this.#call('delete', account, (entry) => entry.deletePassword());
  }

  async #call<T>(verb: string, account: string, run: (entry: Keyring.AsyncEntry) => Promise<T>): Promise<T> {
    // Loaded on first use, so commands that never touch a secret never load the native module.
    this.#module ??= import('@napi-rs/keyring');
    let keyring: typeof Keyring;
    try {
      keyring = await this.#module;
    } catch (cause) {
      throw new SecretStoreError('The keychain module could not be loaded on this platform', {
        hint: unreachableHint,
        cause,
      });
    }
    const key = `${this.service}\u0000${account}`;
    const fresh = (): Keyring.AsyncEntry => remember(key, new keyring.AsyncEntry(this.service, account, entryOptions));
    const cached = entries.get(key);
    try {
      try {
        return await run(cached ?? fresh());
      } catch (error) {
        // An entry that worked before may hold a session of a keyring daemon that has since restarted (unlocked with
        // --replace, say): that session is gone, so try once on a new connection. Never when locked: that would prompt twice.
        if (!cached || lockedPattern.test(errorMessage(error))) throw error;
        return await run(fresh());
      }
    } catch (cause) {
      // The native error text names the platform failure ("AccessDenied", "no secret service"); it never holds the secret.
      const detail = errorMessage(cause);
      entries.delete(key); // a failing entry is not kept: the next call starts on a new connection
      if (lockedPattern.test(detail)) {
        throw new SecretStoreError(`Could not ${verb} "${account}": the OS keychain is locked (${detail})`, {
          hint: lockedHint,
          cause,
        });
      }
      throw new SecretStoreError(`Could not ${verb} "${account}" in the OS keychain (${detail})`, {
        hint: unreachableHint,
        cause,
      });
    }
  }
}

function remember(key: string, entry: Keyring.AsyncEntry): Keyring.AsyncEntry {
  entries.set(key, entry);
  if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  return entry;
}
