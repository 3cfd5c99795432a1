// A fake Calendly API v2 that behaves like the documented one: current user, event types (paginated), available
// times, Create Event Invitee (Scheduling API), Get Event and single-use scheduling links. https://developer.calendly.com/api-docs/
import { randomBytes, randomUUID } from 'node:crypto';
import { DateTime, IANAZone } from 'luxon';
import { http, type FakeRoute } from '../fake-http.js';
import { calendlyLimiter, type CalendlyLimits } from './calendly-limits.js';
import { createCalendlyOAuth } from './calendly-oauth.js';
import { Faults } from './fault.js';

export interface CalendlyEventTypeFixture {
  uuid: string;
  name: string;
  slug: string;
  duration: number;
  active: boolean;
  booking_method?: 'instant' | 'poll';
  position?: number;
  custom_questions?: Array<{
    name: string;
    type: string;
    position: number;
    enabled: boolean;
    required: boolean;
    answer_choices: string[];
    include_other: boolean;
  }>;
  locations?: Array<Record<string, unknown> & { kind: string }> | null;
}

export interface CalendlyInviteeRecord {
  /** The JSON body as sent. */
  body: Record<string, unknown>;
  /** The instant Calendly understood, UTC ISO without milliseconds. */
  startUtc: string;
  eventUuid: string;
  inviteeUuid: string;
}

export interface CalendlyScheduledEvent {
  uuid: string;
  eventTypeUuid: string;
  start: DateTime;
  end: DateTime;
  location: Record<string, unknown> | null;
  /** Set by Cancel Event: who cancelled, and why. */
  cancellation?: { canceled_by: string; reason: string | null; canceler_type: 'host' | 'invitee'; created_at: string };
}

/** Calendly's error body: `{ title, message, details? }`. */
const calendlyError = (
  status: number,
  title: string,
  message: string,
  details?: Array<{ parameter: string; message: string; code?: string }>,
) => Response.json({ title, message, ...(details ? { details } : {}) }, { status });
const invalidArgument = (parameter: string, message: string, code?: string) =>
  calendlyError(400, 'Invalid Argument', 'The supplied parameters are invalid.', [
    { parameter, message, ...(code ? { code } : {}) },
  ]);
const notFound = () => calendlyError(404, 'Resource Not Found', 'The server could not find the requested resource.');

const question = (name: string, required: boolean, position: number) => ({
  name,
  type: 'string',
  position,
  enabled: true,
  required,
  answer_choices: [],
  include_other: false,
});

/** Calendly writes instants with microseconds: `2020-01-02T20:00:00.000000Z`. */
const micro = (at: DateTime): string => at.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'.000000Z'");
const seconds = (at: DateTime): string => at.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

export function createCalendlyFake(options: { apiBase?: string; authBase?: string; limits?: CalendlyLimits } = {}) {
  const apiBase = options.apiBase ?? 'https://api.calendly.test';
  const authBase = options.authBase ?? 'https://auth.calendly.test';
  const userUuid = 'AAAAUSER00000001';
  const orgUuid = 'AAAAORG000000001';
  const state = {
    token: `eyJraWQiOiIx.${randomBytes(24).toString('base64url')}.pat`,
    user: {
      uri: `${apiBase}/users/${userUuid}`,
      name: 'Owner Acme',
      email: 'owner@acme.test',
      slug: 'acme-owner',
      timezone: 'America/New_York',
    },
    organization: `${apiBase}/organizations/${orgUuid}`,
    eventTypes: [
      {
        uuid: 'ET000INTRO000030',
        name: 'Intro call',
        slug: 'intro-call',
        duration: 30,
        active: true,
        position: 0,
        locations: [{ kind: 'zoom_conference' }],
      },
      {
        uuid: 'ET000DEEPDIVE060',
        name: 'Deep dive',
        slug: 'deep-dive',
        duration: 60,
        active: true,
        position: 1,
        locations: [{ kind: 'google_conference' }],
      },
      {
        uuid: 'ET000OLDCALL0045',
        name: 'Old call',
        slug: 'old-call',
        duration: 45,
        active: false,
        position: 2,
        locations: null,
      },
    ] as CalendlyEventTypeFixture[],
    /** The host's working hours, in `user.timezone`: open slots every 30 min from `open` to `close` (hours). */
    hours: { open: 8, close: 18 },
    /** UTC ISO starts (seconds precision) that are not offered although inside the hours (the host is busy). */
    busy: new Set<string>(),
    /** Blocks of the host's time (UTC ISO bounds) that no offered slot overlaps: another calendar Calendly checks. */
    busyBlocks: [] as Array<{ start: string; end: string }>,
    /** Free plans got 403 on POST /invitees before Nov 2026; a token without scheduled_events:write still does. */
    directBookingAllowed: true,
    /** Largest page the fake returns whatever `count` asks, to exercise pagination. */
    maxPageSize: 100,
    invitees: [] as CalendlyInviteeRecord[],
    scheduledEvents: new Map<string, CalendlyScheduledEvent>(),
    schedulingLinks: [] as Array<{ body: Record<string, unknown>; bookingUrl: string }>,
    /** Every request as `METHOD path?query`, in order. */
    calls: [] as string[],
    /** How many requests were refused with 401 (no valid token). */
    unauthenticated: 0,
    faults: new Faults(),
    /** Calendly's documented limits (calendly-limits.ts), read on every request; none unless given. */
    limits: { ...options.limits } as CalendlyLimits,
  };
  const limiter = calendlyLimiter(() => state.limits);

  const eventTypeUri = (t: CalendlyEventTypeFixture) => `${apiBase}/event_types/${t.uuid}`;
  const findEventType = (uri: string) => state.eventTypes.find((t) => eventTypeUri(t) === uri);
  const toEventType = (t: CalendlyEventTypeFixture) => ({
    uri: eventTypeUri(t),
    name: t.name,
    active: t.active,
    slug: t.slug,
    scheduling_url: `https://calendly.com/${state.user.slug}/${t.slug}`,
    duration: t.duration,
    duration_options: null,
    kind: 'solo',
    pooling_type: null,
    type: 'StandardEventType',
    color: '#4d9b8e',
    created_at: '2025-01-15T10:00:00.000000Z',
    updated_at: '2026-01-01T08:00:00.000000Z',
    internal_note: null,
    description_plain: null,
    description_html: null,
    profile: { type: 'User', name: state.user.name, owner: state.user.uri },
    secret: false,
    booking_method: t.booking_method ?? 'instant',
    custom_questions: t.custom_questions ?? [
      question('Please share anything that will help prepare for our meeting.', false, 0),
    ],
    deleted_at: null,
    admin_managed: false,
    locations: t.locations === undefined ? [{ kind: 'zoom_conference' }] : t.locations,
    position: t.position ?? 0,
    locale: 'en',
  });

  /** Whether an active event type is open at `start`: inside the host's hours, in the future, not busy, not booked. */
  const isOpen = (t: CalendlyEventTypeFixture, start: DateTime): boolean => {
    const local = start.setZone(state.user.timezone);
    const end = local.plus({ minutes: t.duration });
    if (!t.active || start <= DateTime.now() || local.minute % 30 !== 0 || local.second !== 0) return false;
    if (local.hour < state.hours.open || end > local.set({ hour: state.hours.close, minute: 0 })) return false;
    if (state.busy.has(seconds(start))) return false;
    if (state.busyBlocks.some((b) => Date.parse(b.start) < end.toMillis() && start.toMillis() < Date.parse(b.end)))
      return false;
    return ![...state.scheduledEvents.values()].some((e) => !e.cancellation && e.start < end && start < e.end);
  };

  const signIn = createCalendlyOAuth(
    authBase,
    { user: () => state.user.uri, organization: () => state.organization },
    state.faults,
    limiter.token,
  );
  /** The Personal Access Token, or an unexpired access token from the OAuth server. */
  const authorized = (request: Request) => {
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
    return token === state.token || signIn.accepts(token);
  };
  const unauthenticated = () => calendlyError(401, 'Unauthenticated', 'The access token is invalid');

  /** Runs a route: records the call, applies an injected fault, then checks the bearer token. */
  /** The invitee as POST /invitees named them (`invitee: { name, email, timezone }`). */
  const inviteeOf = (record: CalendlyInviteeRecord): { email: string; name?: string } => {
    const invitee = (record.body.invitee ?? {}) as { email?: unknown; name?: unknown };
    return {
      email: typeof invitee.email === 'string' ? invitee.email : '',
      ...(typeof invitee.name === 'string' ? { name: invitee.name } : {}),
    };
  };

  const eventResource = (e: CalendlyScheduledEvent) => {
    const t = state.eventTypes.find((x) => x.uuid === e.eventTypeUuid);
    return {
      uri: `${apiBase}/scheduled_events/${e.uuid}`,
      name: t?.name ?? 'Meeting',
      status: e.cancellation ? 'canceled' : 'active',
      ...(e.cancellation ? { cancellation: e.cancellation } : {}),
      start_time: micro(e.start),
      end_time: micro(e.end),
      event_type: `${apiBase}/event_types/${e.eventTypeUuid}`,
      location: e.location,
      invitees_counter: { total: 1, active: 1, limit: 1 },
      created_at: micro(DateTime.now()),
      updated_at: micro(DateTime.now()),
      event_memberships: [{ user: state.user.uri, user_email: state.user.email, user_name: state.user.name }],
      event_guests: [],
    };
  };

  const route =
    (
      name: string,
      handler: (
        request: Request,
        params: Record<string, string | readonly string[] | undefined>,
      ) => Promise<Response> | Response,
    ) =>
    async ({
      request,
      params,
    }: {
      request: Request;
      params: Record<string, string | readonly string[] | undefined>;
    }) => {
      const url = new URL(request.url);
      state.calls.push(`${request.method} ${url.pathname}${url.search}`);
      const fault = await state.faults.take(name);
      if (fault) return fault;
      if (!authorized(request)) {
        state.unauthenticated += 1;
        return unauthenticated();
      }
      const limited = limiter.api(name);
      if (limited) return limited;
      return handler(request, params);
    };

  const readJson = async (request: Request): Promise<Record<string, unknown> | undefined> => {
    if (!(request.headers.get('content-type') ?? '').includes('application/json')) return undefined;
    try {
      const body = (await request.json()) as unknown;
      return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };

  const routes: FakeRoute[] = [
    ...signIn.routes,
    http.get(
      `${apiBase}/users/me`,
      route('me', () =>
        Response.json({
          resource: {
            uri: state.user.uri,
            name: state.user.name,
            slug: state.user.slug,
            email: state.user.email,
            scheduling_url: `https://calendly.com/${state.user.slug}`,
            timezone: state.user.timezone,
            avatar_url: null,
            created_at: '2025-01-15T10:00:00.000000Z',
            updated_at: '2026-01-01T08:00:00.000000Z',
            current_organization: state.organization,
            resource_type: 'User',
            locale: 'en',
          },
        }),
      ),
    ),

    http.get(
      `${apiBase}/event_types`,
      route('eventTypes', (request) => {
        const query = new URL(request.url).searchParams;
        const user = query.get('user');
        const organization = query.get('organization');
        if (!user && !organization) return invalidArgument('user', 'Either user or organization must be provided');
        if (user && user !== state.user.uri)
          return calendlyError(403, 'Permission Denied', 'You do not have permission to access this resource.');
        if (organization && organization !== state.organization)
          return calendlyError(403, 'Permission Denied', 'You do not have permission to access this resource.');
        const count = Number(query.get('count') ?? '20');
        if (!Number.isInteger(count) || count < 1 || count > 100)
          return invalidArgument('count', 'must be between 1 and 100');
        const active = query.get('active');
        const all = state.eventTypes.filter((t) => active === null || String(t.active) === active);
        const offset = query.get('page_token')
          ? Number(Buffer.from(query.get('page_token') ?? '', 'base64url').toString('utf8'))
          : 0;
        if (!Number.isInteger(offset) || offset < 0) return invalidArgument('page_token', 'is invalid');
        const size = Math.min(count, state.maxPageSize);
        const next = offset + size < all.length ? Buffer.from(String(offset + size)).toString('base64url') : null;
        return Response.json({
          collection: all.slice(offset, offset + size).map(toEventType),
          pagination: {
            count: size,
            next_page: next ? `${apiBase}/event_types?count=${count}&page_token=${next}` : null,
            previous_page: null,
            next_page_token: next,
            previous_page_token: null,
          },
        });
      }),
    ),

    http.get(
      `${apiBase}/event_types/:uuid`,
      route('eventType', (_request, params) => {
        const t = state.eventTypes.find((e) => e.uuid === params.uuid);
        return t ? Response.json({ resource: toEventType(t) }) : notFound();
      }),
    ),

    http.get(
      `${apiBase}/event_type_available_times`,
      route('availableTimes', (request) => {
        const query = new URL(request.url).searchParams;
        const t = findEventType(query.get('event_type') ?? '');
        if (!query.get('event_type')) return invalidArgument('event_type', 'is required');
        for (const p of ['start_time', 'end_time'])
          if (!isoDateTime.test(query.get(p) ?? '')) return invalidArgument(p, 'must be an ISO 8601 date-time');
        const start = DateTime.fromISO(query.get('start_time') ?? '', { zone: 'utc' });
        const end = DateTime.fromISO(query.get('end_time') ?? '', { zone: 'utc' });
        if (start < DateTime.now()) return invalidArgument('start_time', 'must be in the future');
        if (end <= start) return invalidArgument('end_time', 'must be after start_time');
        if (end.diff(start, 'days').days > 31)
          return invalidArgument('end_time', 'must be no greater than 31 days from start_time');
        if (!t) return notFound();
        const collection = [];
        for (let at = start.setZone(state.user.timezone).startOf('hour'); at < end; at = at.plus({ minutes: 30 })) {
          if (at >= start && isOpen(t, at)) {
            const local = at.setZone(state.user.timezone);
            collection.push({
              status: 'available',
              invitees_remaining: 1,
              start_time: micro(at),
              scheduling_url: `https://calendly.com/${state.user.slug}/${t.slug}/${seconds(at)}?month=${local.toFormat('yyyy-MM')}&date=${local.toFormat('yyyy-MM-dd')}`,
            });
          }
        }
        return Response.json({ collection });
      }),
    ),

    http.post(
      `${apiBase}/invitees`,
      route('createInvitee', async (request) => {
        const body = await readJson(request);
        if (!body) return calendlyError(400, 'Invalid Argument', 'The request body must be a JSON object.');
        const t = typeof body.event_type === 'string' ? findEventType(body.event_type) : undefined;
        if (typeof body.event_type !== 'string') return invalidArgument('event_type', 'is required');
        if (!t) return notFound();
        if (!state.directBookingAllowed)
          return calendlyError(403, 'Permission Denied', 'Please upgrade to a paid Calendly account.');
        const invitee = body.invitee as Record<string, unknown> | undefined;
        if (!invitee || typeof invitee !== 'object') return invalidArgument('invitee', 'is required');
        if (typeof invitee.email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(invitee.email))
          return invalidArgument('invitee.email', 'must be a valid email');
        if (typeof invitee.timezone !== 'string' || !IANAZone.isValidZone(invitee.timezone))
          return invalidArgument('invitee.timezone', 'must be a valid IANA time zone');
        if (typeof invitee.name !== 'string' && typeof invitee.first_name !== 'string')
          return invalidArgument('invitee.name', 'is required unless invitee.first_name is given');
        const startTime = typeof body.start_time === 'string' ? body.start_time : '';
        if (!isoDateTime.test(startTime)) return invalidArgument('start_time', 'must be an ISO 8601 date-time');
        const start = DateTime.fromISO(startTime, { zone: 'utc' });
        const answers = Array.isArray(body.questions_and_answers)
          ? (body.questions_and_answers as Array<{ question?: unknown; answer?: unknown }>)
          : [];
        for (const q of toEventType(t).custom_questions.filter((c) => c.enabled && c.required)) {
          if (!answers.some((a) => a.question === q.name && typeof a.answer === 'string' && a.answer !== ''))
            return invalidArgument('questions_and_answers', `An answer to "${q.name}" is required`);
        }
        const kinds = (toEventType(t).locations ?? []).map((l) => l.kind);
        const location = body.location as { kind?: unknown; location?: unknown } | undefined;
        if (
          kinds.length === 1 &&
          ['outbound_call', 'ask_invitee'].includes(kinds[0] ?? '') &&
          (location?.kind !== kinds[0] || typeof location?.location !== 'string')
        ) {
          return invalidArgument('location', `A location of kind ${kinds[0]} is required`);
        }
        if (!isOpen(t, start)) {
          const taken = [...state.scheduledEvents.values()].some(
            (e) => !e.cancellation && e.eventTypeUuid === t.uuid && e.start.toMillis() === start.toMillis(),
          );
          return taken
            ? invalidArgument('start_time', 'The selected time is no longer available.', 'already_filled')
            : invalidArgument('start_time', 'The selected time is not available.');
        }
        const eventUuid = randomUUID();
        const inviteeUuid = randomUUID();
        const kind = kinds[0];
        const eventLocation =
          kind === 'zoom_conference'
            ? {
                type: 'zoom',
                status: 'pushed',
                join_url: `https://us02web.zoom.us/j/8${randomBytes(5).readUIntBE(0, 5) % 10_000_000_000}`,
                data: {},
              }
            : kind === 'google_conference'
              ? {
                  type: 'google_conference',
                  status: 'pushed',
                  join_url: `https://meet.google.com/abc-defg-${randomBytes(2).toString('hex').slice(0, 3)}`,
                }
              : kind === 'outbound_call'
                ? { type: 'outbound_call', location: location?.location }
                : null;
        state.scheduledEvents.set(eventUuid, {
          uuid: eventUuid,
          eventTypeUuid: t.uuid,
          start,
          end: start.plus({ minutes: t.duration }),
          location: eventLocation,
        });
        state.invitees.push({ body, startUtc: seconds(start), eventUuid, inviteeUuid });
        const now = micro(DateTime.now());
        return state.faults.lose(
          'createInvitee',
          Response.json(
            {
              resource: {
                uri: `${apiBase}/scheduled_events/${eventUuid}/invitees/${inviteeUuid}`,
                email: invitee.email,
                name: invitee.name ?? null,
                first_name: invitee.first_name ?? null,
                last_name: invitee.last_name ?? null,
                status: 'active',
                timezone: invitee.timezone,
                event: `${apiBase}/scheduled_events/${eventUuid}`,
                created_at: now,
                updated_at: now,
                tracking: {
                  utm_campaign: null,
                  utm_source: null,
                  utm_medium: null,
                  utm_content: null,
                  utm_term: null,
                  salesforce_uuid: null,
                },
                text_reminder_number: null,
                rescheduled: false,
                old_invitee: null,
                new_invitee: null,
                cancel_url: `https://calendly.com/cancellations/${inviteeUuid}`,
                reschedule_url: `https://calendly.com/reschedulings/${inviteeUuid}`,
                questions_and_answers: answers,
                payment: null,
                no_show: null,
                reconfirmation: null,
                scheduling_method: 'instant_book',
                invitee_scheduled_by: state.user.uri,
              },
            },
            { status: 201 },
          ),
        );
      }),
    ),

    http.get(
      `${apiBase}/scheduled_events/:uuid`,
      route('scheduledEvent', (_request, params) => {
        const e = state.scheduledEvents.get(String(params.uuid));
        if (!e) return notFound();
        return Response.json({ resource: eventResource(e) });
      }),
    ),

    // Cancel Event (https://developer.calendly.com/api-docs/afb2e9fe3a0a0-cancel-event): 201 with the cancellation; an
    // event cancelled already is refused with 403 "Event is already canceled" (as Calendly's generated clients list it).
    http.post(
      `${apiBase}/scheduled_events/:uuid/cancellation`,
      route('cancelEvent', async (request, params) => {
        const e = state.scheduledEvents.get(String(params.uuid));
        if (!e) return notFound();
        if (e.cancellation) return calendlyError(403, 'Permission Denied', 'Event is already canceled');
        const body = (await readJson(request)) ?? {};
        const reason = body.reason;
        if (reason !== undefined && (typeof reason !== 'string' || reason.length > 10_000))
          return invalidArgument('reason', 'must be a string of at most 10000 characters');
        e.cancellation = {
          canceled_by: state.user.name,
          reason: typeof reason === 'string' ? reason : null,
          canceler_type: 'host',
          created_at: micro(DateTime.now()),
        };
        return state.faults.lose('cancelEvent', Response.json({ resource: e.cancellation }, { status: 201 }));
      }),
    ),

    // List Events (https://developer.calendly.com/api-docs/calendly-api/scheduled-events/list-scheduled-events): scoped by
    // `user` (one's own) or `organization`; `invitee_email`, `min_start_time`/`max_start_time` (UTC), `status`, `count` <= 100.
    http.get(
      `${apiBase}/scheduled_events`,
      route('listEvents', (request) => {
        const query = new URL(request.url).searchParams;
        const user = query.get('user');
        const organization = query.get('organization');
        if (!user && !organization) return invalidArgument('user', 'user, organization or group is required');
        if (user && user !== state.user.uri)
          return calendlyError(403, 'Permission Denied', 'You do not have permission to access this resource.');
        const count = Number(query.get('count') ?? 20);
        if (!Number.isInteger(count) || count < 1 || count > 100)
          return invalidArgument('count', 'must be between 1 and 100');
        const status = query.get('status');
        if (status !== null && status !== 'active' && status !== 'canceled')
          return invalidArgument('status', 'must be active or canceled');
        const bound = (name: string): number | undefined | Response => {
          const raw = query.get(name);
          if (raw === null) return undefined;
          return isoDateTime.test(raw) ? Date.parse(raw) : invalidArgument(name, 'must be an ISO 8601 date-time');
        };
        const min = bound('min_start_time');
        if (min instanceof Response) return min;
        const max = bound('max_start_time');
        if (max instanceof Response) return max;
        const email = query.get('invitee_email')?.toLowerCase();
        const events = [...state.scheduledEvents.values()].filter((e) => {
          const start = e.start.toMillis();
          if (status !== null && (status === 'canceled') !== Boolean(e.cancellation)) return false;
          if (min !== undefined && start < min) return false;
          if (max !== undefined && start > max) return false;
          if (
            email &&
            !state.invitees.some((i) => i.eventUuid === e.uuid && inviteeOf(i).email.toLowerCase() === email)
          )
            return false;
          return true;
        });
        events.sort((a, b) => a.start.toMillis() - b.start.toMillis());
        return Response.json({
          collection: events.slice(0, count).map(eventResource),
          pagination: {
            count: Math.min(count, events.length),
            next_page: null,
            previous_page: null,
            next_page_token: null,
            previous_page_token: null,
          },
        });
      }),
    ),

    // List Event Invitees (https://developer.calendly.com/api-docs/calendly-api/scheduled-events/list-event-invitees).
    http.get(
      `${apiBase}/scheduled_events/:uuid/invitees`,
      route('listInvitees', (request, params) => {
        const e = state.scheduledEvents.get(String(params.uuid));
        if (!e) return notFound();
        const email = new URL(request.url).searchParams.get('email')?.toLowerCase();
        const invitees = state.invitees.filter(
          (i) => i.eventUuid === e.uuid && (!email || inviteeOf(i).email.toLowerCase() === email),
        );
        return Response.json({
          collection: invitees.map((i) => ({
            uri: `${apiBase}/scheduled_events/${e.uuid}/invitees/${i.inviteeUuid}`,
            email: inviteeOf(i).email,
            name: inviteeOf(i).name ?? null,
            status: 'active',
            event: `${apiBase}/scheduled_events/${e.uuid}`,
            cancel_url: `https://calendly.com/cancellations/${i.inviteeUuid}`,
            reschedule_url: `https://calendly.com/reschedulings/${i.inviteeUuid}`,
          })),
          pagination: {
            count: invitees.length,
            next_page: null,
            previous_page: null,
            next_page_token: null,
            previous_page_token: null,
          },
        });
      }),
    ),

    http.post(
      `${apiBase}/scheduling_links`,
      route('schedulingLinks', async (request) => {
        const body = await readJson(request);
        if (!body) return calendlyError(400, 'Invalid Argument', 'The request body must be a JSON object.');
        if (body.max_event_count !== 1) return invalidArgument('max_event_count', 'must be 1');
        if (body.owner_type !== 'EventType') return invalidArgument('owner_type', 'must be EventType');
        const t = typeof body.owner === 'string' ? findEventType(body.owner) : undefined;
        if (!t) return invalidArgument('owner', 'must be the URI of an event type');
        const bookingUrl = `https://calendly.com/d/${randomBytes(3).toString('hex')}-${randomBytes(3).toString('hex')}/${t.slug}`;
        state.schedulingLinks.push({ body, bookingUrl });
        return Response.json(
          { resource: { booking_url: bookingUrl, owner: body.owner, owner_type: 'EventType' } },
          { status: 201 },
        );
      }),
    ),
  ];

  const env = { ALSATALK_CALENDLY_API_URL: apiBase, ALSATALK_CALENDLY_AUTH_URL: authBase };
  return { state, oauth: signIn.oauth, routes, apiBase, authBase, env, eventTypeUri, question };
}

export type CalendlyFake = ReturnType<typeof createCalendlyFake>;
