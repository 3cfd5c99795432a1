// Dates for tests that must stay in the future whenever the suite runs.
import { DateTime } from 'luxon';

/** A weekday date `days` ahead, YYYY-MM-DD. */
export function futureDate(days = 30): string {
  return DateTime.now().plus({ days }).toISODate() ?? '';
}

/**
 * The next `nth` Sunday of `month` (1-12) in `zone` that is at least a day ahead, YYYY-MM-DD: this year's, or next
 * year's once this year's has passed, so always within the year a booking may look ahead (DST changes fall on these).
 */
export function nextSunday(month: number, nth: number, zone = 'America/New_York'): string {
  const soonest = DateTime.now().setZone(zone).plus({ days: 1 });
  for (const year of [soonest.year, soonest.year + 1]) {
    const first = DateTime.fromObject({ year, month, day: 1 }, { zone });
    const sunday = first.plus({ days: (7 - first.weekday) % 7, weeks: nth - 1 });
    if (sunday.startOf('day') > soonest) return sunday.toISODate() ?? '';
  }
  throw new Error('unreachable: a month comes round within two years');
}
