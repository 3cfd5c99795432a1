// What `connect zoho` picks and a booking of another length falls back on: workspaces, services and staff members as
// Zoho lists them, service lengths in minutes, and the choice among several. Pure; no I/O here.
// API reference: https://www.zoho.com/bookings/help/api/v1/fetch-workspaces.html
import { z } from 'zod';
import { InputError, ProviderError } from '../../errors.js';
import { displayName } from './manifest.js';

/** Ids are 19-digit numbers, beyond a JS number's precision: Zoho sends them as strings. */
const zohoId = z.union([z.string().min(1), z.number()]).transform(String);

/** An item of `GET workspaces` (https://www.zoho.com/bookings/help/api/v1/fetch-workspaces.html). */
export const workspaceItem = z.object({ id: zohoId, name: z.string() });
export type ZohoWorkspace = z.infer<typeof workspaceItem>;

/**
 * An item of `GET services?workspace_id=` (https://www.zoho.com/bookings/help/api/v1/fetch-services.html). `duration`
 * is text such as "30 mins" or "1 hour 30 mins"; `service_type` is APPOINTMENT, CLASS, RESOURCE or COLLECTIVE.
 */
export const serviceItem = z.object({
  id: zohoId,
  name: z.string(),
  duration: z.union([z.string(), z.number()]).transform(String),
  service_type: z.string().optional(),
  assigned_staffs: z.array(zohoId).optional(),
});
export type ZohoService = z.infer<typeof serviceItem>;

/** An item of `GET staffs?workspace_id=` (https://www.zoho.com/bookings/help/api/v1/fetch-staff.html). */
export const staffItem = z.object({
  id: zohoId,
  name: z.string(),
  email: z.string().optional(),
  designation: z.string().optional(),
});
export type ZohoStaff = z.infer<typeof staffItem>;

/** Pure: the `returnvalue.data` list of a fetch endpoint, items Zoho sent in a shape we do not know dropped. */
export function listItems<T>(value: unknown, item: z.ZodType<T>): T[] {
  const data = z.object({ data: z.array(z.unknown()) }).safeParse(value).data?.data ?? [];
  return data.flatMap((raw) => {
    const parsed = item.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });
}

const unitMinutes: Array<[RegExp, number]> = [
  [/^(d|days?)$/, 1440],
  [/^(h|hrs?|hours?)$/, 60],
  [/^(m|mins?|minutes?)$/, 1],
];

/**
 * Pure: a Zoho service duration in minutes: "30 mins" → 30, "1 hour" → 60, "1 hour 30 mins" → 90, "2 hours" → 120;
 * a bare number is minutes. Anything else is undefined, never a guess.
 */
export function parseZohoDuration(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (/^\d+$/.test(value)) return Number(value) > 0 ? Number(value) : undefined;
  const rest = value.replace(/(\d+(?:\.\d+)?)\s*([a-z]+)/g, '').replace(/\b(and)\b|[\s,]+/g, '');
  if (rest !== '') return undefined;
  let total = 0;
  let parts = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/g)) {
    const factor = unitMinutes.find(([pattern]) => pattern.test(unit ?? ''))?.[1];
    if (factor === undefined) return undefined;
    total += Number(amount) * factor;
    parts += 1;
  }
  return parts > 0 && total > 0 && Number.isInteger(total) ? total : undefined;
}

/** For a booking of another length: only Zoho with it, or the providers already booked would be booked twice. */
const retryZohoAlone =
  'retry Zoho alone with providers: ["zoho"], so the providers already booked are not booked twice';

/** A service as stored at connect time, with its length in minutes. */
export interface ConnectedService {
  id: string;
  name: string;
  duration: string;
  durationMinutes: number;
}

/**
 * Pure: why Book Appointment with a `staff_id` cannot book `service`, or undefined when it can. Zoho documents four service
 * types (APPOINTMENT, CLASS, RESOURCE, COLLECTIVE: https://www.zoho.com/bookings/help/api/v1/fetch-services.html); Book
 * Appointment takes a staff, a resource or a staff group (https://www.zoho.com/bookings/help/api/v1/book-appointment.html)
 * and documents no way to book a class session.
 */
export function unbookableReason(service: ZohoService): string | undefined {
  const type = (service.service_type ?? 'APPOINTMENT').toUpperCase();
  if (type === 'APPOINTMENT') return undefined;
  if (type === 'RESOURCE') return 'a RESOURCE service is booked with a resource, not a staff member';
  if (type === 'COLLECTIVE') return 'a COLLECTIVE service is booked with a staff group, not one staff member';
  if (type === 'CLASS') return "a CLASS service has sessions that Zoho's Book Appointment API documents no way to book";
  return `Zoho documents booking a staff member only for APPOINTMENT services, and this one is ${type}`;
}

/** Services booked with a `staff_id`: APPOINTMENT ones (see unbookableReason). */
export const isStaffService = (service: ZohoService): boolean => unbookableReason(service) === undefined;

/**
 * Pure: the refusal when `--service` names a service Book Appointment cannot book, or when every service is such a one;
 * undefined otherwise. The hint lists the services that can be booked, or says to create one.
 */
export function unbookableServiceError(
  services: readonly ZohoService[],
  wanted: string | undefined,
): InputError | undefined {
  const bookable = services.filter(isStaffService);
  const choice = wanted?.trim().toLowerCase();
  const named = choice ? services.filter((s) => s.id === wanted?.trim() || s.name.trim().toLowerCase() === choice) : [];
  const refused = named.length > 0 && !named.some(isStaffService) ? named[0] : undefined;
  const create =
    'create a service of type "One-on-One" (APPOINTMENT) in Zoho Bookings with the staff member, then connect again';
  const others = bookable.map(describeService).join(', ');
  if (refused) {
    return new InputError(
      '--service',
      `"${refused.name}" cannot be booked: ${unbookableReason(refused) ?? ''}`,
      bookable.length > 0 ? `choose an APPOINTMENT service instead: ${others}` : create,
    );
  }
  if (!choice && bookable.length === 0 && services.length > 0) {
    return new InputError(
      '--service',
      `Zoho Bookings has no service alsatalk-mcp can book: ${services.map((s) => `${describeService(s)}: ${unbookableReason(s) ?? ''}`).join('; ')}`,
      create,
    );
  }
  return undefined;
}

const describeService = (s: { name: string; duration: string }): string => `"${s.name}" (${s.duration})`;

/**
 * Pure: the service to book a meeting of `minutes` with: the connected one when its length matches, else the first
 * service of `staffServices` with that length that the staff member is assigned to; none is an error naming the
 * lengths there are and the fix.
 */
export function chooseService(
  connected: ConnectedService,
  staff: { id: string; name: string },
  minutes: number,
  staffServices: readonly ZohoService[] = [],
): { service: ConnectedService; note?: string } {
  if (connected.durationMinutes === minutes) return { service: connected };
  const bookable = staffServices.filter(
    (s) => isStaffService(s) && (s.assigned_staffs === undefined || s.assigned_staffs.includes(staff.id)),
  );
  const match = bookable.find((s) => parseZohoDuration(s.duration) === minutes);
  if (match) {
    return {
      service: { id: match.id, name: match.name, duration: match.duration, durationMinutes: minutes },
      note: `Booked Zoho service ${describeService(match)}, because the connected service ${describeService(connected)} is not ${minutes} minutes long`,
    };
  }
  const lengths = [
    ...new Set(
      [connected, ...bookable]
        .map((s) => ('durationMinutes' in s ? s.durationMinutes : parseZohoDuration(s.duration)))
        .filter((m): m is number => m !== undefined),
    ),
  ].sort((a, b) => a - b);
  const offered = [connected, ...bookable.filter((s) => s.id !== connected.id)].map(describeService).join(', ');
  throw new ProviderError(
    displayName,
    'provider_rejected',
    `Zoho Bookings has no ${minutes}-minute service for ${staff.name}: a Zoho service has a fixed length, and ${staff.name}'s services are ${offered}`,
    {
      hint: `book ${lengths.join(' or ')} minutes instead (duration_minutes), or create a ${minutes}-minute service in Zoho Bookings, assign ${staff.name} to it, then ${retryZohoAlone}`,
    },
  );
}

/**
 * Pure: picks the workspace, service or staff member that `wanted` names (an id, or a name in any case), or the only
 * one there is. Several and no choice is an error listing them, so the user can pass the flag.
 */
export function pickOne<T extends { id: string; name: string }>(
  what: string,
  flag: string,
  items: readonly T[],
  wanted: string | undefined,
  describe: (item: T) => string = (item) => `"${item.name}" (id ${item.id})`,
): T {
  const list = items.map(describe).join(', ');
  const choice = wanted?.trim();
  if (choice) {
    const byId = items.find((i) => i.id === choice);
    if (byId) return byId;
    const byName = items.filter((i) => i.name.trim().toLowerCase() === choice.toLowerCase());
    if (byName.length === 1 && byName[0]) return byName[0];
    if (byName.length > 1)
      throw new InputError(
        flag,
        `several ${what}s are called "${choice}": ${byName.map(describe).join(', ')}`,
        `give the id instead: ${flag} <id>`,
      );
    throw new InputError(
      flag,
      `Zoho Bookings has no ${what} "${choice}"`,
      items.length > 0 ? `choose one of: ${list}` : `create a ${what} in Zoho Bookings first`,
    );
  }
  if (items.length === 1 && items[0]) return items[0];
  if (items.length === 0)
    throw new InputError(
      flag,
      `Zoho Bookings has no ${what} to book with`,
      `create a ${what} in Zoho Bookings first, then connect again`,
    );
  throw new InputError(flag, `there are several ${what}s: ${list}`, `choose one with ${flag} <id or name>`);
}
