// list_bookings' answer: the structured result (its output schema and the mapper into it) and the same in a few lines
// of text.
import { z } from 'zod';
import type { ListResult } from '../booking/list-bookings.js';
import { recordedOutcomes } from '../booking/recorded.js';
import { providerEntry, toRecordedEntry } from './provider-entry.js';

export const listOutputShape = {
  bookings: z.array(
    z.object({
      booking_id: z.string(),
      status: z
        .string()
        .describe(
          'booked, partial (some providers failed), failed, pending (a call under way, or cut off), or cancelled (in every provider)',
        ),
      created_at: z.string(),
      topic: z.string(),
      invitee: z.object({ name: z.string(), email: z.string(), phone: z.string().optional() }),
      start: z.string().describe("RFC 3339 with the offset, in the booking's zone"),
      end: z.string(),
      timezone: z.string(),
      duration_minutes: z.number(),
      providers: z.array(providerEntry(['booked', 'failed', 'not_connected', 'needs_reauth', 'pending', 'cancelled'])),
      email: z.object({ status: z.string(), id: z.string().optional() }),
      history: z
        .array(z.object({ at: z.string(), kind: z.string(), status: z.string() }))
        .describe('What happened to the booking, oldest first.'),
    }),
  ),
  next_cursor: z.string().optional().describe('Pass as cursor for the next page; absent on the last page.'),
};

export type ListOutput = z.infer<z.ZodObject<typeof listOutputShape>>;

export function toListOutput(result: ListResult): ListOutput {
  return {
    bookings: result.records.map((record, i) => {
      const times = result.times[i] ?? { start: record.startAt, end: record.endAt };
      return {
        booking_id: record.id,
        status: record.status,
        created_at: record.createdAt,
        topic: record.topic,
        invitee: {
          name: record.customerName,
          email: record.customerEmail,
          ...(record.customerPhone ? { phone: record.customerPhone } : {}),
        },
        start: times.start,
        end: times.end,
        timezone: record.timezone,
        duration_minutes: record.durationMinutes,
        providers: [...recordedOutcomes(record).values()].map(toRecordedEntry),
        email: { status: record.emailStatus, ...(record.emailId ? { id: record.emailId } : {}) },
        history: record.changes.map((c) => ({ at: c.at, kind: c.kind, status: c.outcome.status })),
      };
    }),
    ...(result.nextCursor ? { next_cursor: result.nextCursor } : {}),
  };
}

/** One line per booking, then whether there is another page. */
export function toListText(output: ListOutput): string {
  if (output.bookings.length === 0) return 'No booking matches.';
  const lines = output.bookings.map((b) => {
    const providers = b.providers.map((p) => `${p.provider} ${p.status}`).join(', ');
    return `- ${b.booking_id}: ${b.start} (${b.timezone}), ${b.duration_minutes} min, "${b.topic}" with ${b.invitee.name} <${b.invitee.email}>: ${b.status} (${providers}; e-mail ${b.email.status})`;
  });
  return [
    ...lines,
    output.next_cursor ? `More bookings: call again with cursor "${output.next_cursor}".` : 'That is every match.',
  ].join('\n');
}
