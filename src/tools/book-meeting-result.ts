// book_meeting's answer: the structured result (its output schema and the mapper into it) and the same in a few lines
// of text, for hosts and models that read the text.
import { z } from 'zod';
import type { BookingResult } from '../booking/book-meeting.js';
import { subjectTime } from '../email/when.js';
import { emailEntry, toEmailEntry } from './email-entry.js';
import { providerEntry, toProviderEntry } from './provider-entry.js';
import { conflictEntry, toConflictEntry } from './conflict-entry.js';

export const outputShape = {
  booking_id: z.string().nullable().describe('Id of the recorded booking; null when nothing was attempted.'),
  status: z
    .enum(['booked', 'partial', 'failed', 'conflict', 'cancelled'])
    .describe(
      'booked: every attempted provider booked; partial: some failed; failed: none booked; conflict: the host is busy then, nothing was created (see conflict); cancelled: a repeat of a booking since cancelled (nothing was booked again).',
    ),
  meeting: z.object({
    start: z.string().describe('ISO 8601 with offset'),
    end: z.string().describe('ISO 8601 with offset'),
    timezone: z.string(),
    duration_minutes: z.number(),
    topic: z.string(),
    invitee: z.object({ name: z.string(), email: z.string() }),
  }),
  providers: z.array(providerEntry(['booked', 'failed', 'not_connected', 'needs_reauth'])),
  email: emailEntry,
  notes: z
    .array(z.string())
    .optional()
    .describe('Things to tell the user, such as which of two identical wall times (DST change) was booked.'),
  conflict: conflictEntry
    .optional()
    .describe('With status conflict: why nothing was booked, and free times to offer the user instead.'),
  replay: z
    .boolean()
    .describe(
      'true: this call repeated an earlier one and nothing was called again; the recorded booking is returned as it was.',
    ),
  repeat: z
    .object({
      first_called_at: z.string().describe('When the booking this call repeated was first made'),
      retried_providers: z
        .array(z.string())
        .describe('Providers called again because the earlier call had not booked them'),
      emailed: z.boolean().describe('Whether an e-mail went out on this call'),
    })
    .optional()
    .describe('Present when the call repeated an earlier one (same idempotency key, within 24 hours).'),
};

export type Output = z.infer<z.ZodObject<typeof outputShape>>;

export function toOutput(result: BookingResult): Output {
  const { meeting } = result;
  return {
    booking_id: result.bookingId ?? null,
    status: result.status === 'pending' ? 'failed' : result.status,
    meeting: {
      start: meeting.start.toISO({ suppressMilliseconds: true }) ?? '',
      end: meeting.end.toISO({ suppressMilliseconds: true }) ?? '',
      timezone: meeting.timezone,
      duration_minutes: meeting.durationMinutes,
      topic: meeting.topic,
      invitee: { name: meeting.customerName, email: meeting.customerEmail },
    },
    providers: result.providers.map(toProviderEntry),
    email: toEmailEntry(result.email),
    ...(result.notes.length > 0 ? { notes: result.notes } : {}),
    ...(result.conflict ? { conflict: toConflictEntry(result.conflict) } : {}),
    replay: result.repeat !== undefined && result.repeat.retried.length === 0 && !result.repeat.emailed,
    ...(result.repeat
      ? {
          repeat: {
            first_called_at: result.repeat.firstCalledAt,
            retried_providers: result.repeat.retried,
            emailed: result.repeat.emailed,
          },
        }
      : {}),
  };
}

/** A few lines a human (or a model skimming) can read without parsing the structured result. */
export function toText(result: BookingResult, output: Output): string {
  const when = `${subjectTime(result.meeting)} (${output.meeting.start}, ${output.meeting.duration_minutes} min)`;
  if (output.status === 'conflict' && output.conflict) return conflictText(output.conflict, when, output.notes ?? []);
  const status =
    output.status === 'failed'
      ? `Nothing was booked for ${output.meeting.invitee.name} on ${when}.`
      : `${output.status === 'booked' ? 'Booked' : 'Partly booked'}: "${output.meeting.topic}" with ${output.meeting.invitee.name} on ${when}.`;
  const repeat = output.repeat;
  const head = !repeat
    ? status
    : output.replay
      ? `Already done: this call repeats one first made at ${repeat.first_called_at}, and nothing was booked again. ${status}`
      : `This call repeats one first made at ${repeat.first_called_at}${repeat.retried_providers.length > 0 ? `; it tried again only ${repeat.retried_providers.join(', ')}` : ''}${repeat.emailed ? '; an e-mail went out' : ''}. ${status}`;
  const confirmed = output.providers.filter((p) => p.status === 'booked' && p.confirmation !== 'invitee_must_confirm');
  const bookedAt = `${confirmed.map((p) => p.provider).join(', ')} ${confirmed.length === 1 ? 'is' : 'are'} booked at ${result.meeting.start.setZone(result.meeting.timezone).toFormat('HH:mm')}`;
  const lines = output.providers.map((p) => {
    if (p.status === 'booked') {
      // A link is not a booking: say what the invitee still has to do, and what is booked already.
      const what =
        p.confirmation === 'invitee_must_confirm'
          ? `link sent (${confirmed.length > 0 ? `${bookedAt}; ` : ''}on ${p.provider}, the invitee must ${p.invitee_action ?? 'open it and confirm'}):`
          : 'booked';
      const link = p.join_url ?? p.links?.[0]?.url;
      return `- ${p.provider}: ${what}${link ? ` ${link}` : ''}${p.passcode ? ` (passcode ${p.passcode})` : ''}${p.note ? `. ${p.note}` : ''}`;
    }
    if (p.status === 'failed') return `- ${p.provider}: FAILED: ${p.error?.message ?? ''} → ${p.remedy ?? ''}`;
    return `- ${p.provider}: ${p.status === 'needs_reauth' ? 'needs to be reconnected' : 'not connected'} → ${p.remedy ?? ''}`;
  });
  const e = output.email;
  const email =
    e.status === 'sent'
      ? `E-mail: sent to ${e.to}.`
      : e.status === 'queued'
        ? e.retry_at
          ? `E-mail: queued for ${e.to}, not sent yet (${e.error?.message}); the server tries again at ${e.retry_at} and sends it in the background.`
          : `E-mail: queued for ${e.to}, not sent yet: ${e.error?.message} → ${e.remedy}`
        : e.status === 'skipped'
          ? `E-mail: not sent (${e.reason}).`
          : e.status === 'failed'
            ? `E-mail: FAILED: ${e.error?.message} → ${e.remedy}`
            : `E-mail: not sent → ${e.remedy}`;
  return [head, ...lines, email, ...(output.notes ?? []).map((n) => `Note: ${n}`)].join('\n');
}

/** A conflict in a few lines: where the host is busy, that nothing was made, and what to offer instead. */
function conflictText(conflict: NonNullable<Output['conflict']>, when: string, notes: readonly string[]): string {
  const clock = (iso: string) => iso.slice(11, 16);
  const busy = conflict.busy.map((b) => `${b.provider} ${clock(b.start)}–${clock(b.end)}`).join(', ');
  const instead =
    conflict.alternatives.length > 0
      ? `Free instead: ${conflict.alternatives.map((a) => `${a.booking_date} ${a.booking_time}`).join(', ')}. Offer the user one of these, then book it.`
      : 'No free slot was found that day or the next: ask the user for another day (find_available_slots searches up to 14 days).';
  return [
    `Not booked: the host is busy on ${when} (${busy}). Nothing was created in any provider and no e-mail was sent.`,
    instead,
    'To book this time anyway, call again with allow_conflict: true.',
    ...notes.map((n) => `Note: ${n}`),
  ].join('\n');
}
