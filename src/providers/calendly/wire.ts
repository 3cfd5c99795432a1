// Calendly's wire shapes (zod) and the pure mappers between them and our booking domain; no I/O here.
// API reference: https://developer.calendly.com/api-docs/ · Scheduling API: https://developer.calendly.com/schedule-events-with-ai-agents
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { BookedMeeting, Meeting } from '../../meeting.js';
import { singleLine, truncate } from '../../text.js';

import { displayName } from './manifest.js';

export { displayName };

/** Response of `GET /users/me` (https://developer.calendly.com/api-docs/calendly-api/users/get-current-user). */
export const currentUser = z.object({
  resource: z.object({
    uri: z.string().min(1),
    name: z.string().nullish(),
    email: z.string().nullish(),
    scheduling_url: z.string().nullish(),
    current_organization: z.string().min(1),
  }),
});

/** One `custom_questions[]` entry of an event type (https://www.rubydoc.info/gems/calendly/Calendly/EventTypeCustomQuestion). */
const customQuestion = z.object({
  name: z.string(),
  type: z.string().nullish(),
  enabled: z.boolean().default(true),
  required: z.boolean().default(false),
});

/** Event type, as listed by `GET /event_types` and read by `GET /event_types/{uuid}` (https://developer.calendly.com/api-docs/calendly-api/event-types/list-event-types). */
export const eventTypeSchema = z.object({
  uri: z.string().min(1),
  name: z.string().nullable(),
  slug: z.string().nullable(),
  active: z.boolean(),
  /** Minutes. */
  duration: z.number(),
  scheduling_url: z.string().nullish(),
  booking_method: z.string().nullish(),
  position: z.number().nullish(),
  custom_questions: z.array(customQuestion).nullish(),
  /** `{ kind, ... }` per configured location; `null` for some event types (round robin). */
  locations: z.array(z.looseObject({ kind: z.string() })).nullish(),
});
export type CalendlyEventType = z.infer<typeof eventTypeSchema>;

/** A page of `GET /event_types`; `pagination.next_page_token` is null on the last page. */
export const eventTypePage = z.object({
  collection: z.array(eventTypeSchema),
  pagination: z.object({ next_page_token: z.string().nullish() }),
});
export const eventTypeResource = z.object({ resource: eventTypeSchema });

/** `GET /event_type_available_times` (https://developer.calendly.com/api-docs/calendly-api/event-types/list-event-type-available-times). */
export const availableTimesResponse = z.object({
  collection: z.array(
    z.object({
      status: z.string(),
      /** UTC, e.g. `2020-01-02T20:00:00.000000Z` (microseconds). */
      start_time: z.string(),
      invitees_remaining: z.number().nullish(),
      scheduling_url: z.string().nullish(),
    }),
  ),
});
export type AvailableTime = z.infer<typeof availableTimesResponse>['collection'][number];

/** Body of `POST /invitees` (Create Event Invitee, https://developer.calendly.com/api-docs/calendly-api/scheduling/create-event-invitee). */
export interface CalendlyInviteeRequest {
  event_type: string;
  /** UTC; must be an open slot of the event type. */
  start_time: string;
  /** `name` and `timezone` belong here, not at the top level. */
  invitee: { name: string; email: string; timezone: string };
  location?: { kind: string; location?: string };
}

/** 201 of `POST /invitees` (fields we read). */
export const createdInvitee = z.object({
  resource: z.object({
    uri: z.string(),
    /** The scheduled event's URI. */
    event: z.string().min(1),
    cancel_url: z.string().nullish(),
    reschedule_url: z.string().nullish(),
  }),
});
export type CreatedInvitee = z.infer<typeof createdInvitee>['resource'];

/** `GET /scheduled_events/{uuid}`; `location.join_url` per the calendly gem's Location model (official schema unconfirmed). */
export const scheduledEvent = z.object({
  resource: z.object({
    uri: z.string(),
    location: z
      .object({ type: z.string().nullish(), location: z.string().nullish(), join_url: z.string().nullish() })
      .nullish(),
  }),
});
export type ScheduledEvent = z.infer<typeof scheduledEvent>['resource'];

/** `GET /scheduled_events` (List Events), filtered by invitee and start: what a repeated call matches on. */
export const eventList = z.object({
  collection: z.array(
    z.object({ uri: z.string(), start_time: z.string(), location: scheduledEvent.shape.resource.shape.location }),
  ),
});

/** `GET /scheduled_events/{uuid}/invitees` (List Event Invitees), filtered by e-mail. */
export const inviteeList = z.object({
  collection: z.array(createdInvitee.shape.resource.extend({ email: z.string().nullish() })),
});

/** 201 of `POST /scheduling_links` (https://developer.calendly.com/api-docs/calendly-api/scheduling-links/create-scheduling-link). */
export const schedulingLink = z.object({ resource: z.object({ booking_url: z.url() }) });

/** Error body of every endpoint: `{ title, message, details?: [{ parameter, message, code? }] }`. */
const apiError = z.object({
  title: z.string().optional(),
  message: z.string().optional(),
  details: z
    .array(z.object({ parameter: z.string().nullish(), message: z.string().nullish(), code: z.string().nullish() }))
    .optional(),
});

/** "Title: message [parameter: message (code)]" from Calendly's error body, for our error messages. */
export function describeCalendlyError(body: unknown): string | undefined {
  const parsed = apiError.safeParse(body);
  if (!parsed.success || (!parsed.data.title && !parsed.data.message)) {
    return typeof body === 'string' && body.length > 0 ? truncate(body, 200) : undefined;
  }
  const { title, message, details = [] } = parsed.data;
  const head = [title, message].filter(Boolean).join(': ');
  const fields = details
    .map((d) => `${d.parameter ?? '?'}: ${d.message ?? 'invalid'}${d.code ? ` (${d.code})` : ''}`)
    .join('; ');
  return truncate(`${head}${fields ? ` [${fields}]` : ''}`, 500);
}

/** True when Calendly refused `POST /invitees` because someone else took the slot (`details[].code` `already_filled`). */
export function isSlotTaken(body: unknown): boolean {
  const parsed = apiError.safeParse(body);
  return parsed.success && (parsed.data.details ?? []).some((d) => d.code === 'already_filled');
}

/** An instant as Calendly writes it in requests: UTC, whole seconds, `Z`. */
export const toUtc = (at: DateTime): string => at.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");

/** The 24-hour wall time of an instant in the meeting's zone, as the agent gave it ("14:00"). */
const wallTime = (at: DateTime, zone: string): string => at.setZone(zone).toFormat('HH:mm');

/** "Intro call" (intro-call, 30 min), for messages that list event types. */
export const describeEventType = (t: CalendlyEventType): string =>
  `"${singleLine(t.name ?? t.slug ?? t.uri)}" (${t.slug ? `${t.slug}, ` : ''}${t.duration} min)`;

/** Finds the event type `--event-type` names: its slug, name, URI or scheduling URL, case-insensitively. */
export function matchEventType(types: readonly CalendlyEventType[], query: string): CalendlyEventType[] {
  const q = query.trim().toLowerCase();
  const exact = types.filter((t) => [t.slug, t.uri, t.scheduling_url].some((v) => v?.toLowerCase() === q));
  return exact.length > 0 ? exact : types.filter((t) => t.name?.trim().toLowerCase() === q);
}

/** Active, instantly bookable event types of exactly `minutes`, in Calendly's display order. */
export function byDuration(types: readonly CalendlyEventType[], minutes: number): CalendlyEventType[] {
  return bookable(types)
    .filter((t) => t.duration === minutes)
    .sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
}

/** Meeting polls (`booking_method: poll`, not `instant`) are voted on, not booked, so they are never candidates. */
export const bookable = (types: readonly CalendlyEventType[]): CalendlyEventType[] =>
  types.filter((t) => t.active && t.booking_method !== 'poll');

/** Names of the enabled required questions: a direct booking would have to answer them, and we have no answers. */
export const requiredQuestions = (t: CalendlyEventType): string[] =>
  (t.custom_questions ?? []).filter((q) => q.enabled && q.required).map((q) => singleLine(q.name));

/** Location kinds whose value the invitee supplies when booking on the page. */
const inviteeSupplied = new Set(['ask_invitee', 'outbound_call']);

/**
 * The `location` a direct booking must send, or why it cannot. `location` is left out otherwise, as for round-robin
 * event types, so that Calendly uses the event type's own (assumed from the docs' "depends on event type"; unconfirmed
 * for several locations). Where the invitee supplies the location, a call to the invitee needs their phone number.
 */
export function locationFor(
  t: CalendlyEventType,
  meeting: Meeting,
): { location?: { kind: string; location: string }; missing?: string } {
  const kinds = (t.locations ?? []).map((l) => l.kind);
  if (kinds.length !== 1 || !inviteeSupplied.has(kinds[0] ?? '')) return {};
  if (kinds[0] === 'outbound_call') {
    return meeting.customerPhone
      ? { location: { kind: 'outbound_call', location: meeting.customerPhone } }
      : { missing: "the invitee's phone number (the host calls them)" };
  }
  return { missing: 'a location the invitee types in' };
}

/** Why a direct booking cannot be made without asking the invitee, and what would allow it; undefined when it can be. */
export function directBlocker(t: CalendlyEventType, meeting: Meeting): { reason: string; fix: string } | undefined {
  const questions = requiredQuestions(t);
  if (questions.length > 0) {
    return {
      reason: `the event type ${describeEventType(t)} has required questions (${questions.join(', ')}) that a direct booking would have to answer`,
      fix: 'make those questions optional in Calendly',
    };
  }
  const { missing } = locationFor(t, meeting);
  if (!missing) return undefined;
  const fix =
    t.locations?.[0]?.kind === 'outbound_call'
      ? "give the invitee's phone number (customer_phone)"
      : 'give the event type a fixed location in Calendly';
  return { reason: `the event type ${describeEventType(t)} needs ${missing}`, fix };
}

/** Pure mapper: our meeting to the Create Event Invitee body. */
export function toInviteeRequest(
  meeting: Meeting,
  eventTypeUri: string,
  location?: { kind: string; location: string },
): CalendlyInviteeRequest {
  return {
    event_type: eventTypeUri,
    start_time: toUtc(meeting.start),
    invitee: { name: truncate(meeting.customerName, 200), email: meeting.customerEmail, timezone: meeting.timezone },
    ...(location ? { location } : {}),
  };
}

/**
 * The availability range to ask for: the meeting's whole local day (so that a refusal can name other open times),
 * never starting in the past, which Calendly rejects.
 */
export function availabilityWindow(meeting: Meeting, now: DateTime): { start_time: string; end_time: string } {
  const dayStart = meeting.start.setZone(meeting.timezone).startOf('day');
  const earliest = now.plus({ minutes: 1 }).startOf('second');
  const start = dayStart > earliest ? dayStart : earliest;
  return { start_time: toUtc(start), end_time: toUtc(dayStart.plus({ days: 1 })) };
}

/** The offered slot that starts exactly at the meeting's instant, whatever precision Calendly writes it with. */
export function findSlot(times: readonly AvailableTime[], meeting: Meeting): AvailableTime | undefined {
  const wanted = meeting.start.toMillis();
  // Date.parse reads Calendly's instants (microseconds and Z) exactly, about a hundred times faster than luxon's fromISO,
  // and this runs on the booking's critical path for each slot of the day; an unreadable one is NaN and never matches.
  return times.find(
    (t) => t.status === 'available' && (t.invitees_remaining ?? 1) > 0 && Date.parse(t.start_time) === wanted,
  );
}

/** Up to `max` open start times nearest the meeting, as wall times in its zone ("13:30, 15:00"). */
export function nearbyTimes(times: readonly AvailableTime[], meeting: Meeting, max = 3): string[] {
  const wanted = meeting.start.toMillis();
  return times
    .filter((t) => t.status === 'available')
    .map((t) => DateTime.fromISO(t.start_time, { zone: 'utc' }))
    .filter((at) => at.isValid)
    .sort((a, b) => Math.abs(a.toMillis() - wanted) - Math.abs(b.toMillis() - wanted))
    .slice(0, max)
    .sort((a, b) => a.toMillis() - b.toMillis())
    .map((at) => wallTime(at, meeting.timezone));
}

/**
 * The single-use link, opened on the meeting's day with the invitee's name and e-mail filled in. With `atTime`, the
 * exact start is added as a path segment, as in the `scheduling_url` of available times
 * (`…/2020-01-02T20:00:00Z?month=2020-01&date=2020-01-02`), so the page opens on that time (help center:
 * https://help.calendly.com/hc/en-us/articles/226766767).
 */
export function confirmationUrl(bookingUrl: string, meeting: Meeting, atTime: boolean): string {
  const url = new URL(bookingUrl);
  if (atTime) url.pathname = `${url.pathname.replace(/\/+$/, '')}/${toUtc(meeting.start)}`;
  const local = meeting.start.setZone(meeting.timezone);
  const params = new URLSearchParams(url.search);
  params.set('month', local.toFormat('yyyy-MM'));
  params.set('date', local.toFormat('yyyy-MM-dd'));
  params.set('name', meeting.customerName);
  params.set('email', meeting.customerEmail);
  // URLSearchParams writes a space as "+"; Calendly's help center spells it %20, which every decoder reads alike.
  url.search = params.toString().replace(/\+/g, '%20');
  return url.toString();
}

/** Pure mapper: the created invitee (and, when it could be read, its scheduled event) to our booked meeting. */
export function fromDirectBooking(
  invitee: CreatedInvitee,
  event: ScheduledEvent | undefined,
  note: string,
): BookedMeeting {
  const joinUrl = event?.location?.join_url ?? undefined;
  const links = [
    ...(joinUrl ? [{ label: 'Join the meeting', url: joinUrl }] : []),
    ...(invitee.reschedule_url ? [{ label: 'Reschedule', url: invitee.reschedule_url }] : []),
    ...(invitee.cancel_url ? [{ label: 'Cancel', url: invitee.cancel_url }] : []),
  ];
  return { externalId: invitee.event, ...(joinUrl ? { joinUrl } : {}), links, confirmation: 'confirmed', note };
}

/** Pure mapper: a single-use scheduling link to a booking the invitee confirms. */
export function fromSchedulingLink(bookingUrl: string, meeting: Meeting, atTime: boolean, note: string): BookedMeeting {
  return {
    externalId: bookingUrl,
    links: [{ label: 'Confirm your time (one click)', url: confirmationUrl(bookingUrl, meeting, atTime) }],
    confirmation: 'invitee_must_confirm',
    note,
  };
}

/** The last path segment of a Calendly URI: the uuid that `GET /…/{uuid}` takes. */
export const uuidOf = (uri: string): string => uri.replace(/\/+$/, '').split('/').pop() ?? '';

/** The local wall time of the meeting, for notes ("14:00"). */
export const meetingTime = (meeting: Meeting): string => wallTime(meeting.start, meeting.timezone);

/** The meeting's local day, for notes ("Tue, Dec 1"). */
export const meetingDay = (meeting: Meeting): string =>
  meeting.start.setZone(meeting.timezone).setLocale('en-US').toFormat('ccc, LLL d');
