// The sandbox's secret store: secrets held in memory by a running `alsatalk-mcp sandbox` (or `demo`), reached over
// loopback HTTP, so the sandbox's throwaway connections never touch the user's own keychain.
import { errorMessage, SecretStoreError } from '../errors.js';
import type { SecretStore } from './secret-store.js';

const hint =
  'start the sandbox (`npx alsatalk-mcp sandbox`) and use the environment it prints, or unset ALSATALK_SECRET_STORE to use the OS keychain';

export class SandboxSecretStore implements SecretStore {
  readonly kind = 'sandbox';
  readonly label = 'sandbox secret store (in memory, gone when the sandbox stops)';

  /**
   * @param url the sandbox's origin (`http://127.0.0.1:PORT`)
   * @param key the sandbox's access key, so no other local process reads the store
   */
  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly service: string,
  ) {}

  async get(account: string): Promise<string | null> {
    const response = await this.#call('GET', account);
    if (response.status === 404) return null;
    return ((await response.json()) as { secret: string }).secret;
  }

  async set(account: string, secret: string): Promise<void> {
    await this.#call('PUT', account, JSON.stringify({ secret }));
  }

  async delete(account: string): Promise<boolean> {
    return (await this.#call('DELETE', account)).status !== 404;
  }

  async #call(method: string, account: string, body?: string): Promise<Response> {
    const target = `${this.url}/__sandbox/secrets/${encodeURIComponent(`${this.service}/${account}`)}`;
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body } : {}),
        signal: AbortSignal.timeout(5000),
      });
    } catch (cause) {
      throw new SecretStoreError(`The sandbox secret store at ${this.url} is not reachable (${errorMessage(cause)})`, {
        hint,
        cause,
      });
    }
    if (response.ok || response.status === 404) return response;
    throw new SecretStoreError(
      `The sandbox secret store at ${this.url} refused the request (HTTP ${response.status})`,
      { hint },
    );
  }
}
