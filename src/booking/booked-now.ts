// What a change of a booking (a cancel, a reschedule) reads of the booking as recorded: whether the invitee was
// invited, and what each provider holds, as the e-mail lists it.
import type { BookedEntry } from '../email/mailer.js';
import type { BookingRecord } from '../storage/bookings.js';

/** Whether the invitee was sent an invitation, or may have been (one queued, or sent by a call whose answer was lost). */
export const invited = (record: BookingRecord): boolean =>
  record.emailCovers.length > 0 ||
  (['sent', 'queued', 'pending'].includes(record.emailStatus) &&
    record.results.some((r) => r.status === 'booked' || r.status === 'cancelled'));

/** Every provider the booking holds (or held, before a cancel) a meeting in, as the e-mail lists them. */
export const bookedOf = (record: BookingRecord, name: (id: string) => string): BookedEntry[] =>
  record.results.flatMap((r) =>
    r.booked && (r.status === 'booked' || r.status === 'cancelled')
      ? [{ id: r.provider, provider: name(r.provider), meeting: r.booked }]
      : [],
  );
