// list_bookings: the ledger read back, no provider called. Filters by invitee, the meeting's days and status, newest
// first, a page at a time (an opaque cursor names where the next page starts).
import { DateTime } from 'luxon';
import { InputError } from '../errors.js';
import { recordedMeeting } from './recorded-meeting.js';
import type { BookingRecord, BookingRepository } from '../storage/bookings.js';
import { canonicalTimeZone, timeZoneRefusal } from '../time-zone.js';

export interface ListRequest {
  customerEmail?: string | undefined;
  /** Days (YYYY-MM-DD) in `timezone`: the meeting starts on or after `dateFrom`, on or before `dateTo`. */
  dateFrom?: string | undefined;
  dateTo?: string | undefined;
  timezone: string;
  status?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface ListResult {
  records: BookingRecord[];
  /** Each record's start and end in ISO 8601 with the offset of its own zone, in the same order. */
  times: Array<{ start: string; end: string }>;
  /** Pass as `cursor` for the next page; absent on the last one. */
  nextCursor?: string;
}

const cursorOf = (record: BookingRecord): string =>
  Buffer.from(JSON.stringify([record.createdAt, record.id])).toString('base64url');

function readCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // Refused below.
  }
  throw new InputError(
    'cursor',
    'is not a cursor this server gave',
    'pass next_cursor from the previous page as given',
  );
}

function day(field: string, text: string, zone: string): DateTime {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? DateTime.fromISO(text, { zone }) : undefined;
  if (!at?.isValid || at.toISODate() !== text)
    throw new InputError(field, `"${text}" is not a calendar date in YYYY-MM-DD form`, 'give a date like 2026-12-01');
  return at.startOf('day');
}

export function listBookings(bookings: BookingRepository, request: ListRequest): ListResult {
  const zone = canonicalTimeZone(request.timezone);
  if (!zone) {
    const { problem, fix } = timeZoneRefusal(request.timezone);
    throw new InputError('timezone', problem, fix);
  }
  const from = request.dateFrom ? day('date_from', request.dateFrom, zone) : undefined;
  const to = request.dateTo ? day('date_to', request.dateTo, zone) : undefined;
  if (from && to && to < from)
    throw new InputError(
      'date_to',
      `${request.dateTo ?? ''} is before date_from ${request.dateFrom ?? ''}`,
      'give a later date_to',
    );
  const { records, more } = bookings.list({
    customerEmail: request.customerEmail,
    startFrom: from?.toUTC().toISO() ?? undefined,
    startBefore: to?.plus({ days: 1 }).toUTC().toISO() ?? undefined,
    status: request.status,
    before: request.cursor ? readCursor(request.cursor) : undefined,
    limit: request.limit,
  });
  const last = records.at(-1);
  const times = records.map((record) => {
    const meeting = recordedMeeting(record);
    return {
      start: meeting.start.toISO({ suppressMilliseconds: true }) ?? record.startAt,
      end: meeting.end.toISO({ suppressMilliseconds: true }) ?? record.endAt,
    };
  });
  return { records, times, ...(more && last ? { nextCursor: cursorOf(last) } : {}) };
}
