// What fixes a failed Zoom call, by how the connection was made: the commands that connect it again, and the scope a
// refused token lacks.
import { ProviderError } from '../../errors.js';
import type { FailureContext } from '../../http/failure.js';
import { connectCommand } from '../provider.js';
import { zoom } from './manifest.js';
import { describeZoomError, displayName, missingScopes } from './wire.js';

export const reconnect = connectCommand(zoom.id);

/** A Server-to-Server OAuth app's calls. */
export const failure: FailureContext = {
  provider: displayName,
  describe: describeZoomError,
  reauthHint: `reconnect Zoom: ${reconnect} (check the account id, client id and secret of the Server-to-Server OAuth app)`,
};

/** A signed-in user's calls (a General app's public client). */
export const userFailure: FailureContext = {
  ...failure,
  reauthHint: `sign in to Zoom again: ${reconnect} --client-id <public client id>`,
};

/** How the connection was made: a Server-to-Server app holds `:admin` scopes, a signed-in user the plain ones. */
export interface ScopeContext {
  admin: boolean;
  /** The command that connects this same app again (it asks Zoom for a token with the scopes added). */
  connectAgain: string;
}

/**
 * A call Zoom refused because the token lacks a scope it names (HTTP 400 code 4711, or a 401/403 naming scopes), as
 * `permission_denied` whose hint names the scope to add and the command that connects again; undefined for any other
 * refusal. `doing` replaces the message's opening ("cannot look in Zoom for ...").
 */
export function scopeRefusal(
  converted: ProviderError,
  body: unknown,
  how: ScopeContext,
  doing?: string,
): ProviderError | undefined {
  const named = missingScopes(body);
  if (!named || ![400, 401, 403].includes(converted.status ?? 0)) return undefined;
  // Zoom names the user-level and admin variants alike; the app has one kind.
  const fitting = named.filter((s) => s.endsWith(':admin') === how.admin);
  const scopes = fitting.length > 0 ? fitting : named;
  const which = scopes.length === 1 ? `the scope ${scopes[0]}` : `one of the scopes ${scopes.join(', ')}`;
  const where = how.admin
    ? "on the Server-to-Server OAuth app's Scopes page (marketplace.zoom.us, Manage), keep the app activated"
    : "on the General app's Scopes page (marketplace.zoom.us, Manage)";
  return new ProviderError(
    displayName,
    'permission_denied',
    doing ? `${doing} (${converted.message})` : converted.message,
    {
      hint: `add ${which} ${where}, then connect again: ${how.connectAgain}`,
      ...(converted.status !== undefined ? { status: converted.status } : {}),
      cause: converted,
    },
  );
}
