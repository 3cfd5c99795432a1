// Microsoft Graph wire shapes and pure mappers: our Meeting to a `POST /me/events` body (an Outlook event with a Teams
// meeting), Graph's answers and errors to our terms.
// API reference: https://learn.microsoft.com/en-us/graph/api/user-post-events?view=graph-rest-1.0
import { z } from 'zod';
import type { BookedMeeting, Meeting } from '../../meeting.js';
import type { OtherLink } from '../provider.js';
import { escapeHtml, truncate } from '../../text.js';
import { displayName } from './manifest.js';

export { displayName };

/**
 * What the sign-in asks for, and nothing more: a refresh token (`offline_access`), the calendar (create, read, update
 * and cancel events all need Calendars.ReadWrite) and the account's name (`/me`, User.Read). Short and full forms are
 * the same scope ("scope=User.Read is equivalent to https://graph.microsoft.com/User.Read",
 * https://learn.microsoft.com/en-us/entra/identity-platform/scopes-oidc).
 */
export const graphScopes = [
  'offline_access',
  'https://graph.microsoft.com/Calendars.ReadWrite',
  'https://graph.microsoft.com/User.Read',
];

/** Whether a granted scope list (space-separated, short or full form) includes Calendars.ReadWrite. */
export const grantsCalendarWrite = (scope: string): boolean =>
  scope
    .split(/\s+/)
    .some((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, '').toLowerCase() === 'calendars.readwrite');

/** The one online meeting provider we ask for (https://learn.microsoft.com/en-us/graph/api/resources/calendar). */
export const teams = 'teamsForBusiness';

/**
 * The single-value extended property that carries our booking id on the event, so that a booking whose answer was
 * lost is found by `$filter` before any second create (the documented way to find an event by a value of one's own:
 * https://learn.microsoft.com/en-us/graph/api/singlevaluelegacyextendedproperty-get). The id uses the Name format, with
 * a GUID of our own as the property set.
 */
export const bookingProperty = 'String {578b43ae-8e2f-48ed-b3d5-b5427b4536f1} Name alsatalkBookingId';

/** `$filter` for the event that carries `bookingId` in `bookingProperty`. */
export const bookingFilter = (bookingId: string): string =>
  `singleValueExtendedProperties/Any(ep: ep/id eq '${bookingProperty}' and ep/value eq '${bookingId.replace(/'/g, "''")}')`;

/** Graph's error body (https://learn.microsoft.com/en-us/graph/errors). */
const graphError = z.object({ error: z.object({ code: z.string(), message: z.string().optional() }) });

/** The identity platform's error body: `error`, `error_description` ("AADSTS70008: … Trace ID: …"), `error_codes`. */
const identityError = z.object({
  error: z.string(),
  error_description: z.string().optional(),
  error_codes: z.array(z.number()).optional(),
});

/** Graph's code of an error body (`ErrorItemNotFound`), if it is one. */
export const graphCode = (body: unknown): string | undefined => graphError.safeParse(body).data?.error.code;

/** The AADSTS codes of an identity platform error body. */
export const identityCodes = (body: unknown): number[] => identityError.safeParse(body).data?.error_codes ?? [];

/**
 * Microsoft's own explanation from either error shape: Graph's `message (code)`, or the identity platform's first line of
 * `error_description` (its trace and correlation ids follow on other lines).
 */
export function describeMicrosoftError(body: unknown): string | undefined {
  const graph = graphError.safeParse(body);
  if (graph.success) return `${graph.data.error.message ?? graph.data.error.code} (${graph.data.error.code})`;
  const identity = identityError.safeParse(body);
  if (identity.success) {
    const line = identity.data.error_description?.split(/\r?\n/)[0]?.trim();
    return truncate(line ? `${line} (${identity.data.error})` : identity.data.error, 300);
  }
  return undefined;
}

/** `GET /me` (https://learn.microsoft.com/en-us/graph/api/user-get): who signed in. */
export const userResource = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  mail: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
});

/** `GET /me/calendar` or `/me/calendars/{id}` (https://learn.microsoft.com/en-us/graph/api/resources/calendar). */
export const calendarResource = z.object({
  id: z.string(),
  name: z.string().nullish(),
  allowedOnlineMeetingProviders: z.array(z.string()).nullish(),
  defaultOnlineMeetingProvider: z.string().nullish(),
});

const dateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: z.string() });

/** The event fields we read (https://learn.microsoft.com/en-us/graph/api/resources/event). */
export const eventResource = z.object({
  id: z.string().min(1),
  webLink: z.string().nullish(),
  isCancelled: z.boolean().nullish(),
  isOnlineMeeting: z.boolean().nullish(),
  onlineMeetingProvider: z.string().nullish(),
  onlineMeeting: z.object({ joinUrl: z.string().nullish(), conferenceId: z.string().nullish() }).nullish(),
  start: dateTimeTimeZone.nullish(),
  end: dateTimeTimeZone.nullish(),
  showAs: z.string().nullish(),
});
export type GraphEvent = z.infer<typeof eventResource>;

export const eventList = z.object({ value: z.array(eventResource), '@odata.nextLink': z.string().nullish() });

/** How a booking's event is made: with a Teams meeting or not, with the invitee as an attendee or not. */
export interface EventOptions {
  teams: boolean;
  inviteAttendee: boolean;
}

/**
 * A dateTimeTimeZone in UTC: the wall time in UTC without an offset, and the zone "UTC". Graph takes Windows zone names
 * and a fixed list of IANA names (https://learn.microsoft.com/en-us/graph/api/resources/datetimetimezone), and has
 * refused listed IANA names in practice: UTC is exact whatever the mailbox supports.
 */
export const utcDateTime = (at: Meeting['start']): { dateTime: string; timeZone: 'UTC' } => ({
  dateTime: at.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss"),
  timeZone: 'UTC',
});

/** Pure mapper: our meeting to the `POST /me/events` body. */
export function toGraphEvent(meeting: Meeting, options: EventOptions): Record<string, unknown> {
  return {
    subject: truncate(meeting.topic, 255),
    body: { contentType: 'text', content: truncate(`With ${meeting.customerName} <${meeting.customerEmail}>`, 2000) },
    start: utcDateTime(meeting.start),
    end: utcDateTime(meeting.end),
    ...(options.teams ? { isOnlineMeeting: true, onlineMeetingProvider: teams } : {}),
    // "to avoid redundant POST operations in case of client retries to create the same event": one per booking.
    transactionId: meeting.bookingId,
    singleValueExtendedProperties: [{ id: bookingProperty, value: meeting.bookingId }],
    // Outlook e-mails its own invitation to every attendee: only when asked (our e-mail is the invitation).
    ...(options.inviteAttendee
      ? {
          attendees: [
            { emailAddress: { address: meeting.customerEmail, name: meeting.customerName }, type: 'required' },
          ],
        }
      : {}),
    allowNewTimeProposals: false,
  };
}

/** The Teams join link of an event, when Graph has made one. */
export const joinUrlOf = (event: GraphEvent): string | undefined => event.onlineMeeting?.joinUrl ?? undefined;

/** Pure mapper: Graph's event to our booked meeting; without a Teams link it is still booked, with a note. */
export function fromGraphEvent(event: GraphEvent, options: EventOptions): BookedMeeting {
  const joinUrl = joinUrlOf(event);
  const missing = options.teams && !joinUrl;
  return {
    externalId: event.id,
    ...(joinUrl ? { joinUrl } : {}),
    links: joinUrl ? [{ label: 'Join the Microsoft Teams meeting', url: joinUrl }] : [],
    ...(event.onlineMeeting?.conferenceId
      ? { reference: { label: 'Teams conference ID', value: event.onlineMeeting.conferenceId } }
      : {}),
    ...(event.webLink ? { hostLinks: [{ label: 'Open in Outlook', url: event.webLink }] } : {}),
    ...(missing
      ? {
          note: 'Booked without a Teams link: Outlook made the event but no Teams meeting for it, so the e-mail has none. Add Teams to the event in Outlook and send its link to the invitee',
        }
      : {}),
  };
}

/** The instant of a dateTimeTimeZone that Graph answered in UTC (we never send `Prefer: outlook.timezone`). */
export const graphInstant = (value: z.infer<typeof dateTimeTimeZone>): number =>
  Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value.dateTime) ? value.dateTime : `${value.dateTime}Z`);

/** The event's body as `GET /me/events/{id}?$select=body` answers it (itemBody: contentType text or html). */
export const eventBody = z.object({ body: z.object({ contentType: z.string(), content: z.string() }) });

/**
 * Pure: the event body with the links it does not list yet put first, or undefined when it lists them all. Put first,
 * never in place of anything: the Teams meeting's blob, which Graph appends to the body, must stay as it is ("preserve
 * the meeting blob for online meeting", https://learn.microsoft.com/en-us/graph/api/event-update).
 */
export function withOtherLinks(
  body: z.infer<typeof eventBody>['body'],
  others: readonly OtherLink[],
): string | undefined {
  const html = body.contentType.toLowerCase() === 'html';
  const missing = others.filter((o) => !body.content.includes(o.url) && !body.content.includes(escapeHtml(o.url)));
  if (missing.length === 0) return undefined;
  if (!html)
    return `Also for this meeting:\n${missing.map((o) => `${o.provider} (${o.label}): ${o.url}`).join('\n')}\n\n${body.content}`;
  const lines = missing.map(
    (o) =>
      `${escapeHtml(o.provider)} (${escapeHtml(o.label)}): <a href="${escapeHtml(o.url)}">${escapeHtml(o.url)}</a>`,
  );
  const block = `<p>Also for this meeting:<br>${lines.join('<br>')}</p>`;
  const opening = /<body[^>]*>/i.exec(body.content);
  if (!opening) return `${block}${body.content}`;
  const at = opening.index + opening[0].length;
  return `${body.content.slice(0, at)}${block}${body.content.slice(at)}`;
}
