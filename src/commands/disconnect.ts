// `alsatalk-mcp disconnect <provider>`: remove the keychain entries, then the connection row.
import { parseArgs } from 'node:util';
import { connectors } from '../connectors.js';
import { InputError, toAppError } from '../errors.js';
import type { Connector } from '../providers/provider.js';
import type { AppContext } from '../runtime.js';
import type { CommandIo } from './connect.js';

export async function runDisconnect(
  ctx: AppContext,
  argv: string[],
  io: CommandIo,
  registry: readonly Connector[] = connectors,
): Promise<void> {
  let id: string | undefined;
  try {
    const parsed = parseArgs({ args: argv, options: {}, allowPositionals: true, strict: true });
    if (parsed.positionals.length > 1) throw new Error(`one provider at a time, not ${parsed.positionals.join(' ')}`);
    id = parsed.positionals[0];
  } catch (error) {
    throw new InputError('arguments', (error as Error).message, 'see: npx alsatalk-mcp disconnect --help');
  }
  const connector = registry.find((c) => c.id === id);
  if (!connector) {
    throw new InputError(
      'provider',
      id ? `"${id}" is not a provider` : 'is missing',
      `choose one of: ${registry.map((c) => c.id).join(', ')}`,
    );
  }
  const connection = ctx.connections.get(connector.id);
  const removeApp = connection && connector.removeApp?.(connection.settings);
  if (connection && connector.revoke) {
    // Best effort: a provider that cannot be reached must not keep the user from forgetting the credentials here.
    try {
      const outcome = await connector.revoke(ctx.connections.revokeContext(connector, connection));
      if (outcome === 'revoked') io.out(`Revoked alsatalk-mcp's access at ${connector.displayName}.`);
      else if (removeApp) io.out(`${removeApp}.`);
    } catch (error) {
      const e = toAppError(error);
      io.out(
        `Could not revoke the access at ${connector.displayName} (${e.message}); remove it in your ${connector.displayName} account's connected apps.`,
      );
    }
  } else if (removeApp) {
    io.out(`${removeApp}.`);
  }
  const removed = await ctx.connections.remove(connector);
  io.out(
    removed
      ? `Disconnected ${connector.displayName}; its secrets were removed.`
      : `${connector.displayName} was not connected.`,
  );
}
