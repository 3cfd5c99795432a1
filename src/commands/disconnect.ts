// `alsatalk-mcp disconnect <provider>`: remove the keychain entries, then the connection row.
import type { AppContext } from '../context.js';
import { connectors } from '../connectors.js';
import type { Connector } from '../providers/provider.js';
import { InputError, toAppError } from '../errors.js';
import { secretAccount } from '../storage/secret-store.js';
import type { CommandIo } from './connect.js';

export async function runDisconnect(
  ctx: AppContext,
  argv: string[],
  io: CommandIo,
  registry: readonly Connector[] = connectors,
): Promise<void> {
  const id = argv[0];
  const connector = registry.find((c) => c.id === id);
  if (!connector) {
    throw new InputError(
      'provider',
      id ? `"${id}" is not a provider` : 'is missing',
      `choose one of: ${registry.map((c) => c.id).join(', ')}`,
    );
  }
  const connection = ctx.connections.get(connector.id);
  if (connection && connector.revoke) {
    // Best effort: a provider that cannot be reached must not keep the user from forgetting the credentials here.
    try {
      const outcome = await connector.revoke({
        settings: connection.settings,
        secret: (key) => ctx.secrets.get(secretAccount(connector.id, key)),
        endpoints: ctx.config.endpoints[connector.id] ?? {},
        timeoutMs: ctx.config.providerTimeoutMs,
        log: ctx.log,
      });
      if (outcome === 'revoked') io.out(`Revoked alsatalk-mcp's access at ${connector.displayName}.`);
    } catch (error) {
      const e = toAppError(error);
      io.out(
        `Could not revoke the access at ${connector.displayName} (${e.message}); remove it in your ${connector.displayName} account's connected apps.`,
      );
    }
  }
  // Every secret a field names, and those only a sign-in leaves behind (Calendly's refresh token has no field).
  const keys = new Set([
    ...connector.fields.filter((f) => f.secret).map((f) => f.key),
    ...(connection ? (connector.secretsFor?.(connection.settings) ?? []) : []),
  ]);
  for (const key of keys) await ctx.secrets.delete(secretAccount(connector.id, key));
  const removed = ctx.connections.remove(connector.id);
  io.out(
    removed
      ? `Disconnected ${connector.displayName}; its secrets were removed.`
      : `${connector.displayName} was not connected.`,
  );
}
