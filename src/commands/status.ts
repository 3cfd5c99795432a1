// `alsatalk-mcp status`: what is connected, as whom, and whether its secrets are still in place; never a secret.
import { parseArgs } from 'node:util';
import { collectStatus } from '../connections/status.js';
import { InputError } from '../errors.js';
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
  let json: boolean;
  try {
    json = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true }).values.json === true;
  } catch (error) {
    throw new InputError('arguments', (error as Error).message, 'see: npx alsatalk-mcp status --help');
  }
  const statuses = await collectStatus(ctx);
  if (json) {
    io.out(
      JSON.stringify({ data_dir: ctx.config.dataDir, secret_store: ctx.secrets.kind, connectors: statuses }, null, 2),
    );
    return;
  }
  io.out(`Data folder: ${ctx.config.dataDir}   Secrets: ${ctx.connections.secretsLabel}`);
  // Columns as wide as their longest entry, so that every row's state and account start in the same place.
  const nameWidth = Math.max(...statuses.map((s) => s.name.length));
  const states = statuses.map((s) => s.state.replace(/_/g, ' '));
  const stateWidth = Math.max(...states.map((state) => state.length));
  const indent = ' '.repeat(nameWidth + 1);
  for (const [i, s] of statuses.entries()) {
    const detail = s.account
      ? `as ${s.account} (since ${s.connected_at}${s.last_used_at ? `, last used ${s.last_used_at}` : ', not used yet'})`
      : '';
    const row = `${s.name.padEnd(nameWidth)} ${(states[i] ?? '').padEnd(stateWidth)} ${detail}`.trimEnd();
    io.out(`${row}${s.next_step ? `  → ${s.next_step}` : ''}`);
    if (s.scopes) io.out(`${indent}scopes: ${s.scopes.join(' ')}`);
    if (s.token_expires_at) io.out(`${indent}${tokenLine(s.token_expires_at)}`);
  }
}
