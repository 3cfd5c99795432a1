// The slots every consulted provider allows, from their answers: pure, no I/O. Starts come from the booking pages
// (Calendly, Zoho Bookings) where one was consulted, else a 15-minute grid on the wall clock; busy blocks (Google, Zoom)
// remove what they overlap. Only slots book_meeting can book as given are kept: in the future, inside the daily window,
// not across a skipped hour, and never the second of a wall time the clocks go back over (book_meeting takes the first).
import { DateTime } from 'luxon';
import type { BusyBlock } from '../providers/provider.js';
import type { SlotRange } from './slot-range.js';

/** The grid's step where no booking page sets the starts. */
export const gridMinutes = 15;

export interface ProviderAnswer {
  busy?: readonly BusyBlock[];
  /** Exact starts (epoch ms) a booking page takes; absent for a calendar. */
  offered?: readonly number[];
}

export interface FreeSlot {
  /** In the range's zone. */
  start: DateTime;
  end: DateTime;
}

/** The wall time `minutes` after midnight of `date` in `zone`; 24:00 is the next midnight. */
const wallTime = (date: DateTime, minutes: number): DateTime =>
  date
    .startOf('day')
    .plus({ days: Math.floor(minutes / 1440) })
    .set({ hour: Math.floor((minutes % 1440) / 60), minute: minutes % 60 });

/** The first of the instants a wall time names when the clocks go back (luxon picks the second), as book_meeting reads it. */
const firstReading = (at: DateTime): DateTime =>
  at.isValid ? at.getPossibleOffsets().reduce((a, b) => (a.toMillis() <= b.toMillis() ? a : b), at) : at;

/** The days of the range, as local midnights. */
function days(range: SlotRange): DateTime[] {
  const first = DateTime.fromISO(range.dateFrom, { zone: range.timezone });
  const count = Math.round(DateTime.fromISO(range.dateTo, { zone: range.timezone }).diff(first, 'days').days) + 1;
  return Array.from({ length: count }, (_, i) => first.plus({ days: i }));
}

/** The grid's starts: every 15 minutes of each day's window, as book_meeting would read each wall time. */
function gridStarts(range: SlotRange): number[] {
  const starts: number[] = [];
  for (const date of days(range)) {
    // Most days have one offset all day: their wall times are plain arithmetic from midnight.
    const midnight = date.startOf('day');
    const steady = midnight.offset === midnight.plus({ days: 1 }).minus({ milliseconds: 1 }).offset;
    for (let m = range.earliest; m + range.durationMinutes <= range.latest; m += gridMinutes) {
      if (steady && m < 24 * 60) {
        starts.push(midnight.toMillis() + m * 60_000);
        continue;
      }
      const at = firstReading(
        DateTime.fromObject(
          { year: date.year, month: date.month, day: date.day, hour: Math.floor(m / 60), minute: m % 60 },
          { zone: range.timezone },
        ),
      );
      if (at.isValid) starts.push(at.toMillis());
    }
  }
  return starts;
}

/**
 * Whether `start` is a slot of the range that book_meeting books exactly: its wall time exists (not in a skipped hour)
 * and reads back as this instant (the first of a repeated wall time), the meeting lies inside the day's window, and it
 * does not jump a skipped hour (its wall-clock length would not be its length).
 */
function bookable(range: SlotRange, start: DateTime, end: DateTime): boolean {
  if (start.toISODate()! < range.dateFrom || start.toISODate()! > range.dateTo) return false;
  const first = firstReading(
    DateTime.fromObject(
      { year: start.year, month: start.month, day: start.day, hour: start.hour, minute: start.minute },
      { zone: range.timezone },
    ),
  );
  if (first.toMillis() !== start.toMillis() || start.second !== 0 || start.millisecond !== 0) return false;
  if (end.offset > start.offset) return false;
  return start >= wallTime(start, range.earliest) && end <= wallTime(start, range.latest);
}

/** True when [start, end) overlaps a busy block. */
const overlaps = (busy: readonly BusyBlock[], start: number, end: number): boolean =>
  busy.some((b) => b.start < end && start < b.end);

/**
 * The free slots in ascending order, at most `max` of them, and whether there were more. A slot is kept only where
 * every answer allows it: offered by every booking page, clear of every calendar's busy blocks.
 */
export function freeSlots(
  range: SlotRange,
  answers: readonly ProviderAnswer[],
  now: DateTime,
  max: number,
): { slots: FreeSlot[]; more: boolean } {
  const pages = answers.filter((a) => a.offered !== undefined).map((a) => new Set(a.offered));
  const [firstPage, ...otherPages] = pages;
  const candidates = firstPage
    ? [...firstPage].filter((start) => otherPages.every((page) => page.has(start)))
    : gridStarts(range);
  const busy = answers.flatMap((a) => a.busy ?? []);
  const minutes = range.durationMinutes * 60_000;
  const slots: FreeSlot[] = [];
  let more = false;
  for (const at of [...new Set(candidates)].sort((a, b) => a - b)) {
    if (at <= now.toMillis() || overlaps(busy, at, at + minutes)) continue;
    const start = DateTime.fromMillis(at, { zone: range.timezone });
    const end = start.plus({ minutes: range.durationMinutes });
    if (!bookable(range, start, end)) continue;
    if (slots.length === max) {
      more = true;
      break;
    }
    slots.push({ start, end });
  }
  return { slots, more };
}
