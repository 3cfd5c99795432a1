// When a meeting is, as the e-mail and the tool's text say it: in the meeting's own zone, in English.
// Apart from the invite so that the tools (loaded at start-up) format times without loading the calendar-file code.
import type { Meeting } from '../meeting.js';

interface Times {
  subject: string;
  long: string;
}

// Formatting a zone's name costs luxon a new Intl formatter each time (~0.1 ms); the e-mail and the tool's answer both
// need the same strings, so they are made once per meeting (a booking makes one Meeting and never changes it).
const formatted = new WeakMap<Meeting, Times>();

function times(meeting: Meeting): Times {
  let found = formatted.get(meeting);
  if (!found) {
    const start = meeting.start.setLocale('en-US');
    const end = meeting.end.setLocale('en-US');
    const endText = start.hasSame(end, 'day')
      ? end.toFormat('h:mm a ZZZZ')
      : end.toFormat('EEEE, MMMM d, yyyy, h:mm a ZZZZ');
    // Across a change of clocks each end names its own offset: "1:30 AM EDT – 1:00 AM EST" reads right, "1:30 – 1:00 AM
    // EST" does not.
    const startText = start.toFormat(
      start.offset === end.offset ? 'EEEE, MMMM d, yyyy, h:mm a' : 'EEEE, MMMM d, yyyy, h:mm a ZZZZ',
    );
    found = {
      subject: start.toFormat('EEE, MMM d, h:mm a ZZZZ'),
      long: `${startText} – ${endText} (${meeting.timezone})`,
    };
    formatted.set(meeting, found);
  }
  return found;
}

/** "Tue, Nov 25, 2:00 PM EST": the start in the meeting's own zone. */
export const subjectTime = (meeting: Meeting): string => times(meeting).subject;

/** "Tuesday, November 25, 2026, 2:00 – 2:30 PM EST (America/New_York)". */
export const longTime = (meeting: Meeting): string => times(meeting).long;
