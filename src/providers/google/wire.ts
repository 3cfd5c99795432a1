// Google Calendar wire shapes and pure mappers: our Meeting to an events.insert call, Google's answers to our terms.
// API reference: https://developers.google.com/calendar/api/v3/reference/events/insert
import { z } from 'zod';
import { ProviderError, type ErrorCode } from '../../errors.js';
import { truncate } from '../../text.js';
import type { BookedMeeting, Meeting } from '../../meeting.js';

import { displayName } from './manifest.js';

export { displayName };

/** Who Google itself e-mails about a new event; `none` by default because our own e-mail is the invitation. */
export const sendUpdatesValues = ['none', 'all', 'externalOnly'] as const;
export type SendUpdates = (typeof sendUpdatesValues)[number];

/** The conference solution we ask for (https://developers.google.com/calendar/api/v3/reference/calendars#conferenceProperties). */
export const meetSolution = 'hangoutsMeet';

/**
 * Scopes that let a token call events.insert. The list is inferred from the events.delete reference
 * (https://developers.google.com/calendar/api/v3/reference/events/delete); the insert page's list is unconfirmed.
 */
export const eventWriteScopes = [
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/calendar.events.owned',
  'https://www.googleapis.com/auth/calendar.app.created',
];

/** Error body of the token endpoint (RFC 6749 §5.2), e.g. `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`. */
const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

/** Error body of the Calendar API (https://developers.google.com/calendar/api/guides/errors). */
const apiError = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    errors: z
      .array(z.object({ domain: z.string().optional(), reason: z.string().optional(), message: z.string().optional() }))
      .optional(),
  }),
});

/** The fields of a Calendars resource that connect reads (https://developers.google.com/calendar/api/v3/reference/calendars). */
export const calendarResource = z.object({
  id: z.string().min(1),
  summary: z.string().optional(),
  timeZone: z.string().optional(),
  conferenceProperties: z.object({ allowedConferenceSolutionTypes: z.array(z.string()).optional() }).optional(),
});

/** The fields of an Event resource that booking reads (https://developers.google.com/calendar/api/v3/reference/events#resource). */
const eventResource = z.object({
  id: z.string().min(1),
  /** `confirmed`, `tentative` or `cancelled` (a deleted event keeps its id, and the id stays taken). */
  status: z.string().optional(),
  htmlLink: z.url().optional(),
  hangoutLink: z.url().optional(),
  conferenceData: z
    .object({
      conferenceId: z.string().optional(),
      createRequest: z
        .object({ requestId: z.string().optional(), status: z.object({ statusCode: z.string() }).optional() })
        .optional(),
      entryPoints: z.array(z.object({ entryPointType: z.string(), uri: z.string() })).optional(),
    })
    .optional(),
});
export type GoogleEvent = z.infer<typeof eventResource>;

/** Request body of events.insert; only the fields we send. */
export interface GoogleEventInsert {
  /**
   * Ours, not Google's, so the booking's event can be looked up before any second insert. Google refuses a duplicate id
   * with 409 when it notices, but says it "cannot guarantee that ID collisions will be detected at event creation time".
   */
  id: string;
  summary: string;
  description: string;
  /** RFC 3339 with the offset of `timeZone` at that instant: exact whatever Google assumes, and readable. */
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  attendees: Array<{ email: string; displayName: string }>;
  conferenceData: { createRequest: { requestId: string; conferenceSolutionKey: { type: typeof meetSolution } } };
}

/**
 * The event id for a booking: base32hex (a-v, 0-9) and 5 to 1024 characters, as events.insert requires of an id the
 * client gives; a UUID's hex digits are both, and Google recommends a UUID to keep collisions rare.
 */
export const googleEventId = (bookingId: string): string => bookingId.toLowerCase().replace(/[^0-9a-f]/g, '');

/** Deterministic per booking, so that Google ignores a conference request it has already seen (a retried insert). */
export const meetRequestId = (bookingId: string): string => `alsatalk-${bookingId}`;

const rfc3339 = (meeting: Meeting, which: 'start' | 'end'): string =>
  meeting[which].setZone(meeting.timezone).toISO({ suppressMilliseconds: true, includeOffset: true }) ?? '';

/** Pure mapper: our meeting to the events.insert body. */
export function toGoogleEvent(meeting: Meeting): GoogleEventInsert {
  return {
    id: googleEventId(meeting.bookingId),
    summary: truncate(meeting.topic, 200),
    // Google renders descriptions as HTML, so the address goes in parentheses, not in angle brackets that would vanish.
    description: truncate(`With ${meeting.customerName} (${meeting.customerEmail})`, 2000),
    start: { dateTime: rfc3339(meeting, 'start'), timeZone: meeting.timezone },
    end: { dateTime: rfc3339(meeting, 'end'), timeZone: meeting.timezone },
    attendees: [{ email: meeting.customerEmail, displayName: meeting.customerName }],
    conferenceData: {
      createRequest: { requestId: meetRequestId(meeting.bookingId), conferenceSolutionKey: { type: meetSolution } },
    },
  };
}

/**
 * The events.insert path, relative to the API base. It always carries `conferenceDataVersion=1`: without it Google
 * silently drops `conferenceData` and creates an event with no Meet link.
 */
export function eventsInsertUrl(calendarId: string, sendUpdates: SendUpdates): string {
  const query = new URLSearchParams({ conferenceDataVersion: '1', sendUpdates });
  return `calendars/${encodeURIComponent(calendarId)}/events?${query.toString()}`;
}

/** The events.get path, relative to the API base (used to poll a Meet link that is still being created). */
export const eventUrl = (calendarId: string, eventId: string): string =>
  `calendars/${encodeURIComponent(calendarId)}/events/${encodeURIComponent(eventId)}`;

/** `pending` | `success` | `failure` as Google reports the Meet creation; `absent` when the event has no conference at all. */
export function meetStatus(event: GoogleEvent): 'pending' | 'success' | 'failure' | 'absent' {
  const code = event.conferenceData?.createRequest?.status?.statusCode;
  if (code === 'pending' || code === 'failure' || code === 'success') return code;
  return event.conferenceData || event.hangoutLink ? 'success' : 'absent';
}

/** Parses an Event resource; an answer without an id is an error that warns against booking twice. */
export function parseGoogleEvent(body: unknown): GoogleEvent {
  const parsed = eventResource.safeParse(body);
  if (!parsed.success) {
    throw new ProviderError(displayName, 'provider_rejected', 'Google Calendar answered without an event id', {
      hint: 'check the calendar in Google Calendar before booking again, so the event is not doubled',
    });
  }
  return parsed.data;
}

const meetNotes: Record<'pending' | 'failure' | 'absent', string> = {
  pending:
    'Google was still creating the Meet link when we stopped waiting, so the e-mail has no Meet link: open the event in Google Calendar and send its Meet link to the invitee',
  failure:
    'Google could not create a Meet link for this event, so the e-mail has none: add Google Meet to the event in Google Calendar and send the link to the invitee',
  absent:
    'Google created the event without a Meet link, so the e-mail has none: add Google Meet to the event in Google Calendar and send the link to the invitee',
};

/** Pure mapper: Google's event to our booked meeting; a missing Meet link is still a booking, with a note saying what to do. */
export function fromGoogleEvent(event: GoogleEvent): BookedMeeting {
  const status = meetStatus(event);
  const video = event.conferenceData?.entryPoints?.find((e) => e.entryPointType === 'video')?.uri;
  const joinUrl = status === 'success' ? (video ?? event.hangoutLink) : undefined;
  return {
    externalId: event.id,
    ...(joinUrl ? { joinUrl } : {}),
    links: joinUrl ? [{ label: 'Join Google Meet', url: joinUrl }] : [],
    ...(event.htmlLink ? { hostLinks: [{ label: 'Open in Google Calendar', url: event.htmlLink }] } : {}),
    ...(status !== 'success' || !joinUrl ? { note: meetNotes[status === 'success' ? 'absent' : status] } : {}),
  };
}

/** Google's own explanation from either error shape, e.g. `Rate Limit Exceeded (rateLimitExceeded)`. */
export function describeGoogleError(body: unknown): string | undefined {
  const api = apiError.safeParse(body);
  if (api.success && api.data.error.message) {
    const reason = api.data.error.errors?.[0]?.reason;
    return `${api.data.error.message}${reason ? ` (${reason})` : ''}`;
  }
  const oauth = oauthError.safeParse(body);
  if (oauth.success) return `${oauth.data.error_description ?? oauth.data.error} (${oauth.data.error})`;
  return typeof body === 'string' && body.length > 0 ? truncate(body, 200) : undefined;
}

/** The first `reason` of a Calendar API error body, and its message. */
function googleReason(body: unknown): { reason: string | undefined; message: string } {
  const api = apiError.safeParse(body);
  if (!api.success) return { reason: undefined, message: '' };
  return { reason: api.data.error.errors?.[0]?.reason, message: api.data.error.message ?? '' };
}

/**
 * Google's usage limits, by what waiting does (https://developers.google.com/workspace/calendar/api/guides/errors):
 * `short` for rateLimitExceeded (403 or 429, "functionally similar", both answered with exponential backoff) and
 * userRateLimitExceeded (403, per-user per-minute quota); `lasting` for quotaExceeded (Calendar's usage limits, which
 * lift after hours) and dailyLimitExceeded (a daily project quota; Google's older guides list it, the current one no
 * longer does). Undefined for any other failure.
 */
export function usageLimit(status: number | undefined, body: unknown): 'short' | 'lasting' | undefined {
  const { reason } = googleReason(body);
  if ((status === 403 || status === 429) && (reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded'))
    return 'short';
  if (status === 403 && (reason === 'quotaExceeded' || reason === 'dailyLimitExceeded')) return 'lasting';
  return undefined;
}

/** What a refined Calendar API failure becomes: a code and the next step, or undefined to keep the generic mapping. */
export interface Refinement {
  code: ErrorCode;
  hint: string;
  message?: string;
}

/**
 * Pure: the Calendar API failures that a status alone classifies wrongly or vaguely. A 403 rate limit is not a
 * permission problem; a 400 "Invalid conference type value" means the calendar does not allow Meet.
 * @param reconnect the command that connects Google again, to name in hints
 */
export function refineApiFailure(
  status: number | undefined,
  body: unknown,
  calendarId: string,
  reconnect: string,
): Refinement | undefined {
  const { reason, message } = googleReason(body);
  if (status === 403 && usageLimit(status, body) === 'short') {
    return {
      code: 'rate_limited',
      hint: `${displayName} is rate-limiting this account: retry this provider after a minute`,
    };
  }
  if (status === 403 && reason === 'quotaExceeded') {
    return {
      code: 'rate_limited',
      hint: `Google put this calendar in read-only mode for creating too many events or invitations: retry this provider in a few hours (https://support.google.com/a/answer/2905486)`,
    };
  }
  if (status === 403 && reason === 'dailyLimitExceeded') {
    return {
      code: 'rate_limited',
      hint: `the Google Cloud project has used up its daily Calendar API quota: retry this provider tomorrow, or raise the quota in Google Cloud console → APIs & Services → Google Calendar API → Quotas`,
    };
  }
  if (status === 403 && reason === 'forbiddenForNonOrganizer') {
    return {
      code: 'permission_denied',
      hint: `Google lets only an event's organizer set its shared properties, and this account is not the organizer on calendar "${calendarId}": reconnect with a calendar this account owns: ${reconnect} --calendar <id>`,
    };
  }
  if (status === 403 && (reason === 'insufficientPermissions' || /insufficient authentication scopes/i.test(message))) {
    return {
      code: 'permission_denied',
      hint: `the refresh token lacks the scope https://www.googleapis.com/auth/calendar.events: create a new one that grants it, then reconnect: ${reconnect}`,
    };
  }
  if (status === 403) {
    return {
      code: 'permission_denied',
      hint: `the Google account may not add events to calendar "${calendarId}": ask its owner for "Make changes to events", or reconnect with another calendar: ${reconnect} --calendar <id>`,
    };
  }
  if (status === 400 && /invalid conference type value/i.test(message)) {
    return {
      code: 'provider_rejected',
      message: `Google Calendar does not allow Google Meet on calendar "${calendarId}" (400 Invalid conference type value)`,
      hint: `turn on Google Meet for this account (a Workspace admin: Apps → Google Workspace → Calendar → video conferencing; service accounts cannot create Meet links), or reconnect with a calendar that allows Meet: ${reconnect} --calendar <id>`,
    };
  }
  if (status === 404) {
    return {
      code: 'provider_rejected',
      hint: `Google Calendar has no calendar "${calendarId}" that this account can see: reconnect with the right calendar id (Google Calendar → Settings → Integrate calendar): ${reconnect} --calendar <id>`,
    };
  }
  return undefined;
}
