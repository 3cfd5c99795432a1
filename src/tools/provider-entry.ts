// One provider's part of a booking as the tools show it (book_meeting, list_bookings): its schema and the mapper into it.
import { z } from 'zod';
import type { ProviderOutcome } from '../meeting.js';
import type { RecordedOutcome } from '../booking/recorded.js';

const link = z.object({ label: z.string(), url: z.string() });

/** The entry's schema, with the statuses the tool can show. */
export const providerEntry = <S extends string>(statuses: readonly [S, ...S[]]) =>
  z.object({
    provider: z.string(),
    status: z.enum(statuses),
    meeting_id: z.string().optional(),
    join_url: z.string().optional(),
    passcode: z.string().optional(),
    links: z.array(link).optional().describe('Links for the invitee (also in the e-mail).'),
    host_links: z.array(link).optional().describe("Links for the host only, such as the event in the host's calendar."),
    confirmation: z
      .enum(['confirmed', 'invitee_must_confirm'])
      .optional()
      .describe('invitee_must_confirm: a link was sent; the slot is held once the invitee books on it.'),
    invitee_action: z
      .string()
      .optional()
      .describe('With invitee_must_confirm: what the invitee still has to do on that page ("pick 14:00 and confirm").'),
    note: z.string().optional().describe('How it was booked and why, when there was a choice.'),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    remedy: z.string().optional().describe('What to do about a failure or a missing connection.'),
  });

type Entry<S extends string> = z.infer<ReturnType<typeof providerEntry<S>>>;

/** A provider's outcome as its entry. */
export function toProviderEntry(o: ProviderOutcome): Entry<ProviderOutcome['status']> {
  if (o.status === 'booked') {
    return {
      provider: o.provider,
      status: 'booked',
      meeting_id: o.meeting.externalId,
      ...(o.meeting.joinUrl ? { join_url: o.meeting.joinUrl } : {}),
      ...(o.meeting.passcode ? { passcode: o.meeting.passcode } : {}),
      links: o.meeting.links,
      ...(o.meeting.hostLinks?.length ? { host_links: o.meeting.hostLinks } : {}),
      confirmation: o.meeting.confirmation ?? 'confirmed',
      ...(o.meeting.inviteeAction ? { invitee_action: o.meeting.inviteeAction } : {}),
      ...(o.meeting.note ? { note: o.meeting.note } : {}),
    };
  }
  if (o.status === 'failed') {
    return {
      provider: o.provider,
      status: 'failed',
      error: { code: o.error.code, message: o.error.message },
      remedy: o.error.remedy,
    };
  }
  return { provider: o.provider, status: o.status, remedy: o.remedy };
}

/** A recorded outcome as its entry; `pending`: a call was under way and its answer is not recorded. */
export const toRecordedEntry = (o: RecordedOutcome): Entry<RecordedOutcome['status']> =>
  o.status === 'pending'
    ? { provider: o.provider, status: 'pending' }
    : o.status === 'cancelled'
      ? { ...toProviderEntry({ provider: o.provider, status: 'booked', meeting: o.meeting }), status: 'cancelled' }
      : toProviderEntry(o);
