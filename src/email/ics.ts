// The calendar attachment (RFC 5545), built with ical-generator: it escapes text and folds long lines for us.
import ical, { ICalCalendarMethod } from 'ical-generator';
import type { Meeting } from '../booking/types.js';

export interface IcsInput {
  meeting: Meeting;
  description: string;
  /** The main join link, shown as LOCATION and URL. */
  location?: string;
  now?: Date;
}

/**
 * One VEVENT for the slot. Times are written in UTC (exact, no VTIMEZONE needed); the invitee's
 * calendar shows them in its own zone. METHOD:PUBLISH because the e-mail is a notice, not an iTIP request.
 */
export function renderIcs({ meeting, description, location, now = new Date() }: IcsInput): string {
  const calendar = ical({
    prodId: { company: 'alsatalk', product: 'alsatalk-mcp', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
  });
  calendar.createEvent({
    id: `${meeting.bookingId}@alsatalk-mcp`,
    stamp: now,
    start: meeting.start.toJSDate(),
    end: meeting.end.toJSDate(),
    summary: meeting.topic,
    description,
    ...(location ? { location, url: location } : {}),
  });
  return calendar.toString();
}
