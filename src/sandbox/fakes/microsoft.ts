// A fake Microsoft 365 that behaves like the documented APIs: the identity platform's sign-in of a public client
// (microsoft-identity.ts), and Microsoft Graph's calendar: /me, calendars, events (create with a Teams meeting, get,
// find by extended property, update, delete, cancel) and calendarView.
// https://learn.microsoft.com/en-us/graph/api/resources/event?view=graph-rest-1.0 ·
// https://learn.microsoft.com/en-us/graph/outlook-calendar-online-meetings
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { http, type FakeRoute } from '../fake-http.js';
import { Faults, type Fault } from './fault.js';
import { createIdentity, hasScope, identityState } from './microsoft-identity.js';

export { identityFault } from './microsoft-identity.js';
export type { AccountKind, MicrosoftUser, SignInAudience } from './microsoft-identity.js';

export type OnlineMeetingProvider = 'unknown' | 'teamsForBusiness' | 'skypeForBusiness' | 'skypeForConsumer';

export interface MicrosoftCalendarRecord {
  id: string;
  name: string;
  isDefault: boolean;
  allowedOnlineMeetingProviders: OnlineMeetingProvider[];
  defaultOnlineMeetingProvider: OnlineMeetingProvider;
}

export interface MicrosoftEventRecord {
  calendarId: string;
  /** The JSON body of the create call, as Graph received it. */
  body: Record<string, unknown>;
  /** The event as Graph answers it without `Prefer: outlook.timezone` (start and end in UTC). */
  event: Record<string, unknown>;
  /** The instants Graph understood, in UTC ISO. */
  startUtc: string;
  endUtc: string;
  transactionId: string | undefined;
  /** The singleValueExtendedProperties sent on create: in no answer unless asked for with `$expand`. */
  extendedProperties: Array<{ id: string; value: string }>;
  /** The Teams meeting (null: none was made) and the GET of the event that first shows it (0: the create answer). */
  meeting: { joinUrl: string; conferenceId: string } | null;
  readyAtRead: number;
  reads: number;
  /** Cancelled by its organizer (POST .../cancel), with the comment sent; moved to Deleted Items. */
  cancelled: boolean;
  cancelComment?: string;
  deleted: boolean;
}

export interface MicrosoftFakeOptions {
  loginBase?: string;
  graphBase?: string;
}

/**
 * Windows time zone names Graph takes in dateTimeTimeZone, with their IANA zone (CLDR's windowsZones.xml). Microsoft
 * lists some IANA names as "additional time zones", but issues show create refusing them (microsoft-graph-docs#4242,
 * microsoft-graph-docs-contrib#1609): the fake takes only these, so a client sends a Windows name or UTC.
 */
const windowsZones: Record<string, string> = {
  UTC: 'UTC',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Mountain Standard Time': 'America/Denver',
  'Central Standard Time': 'America/Chicago',
  'Eastern Standard Time': 'America/New_York',
  'GMT Standard Time': 'Europe/London',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'India Standard Time': 'Asia/Kolkata',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'AUS Eastern Standard Time': 'Australia/Sydney',
};

const graphDate = () => new Date().toISOString().replace(/\.\d+Z$/, '');

/** Graph's error shape (https://learn.microsoft.com/en-us/graph/errors): clients branch on `code`, never on `message`. */
const graphErrorBody = (code: string, message: string, request?: Request) => ({
  error: {
    code,
    message,
    innerError: {
      date: graphDate(),
      'request-id': randomUUID(),
      'client-request-id': request?.headers.get('client-request-id') ?? randomUUID(),
    },
  },
});

export const graphError = (status: number, code: string, message: string, request?: Request) =>
  Response.json(graphErrorBody(code, message, request), { status });

/** A fault (for `state.faults.inject`) answering with a Graph error, e.g. 503 `serviceNotAvailable` with a Retry-After. */
export const graphFault = (status: number, code: string, message: string, headers?: Record<string, string>): Fault => ({
  status,
  body: graphErrorBody(code, message),
  ...(headers ? { headers } : {}),
});

/**
 * Graph's throttling answer (https://learn.microsoft.com/en-us/graph/throttling): 429 with a suggested wait in
 * `Retry-After`, in seconds and fractional in the doc's sample (2.128), and its TooManyRequests body.
 */
export const graphThrottle = (retryAfter = '2.128', times = 1): Fault => ({
  status: 429,
  times,
  headers: { 'Retry-After': retryAfter },
  body: {
    error: {
      code: 'TooManyRequests',
      innerError: {
        code: '429',
        date: graphDate(),
        message: 'Please retry after',
        'request-id': randomUUID(),
        status: '429',
      },
      message: 'Please retry again later.',
    },
  },
});

/** The delegated permissions each kind of call needs (the Permissions table of each API page). */
const needs = {
  user: ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All'],
  readBasic: ['Calendars.ReadBasic', 'Calendars.Read', 'Calendars.ReadWrite'],
  read: ['Calendars.Read', 'Calendars.ReadWrite'],
  write: ['Calendars.ReadWrite'],
};

/** Where Microsoft documents no error for a malformed property, the fake answers as issues show Graph doing. */
const validationFailed = () =>
  graphError(400, 'ErrorPropertyValidationFailure', 'At least one property failed validation.');
const notFound = () => graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
const unreadableJson = () =>
  graphError(
    400,
    'BadRequest',
    'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
  );

/** `{type} {guid} Name {name}` or `{type} {guid} Id 0x..` (extended-properties-overview). */
const extendedPropertyId =
  /^(String|Integer|Boolean|SystemTime|Binary|Double|Float|Long|Short|CLSID|Currency|Object) \{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\} (Name \S.*|Id 0x[0-9a-f]{1,4})$/i;
/** The documented filter: `singleValueExtendedProperties/Any(ep: ep/id eq '{id}' and ep/value eq '{value}')`. */
const extendedPropertyFilter =
  /^singleValueExtendedProperties\/any\((\w+):\s*\1\/id eq '((?:[^']|'')*)' and \1\/value eq '((?:[^']|'')*)'\)$/i;
const extendedPropertyExpand = /^singleValueExtendedProperties\(\$filter=id eq '((?:[^']|'')*)'\)$/i;
const odataString = (quoted: string) => quoted.replace(/''/g, "'");
/** The type, GUID and `Name`/`Id` of an id compare in any case; "Filtering the string name (Name) ... is case-sensitive". */
const sameExtendedId = (a: string, b: string) => {
  const [typeA = '', guidA = '', kindA = '', ...nameA] = a.split(' ');
  const [typeB = '', guidB = '', kindB = '', ...nameB] = b.split(' ');
  return (
    `${typeA} ${guidA} ${kindA}`.toLowerCase() === `${typeB} ${guidB} ${kindB}`.toLowerCase() &&
    nameA.join(' ') === nameB.join(' ')
  );
};

/** A dateTime as Graph writes it: wall time in `zone`, seven fraction digits, no offset. */
const graphDateTime = (utc: string, zone: string) =>
  DateTime.fromISO(utc, { zone: 'utc' })
    .setZone(windowsZones[zone] ?? 'UTC')
    .toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'0000'");
const utcIso = (at: DateTime) => at.toUTC().toISO({ suppressMilliseconds: true }) ?? '';

/** Reads a dateTimeTimeZone: a wall time without offset ({date}T{time}) in a zone Graph supports. */
function readTime(value: unknown): { instant: DateTime; zone: string } | Response {
  const time = (typeof value === 'object' && value !== null ? value : {}) as { dateTime?: unknown; timeZone?: unknown };
  if (typeof time.dateTime !== 'string' || typeof time.timeZone !== 'string') return validationFailed();
  // The message Graph answers, as issues quote it (microsoft-graph-docs#4758).
  if (!Object.hasOwn(windowsZones, time.timeZone))
    return graphError(
      400,
      'TimeZoneNotSupportedException',
      `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${time.timeZone}'.`,
    );
  // Microsoft documents the form without an offset; what it does with one is not documented: the fake refuses it.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?$/.test(time.dateTime)) return validationFailed();
  const instant = DateTime.fromISO(time.dateTime, { zone: windowsZones[time.timeZone] });
  return instant.isValid ? { instant, zone: time.timeZone } : validationFailed();
}

/** An attendee list as event.md has it: each with an emailAddress.address (at most 500). */
function readAttendees(value: unknown): Array<Record<string, unknown>> | Response {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 500) return validationFailed();
  const attendees = value as Array<{ emailAddress?: { address?: unknown; name?: unknown }; type?: unknown }>;
  if (
    attendees.some(
      (a) => typeof a?.emailAddress?.address !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(a.emailAddress.address),
    )
  )
    return validationFailed();
  return attendees.map((a) => ({
    type: typeof a.type === 'string' ? a.type.toLowerCase() : 'required',
    status: { response: 'none', time: '0001-01-01T00:00:00Z' },
    emailAddress: { name: a.emailAddress?.name ?? a.emailAddress?.address, address: a.emailAddress?.address },
  }));
}

async function readJson(request: Request): Promise<Record<string, unknown> | Response> {
  if (!(request.headers.get('content-type') ?? '').includes('application/json')) return unreadableJson();
  try {
    const body: unknown = await request.json();
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : unreadableJson();
  } catch {
    return unreadableJson();
  }
}

export function createMicrosoftFake(options: MicrosoftFakeOptions = {}) {
  const loginBase = options.loginBase ?? 'https://login.microsoftonline.test';
  const graphBase = options.graphBase ?? 'https://graph.microsoft.test/v1.0';
  const state = {
    ...identityState(),
    calendars: [
      {
        id: 'AAMkAGI2TGuLAAA=',
        name: 'Calendar',
        isDefault: true,
        allowedOnlineMeetingProviders: ['teamsForBusiness'],
        defaultOnlineMeetingProvider: 'teamsForBusiness',
      },
      {
        id: 'AAMkAGI2TGuMAAA=',
        name: 'Team',
        isDefault: false,
        allowedOnlineMeetingProviders: ['teamsForBusiness'],
        defaultOnlineMeetingProvider: 'teamsForBusiness',
      },
    ] as MicrosoftCalendarRecord[],
    events: [] as MicrosoftEventRecord[],
    /** The host's other commitments (UTC ISO), shown by calendarView as busy events (in the default calendar unless named). */
    busy: [] as Array<{ start: string; end: string; calendarId?: string; subject?: string }>,
    /** How the Teams link of new events appears: in the create answer, at GET number `readyAtRead`, or never. */
    joinUrl: 'ready' as 'ready' | 'later' | 'never',
    readyAtRead: 1,
    /** Events per page of a list or calendarView without $top. */
    pageSize: 10,
    faults: new Faults(),
    /** Calls each route received (faults included). */
    calls: {
      authorize: 0,
      token: 0,
      me: 0,
      calendar: 0,
      createEvent: 0,
      getEvent: 0,
      listEvents: 0,
      calendarView: 0,
      updateEvent: 0,
      deleteEvent: 0,
      cancelEvent: 0,
    },
    /** The requests as received, for assertions. */
    requests: {
      authorize: [] as URLSearchParams[],
      token: [] as URLSearchParams[],
      createEvent: [] as Array<{ url: string; headers: Record<string, string>; body: unknown }>,
      updateEvent: [] as Array<{ eventId: string; body: Record<string, unknown> }>,
      deleteEvent: [] as string[],
      cancelEvent: [] as Array<{ eventId: string; body: unknown }>,
      /** Each list's `$filter` (null: none). */
      listEvents: [] as Array<string | null>,
      calendarView: [] as URLSearchParams[],
    },
  };
  const identity = createIdentity(state, loginBase);

  /** A route's checks before its work: its fault, then a live Bearer token (401), then its permission (403). */
  const enter = async (
    route: keyof typeof state.calls,
    request: Request,
    permissions: readonly string[],
  ): Promise<Response | undefined> => {
    state.calls[route] += 1;
    const fault = await state.faults.take(route);
    if (fault) return fault;
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    const expiresAt = token ? state.tokens.get(token) : undefined;
    // The 401 messages as real payloads carry them (besscroft/diyfile#1, microsoftgraph/python-sample-auth#10).
    if (!token) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.', request);
    if (expiresAt === undefined)
      return graphError(
        401,
        'InvalidAuthenticationToken',
        'CompactToken validation failed with reason code: 80049228.',
        request,
      );
    if (expiresAt <= Date.now())
      return graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.', request);
    if (hasScope(state.grants.get(token) ?? '', permissions)) return undefined;
    return route === 'me'
      ? graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', request)
      : graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.', request);
  };

  const defaultCalendar = () => state.calendars.find((c) => c.isDefault) ?? state.calendars[0];
  const findCalendar = (id?: string) =>
    id === undefined ? defaultCalendar() : state.calendars.find((c) => c.id === id);
  /** The event `id` names, still in a calendar; or Graph's 400 for an id that is not one, 404 for one it lacks. */
  const findEvent = (id: string): MicrosoftEventRecord | Response => {
    if (!/^AAMk[\w=+/-]+$/.test(id)) return graphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    return state.events.find((e) => e.event.id === id && !e.deleted && !e.cancelled) ?? notFound();
  };
  /** The zone of `Prefer: outlook.timezone="..."` when Graph knows it; else UTC, Graph's default. */
  const preferredZone = (request: Request) => {
    const zone = /outlook\.timezone="([^"]*)"/i.exec(request.headers.get('prefer') ?? '')?.[1];
    return zone && Object.hasOwn(windowsZones, zone) ? zone : 'UTC';
  };
  const render = (record: MicrosoftEventRecord, zone: string): Record<string, unknown> => ({
    ...record.event,
    start: { dateTime: graphDateTime(record.startUtc, zone), timeZone: zone },
    end: { dateTime: graphDateTime(record.endUtc, zone), timeZone: zone },
  });
  const stamp = (event: Record<string, unknown>) => {
    const changeKey = randomBytes(16).toString('base64');
    event['@odata.etag'] = `W/"${changeKey}"`;
    event.changeKey = changeKey;
    event.lastModifiedDateTime = new Date().toISOString();
  };

  /**
   * Puts the Teams meeting on the event. Graph also adds the meeting's join blob to the body (event-update: "preserve
   * the meeting blob"); its markup is undocumented, the fake's stand-in holds the join URL.
   */
  const showMeeting = (record: MicrosoftEventRecord) => {
    if (!record.meeting) return;
    record.event.onlineMeeting = { ...record.meeting };
    const body = record.event.body as { contentType: string; content: string };
    const blob =
      body.contentType === 'html'
        ? `<div><hr><b>Microsoft Teams meeting</b><br><a href="${record.meeting.joinUrl}">Join the meeting now</a><br>Meeting ID: ${record.meeting.conferenceId}</div>`
        : `\n\n________________\nMicrosoft Teams meeting\nJoin the meeting now: ${record.meeting.joinUrl}\nMeeting ID: ${record.meeting.conferenceId}\n`;
    record.event.body = { ...body, content: `${body.content}${blob}` };
  };
  /**
   * isOnlineMeeting with an onlineMeetingProvider "supported by the parent calendar" (its default when none is named)
   * makes a meeting; any other is made without one (onlineMeeting null), as issues show (microsoft-graph-docs-contrib#4625).
   */
  const onlineMeetingOf = (body: Record<string, unknown>, calendar: MicrosoftCalendarRecord) => {
    const provider =
      typeof body.onlineMeetingProvider === 'string'
        ? body.onlineMeetingProvider
        : calendar.defaultOnlineMeetingProvider;
    const allowed = calendar.allowedOnlineMeetingProviders as string[];
    return body.isOnlineMeeting === true && provider !== 'unknown' && allowed.includes(provider) ? provider : undefined;
  };
  const newMeeting = () => ({
    joinUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${randomBytes(36).toString('base64url')}%40thread.v2/0?context=${encodeURIComponent(JSON.stringify({ Tid: state.tenantId, Oid: state.user.id }))}`,
    conferenceId: String(randomInt(100_000_000, 999_999_999)),
  });
  const meetingReadsFor = () => ({ ready: 0, later: state.readyAtRead, never: Infinity })[state.joinUrl];

  const live = (calendarId?: string) =>
    state.events.filter((e) => !e.deleted && !e.cancelled && (calendarId === undefined || e.calendarId === calendarId));

  /** One page of `items` per `$top` (default `pageSize`) and `$skip`, with `@odata.nextLink` while more remain (graph/paging). */
  const page = (request: Request, items: Array<Record<string, unknown>>, context: string) => {
    const url = new URL(request.url);
    const top = Number(url.searchParams.get('$top') ?? state.pageSize);
    const skip = Number(url.searchParams.get('$skip') ?? 0);
    if (!Number.isInteger(top) || top < 1 || !Number.isInteger(skip) || skip < 0)
      return graphError(400, 'BadRequest', 'Invalid value for $top or $skip.', request);
    const next = new URL(url);
    next.searchParams.set('$top', String(top));
    next.searchParams.set('$skip', String(skip + top));
    return Response.json({
      '@odata.context': `${graphBase}/$metadata#${context}`,
      value: items.slice(skip, skip + top),
      ...(skip + top < items.length ? { '@odata.nextLink': next.toString() } : {}),
    });
  };

  // Create event (https://learn.microsoft.com/en-us/graph/api/user-post-events?view=graph-rest-1.0): 201 with the event,
  // start and end in UTC unless `Prefer: outlook.timezone`; the extended properties are kept but not answered ("The
  // response does not include any newly created extended properties"). A second POST with a transactionId the mailbox
  // holds answers the event made by the first: the transactionId is there "to avoid redundant POST operations", but
  // what Graph answers then is undocumented.
  const createEvent = async (request: Request, calendarId?: string): Promise<Response> => {
    const refused = await enter('createEvent', request, needs.write);
    if (refused) return refused;
    const calendar = findCalendar(calendarId);
    if (!calendar) return notFound();
    const body = await readJson(request);
    state.requests.createEvent.push({
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: body instanceof Response ? undefined : body,
    });
    if (body instanceof Response) return body;
    const start = readTime(body.start);
    if (start instanceof Response) return start;
    const end = readTime(body.end);
    if (end instanceof Response) return end;
    // Exchange's refusal of an end before the start (ErrorCalendarEndDateIsEarlierThanStartDate); an equal one is allowed.
    if (end.instant < start.instant)
      return graphError(
        400,
        'ErrorCalendarEndDateIsEarlierThanStartDate',
        'The end date occurs before the start date.',
      );
    if (body.subject !== undefined && typeof body.subject !== 'string') return validationFailed();
    if (body.transactionId !== undefined && typeof body.transactionId !== 'string') return validationFailed();
    const attendees = readAttendees(body.attendees);
    if (attendees instanceof Response) return attendees;
    const properties = body.singleValueExtendedProperties ?? [];
    if (
      !Array.isArray(properties) ||
      properties.some(
        (p: { id?: unknown; value?: unknown }) =>
          typeof p?.id !== 'string' || typeof p.value !== 'string' || !extendedPropertyId.test(p.id),
      )
    )
      return validationFailed();
    const zone = preferredZone(request);
    const transactionId = body.transactionId as string | undefined;
    const earlier = transactionId && live().find((e) => e.transactionId === transactionId);
    if (earlier) return state.faults.lose('createEvent', Response.json(render(earlier, zone), { status: 201 }));

    const id = `AAMkA${randomBytes(33).toString('base64url')}=`;
    const provider = onlineMeetingOf(body, calendar);
    const given = (body.body ?? {}) as { contentType?: unknown; content?: unknown };
    const content = typeof given.content === 'string' ? given.content : '';
    const now = new Date().toISOString();
    const event: Record<string, unknown> = {
      '@odata.context': `${graphBase}/$metadata#users('${state.user.id}')/events/$entity`,
      id,
      createdDateTime: now,
      categories: [],
      ...(transactionId ? { transactionId } : {}),
      originalStartTimeZone: start.zone,
      originalEndTimeZone: end.zone,
      iCalUId: `040000008200E00074C5B7101A82E00800000000${randomBytes(28).toString('hex').toUpperCase()}`,
      reminderMinutesBeforeStart: 15,
      isReminderOn: true,
      hasAttachments: false,
      subject: body.subject ?? '',
      bodyPreview: content.replace(/<[^>]*>/g, '').slice(0, 255),
      importance: 'normal',
      sensitivity: 'normal',
      isAllDay: false,
      isCancelled: false,
      isOrganizer: true,
      responseRequested: true,
      allowNewTimeProposals: body.allowNewTimeProposals ?? true,
      seriesMasterId: null,
      showAs: 'busy',
      type: 'singleInstance',
      webLink: `https://outlook.${state.accountKind === 'personal' ? 'live' : 'office365'}.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
      onlineMeetingUrl: null,
      isOnlineMeeting: provider !== undefined,
      onlineMeetingProvider: provider ?? 'unknown',
      responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
      body: { contentType: String(given.contentType ?? 'text').toLowerCase(), content },
      location: body.location ?? { displayName: '', locationType: 'default', uniqueIdType: 'unknown' },
      locations: [],
      recurrence: null,
      attendees,
      organizer: {
        emailAddress: { name: state.user.displayName, address: state.user.mail ?? state.user.userPrincipalName },
      },
      onlineMeeting: null,
    };
    stamp(event);
    const record: MicrosoftEventRecord = {
      calendarId: calendar.id,
      body,
      event,
      startUtc: utcIso(start.instant),
      endUtc: utcIso(end.instant),
      transactionId,
      extendedProperties: (properties as Array<{ id: string; value: string }>).map(({ id: pid, value }) => ({
        id: pid,
        value,
      })),
      meeting: provider ? newMeeting() : null,
      readyAtRead: meetingReadsFor(),
      reads: 0,
      cancelled: false,
      deleted: false,
    };
    Object.assign(event, render(record, 'UTC'));
    if (record.readyAtRead === 0) showMeeting(record);
    state.events.push(record);
    return state.faults.lose('createEvent', Response.json(render(record, zone), { status: 201 }));
  };

  // List calendarView (https://learn.microsoft.com/en-us/graph/api/user-list-calendarview?view=graph-rest-1.0): the events
  // overlapping [startDateTime, endDateTime), both required; a value without offset "is interpreted as UTC", and
  // `Prefer: outlook.timezone` changes only the answer's times. The missing-window message is Graph's as seen in real
  // payloads (undocumented); the host's other commitments (`busy`) are listed here only, with showAs busy.
  const calendarView = async (request: Request, calendarId?: string): Promise<Response> => {
    const refused = await enter('calendarView', request, needs.read);
    if (refused) return refused;
    const calendar = findCalendar(calendarId);
    if (!calendar) return notFound();
    const query = new URL(request.url).searchParams;
    state.requests.calendarView.push(query);
    const param = (name: string) => [...query].find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const bound = (name: string): DateTime | undefined => {
      const value = param(name);
      if (!value) return undefined;
      const at = /(Z|[+-]\d{2}:?\d{2})$/i.test(value)
        ? DateTime.fromISO(value, { setZone: true })
        : DateTime.fromISO(value, { zone: 'utc' });
      return at.isValid ? at : undefined;
    };
    const [from, to] = [bound('startDateTime'), bound('endDateTime')];
    if (!from || !to)
      return graphError(
        400,
        'ErrorInvalidParameter',
        'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
        request,
      );
    const zone = preferredZone(request);
    const overlaps = (start: string, end: string) =>
      Date.parse(start) < to.toMillis() && Date.parse(end) > from.toMillis();
    const made = live(calendar.id)
      .filter((e) => overlaps(e.startUtc, e.endUtc))
      .map((e) => ({ at: e.startUtc, event: render(e, zone) }));
    const other = state.busy
      .filter((b) => (b.calendarId ?? defaultCalendar()?.id) === calendar.id && overlaps(b.start, b.end))
      .map((b) => ({
        at: b.start,
        event: {
          id: `AAMkAbusy${Buffer.from(`${b.start}|${b.end}`).toString('base64url')}=`,
          subject: b.subject ?? 'Busy',
          showAs: 'busy',
          type: 'singleInstance',
          isAllDay: false,
          isCancelled: false,
          isOrganizer: true,
          isOnlineMeeting: false,
          onlineMeetingProvider: 'unknown',
          onlineMeeting: null,
          start: { dateTime: graphDateTime(b.start, zone), timeZone: zone },
          end: { dateTime: graphDateTime(b.end, zone), timeZone: zone },
        },
      }));
    const events = [...made, ...other].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).map((e) => e.event);
    return page(request, events, `users('${state.user.id}')/calendarView`);
  };

  const getCalendar = async (request: Request, calendarId?: string): Promise<Response> => {
    const refused = await enter('calendar', request, needs.readBasic);
    if (refused) return refused;
    const calendar = findCalendar(calendarId);
    if (!calendar) return notFound();
    return Response.json({
      '@odata.context': `${graphBase}/$metadata#users('${state.user.id}')/calendars/$entity`,
      id: calendar.id,
      name: calendar.name,
      color: 'auto',
      hexColor: '',
      isDefaultCalendar: calendar.isDefault,
      changeKey: 'nfZyf7VcrEKLNoU37KWlkQAAA0x0+w==',
      canShare: true,
      canViewPrivateItems: true,
      canEdit: true,
      allowedOnlineMeetingProviders: calendar.allowedOnlineMeetingProviders,
      defaultOnlineMeetingProvider: calendar.defaultOnlineMeetingProvider,
      isTallyingResponses: true,
      isRemovable: !calendar.isDefault,
      owner: { name: state.user.displayName, address: state.user.mail ?? state.user.userPrincipalName },
    });
  };

  /** Graph reaches the default calendar as `/me/<path>` and `/me/calendar/<path>`, another as `/me/calendars/{id}/<path>`. */
  const inEveryCalendarPath = (
    method: 'get' | 'post',
    path: string,
    handler: (request: Request, calendarId?: string) => Promise<Response>,
  ): FakeRoute[] => [
    http[method](`${graphBase}/me/${path}`, ({ request }) => handler(request)),
    http[method](`${graphBase}/me/calendar/${path}`, ({ request }) => handler(request)),
    http[method](`${graphBase}/me/calendars/:calendarId/${path}`, ({ request, params }) =>
      handler(request, String(params.calendarId)),
    ),
  ];

  const routes: FakeRoute[] = [
    ...identity.routes,

    // Get the signed-in user (https://learn.microsoft.com/en-us/graph/api/user-get?view=graph-rest-1.0): User.Read.
    http.get(`${graphBase}/me`, async ({ request }) => {
      const refused = await enter('me', request, needs.user);
      if (refused) return refused;
      const [givenName, ...surname] = state.user.displayName.split(' ');
      return Response.json({
        '@odata.context': `${graphBase}/$metadata#users/$entity`,
        businessPhones: [],
        displayName: state.user.displayName,
        givenName: givenName ?? null,
        jobTitle: null,
        mail: state.user.mail,
        mobilePhone: null,
        officeLocation: null,
        preferredLanguage: 'en-US',
        surname: surname.join(' ') || null,
        userPrincipalName: state.user.userPrincipalName,
        id: state.user.id,
      });
    }),

    // Get calendar (https://learn.microsoft.com/en-us/graph/api/calendar-get?view=graph-rest-1.0): the default one or by
    // id, with allowedOnlineMeetingProviders and defaultOnlineMeetingProvider (resources/calendar).
    http.get(`${graphBase}/me/calendar`, ({ request }) => getCalendar(request)),
    http.get(`${graphBase}/me/calendars/:calendarId`, ({ request, params }) =>
      getCalendar(request, String(params.calendarId)),
    ),

    ...inEveryCalendarPath('post', 'events', createEvent),

    // Get event (https://learn.microsoft.com/en-us/graph/api/event-get?view=graph-rest-1.0): 404 ErrorItemNotFound for
    // one deleted or cancelled (its message as real payloads carry it). `$expand=singleValueExtendedProperties($filter=id
    // eq '...')` adds the property (singlevaluelegacyextendedproperty-get); `$select` is not applied: the whole event is
    // answered. A `later` Teams link shows from GET number `readyAtRead` on.
    http.get(`${graphBase}/me/events/:eventId`, async ({ request, params }) => {
      const refused = await enter('getEvent', request, needs.readBasic);
      if (refused) return refused;
      const record = findEvent(String(params.eventId));
      if (record instanceof Response) return record;
      record.reads += 1;
      if (record.reads >= record.readyAtRead && record.event.onlineMeeting === null) showMeeting(record);
      const expand = extendedPropertyExpand.exec(new URL(request.url).searchParams.get('$expand') ?? '');
      const wanted = expand ? odataString(expand[1] ?? '') : undefined;
      const properties = wanted ? record.extendedProperties.filter((p) => sameExtendedId(p.id, wanted)) : [];
      return Response.json({
        ...render(record, preferredZone(request)),
        ...(wanted && properties.length > 0 ? { singleValueExtendedProperties: properties } : {}),
      });
    }),

    // List events with the documented extended-property filter
    // (https://learn.microsoft.com/en-us/graph/api/singlevaluelegacyextendedproperty-get?view=graph-rest-1.0): over the
    // whole mailbox; the value compares in any case; the answer holds no extended property. Graph takes more filters
    // (contains, startswith, ne, other properties); the fake only this one, and answers others as Graph answers a filter
    // it does not support (microsoft-graph-docs-contrib#6919). Pages of `pageSize` (10 for events, per Microsoft Q&A).
    http.get(`${graphBase}/me/events`, async ({ request }) => {
      const refused = await enter('listEvents', request, needs.read);
      if (refused) return refused;
      const filter = new URL(request.url).searchParams.get('$filter');
      state.requests.listEvents.push(filter);
      let events = live();
      if (filter !== null) {
        const match = extendedPropertyFilter.exec(filter.trim());
        if (!match) return graphError(400, 'BadRequest', 'This filter query is not supported.', request);
        const [id, value] = [odataString(match[2] ?? ''), odataString(match[3] ?? '').toLowerCase()];
        events = events.filter((e) =>
          e.extendedProperties.some((p) => sameExtendedId(p.id, id) && p.value.toLowerCase() === value),
        );
      }
      const zone = preferredZone(request);
      return page(
        request,
        events.map((e) => render(e, zone)),
        `users('${state.user.id}')/events`,
      );
    }),

    ...inEveryCalendarPath('get', 'calendarView', calendarView),

    // Update event (https://learn.microsoft.com/en-us/graph/api/event-update?view=graph-rest-1.0): 200 with the event;
    // only the fields sent change. Once online, Outlook "ignores any further changes to isOnlineMeeting" and the
    // provider; a body without the meeting blob "would disable meeting online" (onlineMeeting becomes null); the
    // transactionId cannot be changed (the fake's refusal is the validation failure issues show).
    http.patch(`${graphBase}/me/events/:eventId`, async ({ request, params }) => {
      const refused = await enter('updateEvent', request, needs.write);
      if (refused) return refused;
      const record = findEvent(String(params.eventId));
      if (record instanceof Response) return record;
      const body = await readJson(request);
      if (body instanceof Response) return body;
      state.requests.updateEvent.push({ eventId: String(record.event.id), body });
      if (body.transactionId !== undefined && body.transactionId !== record.transactionId) return validationFailed();
      if (body.start !== undefined || body.end !== undefined) {
        const start = readTime(body.start ?? { dateTime: graphDateTime(record.startUtc, 'UTC'), timeZone: 'UTC' });
        if (start instanceof Response) return start;
        const end = readTime(body.end ?? { dateTime: graphDateTime(record.endUtc, 'UTC'), timeZone: 'UTC' });
        if (end instanceof Response) return end;
        if (end.instant < start.instant)
          return graphError(
            400,
            'ErrorCalendarEndDateIsEarlierThanStartDate',
            'The end date occurs before the start date.',
          );
        [record.startUtc, record.endUtc] = [utcIso(start.instant), utcIso(end.instant)];
      }
      if (body.subject !== undefined) {
        if (typeof body.subject !== 'string') return validationFailed();
        record.event.subject = body.subject;
      }
      if (body.attendees !== undefined) {
        const attendees = readAttendees(body.attendees);
        if (attendees instanceof Response) return attendees;
        record.event.attendees = attendees;
      }
      if (body.location !== undefined) record.event.location = body.location;
      if (body.body !== undefined) {
        const given = body.body as { contentType?: unknown; content?: unknown };
        const content = typeof given.content === 'string' ? given.content : '';
        record.event.body = { contentType: String(given.contentType ?? 'text').toLowerCase(), content };
        if (record.meeting && record.event.onlineMeeting !== null && !content.includes(record.meeting.joinUrl)) {
          record.event.onlineMeeting = null;
          record.meeting = null;
        }
      }
      const calendar = findCalendar(record.calendarId);
      const provider = calendar && !record.event.isOnlineMeeting ? onlineMeetingOf(body, calendar) : undefined;
      if (provider) {
        Object.assign(record.event, { isOnlineMeeting: true, onlineMeetingProvider: provider });
        record.meeting = newMeeting();
        record.readyAtRead = record.reads + meetingReadsFor();
        if (state.joinUrl === 'ready') showMeeting(record);
      }
      stamp(record.event);
      Object.assign(record.event, render(record, 'UTC'));
      return state.faults.lose('updateEvent', Response.json(render(record, preferredZone(request))));
    }),

    // Delete event (https://learn.microsoft.com/en-us/graph/api/event-delete?view=graph-rest-1.0): 204; then 404.
    http.delete(`${graphBase}/me/events/:eventId`, async ({ request, params }) => {
      const refused = await enter('deleteEvent', request, needs.write);
      if (refused) return refused;
      const record = findEvent(String(params.eventId));
      if (record instanceof Response) return record;
      record.deleted = true;
      state.requests.deleteEvent.push(String(record.event.id));
      return state.faults.lose('deleteEvent', new Response(null, { status: 204 }));
    }),

    // Cancel event (https://learn.microsoft.com/en-us/graph/api/event-cancel?view=graph-rest-1.0): the organizer (always
    // the signed-in user here) sends an optional Comment; 202 without a body; the event moves to Deleted Items, so the
    // fake answers it as gone (404) afterwards, which Microsoft does not spell out.
    http.post(`${graphBase}/me/events/:eventId/cancel`, async ({ request, params }) => {
      const refused = await enter('cancelEvent', request, needs.write);
      if (refused) return refused;
      const record = findEvent(String(params.eventId));
      if (record instanceof Response) return record;
      const text = await request.text();
      let body: unknown;
      try {
        body = text.trim() === '' ? undefined : JSON.parse(text);
      } catch {
        return unreadableJson();
      }
      const comment = (body as { comment?: unknown; Comment?: unknown } | undefined) ?? {};
      state.requests.cancelEvent.push({ eventId: String(record.event.id), body });
      record.cancelled = true;
      const sent = comment.Comment ?? comment.comment;
      if (typeof sent === 'string') record.cancelComment = sent;
      return state.faults.lose('cancelEvent', new Response(null, { status: 202 }));
    }),
  ];

  /** Every access token expires now (the next Graph call gets 401 and the client refreshes). */
  const expireAccessTokens = () => {
    for (const token of state.tokens.keys()) state.tokens.set(token, Date.now() - 1);
  };
  /** The events the calendar holds now: neither deleted nor cancelled. */
  const heldEvents = () => live();

  const env = { ALSATALK_MICROSOFT_LOGIN_URL: loginBase, ALSATALK_MICROSOFT_GRAPH_URL: graphBase };
  return {
    state,
    routes,
    loginBase,
    graphBase,
    env,
    accessToken: identity.accessToken,
    revoke: identity.revoke,
    expireAccessTokens,
    heldEvents,
  };
}

export type MicrosoftFake = ReturnType<typeof createMicrosoftFake>;
