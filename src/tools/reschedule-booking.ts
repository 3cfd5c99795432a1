// The reschedule_booking tool: its contract (schemas, annotations, a description written for the calling model), then a
// thin handler over booking/reschedule-booking.ts.
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { OnRescheduleProgress, RescheduleRequest, RescheduleResult } from '../booking/reschedule-booking.js';
import type { Logger } from '../log.js';
import type { MeetingProvider } from '../providers/provider.js';
import { needs, newDurationMinutes, timeZoneName } from './fields.js';
import { rescheduleOutputShape, toRescheduleOutput, toRescheduleText } from './reschedule-booking-result.js';
import { providerProgress } from './progress.js';
import { errorResult } from './results.js';

const name = 'reschedule_booking';

const inputShape = {
  booking_id: z
    .string({ error: needs('text', 'pass the booking_id that book_meeting returned (list_bookings shows it)') })
    .trim()
    .min(1, 'must not be empty: pass the booking_id that book_meeting returned')
    .max(100, 'must be a booking_id this server gave')
    .describe('The booking to move, as book_meeting or list_bookings gave it.'),
  booking_date: z
    .string({
      error: needs('a YYYY-MM-DD text', 'give the new date like 2026-12-01; ask the user if they did not say'),
    })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD, e.g. 2026-12-01')
    .describe('The new date, YYYY-MM-DD, in `timezone`.'),
  booking_time: z
    .string({
      error: needs('an HH:mm text', 'give the new 24-hour start time like 14:00; ask the user if they did not say'),
    })
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be 24-hour HH:mm, e.g. 09:30 or 14:00')
    .describe('The new start time, 24-hour HH:mm, wall-clock time in `timezone`.'),
  duration_minutes: newDurationMinutes().describe("The new length in minutes; default: the booking's own."),
  timezone: timeZoneName("the booking's own zone").describe(
    "IANA time zone the new date and time are meant in; default: the booking's own zone.",
  ),
  allow_conflict: z
    .boolean('must be true or false')
    .optional()
    .describe(
      "Move even when the host is busy then in a connected calendar. Default false: a busy host gets status conflict with free times, and nothing moves. The meeting's own current time does not count as busy.",
    ),
  idempotency_key: z
    .string({ error: needs('text', 'give a UUID, or leave it out') })
    .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 printable ASCII characters without spaces, e.g. a UUID')
    .optional()
    .describe(
      'Optional. Without one, a repeat of the same move (same booking, same new time) is recognised by itself.',
    ),
};

const description = (providers: readonly MeetingProvider[]) =>
  [
    `Move a booked meeting to a new time in every provider that holds it, under the same booking_id: ${providers.flatMap((p) => (p.changes ? [p.changes.reschedule] : [])).join(', ')}.`,
    'The invitee gets an "Updated:" e-mail whose calendar file moves the entry their calendar already has.',
    "The host's calendars are checked first as for a new booking: a busy host gets status conflict with free times, and nothing moves.",
    'Safe to repeat: the same move answers from the record, and after a partial failure a repeat retries only the providers that failed.',
  ].join(' ');

export interface RescheduleBookingToolDeps {
  providers: readonly MeetingProvider[];
  rescheduling: {
    reschedule(request: RescheduleRequest, onProgress?: OnRescheduleProgress): Promise<RescheduleResult>;
  };
  log: Logger;
}

export function registerRescheduleBookingTool(server: McpServer, deps: RescheduleBookingToolDeps): void {
  server.registerTool(
    name,
    {
      title: 'Reschedule a booking',
      description: description(deps.providers),
      inputSchema: z.object(inputShape),
      outputSchema: z.object(rescheduleOutputShape),
      annotations: {
        title: 'Reschedule a booking',
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    async (args, ctx) => {
      try {
        const progress = providerProgress(ctx);
        const result = await deps.rescheduling.reschedule(
          {
            bookingId: args.booking_id,
            date: args.booking_date,
            time: args.booking_time,
            durationMinutes: args.duration_minutes,
            timezone: args.timezone,
            allowConflict: args.allow_conflict,
            idempotencyKey: args.idempotency_key,
          },
          (step, total) => progress.step(step, total),
        );
        const output = toRescheduleOutput(result);
        return {
          isError: output.status === 'failed',
          structuredContent: output,
          content: [{ type: 'text', text: toRescheduleText(result, output) }],
        };
      } catch (error) {
        return errorResult(error, deps.log);
      }
    },
  );
}
