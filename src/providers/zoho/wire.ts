// Zoho Bookings wire shapes and pure mappers: data centres, durations, the appointment form, Zoho's answers in our terms.
// API reference: https://www.zoho.com/bookings/help/api/v1/book-appointment.html
import { DateTime } from 'luxon';
import { isTimeZone } from '../../time-zone.js';
import { z } from 'zod';
import { InputError, ProviderError, type ErrorCode } from '../../errors.js';
import { singleLine, truncate } from '../../text.js';
import { redact } from '../../log.js';
import type { BookedMeeting, Meeting } from '../../meeting.js';

import { displayName } from './manifest.js';

export { displayName };

import { accountsHosts, regions, type Region } from './manifest.js';

export { accountsHosts, regions, type Region };

/**
 * Pure: the accounts server to use. An `ALSATALK_ZOHO_ACCOUNTS_URL` that differs from the default wins over `--region`
 * (it points at a proxy or a test fake); otherwise `--region` picks the data centre, and US is the default.
 * @returns the server, and a note when an override made `--region` moot
 */
export function resolveAccountsServer(
  region: string | undefined,
  configured: string | undefined,
  defaultUrl: string,
): { server: string; region?: Region; note?: string } {
  const wanted = region?.trim().toLowerCase() || undefined;
  if (wanted !== undefined && !(wanted in accountsHosts)) {
    throw new InputError(
      '--region',
      `"${region}" is not a Zoho data centre`,
      `use one of ${regions.join(', ')}: the end of the address you sign in at (accounts.zoho.eu is eu, accounts.zohocloud.ca is ca)`,
    );
  }
  const override = configured && configured !== defaultUrl ? configured : undefined;
  if (override) {
    return {
      server: override,
      ...(wanted
        ? {
            region: wanted as Region,
            note: `ALSATALK_ZOHO_ACCOUNTS_URL is set, so ${override} is used instead of the ${wanted} accounts server.`,
          }
        : {}),
    };
  }
  const chosen = (wanted ?? 'us') as Region;
  return { server: accountsHosts[chosen], region: chosen };
}

/** The one scope booking needs: create appointments in Zoho Bookings. */
export const bookingScope = 'zohobookings.data.CREATE';

/**
 * Pure: the accounts server to exchange a sign-in's code at. Zoho's callback names the person's data centre in
 * `accounts-server` (https://www.zoho.com/accounts/protocol/oauth/multi-dc/client-authorization.html); the code and the
 * client secret go there, so only Zoho's own accounts hosts (https, exact origin) or the server we signed in at (a
 * configured override) are trusted. A callback without one means the server we signed in at.
 * @returns the server and its data centre, or `refused` with the value the callback named
 */
export function callbackAccountsServer(
  named: string | null,
  signedInAt: string,
): { server: string; region?: Region } | { refused: string } {
  const value = named?.trim() ?? '';
  const base = (server: string) => server.replace(/\/+$/, '');
  if (value === '' || base(value) === base(signedInAt)) {
    const region = regions.find((r) => accountsHosts[r] === base(signedInAt));
    return { server: base(signedInAt), ...(region ? { region } : {}) };
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const region =
    url && url.protocol === 'https:' && url.pathname === '/' && !url.search && !url.username
      ? regions.find((r) => accountsHosts[r] === url.origin)
      : undefined;
  return region ? { server: accountsHosts[region], region } : { refused: truncate(singleLine(value), 100) };
}

/**
 * Answer of `POST {accounts}/oauth/v2/token` (https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token.html):
 * `{access_token, refresh_token?, api_domain, token_type: "Bearer", expires_in: 3600}`. A refresh does not return a new
 * refresh token: Zoho does not rotate them.
 */
export const tokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  api_domain: z.url(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  expires_in: z.number().positive(),
});
export type ZohoToken = z.infer<typeof tokenResponse>;

/**
 * Zoho's token endpoint reports refusals inside an HTTP 200: `{"error":"invalid_code"}`, `{"error":"invalid_client"}`
 * (https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token.html); too many requests come as
 * `{"error":"Access Denied","error_description":"You have made too many requests ..."}` (third-party reports).
 */
export const tokenError = z.object({ error: z.string().min(1), error_description: z.string().optional() });

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

/** Every Bookings answer: `{"response":{"returnvalue":…,"status":"success"|"failure","message"?}}`, HTTP 200 either way. */
const envelope = z.object({
  response: z.object({
    status: z.string().optional(),
    message: z.string().optional(),
    errormessage: z.string().optional(),
    returnvalue: z.unknown().optional(),
  }),
});
const failureFields = z.object({ status: z.string().optional(), message: z.string().optional() });

/**
 * `returnvalue` of a booked appointment. Only `booking_id` is confirmed (Pipedream's book-appointment action and the Get
 * Appointment sample); `summary_url`, `start_time` and `time_zone` are read when present.
 */
const appointmentValue = z.object({
  booking_id: z.string().min(1),
  summary_url: z.string().optional(),
  start_time: z.string().optional(),
  time_zone: z.string().optional(),
});

/** Pure: Zoho's envelope opened, with a failure reported in either place (`response.status` or `returnvalue.status`). */
export function openEnvelope(body: unknown): { ok: true; value: unknown } | { ok: false; message: string } | undefined {
  const parsed = envelope.safeParse(body);
  if (!parsed.success) return undefined;
  const { response } = parsed.data;
  const inner = failureFields.safeParse(response.returnvalue).data;
  if (response.status === 'failure' || inner?.status === 'failure') {
    const message = inner?.message ?? response.message ?? response.errormessage ?? 'no reason given';
    return { ok: false, message: singleLine(message) };
  }
  return { ok: true, value: response.returnvalue };
}

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

/** The service and staff member an appointment is booked with. */
export interface ZohoTarget {
  serviceId: string;
  staffId: string;
}

/**
 * Pure mapper: our meeting to the Book Appointment form fields, in the order sent. `from_time` is a wall time, so the zone
 * goes along: under `timezone` (the name the brief and most of Zoho's docs use) and `time_zone` (the name on
 * zoho.com's current page and in Pipedream's action), the same value twice, so that whichever the server reads, the
 * wall time is never taken in the workspace's zone instead. `phone_number` is left out when we have none: Zoho decides.
 */
export function toZohoAppointmentForm(meeting: Meeting, target: ZohoTarget): Record<string, string> {
  const customer: Record<string, string> = { name: meeting.customerName, email: meeting.customerEmail };
  if (meeting.customerPhone) customer.phone_number = meeting.customerPhone;
  return {
    service_id: target.serviceId,
    staff_id: target.staffId,
    from_time: formatZohoTime(meeting.start, meeting.timezone),
    timezone: meeting.timezone,
    time_zone: meeting.timezone,
    customer_details: JSON.stringify(customer),
    notes: truncate(`${singleLine(meeting.topic)} (booked by alsatalk-mcp, ref ${meeting.bookingId})`, 500),
  };
}

/** For a booking of another length: only Zoho with it, or the providers already booked would be booked twice. */
export const retryZohoAlone =
  'retry Zoho alone with providers: ["zoho"], so the providers already booked are not booked twice';

/** The same booking again: the server returns what was booked and tries only what was not (see booking/idempotency.ts). */
export const repeatTheCall =
  'call book_meeting again with the same details: only Zoho Bookings is tried again, and what was booked is returned as it is';

/** Pure: Zoho's failure message (from an HTTP 200) as an error whose hint names the fix. */
export function zohoFailure(message: string, meeting: Pick<Meeting, 'customerPhone'>): ProviderError {
  const said = `Zoho said: "${truncate(redact(message), 300)}"`;
  const error = (code: ErrorCode, text: string, hint: string) =>
    new ProviderError(displayName, code, text, { hint, status: 200 });
  if (/phone|contact.?(no|number)|mobile/i.test(message)) {
    return meeting.customerPhone
      ? error(
          'invalid_input',
          `Zoho Bookings refused the phone number ${meeting.customerPhone} (${said})`,
          `check the number with the customer (E.164, e.g. +14155550123), then call book_meeting again with the same details and the corrected customer_phone: only Zoho Bookings is tried again`,
        )
      : error(
          'invalid_input',
          `Zoho Bookings needs the customer's phone number to book (${said})`,
          'ask the customer for their phone number, then call book_meeting again with the same details plus customer_phone (E.164, e.g. +14155550123): only Zoho Bookings is tried again',
        );
  }
  if (/limit|too many/i.test(message)) {
    return error(
      'rate_limited',
      `Zoho Bookings refused the call (${said})`,
      'the daily API allowance of the Zoho Bookings plan (250 calls on Free, 1,000 on Basic, 3,000 on Premium) is spent: retry tomorrow, or book in Zoho Bookings by hand',
    );
  }
  if (/slot|not available|unavailable|already booked|busy|no staff/i.test(message)) {
    return error(
      'provider_rejected',
      `Zoho Bookings could not book that time (${said})`,
      'the staff member is not free then in Zoho Bookings (outside working hours, inside the booking notice, or already booked): tell the user; another time means booking every provider again, and retrying Zoho alone at this time fails again',
    );
  }
  return error(
    'provider_rejected',
    `Zoho Bookings refused the appointment (${said})`,
    `fix what Zoho describes (in Zoho Bookings, or with the user), then ${repeatTheCall}`,
  );
}

const isWebUrl = (value: string): boolean => {
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/** Pure: a note when the meeting's wall time happens twice (clocks going back): Zoho takes wall times only. */
export function repeatedWallTimeNote(meeting: Meeting): string | undefined {
  const start = meeting.start.setZone(meeting.timezone);
  if (start.getPossibleOffsets().length < 2) return undefined;
  return `${start.toFormat('HH:mm')} happens twice on ${start.toISODate()} in ${meeting.timezone} and Zoho Bookings takes the wall time only: check in Zoho Bookings that it booked the one at UTC${start.toFormat('ZZ')}`;
}

/**
 * Pure mapper: Zoho's answer to Book Appointment as our booked meeting, or the failure inside it as a ProviderError.
 * When Zoho echoes a start and zone that are not the requested instant, the booking stands (it exists) with a note.
 */
export function fromZohoAppointment(body: unknown, meeting: Meeting): BookedMeeting {
  const opened = openEnvelope(body);
  if (opened && !opened.ok) throw zohoFailure(opened.message, meeting);
  const value = opened ? appointmentValue.safeParse(opened.value) : undefined;
  if (!value?.success) {
    throw new ProviderError(displayName, 'provider_unavailable', 'Zoho Bookings answered without a booking id', {
      hint: 'repeat the same call: it looks in Zoho Bookings for the appointment before booking again, so it is not doubled',
    });
  }
  const v = value.data;
  const summary = v.summary_url && isWebUrl(v.summary_url) ? v.summary_url : undefined;
  const notes = [repeatedWallTimeNote(meeting)];
  const echoed = v.start_time && v.time_zone ? parseZohoTime(v.start_time, v.time_zone) : undefined;
  if (echoed && echoed.toMillis() !== meeting.start.toMillis()) {
    notes.push(
      `Zoho Bookings recorded the start as ${v.start_time} ${v.time_zone}, which is not the requested ${formatZohoTime(meeting.start, meeting.timezone)} ${meeting.timezone}: correct the appointment in Zoho Bookings`,
    );
  }
  const note = notes.filter(Boolean).join('. ');
  return {
    externalId: v.booking_id,
    reference: { label: 'Booking ID', value: v.booking_id },
    links: summary ? [{ label: 'Zoho Bookings appointment', url: summary }] : [],
    confirmation: 'confirmed',
    ...(note ? { note } : {}),
  };
}

/** An item of Fetch Appointment's answer: what a repeated call matches on, and what it books from. */
const fetchedAppointment = appointmentValue.extend({
  customer_email: z.string().optional(),
  notes: z.string().optional(),
  status: z.string().optional(),
});
export type FetchedAppointment = z.infer<typeof fetchedAppointment>;

/**
 * Pure: Fetch Appointment's list. Clients we know read it at `returnvalue.response` (a few at `returnvalue.data`), and
 * Zoho answers "No Match Found", a string, when nothing matches.
 */
export function fetchedAppointments(value: unknown): FetchedAppointment[] {
  const lists = z.object({ response: z.unknown().optional(), data: z.unknown().optional() }).safeParse(value).data;
  const list = [lists?.response, lists?.data].find(Array.isArray) ?? [];
  return list.flatMap((raw) => {
    const parsed = fetchedAppointment.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });
}

/**
 * Pure: the appointment an interrupted call made for `meeting`: the invitee's (the customer filter only "contains"),
 * not cancelled, and carrying the booking's ref in its notes; an appointment without notes at the same start counts too.
 */
export function matchAppointment(
  items: readonly FetchedAppointment[],
  meeting: Meeting,
): FetchedAppointment | undefined {
  const email = meeting.customerEmail.toLowerCase();
  const ref = `ref ${meeting.bookingId}`;
  return items.find((a) => {
    if ((a.customer_email ?? '').toLowerCase() !== email || (a.status ?? '').toLowerCase() === 'cancel') return false;
    if (a.notes) return a.notes.includes(ref);
    const start = a.start_time ? parseZohoTime(a.start_time, a.time_zone ?? meeting.timezone) : undefined;
    return start?.toMillis() === meeting.start.toMillis();
  });
}

/** A service as stored at connect time, with its length in minutes. */
export interface ConnectedService {
  id: string;
  name: string;
  duration: string;
  durationMinutes: number;
}

/** Services booked with a `staff_id`: a RESOURCE service needs a `resource_id`, a COLLECTIVE one a `group_id`. */
export const isStaffService = (service: ZohoService): boolean =>
  !['RESOURCE', 'COLLECTIVE'].includes((service.service_type ?? '').toUpperCase());

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

/** The title of an HTML error page, which is what Zoho answers to a missing (400) or refused (401) token. */
export function htmlTitle(body: unknown): string | undefined {
  if (typeof body !== 'string' || !/^\s*<(!doctype|html)/i.test(body)) return undefined;
  return singleLine(/<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1] ?? '') || 'untitled';
}

/** Zoho's own explanation from any of its error shapes; an HTML page is named, never pasted. */
export function describeZohoError(body: unknown): string | undefined {
  const title = htmlTitle(body);
  if (title !== undefined)
    return `an HTML error page ("${title}") instead of JSON, Zoho's answer to a missing or refused access token`;
  const opened = openEnvelope(body);
  if (opened && !opened.ok) return opened.message;
  const oauth = tokenError.safeParse(body);
  if (oauth.success)
    return oauth.data.error_description ? `${oauth.data.error_description} (${oauth.data.error})` : oauth.data.error;
  return typeof body === 'string' && body.trim().length > 0 ? truncate(singleLine(body), 200) : undefined;
}
