// Google Calendar: an event with the invitee and a Google Meet link, through an OAuth refresh token (client id + secret).
// API reference: https://developers.google.com/calendar/api/v3/reference/events/insert
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { parseScopes, reporting, TokenCache, tokenAuth } from '../../auth/token-cache.js';
import { AppError, InputError, ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import { convertFailure, httpStatus, type FailureContext } from '../../http/failure.js';
import { redact } from '../../log.js';
import type { Meeting } from '../../meeting.js';
import type { ProviderImplementation } from '../lazy.js';
import { google } from './manifest.js';
import { connectCommand, type ConnectorContext, type ProviderSession, type SessionContext } from '../provider.js';
import {
  calendarResource,
  describeGoogleError,
  displayName,
  eventUrl,
  eventWriteScopes,
  eventsInsertUrl,
  fromGoogleEvent,
  googleEventId,
  meetSolution,
  meetStatus,
  oauthError,
  parseGoogleEvent,
  refineApiFailure,
  sendUpdatesValues,
  toGoogleEvent,
  tokenResponse,
  type GoogleEvent,
  type SendUpdates,
} from './wire.js';

const { id } = google;
const reconnect = connectCommand(id);

/** Waits between polls of an event whose Meet link is still `pending`: a few short tries, about 3 s in all. */
const meetPollDelaysMs = [500, 1000, 1500];

const settingsSchema = z.object({
  clientId: z.string().min(1),
  calendarId: z.string().min(1).default('primary'),
  sendUpdates: z.enum(sendUpdatesValues).default('none'),
});

const failure: FailureContext = {
  provider: displayName,
  describe: describeGoogleError,
  reauthHint: `reconnect Google: ${reconnect} (with a fresh refresh token, and the client id and secret that issued it)`,
};

/** The generic conversion, keeping the parsed error body for the Google-specific refinements. */
async function convert(error: unknown): Promise<{ converted: ProviderError; body: unknown }> {
  const { error: converted, body } = await convertFailure(error, failure);
  return { converted, body };
}

/** What the token endpoint's `error` means for the user, and the fix. */
function tokenFailureHint(error: string | undefined): string {
  if (error === 'invalid_grant') {
    return (
      'the refresh token has expired or been revoked (an OAuth app whose consent screen is in "Testing" gets refresh tokens that expire after 7 days; ' +
      `set it "In production" to get lasting ones): create a new refresh token, then reconnect: ${reconnect}`
    );
  }
  if (error === 'unauthorized_client')
    return `the refresh token was issued to another OAuth client: use the client id and secret that created it, then reconnect: ${reconnect}`;
  if (error === 'invalid_client')
    return `check the OAuth client id and secret (Google Cloud console → APIs & Services → Credentials), then reconnect: ${reconnect}`;
  return failure.reauthHint;
}

/** The scopes the browser sign-in asks for: events to book; calendar settings so connect can check Meet is allowed. */
const loginScopes = [
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/calendar.readonly',
];

/** The sign-in's answer to the code exchange: like a refresh, plus the refresh token (asked for with access_type=offline). */
const codeExchangeResponse = tokenResponse.extend({ refresh_token: z.string().min(1).optional() });

/**
 * Runs the browser sign-in (authorization code + PKCE on a loopback redirect) and returns the refresh token.
 * https://developers.google.com/identity/protocols/oauth2/native-app
 */
async function signIn(ctx: ConnectorContext, clientId: string, clientSecret: string): Promise<string> {
  if (!ctx.login) {
    throw new InputError(
      '--refresh-token-stdin',
      'a refresh token is needed when no browser sign-in can run here',
      'pipe one in, or run connect in a terminal to sign in with the browser',
    );
  }
  const endpoints = ctx.endpoints as { auth: string; token: string };
  const authorized = await ctx.login.authorize({
    provider: displayName,
    authorizeUrl: endpoints.auth,
    clientId,
    scopes: loginScopes,
    // offline: a refresh token; consent: a new one even when this client was approved before.
    extra: { access_type: 'offline', prompt: 'consent' },
  });
  const body = await tokenRequest(endpoints.token, ctx.timeoutMs, {
    grant_type: 'authorization_code',
    code: authorized.code,
    redirect_uri: authorized.redirectUri,
    code_verifier: authorized.verifier,
    client_id: clientId,
    client_secret: clientSecret,
  });
  const token = codeExchangeResponse.safeParse(body);
  if (!token.success || !token.data.refresh_token) {
    throw new ProviderError(displayName, 'auth_failed', 'Google signed you in but returned no refresh token', {
      hint: `remove the app's access at https://myaccount.google.com/permissions, then connect again: ${reconnect}`,
    });
  }
  return token.data.refresh_token;
}

/** POSTs a form to Google's token endpoint; a refused credential is an `auth_failed` error naming the cause. */
async function tokenRequest(tokenUrl: string, timeoutMs: number, fields: Record<string, string>): Promise<unknown> {
  const http = createHttp({ prefixUrl: tokenUrl, timeoutMs, retryPost: fields.grant_type === 'refresh_token' });
  try {
    return await http.post('token', { body: new URLSearchParams(fields) }).json();
  } catch (error) {
    const { converted, body: errorBody } = await convert(error);
    // invalid_grant is a 400, invalid_client a 401: both mean the credentials given no longer work.
    if (converted.status === 400 || converted.status === 401) {
      const code = oauthError.safeParse(errorBody).data?.error;
      const what =
        code === 'invalid_client'
          ? 'the OAuth client'
          : fields.grant_type === 'refresh_token'
            ? 'the refresh token'
            : 'the sign-in';
      throw new ProviderError(
        displayName,
        'auth_failed',
        `Google refused ${what}: ${redact(describeGoogleError(errorBody) ?? `HTTP ${converted.status}`)}`,
        {
          hint: tokenFailureHint(code),
          status: converted.status,
        },
      );
    }
    throw converted;
  }
}

/** Exchanges the refresh token for an access token; a refused credential is an `auth_failed` error naming the cause. */
async function fetchToken(
  tokenUrl: string,
  timeoutMs: number,
  clientId: string,
  clientSecret: string,
  refreshToken: string,
) {
  const body = await tokenRequest(tokenUrl, timeoutMs, {
    grant_type: 'refresh_token',
    client_id: clientId,
    client_secret: clientSecret,
    refresh_token: refreshToken,
  });
  const token = tokenResponse.safeParse(body);
  if (!token.success) {
    throw new ProviderError(
      displayName,
      'provider_unavailable',
      "Google's token endpoint answered without an access token",
      {
        hint: 'retry in a few minutes; if it persists, check ALSATALK_GOOGLE_TOKEN_URL',
      },
    );
  }
  return token.data;
}

/** Refines a Calendar API failure (rate limits, Meet not allowed, missing calendar) into an error with the right fix. */
async function apiFailure(error: unknown, calendarId: string): Promise<AppError> {
  if (error instanceof AppError) return error;
  const { converted, body } = await convert(error);
  const refined = refineApiFailure(converted.status, body, calendarId, reconnect);
  if (!refined) return converted;
  return new ProviderError(displayName, refined.code, refined.message ?? converted.message, {
    hint: refined.hint,
    status: converted.status,
  });
}

function parseSendUpdates(raw: string | undefined): SendUpdates {
  const value = raw?.trim() || 'none';
  const match = sendUpdatesValues.find((v) => v === value);
  if (!match)
    throw new InputError(
      '--send-updates',
      `must be one of ${sendUpdatesValues.join(', ')}, got "${value}"`,
      'use none (the default: our own e-mail is the invitation), all or externalOnly',
    );
  return match;
}

function openGoogleSession(ctx: SessionContext): ProviderSession {
  const parsed = settingsSchema.safeParse(ctx.settings);
  if (!parsed.success) {
    throw new ProviderError(displayName, 'not_connected', 'the stored Google Calendar settings are incomplete', {
      hint: `connect Google again: ${reconnect}`,
    });
  }
  const settings = parsed.data;
  const endpoints = ctx.endpoints as { api: string; token: string };
  const tokens = new TokenCache(
    reporting(async () => {
      const token = await fetchToken(
        endpoints.token,
        ctx.timeoutMs,
        settings.clientId,
        await ctx.secret('client_secret'),
        await ctx.secret('refresh_token'),
      );
      return {
        accessToken: token.access_token,
        expiresAt: Date.now() + token.expires_in * 1000,
        scopes: parseScopes(token.scope),
      };
    }, ctx.recordToken),
  );
  const http = createHttp({
    prefixUrl: endpoints.api,
    timeoutMs: ctx.timeoutMs,
    auth: tokenAuth(tokens),
  });

  /** The booking's event (its id is ours), or undefined when Google has none. */
  async function read(meeting: Meeting, signal: AbortSignal): Promise<GoogleEvent | undefined> {
    try {
      return parseGoogleEvent(
        await http.get(eventUrl(settings.calendarId, googleEventId(meeting.bookingId)), { signal }).json(),
      );
    } catch (error) {
      const status = httpStatus(error);
      if (status === 404 || status === 410) return undefined;
      throw error;
    }
  }

  /**
   * Re-reads an event whose Meet link is `pending` until Google reports it, within a soft deadline that leaves the
   * booking's own timeout (the same `ctx.timeoutMs` as its abort signal) untouched: the event exists, so running out of
   * time here must end in a booking with a note, never in a timeout error that would invite a second booking.
   */
  async function settle(event: GoogleEvent, signal: AbortSignal, deadline: number): Promise<GoogleEvent> {
    let current = event;
    for (const delay of meetPollDelaysMs) {
      if (meetStatus(current) !== 'pending' || Date.now() + delay >= deadline) break;
      try {
        await sleep(delay, undefined, { signal });
        const body = await http
          .get(eventUrl(settings.calendarId, current.id), {
            signal,
            retry: 0,
            timeout: Math.max(1, deadline - Date.now()),
          })
          .json();
        current = parseGoogleEvent(body);
      } catch {
        break; // The event exists: report it with its pending note rather than fail the booking.
      }
    }
    return current;
  }

  return {
    async book(meeting, signal) {
      const started = Date.now();
      try {
        let created: GoogleEvent;
        try {
          created = parseGoogleEvent(
            await http
              .post(eventsInsertUrl(settings.calendarId, settings.sendUpdates), {
                json: toGoogleEvent(meeting),
                signal,
              })
              .json(),
          );
        } catch (error) {
          // 409: this booking's event id is taken, so an earlier insert got through (its answer was lost): that event is it.
          const existing = httpStatus(error) === 409 ? await read(meeting, signal) : undefined;
          if (!existing) throw error;
          if (existing.status === 'cancelled') {
            throw new ProviderError(
              displayName,
              'provider_rejected',
              "this booking's Google Calendar event was made earlier and has since been deleted",
              {
                hint: 'book again with a new idempotency_key to make another',
                status: 409,
              },
            );
          }
          created = existing;
        }
        const event =
          meetStatus(created) === 'pending' ? await settle(created, signal, started + ctx.timeoutMs * 0.75) : created;
        return fromGoogleEvent(event);
      } catch (error) {
        throw await apiFailure(error, settings.calendarId);
      }
    },

    async findExisting(meeting, signal) {
      try {
        const event = await read(meeting, signal);
        return event && event.status !== 'cancelled' ? fromGoogleEvent(event) : undefined;
      } catch (error) {
        throw await apiFailure(error, settings.calendarId);
      }
    },
  };
}

/** What `google.ts` (its manifest) loads on first use. */
export const implementation: ProviderImplementation = {
  async connect(values, ctx: ConnectorContext) {
    const clientId = values.clientId?.trim() ?? '';
    const clientSecret = values.client_secret?.trim() ?? '';
    const calendarId = values.calendarId?.trim() || 'primary';
    const sendUpdates = parseSendUpdates(values.sendUpdates);
    for (const [field, value] of [
      ['--client-id', clientId],
      ['client secret', clientSecret],
    ] as const) {
      if (!value)
        throw new InputError(
          field,
          'is required',
          'copy the client id and secret from the OAuth client (Desktop app) in Google Cloud console',
        );
    }
    // Without a refresh token given, the person signs in with the browser and Google issues one.
    const refreshToken = values.refresh_token?.trim() || (await signIn(ctx, clientId, clientSecret));
    const endpoints = ctx.endpoints as { api: string; token: string };
    const token = await fetchToken(endpoints.token, ctx.timeoutMs, clientId, clientSecret, refreshToken);
    const granted = token.scope?.split(/\s+/) ?? [];
    if (token.scope !== undefined && !granted.some((s) => eventWriteScopes.includes(s))) {
      throw new ProviderError(
        displayName,
        'permission_denied',
        `the refresh token may not create events (granted scopes: ${token.scope || 'none'})`,
        {
          hint: `create a refresh token that grants https://www.googleapis.com/auth/calendar.events (add it to the consent screen's scopes first), then reconnect: ${reconnect}`,
        },
      );
    }
    const notes: string[] = [];
    let account = calendarId;
    const http = createHttp({ prefixUrl: endpoints.api, timeoutMs: ctx.timeoutMs });
    let calendar: z.infer<typeof calendarResource> | undefined;
    try {
      const body = await http
        .get(`calendars/${encodeURIComponent(calendarId)}`, {
          headers: { Authorization: `Bearer ${token.access_token}` },
        })
        .json();
      calendar = calendarResource.safeParse(body).data;
    } catch (error) {
      const { converted, body } = await convert(error);
      if (refineApiFailure(converted.status, body, calendarId, reconnect)?.code === 'rate_limited') {
        throw new ProviderError(displayName, 'rate_limited', converted.message, {
          hint: 'Google is rate-limiting this account: connect again in a minute',
          status: converted.status,
        });
      }
      if (converted.status === 404) {
        throw new InputError(
          '--calendar',
          `Google Calendar has no calendar "${calendarId}" that this account can see`,
          'give a calendar id from Google Calendar → Settings → Integrate calendar, or omit --calendar for the primary calendar',
        );
      }
      if (converted.status !== 403) throw converted;
      // Reading calendar settings needs calendar.readonly, which booking does not: the connection still works without it.
      notes.push(
        `Could not read calendar "${calendarId}" (${converted.message}); whether it allows Google Meet was not checked.`,
      );
    }
    if (calendar) {
      account = calendar.id; // For `primary`, the account's e-mail address.
      const allowed = calendar.conferenceProperties?.allowedConferenceSolutionTypes;
      // Every booking would fail with "400 Invalid conference type value": refuse now, while the fix is cheap.
      if (allowed && !allowed.includes(meetSolution)) {
        throw new ProviderError(
          displayName,
          'permission_denied',
          `calendar "${calendar.id}" does not allow Google Meet (it allows: ${allowed.join(', ') || 'no conferencing'})`,
          {
            hint: `turn on Google Meet for this account (a Workspace admin: Apps → Google Workspace → Calendar → video conferencing), or connect a calendar that allows it: ${reconnect} --calendar <id>`,
          },
        );
      }
      if (!allowed)
        notes.push(
          `Google did not say whether calendar "${calendar.id}" allows Google Meet; the first booking will tell.`,
        );
    }
    if (sendUpdates !== 'none')
      notes.push(`Google will also e-mail its own invitation (--send-updates ${sendUpdates}), besides ours.`);
    return {
      account,
      settings: { clientId, calendarId, sendUpdates },
      secrets: { client_secret: clientSecret, refresh_token: refreshToken },
      notes,
      grant: { scopes: parseScopes(token.scope), expiresAt: Date.now() + token.expires_in * 1000 },
    };
  },

  /** https://developers.google.com/identity/protocols/oauth2/native-app#tokenrevoke: 200, or 400 invalid_token when already gone. */
  async revoke(ctx) {
    const refreshToken = await ctx.secret('refresh_token');
    if (!refreshToken) return 'nothing';
    const http = createHttp({ prefixUrl: (ctx.endpoints as { token: string }).token, timeoutMs: ctx.timeoutMs });
    try {
      await http.post('revoke', { body: new URLSearchParams({ token: refreshToken }) });
    } catch (error) {
      const { converted, body } = await convert(error);
      if (converted.status === 400 && oauthError.safeParse(body).data?.error === 'invalid_token') return 'revoked';
      throw converted;
    }
    return 'revoked';
  },

  openSession: openGoogleSession,
};
