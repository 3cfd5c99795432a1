// A connection's one home: its row in SQLite, its secrets in the secret store, and the context every connector call
// gets. Booking, connect, disconnect, status, the background sign-in and connect_provider all go through it, so a
// secret's address in the store and a connector's endpoints are worked out in exactly one place.
import type { Config } from '../config.js';
import { ProviderError } from '../errors.js';
import { holdSecret, releaseSecrets, type Logger } from '../log.js';
import type { BrowserLogin } from '../auth/sign-in.js';
import type { IssuedToken } from '../auth/token-cache.js';
import {
  connectCommand,
  type ConnectResult,
  type Connector,
  type ConnectorContext,
  type ProviderGates,
  type RevokeContext,
  type SessionContext,
} from '../providers/provider.js';
import type { Connection, ConnectionRepository } from '../storage/connections.js';
import type { SecretStore } from '../storage/secret-store.js';

export type { Connection } from '../storage/connections.js';

/** The name a session's access token is masked under, beside the connection's stored secrets (it is never stored). */
const accessTokenName = 'access_token';

/** The account name of a connector's secret in the store: `zoom:client_secret`. */
export const secretAccount = (connector: string, key: string): string => `${connector}:${key}`;

export interface ConnectionsDeps {
  config: Pick<Config, 'endpoints' | 'providerTimeoutMs' | 'limits'>;
  repository: ConnectionRepository;
  secrets: SecretStore;
  log: Logger;
  /** The shared rate gates (storage/rate-gate.ts), which providers pace their documented limits by. */
  gates?: ProviderGates;
}

type Named = Pick<Connector, 'id' | 'displayName'>;

/** Every secret a connector may have stored: each secret field, and what the stored settings say it needs. */
const secretKeys = (connector: Connector, settings: Readonly<Record<string, unknown>> | undefined): Set<string> =>
  new Set([
    ...connector.fields.filter((f) => f.secret).map((f) => f.key),
    ...(settings ? (connector.secretsFor?.(settings) ?? []) : []),
  ]);

export class Connections {
  constructor(private readonly deps: ConnectionsDeps) {}

  /** Where the secrets are, for what a person reads: "OS keychain". */
  get secretsLabel(): string {
    return this.deps.secrets.label;
  }

  get(connectorId: string): Connection | undefined {
    return this.deps.repository.get(connectorId);
  }

  markUsed(connectorId: string): void {
    this.deps.repository.markUsed(connectorId);
  }

  /** The provider refused the stored credentials: bookings skip it until `connect` runs again. */
  markNeedsReauth(connectorId: string): void {
    this.deps.repository.markNeedsReauth(connectorId);
  }

  /**
   * What every call of a connector gets: its base URLs (after overrides), the time limit, the log, a sign-in, and the
   * shared rate gates with the limits the environment overrides.
   */
  context(connectorId: string, login?: BrowserLogin): ConnectorContext {
    const limits = this.deps.config.limits?.[connectorId];
    return {
      endpoints: this.deps.config.endpoints[connectorId] ?? {},
      timeoutMs: this.deps.config.providerTimeoutMs,
      log: this.deps.log,
      ...(login ? { login } : {}),
      ...(this.deps.gates ? { gates: this.deps.gates } : {}),
      ...(limits ? { limits } : {}),
    };
  }

  /** A booking session's view of its connection: the stored settings, its secrets, and where renewed tokens go. */
  session(connector: Named, connection: Connection): SessionContext {
    return {
      ...this.context(connector.id),
      settings: connection.settings,
      secret: (key) => this.secret(connector, key),
      saveSecret: (key, value) => this.saveSecret(connector.id, key, value),
      recordToken: (token: IssuedToken) => {
        // The connection's access token in use: a refreshed one retires the one before it from log redaction.
        holdSecret(connector.id, accessTokenName, token.accessToken);
        this.deps.repository.recordToken(connector.id, {
          expiresAt: new Date(token.expiresAt).toISOString(),
          scopes: token.scopes,
        });
      },
    };
  }

  /** What revoking the stored grant needs; a missing secret is null (nothing to revoke). */
  revokeContext(connector: Named, connection: Connection): RevokeContext {
    return {
      ...this.context(connector.id),
      settings: connection.settings,
      secret: (key) => this.findSecret(connector.id, key),
    };
  }

  /**
   * A secret the connection needs; its value is masked in logs as the connection's (replacing any value before it).
   * @throws ProviderError `not_connected` when it is missing: the connection must be made again
   */
  async secret(connector: Named, key: string): Promise<string> {
    const value = await this.deps.secrets.get(secretAccount(connector.id, key));
    if (value === null) {
      throw new ProviderError(
        connector.displayName,
        'not_connected',
        `the ${connector.displayName} credentials are missing from the ${this.deps.secrets.label}`,
        { hint: `connect ${connector.displayName} again: ${connectCommand(connector.id)}` },
      );
    }
    holdSecret(connector.id, key, value);
    return value;
  }

  /** A secret that may not be there (an optional one, or one a status check looks for); masked in logs when found. */
  async findSecret(connectorId: string, key: string): Promise<string | null> {
    const value = await this.deps.secrets.get(secretAccount(connectorId, key));
    if (value === null) releaseSecrets(connectorId, key);
    else holdSecret(connectorId, key, value);
    return value;
  }

  /** Replaces one secret, e.g. a rotated refresh token: saved before the access token that came with it is used. */
  async saveSecret(connectorId: string, key: string, value: string): Promise<void> {
    holdSecret(connectorId, key, value);
    await this.deps.secrets.set(secretAccount(connectorId, key), value);
  }

  /**
   * Stores a verified connection: secrets first, so a connection row never exists without its secrets, then the row,
   * then the old credential's leftovers are removed. A failure on the way (a locked keychain, a database another
   * process holds) puts back the secrets it had replaced, so the old connection stays as it was, and a new one leaves
   * nothing behind.
   */
  async save(connector: Connector, result: ConnectResult): Promise<void> {
    const { secrets, repository } = this.deps;
    const previous = repository.get(connector.id);
    const replaced: Array<{ account: string; before: string | null }> = [];
    try {
      for (const [key, secret] of Object.entries(result.secrets)) {
        const account = secretAccount(connector.id, key);
        replaced.push({ account, before: await secrets.get(account) });
        await secrets.set(account, secret);
      }
      repository.save({
        connector: connector.id,
        account: result.account,
        settings: result.settings,
        expiresAt: result.grant?.expiresAt !== undefined ? new Date(result.grant.expiresAt).toISOString() : null,
        scopes: result.grant?.scopes ?? null,
      });
    } catch (error) {
      // Best effort: the error the user sees is the first one, which names its fix.
      for (const { account, before } of replaced.reverse()) {
        await (before === null ? secrets.delete(account) : secrets.set(account, before)).catch(() => undefined);
      }
      throw error;
    }
    // Switching how a provider is connected (a token, then a sign-in) must not leave the old credential behind.
    for (const key of secretKeys(connector, previous?.settings)) {
      if (!(key in result.secrets)) await secrets.delete(secretAccount(connector.id, key));
    }
    // Log redaction follows: the new secrets are the ones in use, the old ones and the old access token are retired.
    releaseSecrets(connector.id);
    for (const [key, secret] of Object.entries(result.secrets)) holdSecret(connector.id, key, secret);
  }

  /**
   * Forgets a connection: every secret a field names and those only a sign-in leaves behind (Calendly's refresh token
   * has no field), then the row.
   * @returns whether there was a connection
   */
  async remove(connector: Connector): Promise<boolean> {
    const connection = this.deps.repository.get(connector.id);
    for (const key of secretKeys(connector, connection?.settings)) {
      await this.deps.secrets.delete(secretAccount(connector.id, key));
    }
    releaseSecrets(connector.id);
    return this.deps.repository.remove(connector.id);
  }

  /** The secret keys a stored connection needs (default: every non-optional secret field). */
  requiredSecrets(connector: Connector, connection: Connection): readonly string[] {
    return (
      connector.secretsFor?.(connection.settings) ??
      connector.fields.filter((f) => f.secret && !f.optional).map((f) => f.key)
    );
  }

  /** The name a secret is kept under (`zoom:client_secret`), for a person to read (`connect --verbose`). */
  secretName(connectorId: string, key: string): string {
    return secretAccount(connectorId, key);
  }

  /** Whether a secret is in the store, without registering or returning it. */
  async hasSecret(connectorId: string, key: string): Promise<boolean> {
    return (await this.deps.secrets.get(secretAccount(connectorId, key))) !== null;
  }
}
