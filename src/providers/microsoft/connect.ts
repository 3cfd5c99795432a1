// `connect microsoft`: the app registration's client id and tenant, a browser sign-in (or a refresh token piped in); the
// account (`/me`), the grant's scopes and the calendar (does it allow Teams meetings?) are checked before anything is
// stored. https://learn.microsoft.com/en-us/graph/outlook-calendar-online-meetings
import { parseScopes } from '../../auth/token-cache.js';
import { InputError, ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import type { ConnectResult, ConnectorContext } from '../provider.js';
import { apiFailure, reconnect } from './failure.js';
import { microsoftClient, signIn, tenantPattern } from './oauth.js';
import { calendarResource, displayName, grantsCalendarWrite, teams, userResource } from './wire.js';

/** Verifies the sign-in, the account and the calendar; returns what to store. */
export async function connect(values: Readonly<Record<string, string>>, ctx: ConnectorContext): Promise<ConnectResult> {
  const clientId = values.clientId?.trim() ?? '';
  if (!clientId)
    throw new InputError(
      '--client-id',
      'is required',
      'copy the Application (client) ID from the Microsoft Entra admin center → App registrations → your app → Overview',
    );
  const tenant = values.tenant?.trim() || 'common';
  if (!tenantPattern.test(tenant))
    throw new InputError(
      '--tenant',
      `"${tenant}" is not a tenant`,
      'give common (the default), organizations, consumers, a tenant id (a GUID) or a domain such as contoso.onmicrosoft.com',
    );
  const calendarId = values.calendarId?.trim() || undefined;
  const noTeams = values.noTeams === 'true';
  const inviteAttendee = values.inviteAttendee === 'true';

  const client = microsoftClient(ctx, clientId, tenant);
  const given = values.refresh_token?.trim();
  // Microsoft replaces the refresh token at every use: the one in the answer is the one to store.
  const token = given ? await client.refresh(given) : await signIn(ctx, client);
  const refreshToken = token.refresh_token ?? given ?? '';
  if (token.scope !== undefined && !grantsCalendarWrite(token.scope))
    throw new ProviderError(
      displayName,
      'permission_denied',
      `the sign-in did not grant Calendars.ReadWrite (granted: ${token.scope || 'nothing'})`,
      {
        hint: `add the Microsoft Graph delegated permission Calendars.ReadWrite to the app registration, then sign in again and accept it: ${reconnect} --client-id ${clientId}`,
      },
    );

  const endpoints = ctx.endpoints as { graph: string };
  const http = createHttp({ prefixUrl: endpoints.graph, timeoutMs: ctx.timeoutMs });
  const headers = { Authorization: `Bearer ${token.access_token}` };
  let user, calendar;
  try {
    user = userResource.parse(await http.get('me', { headers }).json());
    const path = calendarId ? `me/calendars/${encodeURIComponent(calendarId)}` : 'me/calendar';
    calendar = calendarResource.parse(await http.get(path, { headers }).json());
  } catch (error) {
    const failed = await apiFailure(error);
    if (calendarId && failed instanceof ProviderError && failed.status === 404)
      throw new InputError(
        '--calendar',
        `this account has no calendar "${calendarId}"`,
        'give the id of one of its calendars (GET /me/calendars in Graph Explorer), or omit --calendar for the default calendar',
      );
    throw failed;
  }

  const allowed = calendar.allowedOnlineMeetingProviders ?? [];
  const notes: string[] = [];
  if (!noTeams && !allowed.includes(teams))
    throw new ProviderError(
      displayName,
      'permission_denied',
      `the calendar "${calendar.name ?? calendar.id}" does not allow Microsoft Teams meetings (it allows: ${allowed.filter((p) => p !== 'unknown').join(', ') || 'none'}); a personal Microsoft account cannot make Teams meetings through Graph`,
      {
        hint: `use a work or school account with a Teams licence, or book the Outlook event without Teams (the invitee gets the other providers' links): ${reconnect} --client-id ${clientId} --no-teams`,
      },
    );
  if (noTeams) notes.push('Events are booked without a Teams meeting (--no-teams).');
  if (inviteAttendee)
    notes.push(
      'The invitee is added to each Outlook event (--invite-attendee), so Outlook e-mails its own invitation too, besides ours.',
    );
  return {
    account: user.mail ?? user.userPrincipalName ?? user.displayName ?? user.id,
    settings: {
      clientId,
      tenant,
      ...(calendarId ? { calendarId: calendar.id } : {}),
      calendarName: calendar.name ?? undefined,
      noTeams,
      inviteAttendee,
    },
    secrets: { refresh_token: refreshToken },
    notes,
    grant: { scopes: parseScopes(token.scope), expiresAt: Date.now() + token.expires_in * 1000 },
  };
}
