// Where the host is busy and the free times instead: the part of book_meeting's and reschedule_booking's answers that
// explains a conflict.
import { z } from 'zod';
import type { DateTime } from 'luxon';
import type { ConflictReport } from '../booking/conflict.js';

export const conflictEntry = z.object({
  busy: z
    .array(z.object({ provider: z.string(), start: z.string(), end: z.string() }))
    .describe("Where the host is busy at that time (the calendar and the interval; never the other event's details)."),
  alternatives: z
    .array(z.object({ booking_date: z.string(), booking_time: z.string(), start: z.string(), end: z.string() }))
    .describe('The nearest free slots that day and the next, as find_available_slots offers them.'),
  allowed: z.boolean().describe('true: done all the same, as allow_conflict asked.'),
});

const rfc3339 = (at: DateTime): string => at.toISO({ suppressMilliseconds: true }) ?? '';

export const toConflictEntry = (conflict: ConflictReport): z.infer<typeof conflictEntry> => ({
  busy: conflict.busy.map((b) => ({ provider: b.provider, start: rfc3339(b.start), end: rfc3339(b.end) })),
  alternatives: conflict.alternatives.map((slot) => ({
    booking_date: slot.start.toISODate() ?? '',
    booking_time: slot.start.toFormat('HH:mm'),
    start: rfc3339(slot.start),
    end: rfc3339(slot.end),
  })),
  allowed: conflict.allowed,
});
