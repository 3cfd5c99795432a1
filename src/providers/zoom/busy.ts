// Zoom's part in a search: the host's scheduled meetings are busy time. List meetings (type=upcoming) gives each
// scheduled meeting and one entry per recurring series; a series with fixed times (type 8) lists its occurrences in Get
// a meeting. Recurring meetings with no fixed time (type 3) have no time to be busy at.
// API reference: https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings
import { z } from 'zod';
import { ProviderError } from '../../errors.js';
import type { BusyBlock } from '../provider.js';
import { displayName } from './manifest.js';
import { listMeetingsResponse } from './wire.js';

/** Get a meeting's `occurrences` (a recurring series): each with its start, length and whether it was deleted. */
const series = z.object({
  occurrences: z
    .array(z.object({ start_time: z.string(), duration: z.number().optional(), status: z.string().optional() }))
    .default([]),
  duration: z.number().optional(),
});

/** Recurring, fixed times: its occurrences are read from Get a meeting. */
const recurringFixed = 8;
/** Recurring with no fixed time: never busy at a time. */
const recurringFree = 3;

const block = (start: string | undefined, minutes: number | undefined): BusyBlock[] => {
  const at = start ? Date.parse(start) : Number.NaN;
  return Number.isFinite(at) && minutes && minutes > 0 ? [{ start: at, end: at + minutes * 60_000 }] : [];
};

const unexpected = () =>
  new ProviderError(displayName, 'provider_rejected', 'Zoom answered the meeting list in an unexpected form', {
    hint: 'retry; if it keeps happening, Zoom changed its API',
  });

/** Pure: one page of List meetings as busy blocks, the recurring series to read, and the next page's token. */
export function fromMeetingPage(body: unknown): { busy: BusyBlock[]; series: string[]; nextPage: string | undefined } {
  const parsed = listMeetingsResponse.safeParse(body);
  if (!parsed.success) throw unexpected();
  const busy: BusyBlock[] = [];
  const recurring: string[] = [];
  for (const m of parsed.data.meetings) {
    if (m.type === recurringFixed) recurring.push(String(m.id));
    else if (m.type !== recurringFree) busy.push(...block(m.start_time, m.duration));
  }
  return { busy, series: recurring, nextPage: parsed.data.next_page_token || undefined };
}

/** Pure: a recurring series' occurrences that still happen, as busy blocks. */
export function fromSeries(body: unknown): BusyBlock[] {
  const parsed = series.safeParse(body);
  if (!parsed.success) throw unexpected();
  return parsed.data.occurrences
    .filter((o) => o.status !== 'deleted')
    .flatMap((o) => block(o.start_time, o.duration ?? parsed.data.duration));
}
