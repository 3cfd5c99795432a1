// The cancel_booking tool: its contract (schemas, annotations, a description written for the calling model), then a
// thin handler over booking/cancel-booking.ts.
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { CancelRequest, CancelResult, OnCancelProgress } from '../booking/cancel-booking.js';
import type { Logger } from '../log.js';
import type { MeetingProvider } from '../providers/provider.js';
import { cancelOutputShape, toCancelOutput, toCancelText } from './cancel-booking-result.js';
import { needs } from './fields.js';
import { providerProgress } from './progress.js';
import { errorResult } from './results.js';

const name = 'cancel_booking';

const inputShape = {
  booking_id: z
    .string({ error: needs('text', 'pass the booking_id that book_meeting returned (list_bookings shows it)') })
    .trim()
    .min(1, 'must not be empty: pass the booking_id that book_meeting returned')
    .max(100, 'must be a booking_id this server gave')
    .describe('The booking to cancel, as book_meeting or list_bookings gave it.'),
  reason: z
    .string({ error: needs('text', 'say briefly why, or leave it out') })
    .max(500, 'must be at most 500 characters')
    .optional()
    .describe("Why, in a sentence: it goes to the invitee in the cancellation e-mail and in Calendly's."),
  idempotency_key: z
    .string({ error: needs('text', 'pass a key of your own, or leave it out') })
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .optional()
    .describe(
      'Optional. A booking is cancelled once whatever the key; a key only guards against reusing it elsewhere.',
    ),
};

const description = (providers: readonly MeetingProvider[]) =>
  [
    `Cancel a booked meeting in every provider it was booked in (${providers.flatMap((p) => (p.changes ? [p.changes.cancel] : [])).join(', ')}) and e-mail the invitee a cancellation whose calendar file removes the meeting from their calendar.`,
    'Use it when the customer or the host wants the meeting off; get the booking_id from book_meeting or list_bookings.',
    'Safe to repeat: a cancelled booking answers without calling any provider, and after a partial failure a repeat retries only the providers that failed; the invitee gets one cancellation e-mail.',
    ...providers.flatMap((p) => (p.changes?.caveat ? [p.changes.caveat] : [])),
  ].join(' ');

export interface CancelBookingToolDeps {
  providers: readonly MeetingProvider[];
  cancellation: { cancel(request: CancelRequest, onProgress?: OnCancelProgress): Promise<CancelResult> };
  log: Logger;
}

export function registerCancelBookingTool(server: McpServer, deps: CancelBookingToolDeps): void {
  server.registerTool(
    name,
    {
      title: 'Cancel a booking',
      description: description(deps.providers),
      inputSchema: z.object(inputShape),
      outputSchema: z.object(cancelOutputShape),
      annotations: {
        title: 'Cancel a booking',
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    async (args, ctx) => {
      try {
        const progress = providerProgress(ctx);
        const result = await deps.cancellation.cancel(
          { bookingId: args.booking_id, reason: args.reason, idempotencyKey: args.idempotency_key },
          (step, total) => progress.step(step, total),
        );
        const output = toCancelOutput(result);
        return {
          isError: output.status === 'failed',
          structuredContent: output,
          content: [{ type: 'text', text: toCancelText(result, output) }],
        };
      } catch (error) {
        return errorResult(error, deps.log);
      }
    },
  );
}
