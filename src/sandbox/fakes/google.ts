// A fake Google that behaves like the documented APIs: the OAuth token endpoint (refresh grant), calendars.get,
// events.insert, events.get and freebusy.query.
// https://developers.google.com/identity/protocols/oauth2/native-app · https://developers.google.com/calendar/api/v3/reference
import { createHash, randomBytes } from 'node:crypto';
import { DateTime, IANAZone } from 'luxon';
import { http, type FakeRoute } from '../fake-http.js';
import { Faults } from './fault.js';

export interface GoogleEventRecord {
  calendarId: string;
  /** The query of the insert call, as Google received it. */
  query: { conferenceDataVersion: string | null; sendUpdates: string | null };
  /** The JSON body as sent. */
  body: Record<string, unknown>;
  /** The instants Google understood, in UTC ISO, and the zone it keeps for display. */
  startUtc: string;
  endUtc: string;
  timeZone: string | undefined;
  /** The event as Google answers it (conference fields change as the Meet link is created). */
  event: Record<string, unknown>;
  /** The read (events.get) at which a `pending` Meet link becomes ready. */
  readyAtRead: number;
  reads: number;
}

export interface GoogleCalendarRecord {
  id: string;
  summary: string;
  timeZone: string;
  allowedConferenceSolutionTypes?: string[];
}

export interface GoogleFakeOptions {
  apiBase?: string;
  tokenBase?: string;
  /** The sign-in page (authorization endpoint). */
  authUrl?: string;
}

const scopes = {
  calendar: 'https://www.googleapis.com/auth/calendar',
  readonly: 'https://www.googleapis.com/auth/calendar.readonly',
  events: 'https://www.googleapis.com/auth/calendar.events',
  freebusy: 'https://www.googleapis.com/auth/calendar.freebusy',
  eventsFreebusy: 'https://www.googleapis.com/auth/calendar.events.freebusy',
};

/** The Calendar API error shape (https://developers.google.com/calendar/api/guides/errors). */
export const googleApiError = (status: number, message: string, reason: string, domain = 'global') =>
  Response.json({ error: { errors: [{ domain, reason, message }], code: status, message } }, { status });

/**
 * The Calendar API's documented errors, with the exact bodies of its "Handle API errors" guide
 * (https://developers.google.com/workspace/calendar/api/guides/errors): usage limits under `usageLimits`, the organizer
 * refusal under `calendar`. The guide's bodies carry no `status` field. dailyLimitExceeded is Google's daily project
 * quota, listed in its older guides with the same shape.
 */
export const documentedErrors = {
  userRateLimitExceeded: { domain: 'usageLimits', message: 'User Rate Limit Exceeded', status: 403 },
  rateLimitExceeded: { domain: 'usageLimits', message: 'Rate Limit Exceeded', status: 403 },
  quotaExceeded: { domain: 'usageLimits', message: 'Calendar usage limits exceeded.', status: 403 },
  dailyLimitExceeded: { domain: 'usageLimits', message: 'Daily Limit Exceeded', status: 403 },
  forbiddenForNonOrganizer: {
    domain: 'calendar',
    message: 'Shared properties can only be changed by the organizer of the event.',
    status: 403,
  },
  duplicate: { domain: 'global', message: 'The requested identifier already exists.', status: 409 },
  backendError: { domain: 'global', message: 'Backend Error', status: 500 },
} as const;

/**
 * A fault (for `state.faults.inject`) that answers with one of Google's documented errors; `status` overrides the
 * documented one, as for rateLimitExceeded, which Google sends "with either 403 or 429".
 */
export function googleFault(
  reason: keyof typeof documentedErrors,
  status: number = documentedErrors[reason].status,
): { status: number; body: unknown } {
  const { domain, message } = documentedErrors[reason];
  return { status, body: { error: { errors: [{ domain, reason, message }], code: status, message } } };
}

const oauthError = (status: number, error: string, description: string) =>
  Response.json({ error, error_description: description }, { status });

/** Meet codes look like `abc-defg-hij`. */
const meetCode = (): string => {
  const letters = Array.from(randomBytes(10), (b) => String.fromCharCode(97 + (b % 26))).join('');
  return `${letters.slice(0, 3)}-${letters.slice(3, 7)}-${letters.slice(7, 10)}`;
};

export function createGoogleFake(options: GoogleFakeOptions = {}) {
  const apiBase = options.apiBase ?? 'https://www.googleapis.google.test/calendar/v3';
  const tokenBase = options.tokenBase ?? 'https://oauth2.google.test';
  const authUrl = options.authUrl ?? 'https://accounts.google.test/o/oauth2/v2/auth';
  const owner = 'owner@acme.test';
  const state = {
    clientId: '123456789-abc.apps.googleusercontent.com',
    clientSecret: 'GOCSPX-google-client-secret-1',
    refreshToken: '1//0g-google-refresh-token-abcdef',
    /** Refresh tokens that Google no longer accepts (expired after 7 days in "Testing", or revoked). */
    revoked: new Set<string>(),
    scope: `${scopes.events} ${scopes.readonly}`,
    tokenTtlSeconds: 3599,
    calendars: [
      { id: owner, summary: owner, timeZone: 'America/New_York', allowedConferenceSolutionTypes: ['hangoutsMeet'] },
      {
        id: 'team@group.calendar.google.com',
        summary: 'Team',
        timeZone: 'Europe/Berlin',
        allowedConferenceSolutionTypes: ['hangoutsMeet'],
      },
    ] as GoogleCalendarRecord[],
    /** How Meet creation goes for new events: ready at once, `pending` until read `readyAtRead` (Infinity: never), or failed. */
    meet: { outcome: 'success' as 'success' | 'pending' | 'failure', readyAtRead: 1 },
    tokens: new Map<string, number>(),
    tokenRequests: 0,
    /** The tokens sent to the revocation endpoint, in order. */
    revokeRequests: [] as string[],
    /** What the person does on the sign-in page: approve, or deny consent. */
    consent: 'approve' as 'approve' | 'deny',
    /** Authorization codes issued by the sign-in page, with what the exchange must match; a code works once. */
    codes: new Map<string, { challenge: string; redirectUri: string; used: boolean }>(),
    /** The authorize requests as received, for assertions. */
    authorizeRequests: [] as URLSearchParams[],
    requestIds: new Set<string>(),
    /**
     * Whether an insert with an id the calendar already holds is refused (409 duplicate). Google "cannot guarantee that
     * ID collisions will be detected at event creation time": false plays the time it does not.
     */
    detectsDuplicates: true,
    /** Calls each Calendar route received (faults included), for assertions. */
    calls: { getCalendar: 0, insertEvent: 0, getEvent: 0, freeBusy: 0, deleteEvent: 0, patchEvent: 0 },
    /** Each event deleted, with the sendUpdates it was asked with. */
    deleteRequests: [] as Array<{ eventId: string; sendUpdates: string | null }>,
    /** Each events.patch, with its sendUpdates and body. */
    patchRequests: [] as Array<{ eventId: string; sendUpdates: string | null; body: Record<string, unknown> }>,
    /** The host's other commitments (UTC ISO bounds), busy in free/busy like the events this fake made. */
    busy: [] as Array<{ calendarId: string; start: string; end: string }>,
    /** The free/busy request bodies as received, for assertions. */
    freeBusyRequests: [] as Array<Record<string, unknown>>,
    events: [] as GoogleEventRecord[],
    faults: new Faults(),
  };

  const findCalendar = (raw: string): GoogleCalendarRecord | undefined => {
    const calendarId = decodeURIComponent(raw);
    return state.calendars.find((c) => c.id === (calendarId === 'primary' ? owner : calendarId));
  };
  const granted = (request: Request): string[] | undefined => {
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    const expiresAt = token ? state.tokens.get(token) : undefined;
    return expiresAt !== undefined && expiresAt > Date.now() ? state.scope.split(' ') : undefined;
  };
  const invalidCredentials = () =>
    Response.json(
      {
        error: {
          errors: [
            {
              domain: 'global',
              reason: 'authError',
              message: 'Invalid Credentials',
              locationType: 'header',
              location: 'Authorization',
            },
          ],
          code: 401,
          message: 'Invalid Credentials',
        },
      },
      { status: 401 },
    );
  const insufficientScopes = () =>
    Response.json(
      {
        error: {
          code: 403,
          message: 'Request had insufficient authentication scopes.',
          errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
          status: 'PERMISSION_DENIED',
        },
      },
      { status: 403 },
    );
  const notFound = () => googleApiError(404, 'Not Found', 'notFound');

  /** Puts a finished Meet conference on the event, as Google does once creation succeeds. */
  const completeMeet = (record: GoogleEventRecord, requestId: string): void => {
    const code = meetCode();
    record.event.hangoutLink = `https://meet.google.com/${code}`;
    record.event.conferenceData = {
      createRequest: { requestId, conferenceSolutionKey: { type: 'hangoutsMeet' }, status: { statusCode: 'success' } },
      entryPoints: [
        { entryPointType: 'video', uri: `https://meet.google.com/${code}`, label: `meet.google.com/${code}` },
      ],
      conferenceSolution: {
        key: { type: 'hangoutsMeet' },
        name: 'Google Meet',
        iconUri:
          'https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png',
      },
      conferenceId: code,
    };
  };

  /** Reads `dateTime` as Google does: an offset is required unless `timeZone` names the zone. */
  const readTime = (
    value: unknown,
    which: 'start' | 'end',
  ): { instant: DateTime; timeZone: string | undefined } | Response => {
    const time = (value ?? {}) as { dateTime?: unknown; timeZone?: unknown };
    if (value === undefined) return googleApiError(400, `Missing ${which} time.`, 'required');
    const timeZone = typeof time.timeZone === 'string' ? time.timeZone : undefined;
    if (timeZone !== undefined && !IANAZone.isValidZone(timeZone))
      return googleApiError(400, `Invalid time zone definition for ${which} time.`, 'invalid');
    if (
      typeof time.dateTime !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(time.dateTime)
    ) {
      return googleApiError(400, 'Bad Request', 'badRequest');
    }
    const hasOffset = /(Z|[+-]\d{2}:\d{2})$/.test(time.dateTime);
    if (!hasOffset && !timeZone)
      return googleApiError(400, `Missing time zone definition for ${which} time.`, 'required');
    const instant = hasOffset
      ? DateTime.fromISO(time.dateTime, { setZone: true })
      : DateTime.fromISO(time.dateTime, { zone: timeZone });
    return instant.isValid ? { instant, timeZone } : googleApiError(400, 'Bad Request', 'badRequest');
  };

  /**
   * The event a delete or patch names, with its `sendUpdates`; or Google's refusal: a token without an event-write
   * scope, a `sendUpdates` it does not know, no such event (404), or one deleted already (410 "deleted").
   */
  const writableEvent = (
    request: Request,
    params: Record<string, string | readonly string[] | undefined>,
  ): Response | { record: GoogleEventRecord; sendUpdates: string | null } => {
    const scope = granted(request);
    if (!scope) return invalidCredentials();
    if (![scopes.calendar, scopes.events].some((s) => scope.includes(s))) return insufficientScopes();
    const sendUpdates = new URL(request.url).searchParams.get('sendUpdates');
    if (sendUpdates !== null && !['all', 'externalOnly', 'none'].includes(sendUpdates))
      return googleApiError(400, `Invalid value for sendUpdates: ${sendUpdates}`, 'invalid');
    const calendar = findCalendar(String(params.calendarId));
    const record = state.events.find((e) => e.calendarId === calendar?.id && e.event.id === String(params.eventId));
    if (!record) return notFound();
    if (record.event.status === 'cancelled') return googleApiError(410, 'Resource has been deleted', 'deleted');
    return { record, sendUpdates };
  };

  const routes: FakeRoute[] = [
    // The sign-in page: it approves (or denies) at once and redirects to the loopback redirect URI, as a person would.
    http.get(authUrl, ({ request }) => {
      const query = new URL(request.url).searchParams;
      state.authorizeRequests.push(query);
      const redirectUri = query.get('redirect_uri') ?? '';
      if (query.get('client_id') !== state.clientId) return new Response('Error 401: invalid_client', { status: 401 });
      if (!/^http:\/\/(127\.0\.0\.1|\[::1\]):\d+\//.test(redirectUri))
        return new Response('Error 400: redirect_uri_mismatch', { status: 400 });
      if (
        query.get('response_type') !== 'code' ||
        query.get('code_challenge_method') !== 'S256' ||
        !query.get('code_challenge')
      ) {
        return new Response('Error 400: invalid_request', { status: 400 });
      }
      if (!(query.get('scope') ?? '').split(' ').includes(scopes.events))
        return new Response('Error 400: invalid_scope', { status: 400 });
      const back = new URL(redirectUri);
      back.searchParams.set('state', query.get('state') ?? '');
      if (state.consent === 'deny') {
        back.searchParams.set('error', 'access_denied');
      } else {
        const code = `4/0${randomBytes(24).toString('base64url')}`;
        state.codes.set(code, { challenge: query.get('code_challenge') ?? '', redirectUri, used: false });
        back.searchParams.set('code', code);
        back.searchParams.set('scope', query.get('scope') ?? '');
      }
      return new Response(null, { status: 302, headers: { Location: back.toString() } });
    }),

    http.post(`${tokenBase}/token`, async ({ request }) => {
      state.tokenRequests += 1;
      const fault = await state.faults.take('token');
      if (fault) return fault;
      if (!(request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')) {
        return oauthError(400, 'invalid_request', 'Bad Request');
      }
      const form = new URLSearchParams(await request.text());
      const grant = form.get('grant_type');
      if (grant !== 'refresh_token' && grant !== 'authorization_code')
        return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grant ?? ''}`);
      if (!form.get('client_id'))
        return oauthError(400, 'invalid_request', 'Could not determine client ID from request.');
      if (form.get('client_id') !== state.clientId)
        return oauthError(401, 'invalid_client', 'The OAuth client was not found.');
      if (!form.get('client_secret')) return oauthError(400, 'invalid_request', 'client_secret is missing.');
      if (form.get('client_secret') !== state.clientSecret) return oauthError(401, 'invalid_client', 'Unauthorized');
      if (grant === 'authorization_code') {
        const issued = state.codes.get(form.get('code') ?? '');
        if (!issued || issued.used) return oauthError(400, 'invalid_grant', 'Malformed auth code.');
        issued.used = true;
        if (form.get('redirect_uri') !== issued.redirectUri)
          return oauthError(400, 'redirect_uri_mismatch', 'Bad Request');
        const verifier = form.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== issued.challenge)
          return oauthError(400, 'invalid_grant', 'Invalid code verifier.');
        const token = `ya29.${randomBytes(32).toString('base64url')}`;
        state.tokens.set(token, Date.now() + state.tokenTtlSeconds * 1000);
        // A sign-in after the grant was revoked is a new grant, with a new refresh token.
        if (state.revoked.has(state.refreshToken))
          state.refreshToken = `1//0g-${randomBytes(24).toString('base64url')}`;
        return Response.json({
          access_token: token,
          expires_in: state.tokenTtlSeconds,
          refresh_token: state.refreshToken,
          scope: state.scope,
          token_type: 'Bearer',
        });
      }
      const refreshToken = form.get('refresh_token');
      if (!refreshToken) return oauthError(400, 'invalid_request', 'Missing required parameter: refresh_token');
      if (refreshToken !== state.refreshToken || state.revoked.has(refreshToken))
        return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
      const token = `ya29.${randomBytes(32).toString('base64url')}`;
      state.tokens.set(token, Date.now() + state.tokenTtlSeconds * 1000);
      // Google does not rotate refresh tokens: the answer carries no new one.
      return Response.json({
        access_token: token,
        expires_in: state.tokenTtlSeconds,
        scope: state.scope,
        token_type: 'Bearer',
      });
    }),

    // https://developers.google.com/identity/protocols/oauth2/native-app#tokenrevoke: a refresh or access token, as a form
    // field or query parameter; 200 when revoked, 400 invalid_token for a token Google does not know (or no longer).
    http.post(`${tokenBase}/revoke`, async ({ request }) => {
      const fault = await state.faults.take('revoke');
      if (fault) return fault;
      const form = new URLSearchParams(await request.text());
      const token = form.get('token') ?? new URL(request.url).searchParams.get('token') ?? '';
      state.revokeRequests.push(token);
      if (token === state.refreshToken && !state.revoked.has(token)) {
        // Revoking the grant ends its access tokens too.
        state.revoked.add(token);
        state.tokens.clear();
        return Response.json({});
      }
      if (state.tokens.delete(token)) return Response.json({});
      return oauthError(400, 'invalid_token', 'Token expired or revoked');
    }),

    http.get(`${apiBase}/calendars/:calendarId`, async ({ request, params }) => {
      state.calls.getCalendar += 1;
      const fault = await state.faults.take('getCalendar');
      if (fault) return fault;
      const scope = granted(request);
      if (!scope) return invalidCredentials();
      if (!scope.includes(scopes.calendar) && !scope.includes(scopes.readonly)) return insufficientScopes();
      const calendar = findCalendar(String(params.calendarId));
      if (!calendar) return notFound();
      return Response.json({
        kind: 'calendar#calendar',
        etag: `"${randomBytes(8).toString('hex')}"`,
        id: calendar.id,
        summary: calendar.summary,
        timeZone: calendar.timeZone,
        ...(calendar.allowedConferenceSolutionTypes
          ? { conferenceProperties: { allowedConferenceSolutionTypes: calendar.allowedConferenceSolutionTypes } }
          : {}),
      });
    }),

    http.post(`${apiBase}/calendars/:calendarId/events`, async ({ request, params }) => {
      state.calls.insertEvent += 1;
      const fault = await state.faults.take('insertEvent');
      if (fault) return fault;
      const scope = granted(request);
      if (!scope) return invalidCredentials();
      if (!scope.includes(scopes.calendar) && !scope.includes(scopes.events)) return insufficientScopes();
      const calendar = findCalendar(String(params.calendarId));
      if (!calendar) return notFound();
      const url = new URL(request.url);
      const conferenceDataVersion = url.searchParams.get('conferenceDataVersion');
      const sendUpdates = url.searchParams.get('sendUpdates');
      if (conferenceDataVersion !== null && !['0', '1'].includes(conferenceDataVersion))
        return googleApiError(400, 'Invalid conference data version.', 'invalid');
      if (sendUpdates !== null && !['all', 'externalOnly', 'none'].includes(sendUpdates))
        return googleApiError(400, `Invalid value for sendUpdates: ${sendUpdates}`, 'invalidParameter');
      let body: Record<string, unknown>;
      try {
        body = (await request.json()) as Record<string, unknown>;
      } catch {
        return googleApiError(400, 'Parse Error', 'parseError');
      }
      const start = readTime(body.start, 'start');
      if (start instanceof Response) return start;
      const end = readTime(body.end, 'end');
      if (end instanceof Response) return end;
      if (end.instant <= start.instant)
        return googleApiError(400, 'The specified time range is empty.', 'timeRangeEmpty', 'calendar');
      const attendees = Array.isArray(body.attendees)
        ? (body.attendees as Array<{ email?: unknown; displayName?: unknown }>)
        : [];
      if (attendees.some((a) => typeof a.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(a.email)))
        return googleApiError(400, 'Invalid attendee email.', 'invalid');

      // A client may give the id: base32hex (a-v, 0-9), 5 to 1024 characters, unique in the calendar (else 409 duplicate).
      let id = randomBytes(13).toString('hex').replace(/[w-z]/g, 'v');
      if (body.id !== undefined) {
        if (typeof body.id !== 'string' || !/^[a-v0-9]{5,1024}$/.test(body.id))
          return googleApiError(400, 'Invalid resource id value.', 'invalid');
        if (state.detectsDuplicates && state.events.some((e) => e.calendarId === calendar.id && e.event.id === body.id))
          return googleApiError(409, 'The requested identifier already exists.', 'duplicate');
        id = body.id;
      }
      const zone = start.timeZone ?? calendar.timeZone;
      // Like Google: conferenceData is silently ignored unless conferenceDataVersion=1.
      const create =
        conferenceDataVersion === '1'
          ? (
              body.conferenceData as
                { createRequest?: { requestId?: unknown; conferenceSolutionKey?: { type?: unknown } } } | undefined
            )?.createRequest
          : undefined;
      if (create) {
        if (typeof create.requestId !== 'string' || create.requestId === '')
          return googleApiError(400, 'Invalid conference create request.', 'invalid');
        const type = create.conferenceSolutionKey?.type;
        if (typeof type !== 'string' || !(calendar.allowedConferenceSolutionTypes ?? []).includes(type))
          return googleApiError(400, 'Invalid conference type value.', 'invalid');
      }
      const now = new Date().toISOString();
      const event: Record<string, unknown> = {
        kind: 'calendar#event',
        etag: `"${Date.now()}"`,
        id,
        status: 'confirmed',
        htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${calendar.id}`).toString('base64url')}`,
        created: now,
        updated: now,
        summary: body.summary,
        description: body.description,
        creator: { email: owner, self: true },
        organizer: { email: calendar.id, self: true },
        start: { dateTime: start.instant.setZone(zone).toISO({ suppressMilliseconds: true }), timeZone: zone },
        end: {
          dateTime: end.instant.setZone(end.timeZone ?? zone).toISO({ suppressMilliseconds: true }),
          timeZone: end.timeZone ?? zone,
        },
        iCalUID: `${id}@google.com`,
        sequence: 0,
        attendees: attendees.map((a) => ({
          email: a.email,
          ...(typeof a.displayName === 'string' ? { displayName: a.displayName } : {}),
          responseStatus: 'needsAction',
        })),
        reminders: { useDefault: true },
        eventType: 'default',
      };
      const record: GoogleEventRecord = {
        calendarId: calendar.id,
        query: { conferenceDataVersion, sendUpdates },
        body,
        startUtc: start.instant.toUTC().toISO({ suppressMilliseconds: true }) ?? '',
        endUtc: end.instant.toUTC().toISO({ suppressMilliseconds: true }) ?? '',
        timeZone: start.timeZone,
        event,
        readyAtRead: state.meet.readyAtRead,
        reads: 0,
      };
      // A requestId Google has already seen is ignored: no second conference.
      if (create && !state.requestIds.has(create.requestId as string)) {
        const requestId = create.requestId as string;
        state.requestIds.add(requestId);
        if (state.meet.outcome === 'success') completeMeet(record, requestId);
        else
          event.conferenceData = {
            createRequest: {
              requestId,
              conferenceSolutionKey: { type: 'hangoutsMeet' },
              status: { statusCode: state.meet.outcome },
            },
          };
      }
      state.events.push(record);
      return state.faults.lose('insertEvent', Response.json(event));
    }),

    http.get(`${apiBase}/calendars/:calendarId/events/:eventId`, async ({ request, params }) => {
      state.calls.getEvent += 1;
      const fault = await state.faults.take('getEvent');
      if (fault) return fault;
      const scope = granted(request);
      if (!scope) return invalidCredentials();
      if (![scopes.calendar, scopes.readonly, scopes.events].some((s) => scope.includes(s)))
        return insufficientScopes();
      const calendar = findCalendar(String(params.calendarId));
      const record = state.events.find((e) => e.calendarId === calendar?.id && e.event.id === String(params.eventId));
      if (!record) return notFound();
      record.reads += 1;
      const create = (
        record.event.conferenceData as
          { createRequest?: { requestId: string; status: { statusCode: string } } } | undefined
      )?.createRequest;
      if (create?.status.statusCode === 'pending' && record.reads >= record.readyAtRead)
        completeMeet(record, create.requestId);
      return Response.json(record.event);
    }),

    // events.delete (https://developers.google.com/calendar/api/v3/reference/events/delete): 204; the event stays
    // readable with status "cancelled"; deleting it again is 410 Gone (reason "deleted").
    http.delete(`${apiBase}/calendars/:calendarId/events/:eventId`, async ({ request, params }) => {
      state.calls.deleteEvent += 1;
      const fault = await state.faults.take('deleteEvent');
      if (fault) return fault;
      const target = writableEvent(request, params);
      if (target instanceof Response) return target;
      const { record, sendUpdates } = target;
      record.event.status = 'cancelled';
      state.deleteRequests.push({ eventId: String(record.event.id), sendUpdates });
      return state.faults.lose('deleteEvent', new Response(null, { status: 204 }));
    }),

    // events.patch (https://developers.google.com/calendar/api/v3/reference/events/patch): the fields sent replace
    // theirs, the rest (conferenceData, attendees) stays; 200 with the event. A deleted event: the fake answers 410, as
    // Google documents for a deleted resource (what Google does on a patch of one is not documented).
    http.patch(`${apiBase}/calendars/:calendarId/events/:eventId`, async ({ request, params }) => {
      state.calls.patchEvent += 1;
      const fault = await state.faults.take('patchEvent');
      if (fault) return fault;
      const target = writableEvent(request, params);
      if (target instanceof Response) return target;
      const { record, sendUpdates } = target;
      let body: Record<string, unknown>;
      try {
        body = (await request.json()) as Record<string, unknown>;
      } catch {
        return googleApiError(400, 'Parse Error', 'parseError');
      }
      if (body.start !== undefined || body.end !== undefined) {
        const start = readTime(body.start ?? record.event.start, 'start');
        if (start instanceof Response) return start;
        const end = readTime(body.end ?? record.event.end, 'end');
        if (end instanceof Response) return end;
        if (end.instant <= start.instant)
          return googleApiError(400, 'The specified time range is empty.', 'timeRangeEmpty', 'calendar');
        const zone = start.timeZone ?? record.timeZone ?? 'UTC';
        record.startUtc = start.instant.toUTC().toISO({ suppressMilliseconds: true }) ?? '';
        record.endUtc = end.instant.toUTC().toISO({ suppressMilliseconds: true }) ?? '';
        record.timeZone = zone;
        record.event.start = {
          dateTime: start.instant.setZone(zone).toISO({ suppressMilliseconds: true }),
          timeZone: zone,
        };
        record.event.end = {
          dateTime: end.instant.setZone(end.timeZone ?? zone).toISO({ suppressMilliseconds: true }),
          timeZone: end.timeZone ?? zone,
        };
      }
      record.event.sequence = Number(record.event.sequence ?? 0) + 1;
      record.event.updated = new Date().toISOString();
      state.patchRequests.push({ eventId: String(record.event.id), sendUpdates, body });
      return state.faults.lose('patchEvent', Response.json(record.event));
    }),

    // freebusy.query (https://developers.google.com/calendar/api/v3/reference/freebusy/query): busy blocks per calendar,
    // merged and clipped to the range, in UTC; a calendar it cannot read gets `errors` inside the 200.
    http.post(`${apiBase}/freeBusy`, async ({ request }) => {
      state.calls.freeBusy += 1;
      const fault = await state.faults.take('freeBusy');
      if (fault) return fault;
      const scope = granted(request);
      if (!scope) return invalidCredentials();
      if (![scopes.calendar, scopes.readonly, scopes.freebusy, scopes.eventsFreebusy].some((s) => scope.includes(s)))
        return insufficientScopes();
      let body: Record<string, unknown>;
      try {
        body = (await request.json()) as Record<string, unknown>;
      } catch {
        return googleApiError(400, 'Parse Error', 'parseError');
      }
      state.freeBusyRequests.push(body);
      const bound = (name: 'timeMin' | 'timeMax'): DateTime | Response => {
        const value = body[name];
        if (value === undefined) return googleApiError(400, `Missing ${name}.`, 'required');
        if (
          typeof value !== 'string' ||
          !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)
        )
          return googleApiError(400, 'Bad Request', 'badRequest');
        const at = DateTime.fromISO(value, { setZone: true });
        return at.isValid ? at : googleApiError(400, 'Bad Request', 'badRequest');
      };
      const timeMin = bound('timeMin');
      if (timeMin instanceof Response) return timeMin;
      const timeMax = bound('timeMax');
      if (timeMax instanceof Response) return timeMax;
      if (timeMax <= timeMin)
        return googleApiError(400, 'The specified time range is empty.', 'timeRangeEmpty', 'calendar');
      if (timeMax.diff(timeMin, 'days').days > 90)
        return googleApiError(400, 'The requested time range is too long.', 'timeRangeTooLong', 'calendar');
      const items = Array.isArray(body.items) ? (body.items as Array<{ id?: unknown }>) : [];
      const [from, to] = [timeMin.toMillis(), timeMax.toMillis()];
      const calendars: Record<string, unknown> = {};
      for (const item of items) {
        const id = typeof item.id === 'string' ? item.id : '';
        const calendar = findCalendar(encodeURIComponent(id));
        if (!calendar) {
          calendars[id] = { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
          continue;
        }
        const blocks = [
          ...state.events
            .filter((e) => e.calendarId === calendar.id && e.event.status !== 'cancelled')
            .map((e) => ({ start: Date.parse(e.startUtc), end: Date.parse(e.endUtc) })),
          ...state.busy
            .filter((b) => b.calendarId === calendar.id)
            .map((b) => ({ start: Date.parse(b.start), end: Date.parse(b.end) })),
        ]
          .map((b) => ({ start: Math.max(b.start, from), end: Math.min(b.end, to) }))
          .filter((b) => b.end > b.start)
          .sort((a, b) => a.start - b.start);
        const merged: Array<{ start: number; end: number }> = [];
        for (const b of blocks) {
          const last = merged.at(-1);
          if (last && b.start <= last.end) last.end = Math.max(last.end, b.end);
          else merged.push({ ...b });
        }
        const utc = (ms: number) => DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true });
        calendars[id] = { busy: merged.map((b) => ({ start: utc(b.start), end: utc(b.end) })) };
      }
      return Response.json({
        kind: 'calendar#freeBusy',
        timeMin: timeMin.toUTC().toISO({ suppressMilliseconds: true }),
        timeMax: timeMax.toUTC().toISO({ suppressMilliseconds: true }),
        calendars,
      });
    }),
  ];

  const env = {
    ALSATALK_GOOGLE_API_URL: apiBase,
    ALSATALK_GOOGLE_TOKEN_URL: tokenBase,
    ALSATALK_GOOGLE_AUTH_URL: authUrl,
  };
  return { state, routes, apiBase, tokenBase, env };
}

export type GoogleFake = ReturnType<typeof createGoogleFake>;
