// A recorded booking's meeting read back as the booking flow's own value: same id, same instants.
import { DateTime } from 'luxon';
import type { Meeting } from '../meeting.js';
import type { BookingRecord } from '../storage/bookings.js';

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
