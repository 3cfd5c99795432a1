// Google Calendar's free/busy for the connected calendar: the busy blocks that remove time from a search.
// API reference: https://developers.google.com/calendar/api/v3/reference/freebusy/query
import { z } from 'zod';
import { type AppError, ProviderError } from '../../errors.js';
import type { Http } from '../../http/client.js';
import { httpStatus } from '../../http/failure.js';
import type { AvailabilityQuery, BusyBlock } from '../provider.js';
import { apiFailure, reconnect } from './failure.js';
import { displayName } from './wire.js';

/**
 * Scopes that authorize freebusy.query (its reference): calendar.readonly (which the sign-in asks for), calendar,
 * calendar.freebusy and calendar.events.freebusy. calendar.events alone does not.
 */
export const freeBusyScopes = [
  'https://www.googleapis.com/auth/calendar.readonly',
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/calendar.freebusy',
  'https://www.googleapis.com/auth/calendar.events.freebusy',
];

/** The request body: RFC 3339 bounds with an offset (UTC here), one calendar. */
export interface FreeBusyRequest {
  timeMin: string;
  timeMax: string;
  items: Array<{ id: string }>;
}

/**
 * The answer: busy blocks per calendar (start inclusive, end exclusive, UTC without a `timeZone` in the request), or
 * that calendar's `errors` (notFound, internalError...) inside a 200.
 */
const freeBusyResponse = z.object({
  calendars: z.record(
    z.string(),
    z.object({
      busy: z.array(z.object({ start: z.string(), end: z.string() })).optional(),
      errors: z.array(z.object({ domain: z.string().optional(), reason: z.string().optional() })).optional(),
    }),
  ),
});

/** Pure: the body asking about `query`'s range for `calendarId`. */
export const toFreeBusyRequest = (query: AvailabilityQuery, calendarId: string): FreeBusyRequest => ({
  timeMin: query.from.toUTC().toISO({ suppressMilliseconds: true }) ?? '',
  timeMax: query.to.toUTC().toISO({ suppressMilliseconds: true }) ?? '',
  items: [{ id: calendarId }],
});

/**
 * Pure: the calendar's busy blocks. Google keys the answer by the id asked (`primary` included); a calendar it could
 * not read comes back with `errors`, which is a failure here, never an empty (all free) calendar.
 */
export function fromFreeBusy(body: unknown, calendarId: string): BusyBlock[] {
  const parsed = freeBusyResponse.safeParse(body);
  const calendar = parsed.success ? parsed.data.calendars[calendarId] : undefined;
  if (!calendar)
    throw new ProviderError(displayName, 'provider_rejected', 'Google answered free/busy in an unexpected form', {
      hint: 'retry; if it keeps happening, Google changed its API',
    });
  const reason = calendar.errors?.[0]?.reason;
  if (reason !== undefined) {
    const missing = reason === 'notFound';
    throw new ProviderError(
      displayName,
      missing ? 'provider_rejected' : 'provider_unavailable',
      `Google could not read the free/busy of calendar "${calendarId}" (${reason})`,
      {
        hint: missing
          ? `reconnect with a calendar this account can read: ${reconnect} --calendar ID`
          : 'retry in a minute',
      },
    );
  }
  return (calendar.busy ?? [])
    .map((b) => ({ start: Date.parse(b.start), end: Date.parse(b.end) }))
    .filter((b) => Number.isFinite(b.start) && Number.isFinite(b.end) && b.end > b.start);
}

/** The busy blocks of `calendarId` within the query's range; failures as ky threw them (see freeBusyFailure). */
export async function readFreeBusy(
  http: Http,
  query: AvailabilityQuery,
  calendarId: string,
  signal: AbortSignal,
): Promise<BusyBlock[]> {
  const body: unknown = await http.post('freeBusy', { json: toFreeBusyRequest(query, calendarId), signal }).json();
  return fromFreeBusy(body, calendarId);
}

/** A failed free/busy call in our terms, a refusal naming the scope free/busy needs (booking's is not enough). */
export async function freeBusyFailure(error: unknown, calendarId: string): Promise<AppError> {
  const converted = await apiFailure(error, calendarId);
  if (httpStatus(error) !== 403 || converted.code !== 'permission_denied') return converted;
  return new ProviderError(
    displayName,
    'permission_denied',
    `Google refused to show free/busy (${converted.message})`,
    {
      hint: `connect Google with a token that also grants ${freeBusyScopes[0]} (the browser sign-in asks for it), with access to calendar "${calendarId}": ${reconnect}`,
      status: 403,
    },
  );
}
