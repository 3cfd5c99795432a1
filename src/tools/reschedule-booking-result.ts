// reschedule_booking's answer: the structured result (its output schema and the mapper into it) and the same in a few
// lines of text.
import { z } from 'zod';
import type { RescheduleResult } from '../booking/reschedule-booking.js';
import type { Meeting } from '../meeting.js';
import { subjectTime } from '../email/when.js';
import { conflictEntry, toConflictEntry } from './conflict-entry.js';
import { emailEntry, emailLine, toEmailEntry } from './email-entry.js';
import { providerEntry, toProviderEntry } from './provider-entry.js';

const when = z.object({
  start: z.string().describe('ISO 8601 with offset'),
  end: z.string(),
  timezone: z.string(),
  duration_minutes: z.number(),
});

export const rescheduleOutputShape = {
  booking_id: z.string(),
  status: z
    .enum(['rescheduled', 'partial', 'failed', 'unchanged', 'conflict'])
    .describe(
      'rescheduled: moved in every provider; partial: some still hold the old time (see their remedy, then repeat the call); failed: none moved; unchanged: it is at that time already, nothing was called; conflict: the host is busy then, nothing moved (see conflict).',
    ),
  meeting: when.extend({ topic: z.string(), invitee: z.object({ name: z.string(), email: z.string() }) }),
  previous: when.describe('Where the meeting was before this move.'),
  providers: z
    .array(providerEntry(['moved', 'not_booked', 'failed']))
    .describe(
      'Each provider as it is now: its meeting id and links (a Calendly move has a new event or link). not_booked: the booking call to it had been cut off and it has no meeting for this booking, so there was nothing to move (see note).',
    ),
  email: emailEntry,
  notes: z.array(z.string()).optional(),
  conflict: conflictEntry
    .optional()
    .describe('With status conflict: why nothing moved, and free times to offer the user instead.'),
  repeat: z
    .object({
      first_called_at: z.string(),
      retried: z
        .array(z.string())
        .describe('Providers called again on this call (the earlier call had not moved them).'),
    })
    .optional()
    .describe('Set when an earlier call made this move.'),
};

export type RescheduleOutput = z.infer<z.ZodObject<typeof rescheduleOutputShape>>;

const rfc3339 = (m: Meeting, which: 'start' | 'end') => m[which].toISO({ suppressMilliseconds: true }) ?? '';
const whenOf = (m: Meeting) => ({
  start: rfc3339(m, 'start'),
  end: rfc3339(m, 'end'),
  timezone: m.timezone,
  duration_minutes: m.durationMinutes,
});

export function toRescheduleOutput(result: RescheduleResult): RescheduleOutput {
  const { meeting } = result;
  return {
    booking_id: result.bookingId,
    status: result.status,
    meeting: {
      ...whenOf(meeting),
      topic: meeting.topic,
      invitee: { name: meeting.customerName, email: meeting.customerEmail },
    },
    previous: whenOf(result.previous),
    providers: result.providers.map((p) => {
      if (p.status === 'failed')
        return {
          provider: p.provider,
          status: 'failed',
          error: { code: p.error.code, message: p.error.message },
          remedy: p.error.remedy,
        };
      if (p.status === 'not_booked') return { provider: p.provider, status: 'not_booked', note: p.note };
      return {
        ...toProviderEntry({ provider: p.provider, status: 'booked', meeting: p.meeting }),
        status: 'moved',
        ...(p.note ? { note: p.note } : {}),
      };
    }),
    email: toEmailEntry(result.email),
    ...(result.notes.length > 0 ? { notes: result.notes } : {}),
    ...(result.conflict ? { conflict: toConflictEntry(result.conflict) } : {}),
    ...(result.repeat
      ? { repeat: { first_called_at: result.repeat.firstCalledAt, retried: result.repeat.retried } }
      : {}),
  };
}

export function toRescheduleText(result: RescheduleResult, output: RescheduleOutput): string {
  const topic = `"${output.meeting.topic}"`;
  const to = subjectTime(result.meeting);
  const from = subjectTime(result.previous);
  if (output.status === 'unchanged')
    return [`${topic} is at ${to} already: nothing was changed.`, ...(output.notes ?? [])].join('\n');
  if (output.status === 'conflict' && output.conflict) {
    const clock = (iso: string) => iso.slice(11, 16);
    const busy = output.conflict.busy.map((b) => `${b.provider} ${clock(b.start)}–${clock(b.end)}`).join(', ');
    const instead =
      output.conflict.alternatives.length > 0
        ? `Free instead: ${output.conflict.alternatives.map((a) => `${a.booking_date} ${a.booking_time}`).join(', ')}. Offer the user one of these, then reschedule to it.`
        : 'No free slot was found that day or the next: ask the user for another day (find_available_slots searches up to 14 days).';
    return [
      `Not moved: the host is busy at ${to} (${busy}). The meeting stays at ${from}; nothing was changed and no e-mail was sent.`,
      instead,
      'To move it there anyway, call again with allow_conflict: true.',
      ...(output.notes ?? []),
    ].join('\n');
  }
  const head =
    output.status === 'rescheduled'
      ? `Moved ${topic} from ${from} to ${to} (booking ${output.booking_id}).`
      : output.status === 'partial'
        ? `Partly moved ${topic} to ${to}: some providers still hold ${from}.`
        : `Nothing was moved for booking ${output.booking_id}: it stays at ${from}.`;
  const lines = output.providers.map((p) =>
    p.status === 'failed'
      ? `- ${p.provider}: failed (${p.error?.message ?? ''}); ${p.remedy ?? ''}`
      : p.status === 'not_booked'
        ? `- ${p.provider}: nothing to move (${p.note ?? ''})`
        : `- ${p.provider}: moved${p.join_url ? `, ${p.join_url}` : ''}${p.note ? ` (${p.note})` : ''}`,
  );
  const mail = emailLine(output.email, (to) => `Update e-mailed to ${to ?? output.meeting.invitee.email}.`);
  return [head, ...lines, mail, ...(output.notes ?? [])].join('\n');
}
