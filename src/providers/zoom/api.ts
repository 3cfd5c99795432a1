// Zoom: a scheduled meeting (type 2) with a passcode, through Server-to-Server OAuth (account credentials) or a user's
// own sign-in (a General app's public client: authorization code + PKCE, rotating refresh tokens).
// API reference: https://developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings
import { z } from 'zod';
import { rotatingRefresh } from '../../auth/rotating-refresh.js';
import { parseScopes, reporting, TokenCache, tokenAuth, type IssuedToken } from '../../auth/token-cache.js';
import { AppError, InputError, ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import { convertFailure, toProviderError, type FailureContext } from '../../http/failure.js';
import { redact, registerSecret } from '../../log.js';
import type { ProviderImplementation } from '../lazy.js';
import { zoom } from './manifest.js';
import { connectCommand, type ConnectorContext, type SessionContext } from '../provider.js';
import {
  canCreateMeetings,
  canFindMeetings,
  findScopesNote,
  findTaggedMeeting,
  describeZoomError,
  displayName,
  fromZoomMeeting,
  oauthError,
  toZoomMeeting,
  tokenResponse,
  userResponse,
  userTokenResponse,
} from './wire.js';

export { formatMeetingId, fromZoomMeeting, toZoomMeeting, type ZoomCreateMeeting } from './wire.js';

const { id } = zoom;
const reconnect = connectCommand(id);

type Endpoints = { api: string; oauth: string };

/** Server-to-Server connections were stored before `auth` existed: a missing `auth` means S2S. */
const s2sSettings = z.object({
  auth: z.literal('s2s').optional(),
  accountId: z.string(),
  clientId: z.string(),
  userId: z.string().default('me'),
});
const oauthSettings = z.object({
  auth: z.literal('oauth'),
  clientId: z.string().min(1),
  userId: z.literal('me').default('me'),
});
const settingsSchema = z.union([oauthSettings, s2sSettings]);

const failure: FailureContext = {
  provider: displayName,
  describe: describeZoomError,
  reauthHint: `reconnect Zoom: ${reconnect} (check the account id, client id and secret of the Server-to-Server OAuth app)`,
};

const userFailure: FailureContext = {
  ...failure,
  reauthHint: `sign in to Zoom again: ${reconnect} --client-id <public client id>`,
};

/** Fetches an account-credentials token; a bad credential is an `auth_failed` error naming the fix. */
async function fetchToken(
  oauthUrl: string,
  timeoutMs: number,
  accountId: string,
  clientId: string,
  clientSecret: string,
) {
  const http = createHttp({ prefixUrl: oauthUrl, timeoutMs, retryPost: true });
  try {
    const body = await http
      .post('oauth/token', {
        searchParams: { grant_type: 'account_credentials', account_id: accountId },
        headers: { Authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      })
      .json();
    return tokenResponse.parse(body);
  } catch (error) {
    const converted = await toProviderError(error, failure);
    // The token endpoint answers 400 or 401 for a wrong account id, client id or secret.
    if (converted.status === 400 || converted.status === 401) {
      throw new ProviderError(displayName, 'auth_failed', `Zoom rejected the app credentials: ${converted.message}`, {
        hint: failure.reauthHint,
        status: converted.status,
      });
    }
    throw converted;
  }
}

/**
 * POSTs a user-level grant to `/oauth/token` as a public client: `client_id` in the form, no Authorization header
 * (https://developers.zoom.us/docs/integrations/PKCE/). A refused grant is `auth_failed`, naming the likely cause.
 */
async function userTokenRequest(oauthUrl: string, timeoutMs: number, fields: Record<string, string>) {
  // Retrying a refresh is safe: if Zoom never saw the first try the retry works; if it did, the token is spent either way.
  const http = createHttp({ prefixUrl: oauthUrl, timeoutMs, retryPost: fields.grant_type === 'refresh_token' });
  let body: unknown;
  try {
    body = await http.post('oauth/token', { body: new URLSearchParams(fields) }).json();
  } catch (error) {
    const { error: converted, body: errorBody } = await convertFailure(error, userFailure);
    const refresh = fields.grant_type === 'refresh_token';
    if (converted.status === 400 || converted.status === 401) {
      const code = oauthError.safeParse(errorBody).data?.error;
      const detail = redact(describeZoomError(errorBody) ?? `HTTP ${converted.status}`);
      if (refresh && code === 'invalid_grant') {
        throw new ProviderError(
          displayName,
          'auth_failed',
          `Zoom refused the stored refresh token (${detail}): the app's access was removed, or an older refresh token was sent after Zoom had issued a newer one (another copy of alsatalk-mcp refreshed it, or Zoom's answer to an earlier refresh was lost)`,
          {
            hint: `sign in to Zoom again: ${reconnect} --client-id ${fields.client_id ?? '<public client id>'}`,
            status: converted.status,
          },
        );
      }
      throw new ProviderError(
        displayName,
        'auth_failed',
        `Zoom refused ${refresh ? 'the refresh token' : 'the sign-in'}: ${detail}`,
        {
          hint:
            code === 'invalid_client'
              ? `use the public client id from the app's App Credentials page ("Use Public Client OAuth" on), then connect again: ${reconnect} --client-id <public client id>`
              : `check that the General app has "Use Public Client OAuth" on and http://127.0.0.1/callback among its redirect URLs, then connect again: ${reconnect} --client-id <public client id>`,
          status: converted.status,
        },
      );
    }
    if (refresh && (converted.code === 'timeout' || converted.code === 'network_error')) {
      // The request may have reached Zoom and spent the refresh token: say what the next failure would mean.
      throw new ProviderError(
        displayName,
        converted.code,
        `${converted.message} while renewing the Zoom sign-in; if Zoom received the request, it has already replaced the stored refresh token`,
        {
          hint: `retry; if Zoom then refuses the refresh token, sign in again: ${reconnect} --client-id ${fields.client_id ?? '<public client id>'}`,
        },
      );
    }
    throw converted;
  }
  const token = userTokenResponse.safeParse(body);
  if (!token.success) {
    throw new ProviderError(
      displayName,
      'provider_unavailable',
      "Zoom's token endpoint answered without an access token",
      {
        hint: 'retry in a few minutes; if it persists, check ALSATALK_ZOOM_OAUTH_URL',
      },
    );
  }
  if (token.data.refresh_token) registerSecret(token.data.refresh_token);
  registerSecret(token.data.access_token);
  return token.data;
}

/** Runs the browser sign-in and returns the first token answer (with its refresh token). */
async function signIn(ctx: ConnectorContext, clientId: string) {
  if (!ctx.login) {
    throw new InputError(
      '--account-id',
      'a browser sign-in cannot run here',
      `run connect in a terminal to sign in with the browser, or use a Server-to-Server OAuth app: ${reconnect} --account-id <id> --client-id <id> --client-secret-stdin`,
    );
  }
  const endpoints = ctx.endpoints as Endpoints;
  // Zoom grants the scopes chosen on the app's Scopes page; the authorize request names none.
  const authorized = await ctx.login.authorize({
    provider: displayName,
    authorizeUrl: `${endpoints.oauth}/oauth/authorize`,
    clientId,
    scopes: [],
  });
  const token = await userTokenRequest(endpoints.oauth, ctx.timeoutMs, {
    grant_type: 'authorization_code',
    code: authorized.code,
    redirect_uri: authorized.redirectUri,
    code_verifier: authorized.verifier,
    client_id: clientId,
  });
  if (!token.refresh_token) {
    throw new ProviderError(displayName, 'auth_failed', 'Zoom signed you in but returned no refresh token', {
      hint: `connect again: ${reconnect} --client-id ${clientId}`,
    });
  }
  return { ...token, refresh_token: token.refresh_token };
}

/** `connect zoom --client-id <public id>`: the person signs in; the session books as that user (`me`). */
async function connectUser(values: Readonly<Record<string, string>>, ctx: ConnectorContext) {
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
  const given = values.refresh_token?.trim();
  // A refresh token piped in is spent by its first use: the one Zoom returns instead is the one to store.
  const token = given
    ? await userTokenRequest(endpoints.oauth, ctx.timeoutMs, {
        grant_type: 'refresh_token',
        refresh_token: given,
        client_id: clientId,
      })
    : await signIn(ctx, clientId);
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
      await http.get('users/me', { headers: { Authorization: `Bearer ${token.access_token}` } }).json(),
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
async function connectServerToServer(values: Readonly<Record<string, string>>, ctx: ConnectorContext) {
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
  const token = await fetchToken(endpoints.oauth, ctx.timeoutMs, accountId, clientId, clientSecret);
  const notes: string[] = [];
  if (token.scope !== undefined && !canCreateMeetings(token.scope)) {
    throw new ProviderError(
      displayName,
      'permission_denied',
      `the Zoom app may not create meetings (granted scopes: ${token.scope || 'none'})`,
      {
        hint: "add the scope meeting:write:meeting:admin (or meeting:write:admin) on the app's Scopes page, activate the app, then connect again",
      },
    );
  }
  let account = `account ${accountId}`;
  const http = createHttp({ prefixUrl: endpoints.api, timeoutMs: ctx.timeoutMs });
  try {
    const user = userResponse.parse(
      await http
        .get(`users/${encodeURIComponent(userId)}`, { headers: { Authorization: `Bearer ${token.access_token}` } })
        .json(),
    );
    if (user.email) account = user.email;
  } catch (error) {
    const converted = await toProviderError(error, failure);
    if (converted.status === 404)
      throw new InputError(
        '--user',
        `Zoom has no user "${userId}" in this account`,
        "give the host's Zoom e-mail or user id, or omit --user to host as the app owner",
      );
    // Reading the user needs a scope (user:read:user:admin) that booking does not; the connection still works without it.
    notes.push(
      `Could not read the Zoom host's profile (${converted.message}); meetings will be created for user "${userId}".`,
    );
  }
  if (token.scope !== undefined && !canFindMeetings(token.scope)) notes.push(findScopesNote(true));
  const grant = { scopes: parseScopes(token.scope), expiresAt: Date.now() + token.expires_in * 1000 };
  return { account, settings: { accountId, clientId, userId }, secrets: { client_secret: clientSecret }, notes, grant };
}

/** Access tokens from the stored refresh token, which Zoom replaces on every use. */
function userTokens(ctx: SessionContext, clientId: string): () => Promise<IssuedToken> {
  const oauthUrl = (ctx.endpoints as Endpoints).oauth;
  return rotatingRefresh({
    ctx,
    provider: displayName,
    refresh: (refreshToken) =>
      userTokenRequest(oauthUrl, ctx.timeoutMs, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: clientId,
      }),
    signInAgain: `${reconnect} --client-id ${clientId}`,
  });
}

/** What `zoom.ts` (its manifest) loads on first use. */
export const implementation: ProviderImplementation = {
  async connect(values, ctx: ConnectorContext) {
    return values.accountId?.trim() ? connectServerToServer(values, ctx) : connectUser(values, ctx);
  },

  openSession(ctx) {
    const parsed = settingsSchema.safeParse(ctx.settings);
    if (!parsed.success) {
      throw new ProviderError(displayName, 'not_connected', 'the stored Zoom settings are incomplete', {
        hint: `connect Zoom again: ${reconnect}`,
      });
    }
    const settings = parsed.data;
    const endpoints = ctx.endpoints as Endpoints;
    const user = settings.auth === 'oauth';
    const tokens = new TokenCache(
      reporting(
        user
          ? userTokens(ctx, settings.clientId)
          : async () => {
              const token = await fetchToken(
                endpoints.oauth,
                ctx.timeoutMs,
                settings.accountId,
                settings.clientId,
                await ctx.secret('client_secret'),
              );
              return {
                accessToken: token.access_token,
                expiresAt: Date.now() + token.expires_in * 1000,
                scopes: parseScopes(token.scope),
              };
            },
        ctx.recordToken,
      ),
    );
    const http = createHttp({
      prefixUrl: endpoints.api,
      timeoutMs: ctx.timeoutMs,
      auth: tokenAuth(tokens),
    });
    return {
      async book(meeting, signal) {
        try {
          const body = await http
            .post(`users/${encodeURIComponent(settings.userId)}/meetings`, { json: toZoomMeeting(meeting), signal })
            .json();
          return fromZoomMeeting(body);
        } catch (error) {
          if (error instanceof AppError) throw error;
          throw await toProviderError(error, user ? userFailure : failure);
        }
      },

      async findExisting(meeting, signal) {
        try {
          // The meeting's UTC day, asked in UTC: `from` and `to` are dates in `timezone`, and filter only when both are set.
          const day = meeting.start.toUTC().toISODate() ?? '';
          let nextPage: string | undefined;
          for (let page = 0; page < maxListPages; page += 1) {
            const searchParams = {
              type: 'upcoming',
              page_size: 300,
              from: day,
              to: day,
              timezone: 'UTC',
              ...(nextPage ? { next_page_token: nextPage } : {}),
            };
            const listed = findTaggedMeeting(
              await http.get(`users/${encodeURIComponent(settings.userId)}/meetings`, { searchParams, signal }).json(),
              meeting,
            );
            // The list has no passcode: the meeting itself has.
            if (listed.id)
              return fromZoomMeeting(await http.get(`meetings/${encodeURIComponent(listed.id)}`, { signal }).json());
            nextPage = listed.nextPage;
            if (!nextPage) break;
          }
          return undefined;
        } catch (error) {
          if (error instanceof AppError) throw error;
          const { error: converted, body } = await convertFailure(error, user ? userFailure : failure);
          // 4711: the token lacks a scope (Zoom answers it with HTTP 400).
          const scopeMissing = converted.status === 403 || (body as { code?: unknown } | undefined)?.code === 4711;
          if (!scopeMissing) throw converted;
          throw new ProviderError(
            displayName,
            'permission_denied',
            `cannot look in Zoom for the meeting an interrupted call may have made (${converted.message})`,
            {
              hint: `give the Zoom app the scopes ${user ? 'meeting:read:list_meetings and meeting:read:meeting' : 'meeting:read:list_meetings:admin and meeting:read:meeting:admin'}, then repeat the call; or look for it in the Zoom web portal`,
              status: converted.status,
            },
          );
        }
      },
    };
  },
};

/** A user's meetings that day fit one page of 300; a few more pages cover an account that books all day. */
const maxListPages = 5;
