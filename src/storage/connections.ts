// Connection metadata per connector (provider or mailer): who is connected and with which settings; never a secret.
import { statement, type Db } from './database.js';

export type ConnectionStatus = 'connected' | 'needs_reauth';

export interface Connection {
  connector: string;
  /** A human label for the account: an e-mail, an account id, a sender address. */
  account: string;
  settings: Record<string, unknown>;
  status: ConnectionStatus;
  /** When the current access token expires (ISO), for `status`; null for a credential that does not expire. */
  expiresAt: string | null;
  /** The scopes the provider granted, when it says. */
  scopes: string[] | null;
  connectedAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
}

interface Row {
  connector: string;
  account: string;
  settings: string;
  status: string;
  expires_at: string | null;
  scopes: string | null;
  connected_at: string;
  updated_at: string;
  last_used_at: string | null;
}

const fromRow = (row: Row): Connection => ({
  connector: row.connector,
  account: row.account,
  settings: JSON.parse(row.settings) as Record<string, unknown>,
  status: row.status === 'needs_reauth' ? 'needs_reauth' : 'connected',
  expiresAt: row.expires_at,
  scopes: row.scopes ? row.scopes.split(' ').filter(Boolean) : null,
  connectedAt: row.connected_at,
  updatedAt: row.updated_at,
  lastUsedAt: row.last_used_at,
});

/** Reads and writes the `connections` table. */
export class ConnectionRepository {
  constructor(private readonly db: Db) {}

  list(): Connection[] {
    return (statement(this.db, 'SELECT * FROM connections ORDER BY connector').all() as Row[]).map(fromRow);
  }

  get(connector: string): Connection | undefined {
    const row = statement(this.db, 'SELECT * FROM connections WHERE connector = ?').get(connector) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /**
   * Inserts or replaces a connection. A reconnect of the same account keeps its `connected_at` and `last_used_at`;
   * another account is a new connection, with both reset.
   */
  save(input: {
    connector: string;
    account: string;
    settings: Record<string, unknown>;
    expiresAt?: string | null;
    scopes?: readonly string[] | null;
  }): Connection {
    const now = new Date().toISOString();
    statement(
      this.db,
      `INSERT INTO connections (connector, account, settings, status, expires_at, scopes, connected_at, updated_at)
         VALUES (@connector, @account, @settings, 'connected', @expiresAt, @scopes, @now, @now)
         ON CONFLICT(connector) DO UPDATE SET account = excluded.account, settings = excluded.settings,
           status = 'connected', expires_at = excluded.expires_at, scopes = excluded.scopes, updated_at = excluded.updated_at,
           connected_at = CASE WHEN connections.account = excluded.account THEN connections.connected_at ELSE excluded.connected_at END,
           last_used_at = CASE WHEN connections.account = excluded.account THEN connections.last_used_at ELSE NULL END`,
    ).run({
      connector: input.connector,
      account: input.account,
      settings: JSON.stringify(input.settings),
      expiresAt: input.expiresAt ?? null,
      scopes: input.scopes && input.scopes.length > 0 ? input.scopes.join(' ') : null,
      now,
    });
    const saved = this.get(input.connector);
    if (!saved) throw new Error(`connection ${input.connector} vanished right after it was saved`);
    return saved;
  }

  /** The provider refused the stored credentials: bookings skip it until `connect` runs again (which resets this). */
  markNeedsReauth(connector: string): void {
    statement(this.db, "UPDATE connections SET status = 'needs_reauth', updated_at = ? WHERE connector = ?").run(
      new Date().toISOString(),
      connector,
    );
  }

  /**
   * Records a renewed access token's expiry (and its scopes, when the provider says). `updated_at` stays: it marks a
   * change of credentials, and the booking service reopens a provider's session (dropping its token) when it moves.
   */
  recordToken(connector: string, token: { expiresAt: string; scopes?: readonly string[] | undefined }): void {
    statement(
      this.db,
      'UPDATE connections SET expires_at = @expiresAt, scopes = COALESCE(@scopes, scopes) WHERE connector = @connector',
    ).run({
      connector,
      expiresAt: token.expiresAt,
      scopes: token.scopes && token.scopes.length > 0 ? token.scopes.join(' ') : null,
    });
  }

  markUsed(connector: string): void {
    statement(this.db, 'UPDATE connections SET last_used_at = ? WHERE connector = ?').run(
      new Date().toISOString(),
      connector,
    );
  }

  remove(connector: string): boolean {
    return statement(this.db, 'DELETE FROM connections WHERE connector = ?').run(connector).changes > 0;
  }
}
