// `connect zoom`: a user signs in with the browser (or pipes in a refresh token), or a Server-to-Server OAuth app's
// credentials are checked; either way the connection is verified before anything is stored.
import type { OAuthClient } from '../../auth/oauth.js';
import { parseScopes } from '../../auth/token-cache.js';
import { InputError, ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import { toProviderError } from '../../http/failure.js';
import type { ConnectResult, ConnectorContext } from '../provider.js';
import { failure, reconnect, userFailure } from './failure.js';
import { appClient, publicClient } from './oauth.js';
import {
  canCreateMeetings,
  canFindMeetings,
  changeScopesNote,
  displayName,
  findScopesNote,
  missingChangeScopes,
  userResponse,
  type ZoomToken,
} from './wire.js';

type Endpoints = { api: string; oauth: string };

/**
 * Who hosts a Server-to-Server app's meetings: `me` is the Zoom account owner, since the app gets "your account owner
 * access token" (https://developers.zoom.us/docs/internal-apps/; "The token is the owner's access token",
 * https://developers.zoom.us/docs/internal-apps/s2s-oauth/), not the developer who built the app.
 */
const ownerNote =
  'Meetings are created for "me", which for a Server-to-Server OAuth app is the Zoom account owner (the app gets the account owner\'s access token), whoever built the app; add --user <e-mail> to host them as another user of the account.';

/** Runs the browser sign-in and returns the first token answer (with its refresh token). */
async function signIn(ctx: ConnectorContext, client: OAuthClient<ZoomToken>) {
  if (!ctx.login) {
    throw new InputError(
      '--account-id',
      'a browser sign-in cannot run here',
      `run connect in a terminal to sign in with the browser, or use a Server-to-Server OAuth app: ${reconnect} --account-id <id> --client-id <id> --client-secret-stdin`,
    );
  }
  return client.exchangeCode(await client.authorize(ctx.login));
}

/** `connect zoom --client-id <public id>`: the person signs in; the session books as that user (`me`). */
export async function connectUser(
  values: Readonly<Record<string, string>>,
  ctx: ConnectorContext,
): Promise<ConnectResult> {
  const clientId = values.clientId?.trim() ?? '';
  if (!clientId)
    throw new InputError(
      '--client-id',
      'is required',
      'copy the public client id from the General app\'s App Credentials page ("Use Public Client OAuth" on)',
    );
  if (values.client_secret) {
    throw new InputError(
      '--account-id',
      'is required with a client secret (a Server-to-Server OAuth app)',
      "add the account id from the S2S app's App Credentials page, or leave the secret out to sign in with the browser (the General app's public client has none)",
    );
  }
  if (values.userId?.trim() && values.userId.trim() !== 'me') {
    throw new InputError(
      '--user',
      'meetings are hosted by the Zoom user who signs in',
      'sign in as the host instead, or use a Server-to-Server OAuth app (--account-id) to book for another user',
    );
  }
  const endpoints = ctx.endpoints as Endpoints;
  const client = publicClient(endpoints.oauth, ctx.timeoutMs, clientId);
  const given = values.refresh_token?.trim();
  // A refresh token piped in is spent by its first use: the one Zoom returns instead is the one to store.
  const token = given ? await client.refresh(given) : await signIn(ctx, client);
  const refreshToken = token.refresh_token ?? given ?? '';
  if (token.scope !== undefined && !canCreateMeetings(token.scope)) {
    throw new ProviderError(
      displayName,
      'permission_denied',
      `the Zoom app may not create meetings (granted scopes: ${token.scope || 'none'})`,
      {
        hint: `add the scope meeting:write:meeting on the General app's Scopes page, then sign in again: ${reconnect} --client-id ${clientId}`,
      },
    );
  }
  const notes: string[] = [];
  let account = 'Zoom user';
  try {
    const http = createHttp({ prefixUrl: endpoints.api, timeoutMs: ctx.timeoutMs });
    const user = userResponse.parse(
      await http.get('users/me', { headers: { Authorization: client.header(token.access_token) } }).json(),
    );
    if (user.email) account = user.email;
  } catch (error) {
    const converted = await toProviderError(error, userFailure);
    // Reading the profile needs user:read:user, which booking does not: the connection still works without it.
    notes.push(
      `Could not read your Zoom profile (${converted.message}); add the scope user:read:user to show who is connected.`,
    );
  }
  if (token.scope !== undefined && !canFindMeetings(token.scope)) notes.push(findScopesNote(false));
  const missing = token.scope !== undefined ? missingChangeScopes(token.scope, false) : [];
  if (missing.length > 0) notes.push(changeScopesNote(missing));
  const grant = { scopes: parseScopes(token.scope), expiresAt: Date.now() + token.expires_in * 1000 };
  return {
    account,
    settings: { auth: 'oauth', clientId, userId: 'me' },
    secrets: { refresh_token: refreshToken },
    notes,
    grant,
  };
}

/** `connect zoom --account-id ... --client-id ...`: a Server-to-Server OAuth app, verified before anything is stored. */
export async function connectServerToServer(
  values: Readonly<Record<string, string>>,
  ctx: ConnectorContext,
): Promise<ConnectResult> {
  const accountId = values.accountId?.trim() ?? '';
  const clientId = values.clientId?.trim() ?? '';
  const clientSecret = values.client_secret ?? '';
  const userId = values.userId?.trim() || 'me';
  for (const [flag, value] of [
    ['--account-id', accountId],
    ['--client-id', clientId],
    ['--client-secret-stdin', clientSecret],
  ] as const) {
    if (!value)
      throw new InputError(flag, 'is required', "copy it from the Server-to-Server OAuth app's App Credentials page");
  }
  const endpoints = ctx.endpoints as Endpoints;
  const client = appClient(endpoints.oauth, ctx.timeoutMs, clientId, clientSecret);
  const token = await client.clientCredentials({ account_id: accountId });
  const notes: string[] = [];
  const forOthers = userId !== 'me';
  if (token.scope !== undefined && !canCreateMeetings(token.scope, forOthers)) {
    throw new ProviderError(
      displayName,
      'permission_denied',
      `the Zoom app may not create meetings${forOthers ? ` for ${userId}` : ''} (granted scopes: ${token.scope || 'none'})`,
      {
        hint: "add the scope meeting:write:meeting:admin (or the classic meeting:write:admin) on the app's Scopes page, activate the app, then connect again",
      },
    );
  }
  let account = `account ${accountId}`;
  const http = createHttp({ prefixUrl: endpoints.api, timeoutMs: ctx.timeoutMs });
  try {
    const user = userResponse.parse(
      await http
        .get(`users/${encodeURIComponent(userId)}`, { headers: { Authorization: client.header(token.access_token) } })
        .json(),
    );
    if (user.email) account = user.email;
  } catch (error) {
    const converted = await toProviderError(error, failure);
    if (converted.status === 404)
      throw new InputError(
        '--user',
        `Zoom has no user "${userId}" in this account`,
        "give the host's Zoom e-mail or user id, or omit --user to host as the account owner (`me`)",
      );
    // Reading the user needs a scope (user:read:user:admin) that booking does not; the connection still works without it.
    notes.push(
      `Could not read the Zoom host's profile (${converted.message}); meetings will be created for user "${userId}".`,
    );
  }
  if (userId === 'me') notes.push(ownerNote);
  if (token.scope !== undefined && !canFindMeetings(token.scope)) notes.push(findScopesNote(true));
  const missing = token.scope !== undefined ? missingChangeScopes(token.scope, true) : [];
  if (missing.length > 0) notes.push(changeScopesNote(missing));
  const grant = { scopes: parseScopes(token.scope), expiresAt: Date.now() + token.expires_in * 1000 };
  return { account, settings: { accountId, clientId, userId }, secrets: { client_secret: clientSecret }, notes, grant };
}
