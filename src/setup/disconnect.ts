// `alsatalk-mcp disconnect <provider>`: remove the keychain entries, then the connection row.
import type { AppContext } from '../context.js';
import { connectors } from '../connectors.js';
import type { Connector } from '../providers/provider.js';
import { InputError } from '../errors.js';
import { secretAccount } from '../storage/secret-store.js';
import type { CommandIo } from './connect.js';

export async function runDisconnect(ctx: AppContext, argv: string[], io: CommandIo, registry: readonly Connector[] = connectors): Promise<void> {
  const id = argv[0];
  const connector = registry.find((c) => c.id === id);
  if (!connector) {
    throw new InputError('provider', id ? `"${id}" is not a provider` : 'is missing', `choose one of: ${registry.map((c) => c.id).join(', ')}`);
  }
  for (const field of connector.fields.filter((f) => f.secret)) await ctx.secrets.delete(secretAccount(connector.id, field.key));
  const removed = ctx.connections.remove(connector.id);
  io.out(removed ? `Disconnected ${connector.displayName}; its secrets were removed.` : `${connector.displayName} was not connected.`);
}
