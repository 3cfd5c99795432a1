// `alsatalk-mcp status`: what is connected, as whom, and whether its secrets are still in place; never a secret.
import type { AppContext } from '../context.js';
import { connectors } from '../connectors.js';
import { toAppError } from '../errors.js';
import { connectCommand, reconnectCommand, type Connector } from '../providers/provider.js';
import { secretAccount } from '../storage/secret-store.js';
import type { CommandIo } from './connect.js';

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
  ctx: Pick<AppContext, 'connections' | 'secrets'>,
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
      const required =
        c.secretsFor?.(conn.settings) ?? c.fields.filter((f) => f.secret && !f.optional).map((f) => f.key);
      for (const key of required) {
        if ((await ctx.secrets.get(secretAccount(c.id, key))) === null) {
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

/** The access token's lifetime, said so that an expired one does not read as a problem: it is renewed at the next use. */
function tokenLine(expiresAt: string, now = Date.now()): string {
  const at = Date.parse(expiresAt);
  return at > now
    ? `access token valid until ${expiresAt} (renewed automatically)`
    : `access token expired at ${expiresAt}; the next booking renews it`;
}

export async function runStatus(ctx: AppContext, argv: string[], io: CommandIo): Promise<void> {
  const statuses = await collectStatus(ctx);
  if (argv.includes('--json')) {
    io.out(
      JSON.stringify({ data_dir: ctx.config.dataDir, secret_store: ctx.secrets.kind, connectors: statuses }, null, 2),
    );
    return;
  }
  io.out(`Data folder: ${ctx.config.dataDir}   Secrets: ${ctx.secrets.label}`);
  for (const s of statuses) {
    const detail = s.account
      ? ` as ${s.account} (since ${s.connected_at}${s.last_used_at ? `, last used ${s.last_used_at}` : ', not used yet'})`
      : '';
    io.out(`${s.name.padEnd(8)} ${s.state.replace(/_/g, ' ')}${detail}${s.next_step ? `  → ${s.next_step}` : ''}`);
    if (s.scopes) io.out(`         scopes: ${s.scopes.join(' ')}`);
    if (s.token_expires_at) io.out(`         ${tokenLine(s.token_expires_at)}`);
  }
}
