// The conflict check of a new booking: the host's calendars (the providers whose availability is busy time) asked about
// the booking's day at once, while every provider prepares; nothing is created until it answers. A calendar that cannot
// be read does not stop the booking (it is named in a note); a busy host does, unless allow_conflict says otherwise.
import { DateTime } from 'luxon';
import { AppError } from '../errors.js';
import type { AvailabilityQuery, MeetingProvider } from '../providers/provider.js';
import type { Meeting } from '../meeting.js';
import type { AvailabilityService } from './availability.js';
import type { FreeSlot } from './free-slots.js';

/** Where the host is busy: the provider and the interval, never the other event's title or attendees. */
export interface BusyAt {
  provider: string;
  start: DateTime;
  end: DateTime;
}

export interface HostCheck {
  busy: BusyAt[];
  /** Calendars that could not be read, with why: the booking went ahead without them. */
  unread: Array<{ provider: string; message: string }>;
}

/** What book_meeting returns about a conflict: where the host is busy, and the nearest free slots instead. */
export interface ConflictReport {
  busy: BusyAt[];
  alternatives: FreeSlot[];
  /** allow_conflict: booked all the same. */
  allowed: boolean;
}

/** The part of the provider time limit the check may take: the providers' own calls wait for it within theirs. */
export const checkShare = 0.4;

/** Asks each calendar about the meeting's local day (whole busy blocks, not cut at the slot), then keeps what overlaps. */
export async function checkHost(
  availability: AvailabilityService,
  calendars: readonly MeetingProvider[],
  meeting: Meeting,
  defaultTimezone: string,
  timeoutMs: number,
): Promise<HostCheck> {
  const day = meeting.start.setZone(meeting.timezone).startOf('day');
  const now = DateTime.now().setZone(meeting.timezone);
  const query: AvailabilityQuery = {
    from: day < now ? now : day,
    to: day.plus({ days: 1 }),
    durationMinutes: meeting.durationMinutes,
    timezone: meeting.timezone,
    defaultTimezone,
  };
  const [start, end] = [meeting.start.toMillis(), meeting.end.toMillis()];
  const checks = await availability.check(calendars, query, timeoutMs);
  const result: HostCheck = { busy: [], unread: [] };
  for (const { check, answer } of checks) {
    if (check.status === 'failed')
      result.unread.push({ provider: check.provider, message: `${check.error.message}: ${check.error.remedy}` });
    else if (check.status === 'not_connected') result.unread.push({ provider: check.provider, message: check.remedy });
    for (const block of answer?.busy ?? [])
      if (block.start < end && start < block.end)
        result.busy.push({
          provider: check.provider,
          start: DateTime.fromMillis(block.start, { zone: meeting.timezone }),
          end: DateTime.fromMillis(block.end, { zone: meeting.timezone }),
        });
  }
  return result;
}

/** The rejection every provider's gate sees when the host is busy: nothing may be created. */
export const hostBusy = (): AppError =>
  new AppError('conflict', 'not booked: the host is busy at this time in a connected calendar', {
    hint: 'choose one of the free times offered, or book anyway with allow_conflict: true',
  });

/** The three free slots nearest the requested start, on its day and the next, as find_available_slots offers them. */
export async function nearestSlots(
  availability: AvailabilityService,
  meeting: Meeting,
  providers: readonly string[],
): Promise<FreeSlot[]> {
  const day = meeting.start.setZone(meeting.timezone);
  try {
    const found = await availability.find({
      dateFrom: day.toISODate() ?? '',
      dateTo: day.plus({ days: 1 }).toISODate() ?? '',
      durationMinutes: meeting.durationMinutes,
      timezone: meeting.timezone,
      providers,
      maxResults: 200,
    });
    const wanted = meeting.start.toMillis();
    return found.slots
      .sort((a, b) => Math.abs(a.start.toMillis() - wanted) - Math.abs(b.start.toMillis() - wanted))
      .slice(0, 3)
      .sort((a, b) => a.start.toMillis() - b.start.toMillis());
  } catch {
    // The alternatives are a courtesy: the conflict stands without them.
    return [];
  }
}

/**
 * The busy blocks without the booking's own time (a reschedule: the meeting being moved is busy time too). A block
 * that only partly covers it keeps the rest; another meeting at exactly the booking's time cannot be told apart and is
 * not counted.
 */
export function withoutOwnTime(
  busy: readonly BusyAt[],
  own: { start: DateTime; end: DateTime },
  meeting: Meeting,
): BusyAt[] {
  const [from, until] = [own.start.toMillis(), own.end.toMillis()];
  const [start, end] = [meeting.start.toMillis(), meeting.end.toMillis()];
  return busy.flatMap((b) => {
    const pieces = [
      { start: b.start.toMillis(), end: Math.min(b.end.toMillis(), from) },
      { start: Math.max(b.start.toMillis(), until), end: b.end.toMillis() },
    ];
    return pieces
      .filter((p) => p.start < p.end && p.start < end && start < p.end)
      .map((p) => ({
        provider: b.provider,
        start: DateTime.fromMillis(p.start, { zone: meeting.timezone }),
        end: DateTime.fromMillis(p.end, { zone: meeting.timezone }),
      }));
  });
}
