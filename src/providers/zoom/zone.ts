// The `timezone` Zoom receives: a name from Zoom's own list (time-zones.ts), which lacks many IANA zones and keeps legacy
// names. `start_time` is sent in UTC, so the instant is right whatever this picks; the zone only sets how Zoom shows it.
import { IANAZone, type DateTime } from 'luxon';
import { zoomAliases, zoomTimeZones } from './time-zones.js';

/** How far ahead two zones must keep the same clock to stand in for each other. */
const horizonYears = 3;

export interface ZoomZone {
  /** The listed ID to send, or undefined: Zoom lists nothing with this clock, so `timezone` is left out. */
  id: string | undefined;
  /** Said in the booking result when Zoom shows the meeting in another zone than the one it was asked in. */
  note?: string;
}

const lower = (entries: Iterable<[string, string]>) => new Map([...entries].map(([k, v]) => [k.toLowerCase(), v]));
const listed = lower(Object.keys(zoomTimeZones).map((id) => [id, id]));
const aliases = lower(Object.entries(zoomAliases));

/** The UTC offset (minutes) of `zone` at `ms`. */
const offsetAt = (zone: IANAZone, ms: number): number => zone.offset(ms);

/**
 * True when `a` and `b` have the same UTC offset at every moment from `from` for `horizonYears`: compared once a day,
 * and every 15 minutes across each day on which either clock changes, so a transition at another hour differs.
 */
function sameClock(a: IANAZone, b: IANAZone, from: DateTime): boolean {
  const day = 86_400_000;
  const quarter = 900_000;
  const start = from.toUTC().startOf('day').toMillis();
  const end = from.plus({ years: horizonYears }).toMillis();
  let previous = { a: offsetAt(a, start), b: offsetAt(b, start) };
  if (previous.a !== previous.b) return false;
  for (let t = start + day; t <= end; t += day) {
    const now = { a: offsetAt(a, t), b: offsetAt(b, t) };
    if (now.a !== now.b) return false;
    if (now.a !== previous.a || now.b !== previous.b) {
      for (let q = t - day + quarter; q < t; q += quarter) if (offsetAt(a, q) !== offsetAt(b, q)) return false;
    }
    previous = now;
  }
  return true;
}

const region = (id: string) => id.split('/')[0];
const city = (id: string) => (id.split('/').pop() ?? id).replace(/_/g, ' ').toLowerCase();

/**
 * The listed zones to try for `timezone`, best first: those whose name in Zoom's list names its city (Asia/Karachi:
 * "Islamabad, Karachi, Tashkent"), then those in its region, then the rest, each in list order.
 */
function preferred(timezone: string): string[] {
  const rank = (id: string) =>
    (zoomTimeZones[id] ?? '').toLowerCase().includes(city(timezone)) ? 0 : region(id) === region(timezone) ? 1 : 2;
  return Object.keys(zoomTimeZones)
    .filter((id) => IANAZone.isValidZone(id))
    .sort((x, y) => rank(x) - rank(y));
}

/** Answers by zone and day; the oldest is let go past `foundKept`, since a server running for weeks meets new days. */
const found = new Map<string, ZoomZone>();
const foundKept = 256;

/**
 * The listed zone to send for the IANA zone `timezone` of a meeting starting at `from`: the zone itself when Zoom lists
 * it, the name Zoom lists it under (Europe/Kyiv -> Europe/Kiev), else a listed zone with the same clock (same offsets and
 * daylight-saving changes for the next years), else none.
 */
export function toZoomZone(timezone: string, from: DateTime): ZoomZone {
  const key = timezone.toLowerCase();
  const same = listed.get(key) ?? aliases.get(key);
  if (same) return { id: same };
  const memo = `${key} ${from.toUTC().toISODate() ?? ''}`;
  const known = found.get(memo);
  if (known) return known;
  const zone = IANAZone.create(timezone);
  const id = zone.isValid ? preferred(timezone).find((c) => sameClock(zone, IANAZone.create(c), from)) : undefined;
  const result: ZoomZone = id
    ? {
        id,
        note: `Zoom's time-zone list has no ${timezone}: Zoom shows this meeting in ${id} (${zoomTimeZones[id] ?? id}), which keeps the same clock.`,
      }
    : { id: undefined, note: noZoneNote(timezone) };
  found.set(memo, result);
  for (const oldest of found.keys()) {
    if (found.size <= foundKept) break;
    found.delete(oldest);
  }
  return result;
}

const noZoneNote = (timezone: string) =>
  `Zoom's time-zone list has nothing with the clock of ${timezone}, so the meeting was sent without a time zone: Zoom shows it in the account's own time zone, at the right moment.`;
