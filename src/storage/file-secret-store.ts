// An explicitly chosen alternative to the keychain: one AES-256-GCM encrypted JSON file, mode 0600.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SecretStoreError } from '../errors.js';
import type { SecretStore } from './secret-store.js';

interface Envelope {
  v: 1;
  salt: string;
  iv: string;
  tag: string;
  data: string;
}

const wrongKeyHint =
  'ALSATALK_SECRET_FILE_KEY must be the passphrase the file was written with; if it is lost, delete the file and connect the providers again';

/** Secrets encrypted with a key derived (scrypt) from ALSATALK_SECRET_FILE_KEY; the file never holds plain text. */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file';
  readonly label = 'encrypted secrets file';
  /** scrypt is slow on purpose; derive once per salt, not once per read. */
  readonly #keys = new Map<string, Buffer>();
  #salt: Buffer | undefined;

  constructor(
    private readonly filePath: string,
    private readonly passphrase: string,
    private readonly service: string,
  ) {}

  async get(account: string): Promise<string | null> {
    return this.#read()[this.#key(account)] ?? null;
  }

  async set(account: string, secret: string): Promise<void> {
    const all = this.#read();
    all[this.#key(account)] = secret;
    this.#write(all);
  }

  async delete(account: string): Promise<boolean> {
    const all = this.#read();
    const key = this.#key(account);
    if (!(key in all)) return false;
    delete all[key];
    this.#write(all);
    return true;
  }

  #key(account: string): string {
    return `${this.service}/${account}`;
  }

  #derive(salt: Buffer): Buffer {
    const id = salt.toString('base64');
    let key = this.#keys.get(id);
    if (!key) {
      key = scryptSync(this.passphrase, salt, 32);
      this.#keys.set(id, key);
    }
    return key;
  }

  #read(): Record<string, string> {
    let raw: string;
    try {
      raw = fs.readFileSync(this.filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new SecretStoreError(`Cannot read the secrets file ${this.filePath}`, {
        cause: error,
        hint: 'check that the data folder is readable by you',
      });
    }
    try {
      const env = JSON.parse(raw) as Envelope;
      this.#salt = Buffer.from(env.salt, 'base64');
      const key = this.#derive(this.#salt);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(env.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(env.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(env.data, 'base64')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as Record<string, string>;
    } catch (cause) {
      throw new SecretStoreError(`Cannot decrypt the secrets file ${this.filePath}`, { cause, hint: wrongKeyHint });
    }
  }

  #write(all: Record<string, string>): void {
    const salt = (this.#salt ??= randomBytes(16));
    const iv = randomBytes(12);
    const key = this.#derive(salt);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(all), 'utf8'), cipher.final()]);
    const envelope: Envelope = {
      v: 1,
      salt: salt.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    try {
      fs.mkdirSync(path.dirname(this.filePath), { recursive: true, mode: 0o700 });
      // Write then rename, so a crash never leaves a half-written file that no key can open.
      const temp = `${this.filePath}.${process.pid}.tmp`;
      fs.writeFileSync(temp, JSON.stringify(envelope), { mode: 0o600 });
      fs.renameSync(temp, this.filePath);
      fs.chmodSync(this.filePath, 0o600);
    } catch (cause) {
      throw new SecretStoreError(`Cannot write the secrets file ${this.filePath}`, {
        cause,
        hint: 'check that the data folder is writable by you',
      });
    }
  }
}
