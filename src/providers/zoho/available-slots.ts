// Zoho Bookings' part in a search: the open times of the connected staff member for the service of the meeting's
// length, one availableslots request per day (eight at once). Zoho lists wall times without a zone: they are read in
// the `time_zone` its answer names, else the workspace's zone given at connect (--time-zone), else the server's default.
// API reference: https://www.zoho.com/bookings/help/api/v1/fetch-availability.html
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ProviderError } from '../../errors.js';
import type { Http } from '../../http/client.js';
import { inTurns } from '../../in-turns.js';
import { isTimeZone } from '../../time-zone.js';
import type { Availability, AvailabilityQuery } from '../provider.js';
import { bookingsUrl, readJson } from './bookings-calls.js';
import { formatZohoDate, parseSlotTime } from './times.js';
import { displayName, openEnvelope } from './wire.js';

/**
 * Days asked at once: a week in one round, whatever the zones (a week in the searcher's zone spans eight days in the
 * workspace's). Zoho counts requests per day (250 on the free plan), not per second; a two-week search takes two rounds
 * rather than sixteen requests at once.
 */
const daysAtOnce = 8;

/**
 * `returnvalue` of availableslots: `{"reponse":true,"data":["10:00","10:15"]}` (Zoho's sample spells it `reponse`),
 * perhaps with `time_zone`. The answer for a day with nothing open is not documented: anything but a list of times
 * is read as none.
 */
const slotsValue = z.object({ data: z.unknown().optional(), time_zone: z.string().optional() });

/** Pure: the open starts (epoch ms) of one day's answer, and whether Zoho named their zone. */
export function fromAvailableSlots(
  value: unknown,
  date: string,
  fallbackZone: string,
): { starts: number[]; zoneNamed: boolean } {
  const parsed = slotsValue.safeParse(value);
  if (!parsed.success || !Array.isArray(parsed.data.data)) return { starts: [], zoneNamed: false };
  const named = parsed.data.time_zone;
  const zoneNamed = named !== undefined && isTimeZone(named);
  const day = DateTime.fromISO(date, { zone: zoneNamed ? named : fallbackZone });
  const starts = parsed.data.data.flatMap((text) => {
    const at = typeof text === 'string' ? parseSlotTime(text, day) : undefined;
    return at ? [at.toMillis()] : [];
  });
  return { starts, zoneNamed };
}

/** Zoho's refusal for a day with nothing open is a "no slots" message, not a failure of the call. */
const nothingOpen = /slot|not available|no available/i;

export async function openTimes(
  http: Http,
  apiDomain: string,
  target: { serviceId: string; staffId: string },
  /** The workspace's zone, as connected with --time-zone. */
  workspaceZone: string | undefined,
  query: AvailabilityQuery,
  signal: AbortSignal,
): Promise<Availability> {
  const zone = workspaceZone ?? query.defaultTimezone;
  const dates: string[] = [];
  for (let day = query.from.setZone(zone).startOf('day'); day < query.to; day = day.plus({ days: 1 }))
    dates.push(day.toISODate() ?? '');
  const perDay = await inTurns(dates, daysAtOnce, async (date) => {
    const searchParams = {
      service_id: target.serviceId,
      staff_id: target.staffId,
      selected_date: formatZohoDate(DateTime.fromISO(date, { zone }), zone),
    };
    const opened = openEnvelope(
      await readJson(await http.get(bookingsUrl(apiDomain, 'availableslots'), { searchParams, signal }), false),
    );
    if (!opened)
      throw new ProviderError(
        displayName,
        'provider_unavailable',
        'Zoho Bookings answered availableslots in a shape we do not know',
        {
          hint: 'retry in a few minutes',
        },
      );
    if (!opened.ok) {
      if (nothingOpen.test(opened.message)) return { starts: [], zoneNamed: false };
      throw new ProviderError(
        displayName,
        'provider_rejected',
        `Zoho Bookings refused to show open times: ${opened.message}`,
        {
          hint: 'check the service and staff member in Zoho Bookings, then retry',
        },
      );
    }
    return fromAvailableSlots(opened.value, date, zone);
  });
  const starts = perDay.flatMap((d) => d.starts);
  if (workspaceZone || perDay.some((d) => d.zoneNamed)) return { kind: 'offered', starts };
  return {
    kind: 'offered',
    starts,
    note: `Zoho Bookings does not say which zone its open times are in: they were read in ${zone} (the server's default zone); if the workspace is in another, connect Zoho with --time-zone <its zone>`,
  };
}
