// `alsatalk-mcp status`: what is connected, as whom, and whether its secrets are still in place; never a secret.
import { collectStatus } from '../connections/status.js';
import type { AppContext } from '../runtime.js';
import type { CommandIo } from './connect.js';

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
  io.out(`Data folder: ${ctx.config.dataDir}   Secrets: ${ctx.connections.secretsLabel}`);
  for (const s of statuses) {
    const detail = s.account
      ? ` as ${s.account} (since ${s.connected_at}${s.last_used_at ? `, last used ${s.last_used_at}` : ', not used yet'})`
      : '';
    io.out(`${s.name.padEnd(8)} ${s.state.replace(/_/g, ' ')}${detail}${s.next_step ? `  → ${s.next_step}` : ''}`);
    if (s.scopes) io.out(`         scopes: ${s.scopes.join(' ')}`);
    if (s.token_expires_at) io.out(`         ${tokenLine(s.token_expires_at)}`);
  }
}
