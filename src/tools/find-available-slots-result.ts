// find_available_slots' answer: the structured result (its output schema and the mapper into it) and the same in a few
// lines of text, for hosts and models that read the text.
import { z } from 'zod';
import type { FindResult, ProviderCheck } from '../booking/availability.js';
import type { FreeSlot } from '../booking/free-slots.js';
import type { MeetingProvider } from '../providers/provider.js';

export const slotsOutputShape = {
  timezone: z.string().describe('The zone every date and time below is in (canonical IANA name).'),
  duration_minutes: z.number(),
  complete: z
    .boolean()
    .describe('true when every chosen provider was consulted; false: some were not, and the slots may not suit them.'),
  slots: z.array(
    z.object({
      booking_date: z.string().describe('YYYY-MM-DD: pass to book_meeting as booking_date.'),
      booking_time: z.string().describe('HH:mm: pass to book_meeting as booking_time.'),
      start: z.string().describe('RFC 3339 with offset'),
      end: z.string().describe('RFC 3339 with offset'),
      providers: z.array(z.string()).describe('The providers that allow this slot.'),
    }),
  ),
  more: z.boolean().describe('More slots were free than max_results: search a narrower range for them.'),
  providers: z.array(
    z.object({
      provider: z.string(),
      status: z.enum(['checked', 'not_connected', 'no_availability_api', 'failed']),
      role: z
        .enum(['calendar', 'booking_page'])
        .optional()
        .describe("calendar: the host's busy time was removed; booking_page: only the times it offers were kept."),
      count: z.number().optional().describe('Busy blocks (calendar) or open starts (booking page) in the range.'),
      note: z.string().optional(),
      reason: z.string().optional().describe('Why it was not consulted.'),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
      remedy: z.string().optional().describe('What to do so that it is consulted next time.'),
    }),
  ),
};

export type SlotsOutput = z.infer<z.ZodObject<typeof slotsOutputShape>>;

/** RFC 3339 with the offset, to the second: `2026-12-08T14:00:00-05:00`. */
const rfc3339 = (at: FreeSlot['start']): string => at.toISO({ suppressMilliseconds: true }) ?? '';

function toProviderOutput(check: ProviderCheck): SlotsOutput['providers'][number] {
  switch (check.status) {
    case 'checked':
      return {
        provider: check.provider,
        status: 'checked',
        role: check.role,
        count: check.count,
        ...(check.note ? { note: check.note } : {}),
      };
    case 'not_connected':
      return { provider: check.provider, status: 'not_connected', reason: 'not connected', remedy: check.remedy };
    case 'no_availability_api':
      return { provider: check.provider, status: 'no_availability_api', reason: check.reason };
    case 'failed':
      return {
        provider: check.provider,
        status: 'failed',
        error: { code: check.error.code, message: check.error.message },
        remedy: check.error.remedy,
      };
  }
}

export function toSlotsOutput(result: FindResult): SlotsOutput {
  return {
    timezone: result.range.timezone,
    duration_minutes: result.range.durationMinutes,
    complete: result.complete,
    slots: result.slots.map((slot) => ({
      booking_date: slot.start.toISODate() ?? '',
      booking_time: slot.start.toFormat('HH:mm'),
      start: rfc3339(slot.start),
      end: rfc3339(slot.end),
      providers: result.consulted,
    })),
    more: result.more,
    providers: result.providers.map(toProviderOutput),
  };
}

/** The answer as text: the slots by day, then each provider not consulted with its fix. */
export function toSlotsText(result: FindResult, providers: readonly MeetingProvider[]): string {
  const named = (id: string) => providers.find((p) => p.id === id)?.displayName ?? id;
  const { range } = result;
  const lines: string[] = [];
  const asked = `${range.dateFrom}${range.dateTo !== range.dateFrom ? ` to ${range.dateTo}` : ''}`;
  if (result.consulted.length === 0) lines.push(`No provider could be asked about ${asked}.`);
  else if (result.slots.length === 0)
    lines.push(
      `No ${range.durationMinutes}-minute slot is free in ${result.consulted.map(named).join(', ')} on ${asked} (${range.timezone}).`,
    );
  else {
    lines.push(
      `${result.more ? 'First ' : ''}${result.slots.length} free ${range.durationMinutes}-minute slot${result.slots.length === 1 ? '' : 's'} in ${result.consulted.map(named).join(', ')} (${range.timezone}):`,
    );
    let day = '';
    for (const slot of result.slots) {
      const date = slot.start.toISODate() ?? '';
      if (date !== day) {
        day = date;
        lines.push(`- ${slot.start.setLocale('en-US').toFormat('ccc')} ${date}: ${slot.start.toFormat('HH:mm')}`);
      } else lines[lines.length - 1] += `, ${slot.start.toFormat('HH:mm')}`;
    }
  }
  for (const check of result.providers) {
    if (check.status === 'checked' && check.note) lines.push(`${named(check.provider)}: ${check.note}.`);
    if (check.status === 'not_connected') lines.push(`${named(check.provider)} was not consulted: ${check.remedy}.`);
    if (check.status === 'no_availability_api')
      lines.push(`${named(check.provider)} was not consulted: ${check.reason}.`);
    if (check.status === 'failed')
      lines.push(`${named(check.provider)} was not consulted: ${check.error.message}. Remedy: ${check.error.remedy}.`);
  }
  if (!result.complete && result.consulted.length > 0)
    lines.push('These slots do not account for the providers not consulted.');
  return lines.join('\n');
}
