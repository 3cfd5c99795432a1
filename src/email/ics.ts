// The calendar attachment (RFC 5545), built with ical-generator (escaping, line folding) and
// @touch4it/ical-timezones (the VTIMEZONE definitions, generated from the IANA database).
import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical, { ICalCalendarMethod } from 'ical-generator';
import type { DateTime } from 'luxon';
import type { Meeting } from '../meeting.js';

export interface IcsInput {
  meeting: Meeting;
  description: string;
  /** The main join link, shown as LOCATION and URL. */
  location?: string;
  now?: Date;
}

/**
 * Whether a wall time in its zone names this instant: RFC 5545 (3.3.5) reads a time that happens twice, when the clocks
 * go back, as the first occurrence, so a TZID time at the second occurrence would name an hour too early.
 */
function readsBack(time: DateTime): boolean {
  const readings = time.getPossibleOffsets();
  return readings.length < 2 || readings.every((other) => other.toMillis() >= time.toMillis());
}

/**
 * One VEVENT for the slot, in the meeting's own zone (TZID plus its VTIMEZONE) so that calendars show
 * the zone the invitee asked for; exact UTC times when the zone has no VTIMEZONE definition, or when either end falls
 * on the second occurrence of a wall time (a TZID could not say which one).
 * METHOD:PUBLISH because the e-mail is a notice to add, not an iTIP request awaiting a reply.
 */
export function renderIcs({ meeting, description, location, now = new Date() }: IcsInput): string {
  const zoned =
    getVtimezoneComponent(meeting.timezone) && readsBack(meeting.start) && readsBack(meeting.end)
      ? meeting.timezone
      : undefined;
  const calendar = ical({
    prodId: { company: 'alsatalk', product: 'alsatalk-mcp', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
    // No calendar-wide zone (ical-generator would then write DTSTAMP as a floating time, which RFC 5545
    // forbids); the generator only supplies the VTIMEZONE of the zone the event names.
    timezone: { name: null, generator: getVtimezoneComponent },
  });
  calendar.createEvent({
    id: `${meeting.bookingId}@alsatalk-mcp`,
    stamp: now,
    start: meeting.start,
    end: meeting.end,
    ...(zoned ? { timezone: zoned } : {}),
    summary: meeting.topic,
    description,
    ...(location ? { location, url: location } : {}),
  });
  return calendar.toString();
}
