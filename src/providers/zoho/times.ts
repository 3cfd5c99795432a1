// Zoho's wall times: `dd-MMM-yyyy HH:mm:ss` as Book Appointment takes and echoes them, Get Appointment's
// `yyyy-MM-dd HH:mm:ss`, and whether an echoed start can be the requested instant.
// https://www.zoho.com/bookings/help/api/v1/book-appointment.html · https://www.zoho.com/bookings/help/api/v1/get-appointment.html
import { DateTime } from 'luxon';
import type { Meeting } from '../../meeting.js';
import { isTimeZone } from '../../time-zone.js';

/** Month names fixed here, so the machine's locale or ICU version (en-GB's "Sept") can never change the wire format. */
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Pure: Zoho's `dd-MMM-yyyy HH:mm:ss` (24 h, English month) wall time of `at` in `zone`, e.g. `25-Nov-2025 14:00:00`. */
export function formatZohoTime(at: DateTime, zone: string): string {
  const local = at.setZone(zone);
  return `${local.toFormat('dd')}-${months[local.month - 1] ?? ''}-${local.toFormat('yyyy HH:mm:ss')}`;
}

/** Pure: parses `dd-MMM-yyyy HH:mm:ss` in `zone` (the inverse of formatZohoTime); undefined when it is not that form. */
export function parseZohoTime(text: string, zone: string): DateTime | undefined {
  const match = /^(\d{2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  const month = match ? months.findIndex((m) => m.toLowerCase() === match[2]?.toLowerCase()) + 1 : 0;
  if (!match || month === 0 || !isTimeZone(zone)) return undefined;
  const [day, year, hour, minute, second] = [match[1], match[3], match[4], match[5], match[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const at = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone });
  return at.isValid && at.hour === hour && at.day === day ? at : undefined;
}

/** Pure: parses Get Appointment's `yyyy-MM-dd HH:mm:ss` (`customer_booking_start_time`) in `zone`. */
function parseDashedTime(text: string, zone: string): DateTime | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text.trim());
  const month = match ? months[Number(match[2]) - 1] : undefined;
  return match && month ? parseZohoTime(`${match[3]}-${month}-${match[1]} ${match[4]}`, zone) : undefined;
}

/**
 * Pure: whether Zoho's echoed start can be the requested instant under some reading of its fields. Zoho documents no
 * zone for `start_time` or `customer_booking_start_time`, so each is read in the echoed `time_zone` and in the
 * request's; undefined when nothing echoed is readable.
 */
export function echoMatches(
  echo: { start_time?: string; customer_booking_start_time?: string; time_zone?: string },
  meeting: Pick<Meeting, 'start' | 'timezone'>,
): boolean | undefined {
  const zones = [...new Set([echo.time_zone, meeting.timezone].filter((z): z is string => !!z && isTimeZone(z)))];
  const starts = zones.flatMap((zone) => [
    echo.start_time ? parseZohoTime(echo.start_time, zone) : undefined,
    echo.customer_booking_start_time ? parseDashedTime(echo.customer_booking_start_time, zone) : undefined,
  ]);
  const read = starts.filter((at): at is DateTime => at !== undefined);
  return read.length === 0 ? undefined : read.some((at) => at.toMillis() === meeting.start.toMillis());
}

/** Pure: Zoho's `dd-MMM-yyyy` date of `at` in `zone` (availableslots' `selected_date`), e.g. `25-Nov-2025`. */
export function formatZohoDate(at: DateTime, zone: string): string {
  const local = at.setZone(zone);
  return `${local.toFormat('dd')}-${months[local.month - 1] ?? ''}-${local.toFormat('yyyy')}`;
}

/**
 * Pure: an open time of availableslots on `date` (a local midnight in the zone the times are in), in either of the
 * account's time formats ("14:00", "02:00 PM"); undefined when it is neither, or names a wall time the clocks skip.
 */
export function parseSlotTime(text: string, date: DateTime): DateTime | undefined {
  const match = /^(\d{1,2}):(\d{2})(?:\s*([AaPp])\.?[Mm]\.?)?$/.exec(text.trim());
  if (!match) return undefined;
  let hour = Number(match[1]);
  const minute = Number(match[2]);
  const half = match[3]?.toLowerCase();
  if (half !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (half === 'p' ? 12 : 0);
  }
  if (hour > 23 || minute > 59) return undefined;
  const at = DateTime.fromObject(
    { year: date.year, month: date.month, day: date.day, hour, minute },
    { zone: date.zone },
  );
  return at.isValid && at.hour === hour && at.minute === minute ? at : undefined;
}
