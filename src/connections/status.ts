// Every connector's state (what `status` prints and connect_provider reports): who is connected, and whether the
// secrets are still in place. It reads the secret store only to check that each secret is there; never a secret.
import { connectors } from '../connectors.js';
import { toAppError } from '../errors.js';
import { connectCommand, reconnectCommand, type Connector } from '../providers/provider.js';
import type { Connections } from './connections.js';

export interface ConnectorStatus {
  id: string;
  name: string;
  state: 'connected' | 'needs_reauth' | 'not_connected' | 'secrets_missing' | 'secrets_unreadable';
  account?: string;
  connected_at?: string;
  /** The last successful booking or e-mail through this connection. */
  last_used_at?: string | null;
  /** The scopes the provider granted, when it says (OAuth); absent for keys and personal tokens. */
  scopes?: string[];
  /** When the latest access token expires (ISO); alsatalk-mcp renews it by itself. Absent for keys that do not expire. */
  token_expires_at?: string;
  next_step?: string;
  /** What the connect command asks for and where the user gets it, when a connect is the next step. */
  credentials?: string;
}

/** Every connector's state; reads the secret store only to check that each secret is still there. */
export async function collectStatus(
  ctx: { connections: Connections },
  registry: readonly Connector[] = connectors,
): Promise<ConnectorStatus[]> {
  const out: ConnectorStatus[] = [];
  for (const c of registry) {
    const conn = ctx.connections.get(c.id);
    if (!conn) {
      out.push({
        id: c.id,
        name: c.displayName,
        state: 'not_connected',
        next_step: connectCommand(c.id),
        credentials: c.summary,
      });
      continue;
    }
    const base = {
      id: c.id,
      name: c.displayName,
      account: conn.account,
      connected_at: conn.connectedAt,
      last_used_at: conn.lastUsedAt,
      ...(conn.scopes ? { scopes: conn.scopes } : {}),
      ...(conn.expiresAt ? { token_expires_at: conn.expiresAt } : {}),
    };
    let state: ConnectorStatus['state'] = conn.status;
    let next: string | undefined = conn.status === 'needs_reauth' ? reconnectCommand(c, conn.settings) : undefined;
    try {
      // Optional secrets (Zoho's grant code) may never have been stored; the required ones must be there.
      for (const key of ctx.connections.requiredSecrets(c, conn)) {
        if (!(await ctx.connections.hasSecret(c.id, key))) {
          state = 'secrets_missing';
          next = reconnectCommand(c, conn.settings);
        }
      }
    } catch (error) {
      state = 'secrets_unreadable';
      next = toAppError(error).hint;
    }
    out.push({ ...base, state, ...(next ? { next_step: next } : {}) });
  }
  return out;
}
