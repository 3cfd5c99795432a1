// A recorded booking read back as the booking flow's own values: each provider's outcome and the e-mail (the meeting it
// was: recorded-meeting.ts, apart because it needs luxon, which the tools loaded at start-up do not).
import type { BookingRecord } from '../storage/bookings.js';
import type { BookedMeeting, EmailOutcome, ProviderOutcome } from '../meeting.js';

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
