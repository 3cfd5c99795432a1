// `connect zoho` without a grant code: the browser sign-in at the chosen data centre, and the code exchanged at the
// accounts server the callback names, when that is a Zoho host.
// https://www.zoho.com/accounts/protocol/oauth/multi-dc/client-authorization.html
import { AppError, InputError, ProviderError } from '../../errors.js';
import type { ConnectorContext } from '../provider.js';
import { accountsHosts, callbackAccountsServer, type Region } from './data-centres.js';
import { reconnect } from './failure.js';
import { consoleHelp } from './manifest.js';
import { bookingScope, registerRedirect, zohoClient, type ZohoToken } from './oauth.js';
import { displayName } from './wire.js';

/** What the person reads before the browser opens when no `--port` was given: Zoho will likely refuse a random port. */
export const noPortNote =
  'Zoho accepts only the exact redirect URI registered for the client. Without --port the sign-in listens on a random port, which Zoho will likely refuse ("Invalid Redirect Uri"): ' +
  registerRedirect();

/** The sign-in's outcome: the token answer and the data centre's accounts server the code was exchanged at. */
export interface SignedIn {
  token: ZohoToken & { refresh_token: string };
  server: string;
  region?: Region;
}

/**
 * The browser sign-in (authorization code + PKCE on a loopback redirect) at `signInAt`; the code goes only to a Zoho
 * accounts host (or the server signed in at, a configured override), since the client secret goes with it.
 */
export async function signIn(
  ctx: ConnectorContext,
  clientId: string,
  clientSecret: string,
  signInAt: string,
  port: string | undefined,
): Promise<SignedIn> {
  if (!ctx.login) {
    throw new InputError(
      '--grant-code-stdin',
      'a grant code (or a refresh token) is needed when no browser sign-in can run here',
      `${consoleHelp} → Generate Code with scope ${bookingScope}, then pipe it in with --grant-code-stdin`,
    );
  }
  let authorized: Awaited<ReturnType<typeof ctx.login.authorize>>;
  try {
    authorized = await zohoClient(signInAt, ctx.timeoutMs, clientId, clientSecret).authorize(
      ctx.login,
      port ? undefined : noPortNote,
    );
  } catch (error) {
    // Zoho shows "Invalid Redirect Uri" in the browser and never calls back: the wait ends in a timeout.
    if (!port && error instanceof AppError && error.code === 'timeout') {
      throw new AppError('timeout', error.message, {
        hint: `if Zoho showed "Invalid Redirect Uri": ${registerRedirect()}; otherwise ${error.hint ?? `connect again: ${reconnect}`}`,
        cause: error,
      });
    }
    throw error;
  }
  const named = callbackAccountsServer(
    authorized.params.get('accounts-server'),
    signInAt,
    authorized.params.get('location'),
  );
  if ('refused' in named) {
    throw new ProviderError(
      displayName,
      'auth_failed',
      `the sign-in came back naming the accounts server "${named.refused}", which is not a Zoho accounts host, so the code was not sent there`,
      {
        hint: `connect again, signing in at Zoho itself: ${reconnect} (Zoho's accounts hosts: ${Object.values(accountsHosts).join(', ')}; behind a proxy, set ALSATALK_ZOHO_ACCOUNTS_URL to it)`,
      },
    );
  }
  const token = await zohoClient(named.server, ctx.timeoutMs, clientId, clientSecret).exchangeCode(authorized);
  return { token, server: named.server, ...(named.region ? { region: named.region } : {}) };
}
