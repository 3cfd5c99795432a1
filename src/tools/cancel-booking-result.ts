// cancel_booking's answer: the structured result (its output schema and the mapper into it) and the same in a few
// lines of text.
import { z } from 'zod';
import type { CancelResult } from '../booking/cancel-booking.js';
import { subjectTime } from '../email/when.js';
import { emailEntry, emailLine, toEmailEntry } from './email-entry.js';

export const cancelOutputShape = {
  booking_id: z.string(),
  status: z
    .enum(['cancelled', 'partial', 'failed'])
    .describe(
      'cancelled: in every provider; partial: some providers still have the meeting (see their remedy, then repeat the call); failed: none was cancelled.',
    ),
  meeting: z.object({
    start: z.string().describe('ISO 8601 with offset'),
    end: z.string(),
    timezone: z.string(),
    topic: z.string(),
    invitee: z.object({ name: z.string(), email: z.string() }),
  }),
  providers: z.array(
    z.object({
      provider: z.string(),
      status: z
        .enum(['cancelled', 'already_gone', 'link_remains', 'failed'])
        .describe(
          'already_gone: the provider no longer had the meeting; link_remains: a single-use link nobody booked through, which the provider cannot revoke (the e-mail tells the invitee not to use it).',
        ),
      note: z.string().optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
      remedy: z.string().optional(),
    }),
  ),
  email: emailEntry,
  notes: z.array(z.string()).optional(),
  repeat: z
    .object({
      first_called_at: z.string(),
      retried: z
        .array(z.string())
        .describe('Providers called again on this call (the earlier call had not cancelled them).'),
    })
    .optional()
    .describe('Set when an earlier call made this cancel.'),
};

export type CancelOutput = z.infer<z.ZodObject<typeof cancelOutputShape>>;

export function toCancelOutput(result: CancelResult): CancelOutput {
  const { meeting } = result;
  return {
    booking_id: result.bookingId,
    status: result.status,
    meeting: {
      start: meeting.start.toISO({ suppressMilliseconds: true }) ?? '',
      end: meeting.end.toISO({ suppressMilliseconds: true }) ?? '',
      timezone: meeting.timezone,
      topic: meeting.topic,
      invitee: { name: meeting.customerName, email: meeting.customerEmail },
    },
    providers: result.providers.map((p) =>
      p.status === 'failed'
        ? {
            provider: p.provider,
            status: 'failed',
            error: { code: p.error.code, message: p.error.message },
            remedy: p.error.remedy,
          }
        : { provider: p.provider, status: p.status, ...(p.note ? { note: p.note } : {}) },
    ),
    email: toEmailEntry(result.email),
    ...(result.notes.length > 0 ? { notes: result.notes } : {}),
    ...(result.repeat
      ? { repeat: { first_called_at: result.repeat.firstCalledAt, retried: result.repeat.retried } }
      : {}),
  };
}

export function toCancelText(result: CancelResult, output: CancelOutput): string {
  const head =
    output.status === 'cancelled'
      ? `Cancelled "${output.meeting.topic}" on ${subjectTime(result.meeting)} (booking ${output.booking_id}).`
      : output.status === 'partial'
        ? `Partly cancelled "${output.meeting.topic}" on ${subjectTime(result.meeting)}: some providers could not cancel it (or check for it) yet.`
        : `Nothing was cancelled for booking ${output.booking_id}.`;
  const lines = output.providers.map((p) =>
    p.status === 'failed'
      ? `- ${p.provider}: failed (${p.error?.message ?? ''}); ${p.remedy ?? ''}`
      : `- ${p.provider}: ${p.status.replace('_', ' ')}${p.note ? ` (${p.note})` : ''}`,
  );
  const mail = emailLine(output.email, (to) => `Cancellation e-mailed to ${to ?? output.meeting.invitee.email}.`);
  return [head, ...lines, mail, ...(output.notes ?? [])].join('\n');
}
