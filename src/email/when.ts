// When a meeting is, as the e-mail and the tool's text say it: in the meeting's own zone, in English.
// Apart from the invite so that the tools (loaded at start-up) format times without loading the calendar-file code.
import type { Meeting } from '../booking/types.js';

/** "Tue, Nov 25, 2:00 PM EST": the start in the meeting's own zone. */
export const subjectTime = (meeting: Meeting): string => meeting.start.setLocale('en-US').toFormat('EEE, MMM d, h:mm a ZZZZ');

/** "Tuesday, November 25, 2026, 2:00 – 2:30 PM EST (America/New_York)". */
export function longTime(meeting: Meeting): string {
  const start = meeting.start.setLocale('en-US');
  const end = meeting.end.setLocale('en-US');
  const sameDay = start.hasSame(end, 'day');
  const endText = sameDay ? end.toFormat('h:mm a ZZZZ') : end.toFormat('EEEE, MMMM d, yyyy, h:mm a ZZZZ');
  return `${start.toFormat('EEEE, MMMM d, yyyy, h:mm a')} – ${endText} (${meeting.timezone})`;
}
