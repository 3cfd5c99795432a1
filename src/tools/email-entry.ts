// The e-mail's outcome as every tool that sends one shows it (book_meeting, cancel_booking, reschedule_booking): its
// schema, the mapper, and its line in a change's text.
import { z } from 'zod';
import type { EmailOutcome } from '../meeting.js';

export const emailEntry = z.object({
  status: z
    .enum(['sent', 'queued', 'failed', 'not_connected', 'skipped'])
    .describe(
      'queued: recorded in the outbox and not out yet (error says why); the server sends it in the background, retrying at retry_at, or once remedy is done when there is no retry_at.',
    ),
  id: z.string().optional().describe("Resend's e-mail id"),
  to: z.string().optional(),
  retry_at: z.string().optional().describe('With queued: when the e-mail is tried again (ISO 8601).'),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  remedy: z.string().optional(),
  reason: z.string().optional(),
});

export const toEmailEntry = (email: EmailOutcome): z.infer<typeof emailEntry> =>
  email.status === 'sent'
    ? { status: 'sent', id: email.id, to: email.to }
    : email.status === 'queued'
      ? {
          status: 'queued',
          to: email.to,
          ...(email.retryAt ? { retry_at: email.retryAt } : {}),
          error: { code: email.error.code, message: email.error.message },
          remedy: email.error.remedy,
        }
      : email.status === 'failed'
        ? {
            status: 'failed',
            error: { code: email.error.code, message: email.error.message },
            remedy: email.error.remedy,
          }
        : email.status === 'not_connected'
          ? { status: 'not_connected', remedy: email.remedy }
          : { status: 'skipped', reason: email.reason };

/** The e-mail's line in a change's text: `sent` is worded by the caller ("Cancellation e-mailed to …"). */
export const emailLine = (email: z.infer<typeof emailEntry>, sent: (to: string | undefined) => string): string =>
  email.status === 'sent'
    ? sent(email.to)
    : email.status === 'skipped'
      ? `No e-mail: ${email.reason ?? ''}`
      : `E-mail ${email.status}: ${email.error?.message ?? ''} ${email.remedy ?? ''}`.trim();
