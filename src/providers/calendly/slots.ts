// Calendly's open times in our terms: the range to ask for, the slot that matches a meeting, the nearest open times.
// API reference: https://developer.calendly.com/api-docs/calendly-api/event-types/list-event-type-available-times
import { DateTime } from 'luxon';
import type { Meeting } from '../../meeting.js';
import { toUtc, type AvailableTime } from './wire.js';

/** The 24-hour wall time of an instant in the meeting's zone, as the agent gave it ("14:00"). */
const wallTime = (at: DateTime, zone: string): string => at.setZone(zone).toFormat('HH:mm');
/**
 * The availability range to ask for: the meeting's whole local day (so that a refusal can name other open times),
 * never starting in the past, which Calendly rejects.
 */
export function availabilityWindow(meeting: Meeting, now: DateTime): { start_time: string; end_time: string } {
  const dayStart = meeting.start.setZone(meeting.timezone).startOf('day');
  const earliest = now.plus({ minutes: 1 }).startOf('second');
  const start = dayStart > earliest ? dayStart : earliest;
  return { start_time: toUtc(start), end_time: toUtc(dayStart.plus({ days: 1 })) };
}

/** The offered slot that starts exactly at the meeting's instant, whatever precision Calendly writes it with. */
export function findSlot(times: readonly AvailableTime[], meeting: Meeting): AvailableTime | undefined {
  const wanted = meeting.start.toMillis();
  // Date.parse reads Calendly's instants (microseconds and Z) exactly, about a hundred times faster than luxon's fromISO,
  // and this runs on the booking's critical path for each slot of the day; an unreadable one is NaN and never matches.
  return times.find(
    (t) => t.status === 'available' && (t.invitees_remaining ?? 1) > 0 && Date.parse(t.start_time) === wanted,
  );
}

/** Up to `max` open start times nearest the meeting, as wall times in its zone ("13:30, 15:00"). */
export function nearbyTimes(times: readonly AvailableTime[], meeting: Meeting, max = 3): string[] {
  const wanted = meeting.start.toMillis();
  return times
    .filter((t) => t.status === 'available')
    .map((t) => DateTime.fromISO(t.start_time, { zone: 'utc' }))
    .filter((at) => at.isValid)
    .sort((a, b) => Math.abs(a.toMillis() - wanted) - Math.abs(b.toMillis() - wanted))
    .slice(0, max)
    .sort((a, b) => a.toMillis() - b.toMillis())
    .map((at) => wallTime(at, meeting.timezone));
}
/** The local wall time of the meeting, for notes ("14:00"). */
export const meetingTime = (meeting: Meeting): string => wallTime(meeting.start, meeting.timezone);

/** The meeting's local day, for notes ("Tue, Dec 1"). */
export const meetingDay = (meeting: Meeting): string =>
  meeting.start.setZone(meeting.timezone).setLocale('en-US').toFormat('ccc, LLL d');

/**
 * Pure: `[from, to)` cut into ranges of at most `days` (Calendly's limit on one request), never starting before
 * `earliest` (Calendly refuses a start in the past); empty when nothing of the range is left.
 */
export function rangeChunks(
  from: DateTime,
  to: DateTime,
  earliest: DateTime,
  days: number,
): Array<{ start_time: string; end_time: string }> {
  const chunks: Array<{ start_time: string; end_time: string }> = [];
  for (let start = from > earliest ? from : earliest; start < to;) {
    const limit = start.plus({ days });
    const end = limit < to ? limit : to;
    chunks.push({ start_time: toUtc(start), end_time: toUtc(end) });
    start = end;
  }
  return chunks;
}
