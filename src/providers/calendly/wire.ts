// Calendly's wire shapes (zod) and the pure mappers between them and our booking domain; no I/O here. The choice of an
// event type is event-types.ts, the open times slots.ts.
// API reference: https://developer.calendly.com/api-docs/ · Scheduling API: https://developer.calendly.com/schedule-events-with-ai-agents
import type { DateTime } from 'luxon';
import { z } from 'zod';
import type { BookedMeeting, Meeting } from '../../meeting.js';
import { truncate } from '../../text.js';

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

/**
 * `GET /scheduled_events/{uuid}`; `location.join_url` per the calendly gem's Location model (official schema
 * unconfirmed); `status` "active" or "canceled" (Get Event:
 * https://developer.calendly.com/api-docs/calendly-api/scheduled-events/get-scheduled-event).
 */
export const scheduledEvent = z.object({
  resource: z.object({
    uri: z.string(),
    status: z.string().nullish(),
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
 * The single-use link with only what Calendly's help centre documents for a booking page: `month` and `date` (the page
 * opens on the meeting's day, as in the `scheduling_url` of available times) and the prefill `name` and `email`
 * (https://help.calendly.com/hc/en-us/articles/226766767). A start time appended to the path is documented for public
 * event pages only, so the invitee picks the time; `first_name`/`last_name` fit only event types that ask for them,
 * which the API does not say, so the full `name` is sent.
 */
export function confirmationUrl(bookingUrl: string, meeting: Meeting): string {
  const url = new URL(bookingUrl);
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

/** What the invitee does on the link's page: the link's label and the same as an imperative clause. */
export interface InviteeStep {
  label: string;
  action: string;
}

/** Pure mapper: a single-use scheduling link to a booking the invitee makes on the page. */
export function fromSchedulingLink(
  bookingUrl: string,
  meeting: Meeting,
  step: InviteeStep,
  note: string,
): BookedMeeting {
  return {
    externalId: bookingUrl,
    links: [{ label: step.label, url: confirmationUrl(bookingUrl, meeting) }],
    confirmation: 'invitee_must_confirm',
    inviteeAction: step.action,
    note,
  };
}

/** The last path segment of a Calendly URI: the uuid that `GET /…/{uuid}` takes. */
export const uuidOf = (uri: string): string => uri.replace(/\/+$/, '').split('/').pop() ?? '';
