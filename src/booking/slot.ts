// Turns a wall-clock date, time and IANA zone into an exact slot, refusing dates, zones and times that do not exist.
import { DateTime } from 'luxon';
import { canonicalTimeZone, timeZoneRefusal } from '../time-zone.js';
import { InputError } from '../errors.js';

export interface SlotInput {
  date: string;
  time: string;
  timezone: string;
  durationMinutes: number;
}

export interface Slot {
  /** The zone's canonical IANA name ("america/new_york" and "US/Eastern" are America/New_York). */
  timezone: string;
  start: DateTime;
  end: DateTime;
  /** Set when the wall time was ambiguous and one reading was chosen; the agent should tell the user. */
  note?: string;
}

/** How far ahead a booking may be: providers and humans both stop making sense past a year. */
const maxDaysAhead = 366;

/** Resolves the slot or throws an InputError that names the field and the fix. */
export function resolveSlot(input: SlotInput, now: DateTime = DateTime.now()): Slot {
  const timezone = canonicalTimeZone(input.timezone);
  if (!timezone) {
    const { problem, fix } = timeZoneRefusal(input.timezone);
    throw new InputError('timezone', problem, `${fix}; ask the user where they are if unsure`);
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.date);
  if (!date)
    throw new InputError('booking_date', `"${input.date}" is not in YYYY-MM-DD form`, 'give the date like 2026-12-01');
  const time = /^(\d{2}):(\d{2})$/.exec(input.time);
  if (!time)
    throw new InputError(
      'booking_time',
      `"${input.time}" is not in 24-hour HH:mm form`,
      'give the time like 09:30 or 14:00',
    );
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const [hour, minute] = [Number(time[1]), Number(time[2])];
  if (hour > 23 || minute > 59)
    throw new InputError('booking_time', `"${input.time}" is not a time of day`, 'use 00:00 to 23:59');
  const calendarDay = DateTime.fromObject({ year, month, day }, { zone: timezone });
  if (!calendarDay.isValid)
    throw new InputError('booking_date', `${input.date} is not a calendar date`, 'check the day and month');
  let start = DateTime.fromObject({ year, month, day, hour, minute }, { zone: timezone });
  // Luxon moves a wall time that falls in a DST gap forward; a moved time means the requested one never happens.
  if (!start.isValid || start.hour !== hour || start.minute !== minute || start.day !== day) {
    throw new InputError(
      'booking_time',
      `${input.time} does not exist on ${input.date} in ${timezone} (the clocks skip it for daylight saving time)`,
      `pick a time outside the skipped hour, for example ${start.isValid ? start.toFormat('HH:mm') : 'an hour later'}`,
    );
  }
  // When the clocks go back the same wall time happens twice: take the first, as RFC 5545 and Temporal do, and say so.
  let note: string | undefined;
  const readings = start.isValid ? start.getPossibleOffsets() : [];
  if (readings.length > 1) {
    start = readings.reduce((a, b) => (a.toMillis() <= b.toMillis() ? a : b));
    note = `${input.time} happens twice on ${input.date} in ${timezone} (the clocks go back); booked the first, at UTC${start.toFormat('ZZ')} (${start.setLocale('en-US').toFormat('ZZZZ')})`;
  }
  if (start <= now) {
    // The field that is wrong: a day already gone is the date's fault, an hour already gone today the time's.
    const here = now.setZone(timezone);
    const today = here.toISODate() ?? '';
    if (input.date < today)
      throw new InputError(
        'booking_date',
        `${input.date} is in the past (today is ${today} in ${timezone})`,
        'ask the user for a future date',
      );
    throw new InputError(
      'booking_time',
      `${input.time} on ${input.date} has already passed in ${timezone} (it is ${here.toFormat('HH:mm')} there now)`,
      'ask the user for a later time or another day',
    );
  }
  if (start > now.plus({ days: maxDaysAhead })) {
    throw new InputError(
      'booking_date',
      `${input.date} is more than a year ahead`,
      'book a date within the next 12 months',
    );
  }
  return { timezone, start, end: start.plus({ minutes: input.durationMinutes }), ...(note ? { note } : {}) };
}
