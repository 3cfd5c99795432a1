// An invitation as the outbox stores it: self-contained text that reads back into the same Invitation, so that a send
// from the outbox (after a crash, in another process) renders the e-mail byte for byte as the first try did, and
// Resend's idempotency key answers it instead of refusing a different payload.
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { BookedMeeting } from '../meeting.js';
import type { Invitation } from './mailer.js';

const stored = z.object({
  meeting: z.object({
    bookingId: z.string(),
    customerName: z.string(),
    customerEmail: z.string(),
    customerPhone: z.string().optional(),
    topic: z.string(),
    timezone: z.string(),
    durationMinutes: z.number(),
    /** ISO 8601 with the offset of `timezone`: read back in that zone, the same instant and wall time. */
    start: z.string(),
    end: z.string(),
  }),
  // What a provider booked is our own type, written by `toStored`: kept as it was.
  booked: z.array(z.object({ id: z.string(), provider: z.string(), meeting: z.custom<BookedMeeting>() })),
  stamp: z.string(),
  update: z.boolean(),
  change: z
    .object({
      kind: z.enum(['cancelled', 'rescheduled']),
      from: z.object({ start: z.string(), end: z.string(), timezone: z.string() }).optional(),
      tag: z.string(),
      sequence: z.number(),
      reason: z.string().optional(),
      linkRemains: z.array(z.string()),
    })
    .optional(),
});

export function toStored(invitation: Invitation): string {
  const { meeting } = invitation;
  return JSON.stringify({
    ...invitation,
    meeting: {
      ...meeting,
      start: meeting.start.setZone(meeting.timezone).toISO(),
      end: meeting.end.setZone(meeting.timezone).toISO(),
    },
  });
}

export function fromStored(text: string): Invitation {
  const { meeting, booked, stamp, update, change } = stored.parse(JSON.parse(text));
  return {
    meeting: {
      ...meeting,
      start: DateTime.fromISO(meeting.start, { zone: meeting.timezone }),
      end: DateTime.fromISO(meeting.end, { zone: meeting.timezone }),
    },
    booked,
    stamp,
    update,
    ...(change ? { change } : {}),
  };
}
