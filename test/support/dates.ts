// Dates for tests that must stay in the future whenever the suite runs.
import { DateTime } from 'luxon';

/** A weekday date `days` ahead, YYYY-MM-DD. */
export function futureDate(days = 30): string {
  return DateTime.now().plus({ days }).toISODate() ?? '';
}
