// A recorded booking read back as the booking flow's own values: the meeting it was, and each provider's outcome.
import { DateTime } from 'luxon';
import type { BookingRecord } from '../storage/bookings.js';
import type { BookedMeeting, EmailOutcome, Meeting, ProviderOutcome } from '../meeting.js';

/** The meeting exactly as first booked: same id, same instants, so that every provider request is the same again. */
export function recordedMeeting(record: BookingRecord): Meeting {
  return {
    bookingId: record.id,
    customerName: record.customerName,
    customerEmail: record.customerEmail,
    ...(record.customerPhone ? { customerPhone: record.customerPhone } : {}),
    topic: record.topic,
    timezone: record.timezone,
    durationMinutes: record.durationMinutes,
    start: DateTime.fromISO(record.startAt, { zone: record.timezone }),
    end: DateTime.fromISO(record.endAt, { zone: record.timezone }),
  };
}

/** A provider's outcome as recorded: also `pending` (its answer never recorded) and `cancelled` (by cancel_booking). */
export type RecordedOutcome =
  | ProviderOutcome
  | { provider: string; status: 'pending' }
  | { provider: string; status: 'cancelled'; meeting: BookedMeeting };

/** Each provider's recorded outcome; `pending` means a call was under way and its answer never recorded. */
export function recordedOutcomes(record: BookingRecord): Map<string, RecordedOutcome> {
  const outcomes = new Map<string, RecordedOutcome>();
  for (const r of record.results) {
    if (r.status === 'booked' && r.booked)
      outcomes.set(r.provider, { provider: r.provider, status: 'booked', meeting: r.booked });
    else if (r.status === 'cancelled' && r.booked)
      outcomes.set(r.provider, { provider: r.provider, status: 'cancelled', meeting: r.booked });
    else if (r.status === 'failed')
      outcomes.set(r.provider, {
        provider: r.provider,
        status: 'failed',
        error: { code: r.errorCode ?? 'internal_error', message: r.errorMessage ?? '', remedy: r.remedy ?? '' },
      });
    else if (r.status === 'not_connected' || r.status === 'needs_reauth')
      outcomes.set(r.provider, { provider: r.provider, status: r.status, remedy: r.remedy ?? '' });
    else outcomes.set(r.provider, { provider: r.provider, status: 'pending' });
  }
  return outcomes;
}

/** The e-mail as recorded, when one went out. */
export function recordedEmail(record: BookingRecord): EmailOutcome | undefined {
  return record.emailStatus === 'sent' && record.emailId
    ? { status: 'sent', id: record.emailId, to: record.customerEmail }
    : undefined;
}
