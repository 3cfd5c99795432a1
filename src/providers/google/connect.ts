// `connect google`: the OAuth client's id and secret, and a refresh token piped in or issued by the browser sign-in; the
// token, its scopes and the calendar (does it allow Google Meet?) are checked before anything is stored.
import type { z } from 'zod';
import { parseScopes } from '../../auth/token-cache.js';
import { InputError, ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import type { ConnectResult, ConnectorContext } from '../provider.js';
import { convert, reconnect } from './failure.js';
import { googleClient, signIn } from './oauth.js';
import {
  calendarResource,
  displayName,
  eventWriteScopes,
  meetSolution,
  refineApiFailure,
  sendUpdatesValues,
  type SendUpdates,
  usageLimit,
} from './wire.js';

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

/**
 * What `all` or `externalOnly` trades: a second invitation, from Google, and Google's limit on invitations to external
 * guests (https://support.google.com/a/answer/2905486: "If a user sends 10,000 invites in a short period, the user's
 * calendar might go into read-only mode"), which then refuses events with 403 quotaExceeded for hours.
 */
function googleInvitationNote(sendUpdates: Exclude<SendUpdates, 'none'>): string {
  const who = sendUpdates === 'all' ? 'the invitee' : 'an invitee who does not use Google Calendar';
  return (
    `Google will also e-mail its own invitation (--send-updates ${sendUpdates}) to ${who}, besides ours. ` +
    "Google's invitations to guests outside your domain count against Calendar's sending limit; past it, Google refuses new events for a few hours (https://support.google.com/a/answer/2905486)."
  );
}

/** Verifies the credentials and the calendar; returns what to store. */
export async function connect(values: Readonly<Record<string, string>>, ctx: ConnectorContext): Promise<ConnectResult> {
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
  const client = googleClient(ctx, clientId, clientSecret);
  const refreshToken = values.refresh_token?.trim() || (await signIn(ctx, client));
  const endpoints = ctx.endpoints as { api: string; token: string };
  const token = await client.refresh(refreshToken);
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
        headers: { Authorization: client.header(token.access_token) },
      })
      .json();
    calendar = calendarResource.safeParse(body).data;
  } catch (error) {
    const { converted, body } = await convert(error);
    const refined = refineApiFailure(converted.status, body, calendarId, reconnect);
    if (refined?.code === 'rate_limited') {
      // A per-minute limit passes in a minute; Calendar's usage limits and the daily quota last hours.
      const short = usageLimit(converted.status, body) === 'short';
      throw new ProviderError(displayName, 'rate_limited', converted.message, {
        hint: short ? 'Google is rate-limiting this account: connect again in a minute' : refined.hint,
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
  if (sendUpdates !== 'none') notes.push(googleInvitationNote(sendUpdates));
  return {
    account,
    settings: { clientId, calendarId, sendUpdates },
    secrets: { client_secret: clientSecret, refresh_token: refreshToken },
    notes,
    grant: { scopes: parseScopes(token.scope), expiresAt: Date.now() + token.expires_in * 1000 },
  };
}
