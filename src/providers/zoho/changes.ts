// Cancelling and moving a Zoho Bookings appointment: Update Appointment (action=cancel) and Reschedule Appointment.
// Zoho documents neither call's refusals (each an HTTP 200 whose status is failure), so a refusal is read by its words
// for a spent allowance or a taken slot, and otherwise by the appointment's own status (Get Appointment): a cancel of
// an appointment cancelled already is done; a move of one is refused with what to do instead.
// API reference: https://www.zoho.com/bookings/help/api/v1/update-appointment.html,
// https://www.zoho.com/bookings/help/api/v1/reschedule-appointment.html
import { ProviderError } from '../../errors.js';
import type { Http } from '../../http/client.js';
import { redact } from '../../log.js';
import type { BookedMeeting, Meeting } from '../../meeting.js';
import { truncate } from '../../text.js';
import type { Cancelled } from '../provider.js';
import { bookingsUrl, readJson } from './bookings-calls.js';
import { formatZohoTime } from './times.js';
import { appointmentState, displayName, fromZohoAppointment, openEnvelope } from './wire.js';

export interface ZohoCalls {
  http: Http;
  apiDomain(): string;
}

export async function cancelInZoho({ http, apiDomain }: ZohoCalls, bookingId: string, signal: AbortSignal) {
  const form = new FormData();
  form.append('booking_id', bookingId);
  form.append('action', 'cancel');
  const opened = openEnvelope(
    await readJson(await http.post(bookingsUrl(apiDomain(), 'updateappointment'), { body: form, signal }), false),
  );
  if (!opened) throw unknownShape('updateappointment');
  if (opened.ok) return { state: 'cancelled' } satisfies Cancelled;
  const limited = allowanceSpent(opened.message, 'cancel the appointment in Zoho Bookings by hand');
  if (limited) throw limited;
  const status = await appointmentStatus({ http, apiDomain }, bookingId, signal);
  if (status === 'gone')
    return { state: 'already_gone', note: 'Zoho Bookings had the appointment cancelled already.' } satisfies Cancelled;
  throw new ProviderError(
    displayName,
    'provider_rejected',
    `Zoho Bookings refused to cancel appointment ${bookingId} (${status}): ${said(opened.message)}`,
    { hint: 'cancel it in Zoho Bookings yourself, then repeat cancel_booking', status: 200 },
  );
}

/** Moves the appointment to `to`'s start, given as wall time in `zone` (Reschedule Appointment takes no zone). */
export async function rescheduleInZoho(
  { http, apiDomain }: ZohoCalls,
  booked: BookedMeeting,
  to: Meeting,
  zone: string,
  signal: AbortSignal,
) {
  const form = new FormData();
  form.append('booking_id', booked.externalId);
  form.append('start_time', formatZohoTime(to.start, zone));
  const answer = await readJson(
    await http.post(bookingsUrl(apiDomain(), 'rescheduleappointment'), { body: form, signal }),
    true,
  );
  const opened = openEnvelope(answer);
  if (opened && !opened.ok) {
    const limited = allowanceSpent(opened.message, 'move the appointment in Zoho Bookings by hand');
    if (limited) throw limited;
    if (/slot|not available|unavailable|already booked|busy|no staff/i.test(opened.message))
      throw new ProviderError(
        displayName,
        'provider_rejected',
        `Zoho Bookings cannot move the appointment there (${said(opened.message)})`,
        {
          hint: 'the staff member is not free then in Zoho Bookings: choose another time (find_available_slots), then reschedule again',
          status: 200,
        },
      );
    if ((await appointmentStatus({ http, apiDomain }, booked.externalId, signal)) === 'gone')
      throw new ProviderError(
        displayName,
        'provider_rejected',
        "this booking's Zoho Bookings appointment was cancelled or deleted, so there is nothing to move",
        { hint: 'book a new meeting with book_meeting, or cancel this booking with cancel_booking', status: 200 },
      );
    throw new ProviderError(
      displayName,
      'provider_rejected',
      `Zoho Bookings refused to move the appointment (${said(opened.message)})`,
      { hint: 'move it in Zoho Bookings yourself, or cancel this booking and book the new time', status: 200 },
    );
  }
  return fromZohoAppointment(answer, to);
}

/**
 * The appointment's status ("upcoming", "completed", ...), or `gone` when it is cancelled or Zoho no longer shows it
 * (Get Appointment refuses an unknown booking id). A spent allowance is an error, never read as `gone`.
 */
async function appointmentStatus({ http, apiDomain }: ZohoCalls, bookingId: string, signal: AbortSignal) {
  const opened = openEnvelope(
    await readJson(
      await http.get(bookingsUrl(apiDomain(), 'getappointment'), { searchParams: { booking_id: bookingId }, signal }),
      false,
    ),
  );
  if (!opened) throw unknownShape('getappointment');
  if (!opened.ok) {
    const limited = allowanceSpent(opened.message, 'check the appointment in Zoho Bookings');
    if (limited) throw limited;
    return 'gone';
  }
  const status = appointmentState(opened.value);
  return status === undefined || /cancel/i.test(status) ? 'gone' : status;
}

/** Zoho's words for a spent daily API allowance (250 Free, 1,000 Basic, 3,000 Premium per user). */
function allowanceSpent(message: string, byHand: string): ProviderError | undefined {
  if (!/limit|too many/i.test(message)) return undefined;
  return new ProviderError(displayName, 'rate_limited', `Zoho Bookings refused the call (${said(message)})`, {
    hint: `the Zoho Bookings plan's daily API allowance is spent: retry tomorrow, or ${byHand}`,
    status: 200,
  });
}

const said = (message: string): string => `Zoho said: "${truncate(redact(message), 300)}"`;

const unknownShape = (what: string): ProviderError =>
  new ProviderError(displayName, 'provider_unavailable', `Zoho Bookings answered ${what} in a shape we do not know`, {
    hint: 'retry in a few minutes',
  });
