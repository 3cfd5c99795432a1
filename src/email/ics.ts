// The calendar attachment (RFC 5545), built with ical-generator (escaping, line folding) and
// @touch4it/ical-timezones (the VTIMEZONE definitions, generated from the IANA database).
import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { DateTime } from 'luxon';
import type { Meeting } from '../meeting.js';

/** Who sends the invitation (the Resend sender): the ORGANIZER an iTIP request names. */
export interface Organizer {
  name?: string;
  email: string;
}

export interface IcsInput {
  meeting: Meeting;
  description: string;
  /** The main join link, shown as LOCATION and URL. */
  location?: string;
  now?: Date;
  /** With an organizer, the file is an iTIP REQUEST (RFC 5546) that calendars keep as one entry per UID. */
  organizer?: Organizer;
  /** SEQUENCE: 0 for the first invitation, higher for each one that replaces it. */
  sequence?: number;
  /** TENTATIVE while the invitee still has to confirm on a booking page (every provider only sent a link). */
  tentative?: boolean;
  /** The meeting is cancelled: METHOD:CANCEL and STATUS:CANCELLED, which removes the UID's entry from the calendar. */
  cancelled?: boolean;
}

export type IcsMethod = 'REQUEST' | 'PUBLISH' | 'CANCEL';

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
 * METHOD:REQUEST (iMIP, RFC 6047) with the sender as ORGANIZER, the invitee as ATTENDEE, a stable UID and a SEQUENCE,
 * so that Gmail, Outlook and Apple Calendar keep one entry and apply a later update or cancellation to it;
 * METHOD:PUBLISH, a notice to add, when there is no organizer to name.
 */
export function renderIcs({
  meeting,
  description,
  location,
  now = new Date(),
  organizer,
  sequence = 0,
  tentative = false,
  cancelled = false,
}: IcsInput): { ics: string; method: IcsMethod } {
  // iTIP (RFC 5546 3.2.5): a CANCEL, like a REQUEST, comes from the ORGANIZER; without one, a PUBLISH that says CANCELLED.
  const method: IcsMethod = !organizer ? 'PUBLISH' : cancelled ? 'CANCEL' : 'REQUEST';
  const zoned =
    getVtimezoneComponent(meeting.timezone) && readsBack(meeting.start) && readsBack(meeting.end)
      ? meeting.timezone
      : undefined;
  const calendar = ical({
    prodId: { company: 'alsatalk', product: 'alsatalk-mcp', language: 'EN' },
    method: ICalCalendarMethod[method],
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
    ...(organizer
      ? {
          organizer: { name: organizer.name ?? organizer.email, email: organizer.email },
          attendees: [
            {
              name: meeting.customerName,
              email: meeting.customerEmail,
              role: ICalAttendeeRole.REQ,
              status: ICalAttendeeStatus.NEEDSACTION,
              rsvp: false,
            },
          ],
          sequence,
        }
      : {}),
    ...(organizer || cancelled
      ? {
          status: cancelled
            ? ICalEventStatus.CANCELLED
            : tentative
              ? ICalEventStatus.TENTATIVE
              : ICalEventStatus.CONFIRMED,
        }
      : {}),
  });
  return { ics: calendar.toString(), method };
}
