// Zoom: a scheduled meeting (type 2) with a passcode, through Server-to-Server OAuth (account credentials).
// API reference: https://developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings
import { z } from 'zod';
import { TokenCache } from '../auth/token-cache.js';
import { AppError, InputError, ProviderError } from '../errors.js';
import { createHttp } from '../http/client.js';
import { truncate } from '../text.js';
import { toProviderError, type FailureContext } from '../http/failure.js';
import { connectCommand, type ConnectorContext, type MeetingProvider } from './provider.js';
import type { BookedMeeting, Meeting } from '../booking/types.js';

const id = 'zoom';
const displayName = 'Zoom';

/** Token response of `POST /oauth/token?grant_type=account_credentials` (https://developers.zoom.us/docs/internal-apps/s2s-oauth/). */
const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
});

/** Error body of the OAuth endpoint: `{"reason":"Invalid client_id or client_secret","error":"invalid_client"}`. */
const oauthError = z.object({ reason: z.string().optional(), error: z.string().optional() });

/** Error body of the REST API: `{"code":300,"message":"Validation Failed.","errors":[{"field","message"}]}`. */
const apiError = z.object({
  code: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
  errors: z.array(z.object({ field: z.string().optional(), message: z.string().optional() })).optional(),
});

/** Request body of Create a meeting; only the fields we send. */
export interface ZoomCreateMeeting {
  topic: string;
  type: 2;
  /** UTC, `yyyy-MM-ddTHH:mm:ssZ`: an exact instant whatever zones Zoom knows; `timezone` then sets the display zone. */
  start_time: string;
  duration: number;
  timezone: string;
  agenda: string;
  /** Let Zoom generate a passcode that satisfies the account's own passcode rules. */
  default_password: true;
}

/** 201 response of Create a meeting (fields we read). `password` is absent when the account has passcodes off. */
const createMeetingResponse = z.object({
  id: z.union([z.number(), z.string()]),
  join_url: z.url(),
  password: z.string().optional(),
  start_time: z.string().optional(),
  timezone: z.string().optional(),
});

const userResponse = z.object({ email: z.string().optional(), id: z.string().optional() });

const settingsSchema = z.object({ accountId: z.string(), clientId: z.string(), userId: z.string().default('me') });

/** Pure mapper: our meeting to Zoom's create body. */
export function toZoomMeeting(meeting: Meeting): ZoomCreateMeeting {
  return {
    topic: truncate(meeting.topic, 200),
    type: 2,
    start_time: meeting.start.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'"),
    duration: meeting.durationMinutes,
    timezone: meeting.timezone,
    agenda: truncate(`With ${meeting.customerName} <${meeting.customerEmail}>`, 2000),
    default_password: true,
  };
}

/** Zoom shows meeting ids grouped as people type them: 123 4567 8901 (11 digits), 123 456 7890 (10). */
export function formatMeetingId(id: string): string {
  if (/^\d{11}$/.test(id)) return `${id.slice(0, 3)} ${id.slice(3, 7)} ${id.slice(7)}`;
  if (/^\d{10}$/.test(id)) return `${id.slice(0, 3)} ${id.slice(3, 6)} ${id.slice(6)}`;
  return id;
}

/** Pure mapper: Zoom's 201 body to our booked meeting. */
export function fromZoomMeeting(body: unknown): BookedMeeting {
  const parsed = createMeetingResponse.safeParse(body);
  if (!parsed.success) {
    throw new ProviderError(displayName, 'provider_rejected', 'Zoom created the meeting but its answer had no join_url or id', {
      hint: 'check the meeting in the Zoom web portal before booking again, so it is not doubled',
    });
  }
  const m = parsed.data;
  return {
    externalId: String(m.id),
    joinUrl: m.join_url,
    reference: { label: 'Meeting ID', value: formatMeetingId(String(m.id)) },
    ...(m.password ? { passcode: m.password } : {}),
    links: [{ label: 'Join Zoom meeting', url: m.join_url }],
  };
}

const describeZoomError = (body: unknown): string | undefined => {
  const api = apiError.safeParse(body);
  if (api.success && api.data.message) {
    const fields = (api.data.errors ?? []).map((e) => `${e.field ?? '?'}: ${e.message ?? 'invalid'}`).join('; ');
    return `${api.data.message}${api.data.code !== undefined ? ` (code ${api.data.code})` : ''}${fields ? ` [${fields}]` : ''}`;
  }
  const oauth = oauthError.safeParse(body);
  if (oauth.success && (oauth.data.reason || oauth.data.error)) return [oauth.data.reason, oauth.data.error].filter(Boolean).join(' / ');
  return typeof body === 'string' && body.length > 0 ? truncate(body, 200) : undefined;
};

const failure: FailureContext = {
  provider: displayName,
  describe: describeZoomError,
  reauthHint: `reconnect Zoom: ${connectCommand(id)} (check the account id, client id and secret of the Server-to-Server OAuth app)`,
};

/** Fetches an account-credentials token; a bad credential is an `auth_failed` error naming the fix. */
async function fetchToken(oauthUrl: string, timeoutMs: number, accountId: string, clientId: string, clientSecret: string) {
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

export const zoom: MeetingProvider = {
  id,
  displayName,
  kind: 'meeting',
  summary: 'Server-to-Server OAuth app (account id, client id, client secret) from marketplace.zoom.us → Develop → Build App',
  endpoints: {
    api: { env: 'ALSATALK_ZOOM_API_URL', default: 'https://api.zoom.us/v2', description: 'Zoom REST API base' },
    oauth: { env: 'ALSATALK_ZOOM_OAUTH_URL', default: 'https://zoom.us', description: 'Zoom OAuth host (token endpoint /oauth/token)' },
  },
  fields: [
    { flag: 'account-id', key: 'accountId', label: 'Account ID', help: "the S2S app's App Credentials page" },
    { flag: 'client-id', key: 'clientId', label: 'Client ID', help: "the S2S app's App Credentials page" },
    { flag: 'client-secret', key: 'client_secret', label: 'Client secret', help: "the S2S app's App Credentials page", secret: true },
    { flag: 'user', key: 'userId', label: 'Host user', help: 'Zoom user id or e-mail that hosts the meetings (default: me, the app owner)', optional: true },
  ],

  async connect(values, ctx: ConnectorContext) {
    const accountId = values.accountId?.trim() ?? '';
    const clientId = values.clientId?.trim() ?? '';
    const clientSecret = values.client_secret ?? '';
    const userId = values.userId?.trim() || 'me';
    for (const [flag, value] of [['--account-id', accountId], ['--client-id', clientId], ['client secret', clientSecret]] as const) {
      if (!value) throw new InputError(flag, 'is required', "copy it from the Server-to-Server OAuth app's App Credentials page");
    }
    const endpoints = ctx.endpoints as { api: string; oauth: string };
    const token = await fetchToken(endpoints.oauth, ctx.timeoutMs, accountId, clientId, clientSecret);
    const notes: string[] = [];
    if (token.scope !== undefined && !token.scope.split(/\s+/).some((s) => s.startsWith('meeting:write'))) {
      throw new ProviderError(displayName, 'permission_denied', `the Zoom app may not create meetings (granted scopes: ${token.scope || 'none'})`, {
        hint: 'add the scope meeting:write:meeting:admin (or meeting:write:admin) on the app\'s Scopes page, activate the app, then connect again',
      });
    }
    let account = `account ${accountId}`;
    const http = createHttp({ prefixUrl: endpoints.api, timeoutMs: ctx.timeoutMs });
    try {
      const user = userResponse.parse(
        await http.get(`users/${encodeURIComponent(userId)}`, { headers: { Authorization: `Bearer ${token.access_token}` } }).json(),
      );
      if (user.email) account = user.email;
    } catch (error) {
      const converted = await toProviderError(error, failure);
      if (converted.status === 404) throw new InputError('--user', `Zoom has no user "${userId}" in this account`, 'give the host\'s Zoom e-mail or user id, or omit --user to host as the app owner');
      // Reading the user needs a scope (user:read:user:admin) that booking does not; the connection still works without it.
      notes.push(`Could not read the Zoom host's profile (${converted.message}); meetings will be created for user "${userId}".`);
    }
    return { account, settings: { accountId, clientId, userId }, secrets: { client_secret: clientSecret }, notes };
  },

  openSession(ctx) {
    const settings = settingsSchema.parse(ctx.connection.settings);
    const endpoints = ctx.endpoints as { api: string; oauth: string };
    const tokens = new TokenCache(async () => {
      const token = await fetchToken(endpoints.oauth, ctx.timeoutMs, settings.accountId, settings.clientId, await ctx.secret('client_secret'));
      return { accessToken: token.access_token, expiresAt: Date.now() + token.expires_in * 1000 };
    });
    const http = createHttp({
      prefixUrl: endpoints.api,
      timeoutMs: ctx.timeoutMs,
      auth: {
        header: async () => `Bearer ${await tokens.get()}`,
        rejected: (header) => tokens.invalidate(header.replace(/^Bearer /, '')),
      },
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
          throw await toProviderError(error, failure);
        }
      },
    };
  },
};
