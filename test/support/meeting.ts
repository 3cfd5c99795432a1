// A validated Meeting built by hand, for the pure mappers and renderers.
import { DateTime } from 'luxon';
import type { Meeting } from '../../src/meeting.js';

/** Ada Lovelace's "Quarterly review" at `startIso` wall time in `timezone`; `end` follows the duration. */
export function sampleMeeting(
  startIso = '2025-11-25T14:00',
  timezone = 'America/New_York',
  overrides: Partial<Meeting> = {},
): Meeting {
  const start = DateTime.fromISO(startIso, { zone: timezone });
  const durationMinutes = overrides.durationMinutes ?? 30;
  return {
    bookingId: 'f3b1c2d4-0000-4000-8000-000000000001',
    customerName: 'Ada Lovelace',
    customerEmail: 'ada@example.com',
    topic: 'Quarterly review',
    timezone,
    durationMinutes,
    start,
    end: start.plus({ minutes: durationMinutes }),
    ...overrides,
  };
}
