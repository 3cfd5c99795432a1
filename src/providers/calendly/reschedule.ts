// Moving a Calendly booking: Calendly has no reschedule endpoint ("there is no API endpoint that supports rescheduling
// an event or invitee", https://developer.calendly.com/frequently-asked-questions), so the new time is booked first
// (a direct booking, or a new single-use link) and only then is the old event cancelled: a failure part-way never
// leaves the invitee with nothing.
import { ProviderError, toAppError } from '../../errors.js';
import type { BookedMeeting, Meeting } from '../../meeting.js';
import type { BookedRef, Cancelled, Rescheduled } from '../provider.js';
import { displayName } from './wire.js';

export interface RescheduleSteps {
  book(meeting: Meeting, signal: AbortSignal): Promise<BookedMeeting>;
  findExisting(meeting: Meeting, signal: AbortSignal): Promise<BookedMeeting | undefined>;
  cancel(ref: BookedRef, reason: string | undefined, signal: AbortSignal): Promise<Cancelled>;
  /** Whether the direct booking's event is cancelled (or gone) in Calendly. */
  eventCancelled(ref: BookedRef, signal: AbortSignal): Promise<boolean>;
}

export async function rescheduleInCalendly(
  steps: RescheduleSteps,
  ref: BookedRef,
  to: Meeting,
  signal: AbortSignal,
): Promise<Rescheduled> {
  // A try whose answer was lost already booked the new time: found, not booked twice.
  const found = await steps.findExisting(to, signal);
  if (found?.externalId === ref.booked.externalId)
    throw new ProviderError(
      displayName,
      'provider_rejected',
      'Calendly cannot change the length of an event in place: its length is its event type’s',
      { hint: 'keep duration_minutes as it is, or cancel this booking and book the new length with book_meeting' },
    );
  // An event the invitee (or the host, in Calendly) cancelled is not brought back at another time: the other providers
  // refuse to move a meeting that is gone, and so does this one.
  if (!found && ref.booked.confirmation !== 'invitee_must_confirm' && (await steps.eventCancelled(ref, signal)))
    throw new ProviderError(
      displayName,
      'provider_rejected',
      "this booking's Calendly event was cancelled in Calendly, so there is nothing to move",
      { hint: 'book a new meeting with book_meeting, or cancel this booking with cancel_booking' },
    );
  const booked = found ?? (await steps.book(to, signal));
  const when = to.start.setZone(to.timezone).toFormat('ccc d LLL yyyy, HH:mm ZZZZ');
  let old: Cancelled;
  try {
    old = await steps.cancel(ref, `Rescheduled to ${when}.`, signal);
  } catch (error) {
    // The new time holds: report it, and say what is left to do by hand, rather than fail a move that happened.
    const cause = toAppError(error);
    const note = `Calendly booked the new time, but the old event could not be cancelled (${cause.message}): cancel it in Calendly, or repeat reschedule_booking`;
    return { booked, note: sentences([booked.note, note]), newLinks: true };
  }
  const notes = [
    booked.note,
    old.state === 'link_remains'
      ? 'The earlier single-use link stays usable (Calendly cannot revoke one): the e-mail tells the invitee to use the new one'
      : 'The earlier Calendly event was cancelled; Calendly e-mails its own notice of that',
  ];
  return {
    booked,
    note: sentences(notes),
    newLinks: true,
    ...(old.state === 'link_remains' ? { linkRemains: true } : {}),
  };
}

/** Notes as one text: each a sentence of its own. */
const sentences = (notes: ReadonlyArray<string | undefined>): string =>
  notes
    .filter((n): n is string => Boolean(n))
    .map((n) => (n.endsWith('.') ? n : `${n}.`))
    .join(' ');
