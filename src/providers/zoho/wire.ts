// Zoho Bookings wire shapes and pure mappers: the envelope, the appointment form, Zoho's answers in our terms. Wall
// times are times.ts; data centres data-centres.ts; workspaces, services and staff setup-wire.ts.
// API reference: https://www.zoho.com/bookings/help/api/v1/book-appointment.html
import { z } from 'zod';
import { ProviderError, type ErrorCode } from '../../errors.js';
import { singleLine, truncate } from '../../text.js';
import { redact } from '../../log.js';
import type { BookedMeeting, Meeting } from '../../meeting.js';

import { displayName } from './manifest.js';
import { echoMatches, formatZohoTime } from './times.js';

export { displayName };

/**
 * Zoho's token endpoint reports refusals inside an HTTP 200: `{"error":"invalid_code"}`, `{"error":"invalid_client"}`
 * (https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token.html); too many requests come as
 * `{"error":"Access Denied","error_description":"You have made too many requests ..."}` (third-party reports).
 */
const tokenError = z.object({ error: z.string().min(1), error_description: z.string().optional() });

/** Every Bookings answer: `{"response":{"returnvalue":…,"status":"success"|"failure","message"?}}`, HTTP 200 either way. */
const envelope = z.object({
  response: z.object({
    status: z.string().optional(),
    message: z.string().optional(),
    errormessage: z.string().optional(),
    returnvalue: z.unknown().optional(),
  }),
});
const failureFields = z.object({ status: z.string().optional(), message: z.string().optional() });

/**
 * `returnvalue` of a booked appointment. Only `booking_id` is confirmed (Pipedream's book-appointment action and the Get
 * Appointment sample, https://www.zoho.com/bookings/help/api/v1/get-appointment.html); `summary_url`, `start_time`
 * (`28-May-2019 13:00:00`), `customer_booking_start_time` (`2019-05-28 13:00:00`) and `time_zone` are read when present.
 * Zoho documents no zone for either start field.
 */
const appointmentValue = z.object({
  booking_id: z.string().min(1),
  summary_url: z.string().optional(),
  start_time: z.string().optional(),
  customer_booking_start_time: z.string().optional(),
  time_zone: z.string().optional(),
});

/** Pure: Zoho's envelope opened, with a failure reported in either place (`response.status` or `returnvalue.status`). */
export function openEnvelope(body: unknown): { ok: true; value: unknown } | { ok: false; message: string } | undefined {
  const parsed = envelope.safeParse(body);
  if (!parsed.success) return undefined;
  const { response } = parsed.data;
  const inner = failureFields.safeParse(response.returnvalue).data;
  if (response.status === 'failure' || inner?.status === 'failure') {
    const message = inner?.message ?? response.message ?? response.errormessage ?? 'no reason given';
    return { ok: false, message: singleLine(message) };
  }
  return { ok: true, value: response.returnvalue };
}

/**
 * The status of an appointment as Get Appointment shows it ("upcoming", "cancel", "completed"; the list filter spells
 * them in capitals): https://www.zoho.com/bookings/help/api/v1/get-appointment.html
 */
export function appointmentState(returnvalue: unknown): string | undefined {
  const parsed = z.object({ status: z.string() }).safeParse(returnvalue);
  return parsed.success ? parsed.data.status : undefined;
}

/** The service and staff member an appointment is booked with. */
export interface ZohoTarget {
  serviceId: string;
  staffId: string;
}

/**
 * Pure mapper: our meeting to the Book Appointment form fields, in the order sent: only fields the reference lists
 * (service_id, staff_id, from_time, time_zone, customer_details, notes). `from_time` is a wall time, so the zone goes
 * along as `time_zone`, or Zoho would read it in the workspace's zone. `phone_number` is left out when we have none:
 * Zoho decides. https://www.zoho.com/bookings/help/api/v1/book-appointment.html
 */
export function toZohoAppointmentForm(meeting: Meeting, target: ZohoTarget): Record<string, string> {
  const customer: Record<string, string> = { name: meeting.customerName, email: meeting.customerEmail };
  if (meeting.customerPhone) customer.phone_number = meeting.customerPhone;
  return {
    service_id: target.serviceId,
    staff_id: target.staffId,
    from_time: formatZohoTime(meeting.start, meeting.timezone),
    time_zone: meeting.timezone,
    customer_details: JSON.stringify(customer),
    notes: truncate(`${singleLine(meeting.topic)} (booked by alsatalk-mcp, ref ${meeting.bookingId})`, 500),
  };
}

/** The same booking again: the server returns what was booked and tries only what was not (see booking/idempotency.ts). */
const repeatTheCall =
  'call book_meeting again with the same details: only Zoho Bookings is tried again, and what was booked is returned as it is';

/** Pure: Zoho's failure message (from an HTTP 200) as an error whose hint names the fix. */
export function zohoFailure(message: string, meeting: Pick<Meeting, 'customerPhone'>): ProviderError {
  const said = `Zoho said: "${truncate(redact(message), 300)}"`;
  const error = (code: ErrorCode, text: string, hint: string) =>
    new ProviderError(displayName, code, text, { hint, status: 200 });
  const spent = /limit|too many/i.test(message);
  // Zoho documents the phone among the mandatory customer_details: without one, whatever its words, the phone is the
  // fix to try first (only a spent daily allowance is about something else).
  if (!meeting.customerPhone && !spent) {
    return error(
      'invalid_input',
      `Zoho Bookings needs the customer's phone number to book (${said})`,
      'ask the customer for their phone number, then call book_meeting again with the same details plus customer_phone (E.164, e.g. +14155550123): only Zoho Bookings is tried again',
    );
  }
  if (meeting.customerPhone && /phone|contact.?(no|number)|mobile/i.test(message)) {
    return error(
      'invalid_input',
      `Zoho Bookings refused the phone number ${meeting.customerPhone} (${said})`,
      `check the number with the customer (E.164, e.g. +14155550123), then call book_meeting again with the same details and the corrected customer_phone: only Zoho Bookings is tried again`,
    );
  }
  if (spent) {
    return error(
      'rate_limited',
      `Zoho Bookings refused the call (${said})`,
      'the daily API allowance of the Zoho Bookings plan (250 calls on Free, 1,000 on Basic, 3,000 on Premium) is spent: retry tomorrow, or book in Zoho Bookings by hand',
    );
  }
  if (/slot|not available|unavailable|already booked|busy|no staff/i.test(message)) {
    return error(
      'provider_rejected',
      `Zoho Bookings could not book that time (${said})`,
      'the staff member is not free then in Zoho Bookings (outside working hours, inside the booking notice, or already booked): tell the user; another time means booking every provider again, and retrying Zoho alone at this time fails again',
    );
  }
  return error(
    'provider_rejected',
    `Zoho Bookings refused the appointment (${said})`,
    `fix what Zoho describes (in Zoho Bookings, or with the user), then ${repeatTheCall}`,
  );
}

const isWebUrl = (value: string): boolean => {
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/** Pure: a note when the meeting's wall time happens twice (clocks going back): Zoho takes wall times only. */
function repeatedWallTimeNote(meeting: Meeting): string | undefined {
  const start = meeting.start.setZone(meeting.timezone);
  if (start.getPossibleOffsets().length < 2) return undefined;
  return `${start.toFormat('HH:mm')} happens twice on ${start.toISODate()} in ${meeting.timezone} and Zoho Bookings takes the wall time only: check in Zoho Bookings that it booked the one at UTC${start.toFormat('ZZ')}`;
}

/**
 * Pure mapper: Zoho's answer to Book Appointment as our booked meeting, or the failure inside it as a ProviderError.
 * When Zoho echoes a start and zone that are not the requested instant, the booking stands (it exists) with a note.
 */
export function fromZohoAppointment(body: unknown, meeting: Meeting): BookedMeeting {
  const opened = openEnvelope(body);
  if (opened && !opened.ok) throw zohoFailure(opened.message, meeting);
  const value = opened ? appointmentValue.safeParse(opened.value) : undefined;
  if (!value?.success) {
    throw new ProviderError(displayName, 'provider_unavailable', 'Zoho Bookings answered without a booking id', {
      hint: 'repeat the same call: it looks in Zoho Bookings for the appointment before booking again, so it is not doubled',
    });
  }
  const v = value.data;
  const summary = v.summary_url && isWebUrl(v.summary_url) ? v.summary_url : undefined;
  const notes = [repeatedWallTimeNote(meeting)];
  // No reading of the echo gives the requested instant: recorded as Zoho said it, without alarm, since Zoho documents
  // no zone for these fields and so nothing proves the appointment is at another time.
  if (echoMatches(v, meeting) === false) {
    const echoed = [
      v.start_time && `start_time ${v.start_time}`,
      v.customer_booking_start_time && `customer_booking_start_time ${v.customer_booking_start_time}`,
      v.time_zone && `time_zone ${v.time_zone}`,
    ].filter(Boolean);
    notes.push(
      `Zoho Bookings echoed ${echoed.join(', ')} for the requested ${formatZohoTime(meeting.start, meeting.timezone)} ${meeting.timezone} (Zoho does not document the zone of these fields)`,
    );
  }
  const note = notes.filter(Boolean).join('. ');
  return {
    externalId: v.booking_id,
    reference: { label: 'Booking ID', value: v.booking_id },
    links: summary ? [{ label: 'Zoho Bookings appointment', url: summary }] : [],
    confirmation: 'confirmed',
    ...(note ? { note } : {}),
  };
}

/** An item of Fetch Appointment's answer: what a repeated call matches on, and what it books from. */
const fetchedAppointment = appointmentValue.extend({
  customer_email: z.string().optional(),
  notes: z.string().optional(),
  status: z.string().optional(),
});
export type FetchedAppointment = z.infer<typeof fetchedAppointment>;

/**
 * Pure: Fetch Appointment's list. Clients we know read it at `returnvalue.response` (a few at `returnvalue.data`), and
 * Zoho answers "No Match Found", a string, when nothing matches.
 */
export function fetchedAppointments(value: unknown): FetchedAppointment[] {
  const lists = z.object({ response: z.unknown().optional(), data: z.unknown().optional() }).safeParse(value).data;
  const list = [lists?.response, lists?.data].find(Array.isArray) ?? [];
  return list.flatMap((raw) => {
    const parsed = fetchedAppointment.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });
}

/**
 * Pure: the appointment an interrupted call made for `meeting`: the invitee's (the customer filter only "contains"),
 * not cancelled, and carrying the booking's ref in its notes; an appointment without notes at the same start counts too.
 */
export function matchAppointment(
  items: readonly FetchedAppointment[],
  meeting: Meeting,
): FetchedAppointment | undefined {
  const email = meeting.customerEmail.toLowerCase();
  const ref = `ref ${meeting.bookingId}`;
  return items.find((a) => {
    if ((a.customer_email ?? '').toLowerCase() !== email || (a.status ?? '').toLowerCase() === 'cancel') return false;
    if (a.notes) return a.notes.includes(ref);
    return echoMatches(a, meeting) === true;
  });
}

/** The title of an HTML error page, which is what Zoho answers to a missing (400) or refused (401) token. */
export function htmlTitle(body: unknown): string | undefined {
  if (typeof body !== 'string' || !/^\s*<(!doctype|html)/i.test(body)) return undefined;
  return singleLine(/<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1] ?? '') || 'untitled';
}

/** Zoho's own explanation from any of its error shapes; an HTML page is named, never pasted. */
export function describeZohoError(body: unknown): string | undefined {
  const title = htmlTitle(body);
  if (title !== undefined)
    return `an HTML error page ("${title}") instead of JSON, Zoho's answer to a missing or refused access token`;
  const opened = openEnvelope(body);
  if (opened && !opened.ok) return opened.message;
  const oauth = tokenError.safeParse(body);
  if (oauth.success)
    return oauth.data.error_description ? `${oauth.data.error_description} (${oauth.data.error})` : oauth.data.error;
  return typeof body === 'string' && body.trim().length > 0 ? truncate(singleLine(body), 200) : undefined;
}
