// Turns find_available_slots' days, daily window and zone into an exact range to search, refusing what cannot be
// searched (a past day, a range over two weeks, a window shorter than the meeting) with the field and the fix.
import { DateTime } from 'luxon';
import { InputError } from '../errors.js';
import { maxSearchDays } from '../meeting.js';
import { canonicalTimeZone, timeZoneRefusal } from '../time-zone.js';

export interface RangeInput {
  dateFrom: string;
  dateTo: string;
  durationMinutes: number;
  timezone: string;
  earliestTime?: string | undefined;
  latestTime?: string | undefined;
}

export interface SlotRange {
  /** Canonical IANA name. */
  timezone: string;
  dateFrom: string;
  dateTo: string;
  /** The daily window in minutes after local midnight: a slot starts at or after `earliest` and ends by `latest`. */
  earliest: number;
  latest: number;
  durationMinutes: number;
  /** What the providers are asked about: the first day's start (or now) to the end of the last day. */
  from: DateTime;
  to: DateTime;
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const timePattern = /^([01]\d|2[0-3]):([0-5]\d)$/;

function day(field: string, text: string, timezone: string): DateTime {
  const match = datePattern.exec(text);
  if (!match) throw new InputError(field, `"${text}" is not in YYYY-MM-DD form`, 'give the date like 2026-12-01');
  const at = DateTime.fromObject(
    { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) },
    { zone: timezone },
  );
  if (!at.isValid || at.toISODate() !== text)
    throw new InputError(field, `${text} is not a calendar date`, 'check the day and month');
  return at;
}

function minutesOf(field: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const match = timePattern.exec(text);
  if (!match) throw new InputError(field, `"${text}" is not in 24-hour HH:mm form`, 'give the time like 09:00');
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Resolves the range, or throws an InputError naming the field and the fix. */
export function resolveRange(input: RangeInput, now: DateTime): SlotRange {
  const timezone = canonicalTimeZone(input.timezone);
  if (!timezone) {
    const { problem, fix } = timeZoneRefusal(input.timezone);
    throw new InputError('timezone', problem, `${fix}; ask the user where they are if unsure`);
  }
  const first = day('date_from', input.dateFrom, timezone);
  const last = day('date_to', input.dateTo, timezone);
  const today = now.setZone(timezone).toISODate() ?? '';
  if (input.dateFrom < today)
    throw new InputError(
      'date_from',
      `${input.dateFrom} is in the past (today is ${today} in ${timezone})`,
      `start the search today (${today}) or later`,
    );
  if (input.dateTo < input.dateFrom)
    throw new InputError('date_to', `${input.dateTo} is before date_from ${input.dateFrom}`, 'give a later date_to');
  const span = Math.round(last.diff(first, 'days').days);
  if (span > maxSearchDays)
    throw new InputError(
      'date_to',
      `${input.dateTo} is ${span} days after date_from; a search covers at most ${maxSearchDays} days`,
      `give a date_to by ${first.plus({ days: maxSearchDays }).toISODate() ?? ''}, and search the rest in another call`,
    );
  const earliest = minutesOf('earliest_time', input.earliestTime, 0);
  // 24:00 is the end of the day when no latest_time is given.
  const latest = minutesOf('latest_time', input.latestTime, 24 * 60);
  if (latest - earliest < input.durationMinutes)
    throw new InputError(
      'latest_time',
      `the daily window ${input.earliestTime ?? '00:00'}–${input.latestTime ?? '24:00'} is shorter than the ${input.durationMinutes}-minute meeting`,
      'give a later latest_time (or an earlier earliest_time), or a shorter duration_minutes',
    );
  const start = first.startOf('day');
  const from = start > now ? start : now.setZone(timezone);
  return {
    timezone,
    dateFrom: input.dateFrom,
    dateTo: input.dateTo,
    earliest,
    latest,
    durationMinutes: input.durationMinutes,
    from,
    to: last.startOf('day').plus({ days: 1 }),
  };
}
