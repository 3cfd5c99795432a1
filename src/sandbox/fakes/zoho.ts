// A fake Zoho that behaves like the documented APIs: the accounts sign-in page and token endpoint (sign-in code, grant code
// and refresh, at its own accounts host and at the real EU one, for multi-DC), and the
// Bookings fetch and Book Appointment endpoints, with failures inside HTTP 200s and HTML pages for refused tokens.
// https://www.zoho.com/accounts/protocol/oauth/self-client/overview.html · https://www.zoho.com/bookings/help/api/v1/book-appointment.html
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { DateTime, IANAZone } from 'luxon';
import { http, type FakeRoute } from '../fake-http.js';
import { Faults } from './fault.js';

export interface ZohoServiceRecord {
  id: string;
  name: string;
  duration: string;
  minutes: number;
  service_type: string;
  workspaceId: string;
  staffIds: string[];
}

export interface ZohoStaffRecord {
  id: string;
  name: string;
  email: string;
  workspaceId: string;
}

export interface ZohoAppointmentRecord {
  bookingId: string;
  /** The request's Content-Type, boundary stripped. */
  contentType: string;
  /** Every form field as sent. */
  form: Record<string, string>;
  serviceId: string;
  staffId: string;
  /** The instants Zoho understood, and the zone it read `from_time` in. */
  startUtc: string;
  endUtc: string;
  timeZone: string;
  customer: { name?: string; email?: string; phone_number?: string };
  /** Set by Update Appointment (action cancel). */
  cancelled?: boolean;
  /** How many times Reschedule Appointment moved it. */
  rescheduled?: number;
}

export interface ZohoFakeOptions {
  accountsBase?: string;
  apiBase?: string;
  /** A second data centre's accounts host (multi-DC): the real EU one by default, which msw intercepts like any other. */
  euAccountsBase?: string;
  /** The UAE data centre's accounts host, the newest one (https://accounts.zoho.ae by default). */
  aeAccountsBase?: string;
}

/** A sign-in code and what its exchange must match (https://www.zoho.com/accounts/protocol/oauth/mobile-and-desktop-apps/get-access-token.html). */
export interface ZohoSignInCode {
  challenge: string;
  redirectUri: string;
  /** The accounts host that must exchange it: the person's data centre. */
  accountsServer: string;
  used: boolean;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const zohoTime = (at: DateTime): string =>
  `${at.toFormat('dd')}-${months[at.month - 1]}-${at.toFormat('yyyy HH:mm:ss')}`;

/** What Zoho answers to a missing (400) or refused (401) access token: an HTML page, not JSON. */
export const zohoErrorPage = (status: 400 | 401) =>
  new Response(
    '<!DOCTYPE html><html><head><meta charset="UTF-8"><title>Zoho Creator - Error Page</title></head><body><div class="errorPage"><h1>Oops!</h1><p>Something went wrong. Please try again later.</p></div></body></html>',
    { status, headers: { 'Content-Type': 'text/html;charset=UTF-8' } },
  );

/** A Bookings answer: every outcome is an HTTP 200 around `response`. */
const ok = (returnvalue: unknown) => Response.json({ response: { returnvalue, status: 'success' } });
/** A refusal of the request itself (a missing or malformed parameter). */
const refused = (message: string) => Response.json({ response: { status: 'failure', message } });

/** The string fields of a form-data (or urlencoded) body, as Zoho's POST APIs take them; undefined for any other body. */
async function readForm(
  request: Request,
): Promise<{ contentType: string; fields: Record<string, string> } | undefined> {
  const contentType = (request.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (contentType !== 'multipart/form-data' && contentType !== 'application/x-www-form-urlencoded') return undefined;
  const fields: Record<string, string> = {};
  for (const [name, value] of await request.formData()) if (typeof value === 'string') fields[name] = value;
  return { contentType, fields };
}
/**
 * The form fields Book Appointment takes (https://www.zoho.com/bookings/help/api/v1/book-appointment.html): the zone is
 * `time_zone`; anything else is refused like any other bad request, so a misnamed field cannot pass unnoticed.
 */
const appointmentFields = new Set([
  'service_id',
  'staff_id',
  'resource_id',
  'group_id',
  'from_time',
  'to_time',
  'time_zone',
  'customer_details',
  'notes',
  'additional_fields',
]);

/** A refusal of the booking (the slot, the customer details), reported inside `returnvalue`. */
export const bookingFailure = (message: string) => ({
  response: { returnvalue: { status: 'failure', message }, status: 'success' },
});

export function createZohoFake(options: ZohoFakeOptions = {}) {
  const accountsBase = options.accountsBase ?? 'https://accounts.zoho.test';
  const apiBase = options.apiBase ?? 'https://www.zohoapis.zoho.test';
  const euAccountsBase = options.euAccountsBase ?? 'https://accounts.zoho.eu';
  const aeAccountsBase = options.aeAccountsBase ?? 'https://accounts.zoho.ae';
  const workspaceId = '4753814000000048016';
  const [ann, bob] = ['4753814000000048014', '4753814000000048020'];
  const state = {
    clientId: '1000.8R3KQZ2XJ5YF0ZOHOALSATALK',
    clientSecret: 'zoho-client-secret-5f0e8a7c1b2d',
    /** Grant codes and whether they were used: a code works once. */
    grantCodes: new Map<string, boolean>(),
    /** Refresh tokens Zoho accepts (seeded with one, plus each issued for a grant code). */
    refreshTokens: new Set<string>(['1000.refresh.6a1f0c9b2e7d4a58b3c1']),
    issuedRefreshTokens: [] as string[],
    tokenTtlSeconds: 3600,
    tokens: new Map<string, number>(),
    tokenRequests: 0,
    /** The tokens sent to the revocation endpoint, in order, and the accounts host each went to. */
    revokeRequests: [] as string[],
    revokeHosts: [] as string[],
    /** The accounts host each token request went to. */
    tokenHosts: [] as string[],
    /** What the person does on the sign-in page: approve, or deny consent. */
    consent: 'approve' as 'approve' | 'deny',
    /** The `accounts-server` (and `location`) the sign-in callback names: the person's data centre. */
    callbackAccountsServer: accountsBase,
    callbackLocation: 'us',
    /** Redirect URIs registered for the client; undefined accepts any 127.0.0.1 one (whether Zoho matches the port is unconfirmed). */
    registeredRedirectUris: undefined as string[] | undefined,
    /** Sign-in codes issued by the sign-in page; a code works once. */
    signInCodes: new Map<string, ZohoSignInCode>(),
    /** The authorize requests as received, for assertions. */
    authorizeRequests: [] as URLSearchParams[],
    /** Where each token request carried its fields: `body` (form) or `query`. */
    tokenParamsIn: [] as Array<'body' | 'query'>,
    workspaces: [{ id: workspaceId, name: 'Acme Consulting' }],
    services: [
      {
        id: '4753814000000048054',
        name: 'Intro call',
        duration: '30 mins',
        minutes: 30,
        service_type: 'APPOINTMENT',
        workspaceId,
        staffIds: [ann, bob],
      },
      {
        id: '4753814000000048060',
        name: 'Deep dive',
        duration: '1 hour',
        minutes: 60,
        service_type: 'APPOINTMENT',
        workspaceId,
        staffIds: [ann],
      },
      {
        id: '4753814000000048066',
        name: 'Strategy session',
        duration: '1 hour 30 mins',
        minutes: 90,
        service_type: 'APPOINTMENT',
        workspaceId,
        staffIds: [bob],
      },
      {
        id: '4753814000000048078',
        name: 'Yoga class',
        duration: '1 hour',
        minutes: 60,
        service_type: 'CLASS',
        workspaceId,
        staffIds: [ann],
      },
      {
        id: '4753814000000048072',
        name: 'Meeting room',
        duration: '2 hours',
        minutes: 120,
        service_type: 'RESOURCE',
        workspaceId,
        staffIds: [],
      },
    ] as ZohoServiceRecord[],
    staffs: [
      { id: ann, name: 'Ann Smith', email: 'ann@acme.test', workspaceId },
      { id: bob, name: 'Bob Jones', email: 'bob@acme.test', workspaceId },
    ] as ZohoStaffRecord[],
    /** The zone a `from_time` is read in when the request names none. */
    workspaceTimezone: 'America/Los_Angeles',
    /** Zoho's docs list the phone number among the mandatory customer details. */
    phoneRequired: true,
    /**
     * The `time_zone` appointment answers name, when not the booking's own: Zoho documents no zone for the echoed start
     * fields, so a `time_zone` that is not theirs (the workspace's, say) is a reading the client must not alarm about.
     */
    echoTimeZone: undefined as string | undefined,
    /** Whether appointment answers carry a `summary_url`. */
    summaryUrls: true,
    appointments: [] as ZohoAppointmentRecord[],
    /**
     * Each staff member's working hours, in `workspaceTimezone`, every day: availableslots offers starts every
     * `stepMinutes` from `open` to `close` (hours) that the service fits in and no appointment of theirs overlaps.
     */
    hours: { open: 9, close: 17, stepMinutes: 30 },
    /** Blocks (UTC ISO bounds) when the staff are away: availableslots offers nothing that overlaps them. */
    busyBlocks: [] as Array<{ start: string; end: string }>,
    /** availableslots requests under way now and at most at once; each waits `delayMs` before answering (0: none). */
    slotRequests: { inFlight: 0, maxInFlight: 0, delayMs: 0 },
    /** The account's time format (Settings > General > Time Format), which availableslots answers in. */
    timeFormat: '24' as '24' | '12',
    apiCalls: [] as string[],
    faults: new Faults(),
  };

  const grantCode = (): string => {
    const code = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    state.grantCodes.set(code, false);
    return code;
  };
  const issueAccessToken = (): string => {
    const token = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    state.tokens.set(token, Date.now() + state.tokenTtlSeconds * 1000);
    return token;
  };
  /** 400 without a token, 401 with one Zoho does not accept (a `Bearer` one included). */
  const unauthorized = (request: Request): Response | undefined => {
    const header = request.headers.get('authorization');
    if (!header) return zohoErrorPage(400);
    const token = /^Zoho-oauthtoken (.+)$/.exec(header)?.[1];
    const expiresAt = token ? state.tokens.get(token) : undefined;
    return expiresAt !== undefined && expiresAt > Date.now() ? undefined : zohoErrorPage(401);
  };
  /** A query parameter the endpoint's reference does not list is refused like any other bad request. */
  const undocumented = (url: URL, documented: readonly string[]): Response | undefined => {
    const unknown = [...url.searchParams.keys()].filter((name) => !documented.includes(name));
    return unknown.length > 0 ? refused(`Invalid input: unknown parameter ${unknown.join(', ')}`) : undefined;
  };
  const workspaceOf = (url: URL): string | Response => {
    const id = url.searchParams.get('workspace_id');
    if (!id) return refused('workspace_id is mandatory');
    return state.workspaces.some((w) => w.id === id) ? id : refused('Invalid workspace_id');
  };
  const serviceJson = (s: ZohoServiceRecord) => ({
    id: s.id,
    name: s.name,
    duration: s.duration,
    service_type: s.service_type,
    price: 0,
    currency: 'USD',
    assigned_staffs: s.staffIds,
    assigned_workspace: s.workspaceId,
    embed_url: `https://acme.zohobookings.test/portal-embed#/${s.id}`,
    let_customer_select_staff: true,
  });

  /** Reads `from_time` as Zoho documents it: `dd-MMM-yyyy HH:mm:ss`, 24 h, a wall time in `zone`. */
  const readFromTime = (text: string, zone: string): DateTime | undefined => {
    const m = /^(\d{2})-([A-Z][a-z]{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
    const month = m ? months.indexOf(m[2] ?? '') + 1 : 0;
    if (!m || month === 0) return undefined;
    const [day, year, hour, minute, second] = [m[1], m[3], m[4], m[5], m[6]].map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const at = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone });
    return at.isValid && at.hour === hour && at.day === day ? at : undefined;
  };

  /** An appointment as Zoho's answers show it (booking, fetch). */
  const appointmentItem = (a: ZohoAppointmentRecord) => {
    const service = state.services.find((v) => v.id === a.serviceId);
    const staff = state.staffs.find((v) => v.id === a.staffId);
    return {
      booking_id: a.bookingId,
      service_id: a.serviceId,
      service_name: service?.name,
      staff_id: a.staffId,
      staff_name: staff?.name,
      start_time: zohoTime(DateTime.fromISO(a.startUtc, { zone: a.timeZone })),
      end_time: zohoTime(DateTime.fromISO(a.endUtc, { zone: a.timeZone })),
      customer_booking_start_time: DateTime.fromISO(a.startUtc, { zone: a.timeZone }).toFormat('yyyy-MM-dd HH:mm:ss'),
      iso_start_time: a.startUtc,
      duration: service?.duration,
      customer_name: a.customer.name,
      customer_email: a.customer.email,
      customer_contact_no: a.customer.phone_number ?? '',
      time_zone: state.echoTimeZone ?? a.timeZone,
      notes: a.form.notes ?? '',
      status: a.cancelled ? 'cancel' : 'upcoming',
      ...(state.summaryUrls
        ? {
            summary_url: `https://acme.zohobookings.test/portal/appointment-summary/${encodeURIComponent(a.bookingId)}`,
          }
        : {}),
    };
  };

  const authorizeHandler = (base: string) =>
    // The sign-in page: it approves (or denies) at once and redirects to the redirect URI, as a person would.
    http.get(`${base}/oauth/v2/auth`, ({ request }) => {
      const query = new URL(request.url).searchParams;
      state.authorizeRequests.push(query);
      const redirectUri = query.get('redirect_uri') ?? '';
      if (query.get('client_id') !== state.clientId) return new Response('Invalid Client', { status: 400 });
      const registered = state.registeredRedirectUris
        ? state.registeredRedirectUris.includes(redirectUri)
        : /^http:\/\/127\.0\.0\.1:\d+\//.test(redirectUri);
      // Zoho shows an error page and never calls back when the redirect URI is not the registered one.
      if (!registered)
        return new Response('<html><head><title>Invalid Redirect Uri</title></head></html>', {
          status: 400,
          headers: { 'Content-Type': 'text/html' },
        });
      if (query.get('response_type') !== 'code' || !query.get('scope'))
        return new Response('Invalid Request', { status: 400 });
      const back = new URL(redirectUri);
      back.searchParams.set('state', query.get('state') ?? '');
      if (state.consent === 'deny') {
        back.searchParams.set('error', 'access_denied');
      } else {
        const code = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
        state.signInCodes.set(code, {
          challenge: query.get('code_challenge') ?? '',
          redirectUri,
          accountsServer: state.callbackAccountsServer,
          used: false,
        });
        back.searchParams.set('code', code);
        back.searchParams.set('location', state.callbackLocation);
        back.searchParams.set('accounts-server', state.callbackAccountsServer);
      }
      return new Response(null, { status: 302, headers: { Location: back.toString() } });
    });

  /** A sign-in code's exchange: the host of the person's data centre, the same redirect URI, the PKCE verifier. */
  const exchangeSignInCode = (
    base: string,
    issued: ZohoSignInCode,
    param: (name: string) => string | null,
  ): Response | undefined => {
    if (issued.used || issued.accountsServer !== base) return Response.json({ error: 'invalid_code' });
    issued.used = true;
    if (param('redirect_uri') !== issued.redirectUri) return Response.json({ error: 'invalid_redirect_uri' });
    const verifier = param('code_verifier') ?? '';
    if (issued.challenge && createHash('sha256').update(verifier).digest('base64url') !== issued.challenge)
      return Response.json({ error: 'invalid_code_verifier' });
    return undefined;
  };

  const tokenHandler = (base: string) =>
    http.post(`${base}/oauth/v2/token`, async ({ request }) => {
      state.tokenRequests += 1;
      state.tokenHosts.push(base);
      const fault = await state.faults.take('token');
      if (fault) return fault;
      const url = new URL(request.url);
      const form = (request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')
        ? new URLSearchParams(await request.text())
        : new URLSearchParams();
      state.tokenParamsIn.push(form.has('grant_type') ? 'body' : 'query');
      const param = (name: string) => form.get(name) ?? url.searchParams.get(name);
      // Zoho's token endpoint answers refusals with an HTTP 200 and an `error`.
      if (param('client_id') !== state.clientId) return Response.json({ error: 'invalid_client' });
      if (param('client_secret') !== state.clientSecret) return Response.json({ error: 'invalid_client_secret' });
      const grant = param('grant_type');
      if (grant === 'authorization_code') {
        const code = param('code') ?? '';
        const issued = state.signInCodes.get(code);
        if (issued) {
          const refusal = exchangeSignInCode(base, issued, param);
          if (refusal) return refusal;
        } else {
          if (state.grantCodes.get(code) !== false || base !== accountsBase)
            return Response.json({ error: 'invalid_code' });
          state.grantCodes.set(code, true);
        }
        const refreshToken = `1000.refresh.${randomBytes(12).toString('hex')}`;
        state.refreshTokens.add(refreshToken);
        state.issuedRefreshTokens.push(refreshToken);
        return Response.json({
          access_token: issueAccessToken(),
          refresh_token: refreshToken,
          scope: 'zohobookings.data.CREATE',
          api_domain: apiBase,
          token_type: 'Bearer',
          expires_in: state.tokenTtlSeconds,
        });
      }
      if (grant === 'refresh_token') {
        if (!state.refreshTokens.has(param('refresh_token') ?? '')) return Response.json({ error: 'invalid_code' });
        // No rotation: a refresh answer carries no new refresh token.
        return Response.json({
          access_token: issueAccessToken(),
          scope: 'zohobookings.data.CREATE',
          api_domain: apiBase,
          token_type: 'Bearer',
          expires_in: state.tokenTtlSeconds,
        });
      }
      return Response.json({ error: 'unsupported_grant_type' });
    });

  // https://www.zoho.com/accounts/protocol/oauth/revoke-refresh-token.html: the token as a query parameter,
  // {"status":"success"}, or HTTP 400 for a token Zoho does not know (the 400's body is not documented).
  const revokeHandler = (base: string) =>
    http.post(`${base}/oauth/v2/token/revoke`, async ({ request }) => {
      const fault = await state.faults.take('revoke');
      if (fault) return fault;
      const token = new URL(request.url).searchParams.get('token') ?? '';
      state.revokeRequests.push(token);
      state.revokeHosts.push(base);
      if (state.refreshTokens.delete(token)) {
        state.tokens.clear();
        return Response.json({ status: 'success' });
      }
      if (state.tokens.delete(token)) return Response.json({ status: 'success' });
      return Response.json({ status: 'failure', error: 'invalid_token' }, { status: 400 });
    });

  const routes: FakeRoute[] = [
    ...[accountsBase, euAccountsBase, aeAccountsBase].flatMap((base) => [
      authorizeHandler(base),
      tokenHandler(base),
      revokeHandler(base),
    ]),

    http.get(`${apiBase}/bookings/v1/json/workspaces`, async ({ request }) => {
      state.apiCalls.push(`GET workspaces${new URL(request.url).search}`);
      const fault = await state.faults.take('workspaces');
      if (fault) return fault;
      const denied = unauthorized(request);
      if (denied) return denied;
      // https://www.zoho.com/bookings/help/api/v1/fetch-workspaces.html: workspace_id, optional.
      const bad = undocumented(new URL(request.url), ['workspace_id']);
      if (bad) return bad;
      const wanted = new URL(request.url).searchParams.get('workspace_id');
      return ok({ data: state.workspaces.filter((w) => !wanted || w.id === wanted) });
    }),

    http.get(`${apiBase}/bookings/v1/json/services`, async ({ request }) => {
      state.apiCalls.push(`GET services${new URL(request.url).search}`);
      const fault = await state.faults.take('services');
      if (fault) return fault;
      const denied = unauthorized(request);
      if (denied) return denied;
      const url = new URL(request.url);
      // https://www.zoho.com/bookings/help/api/v1/fetch-services.html: workspace_id (mandatory), service_id, staff_id.
      const bad = undocumented(url, ['workspace_id', 'service_id', 'staff_id']);
      if (bad) return bad;
      const workspace = workspaceOf(url);
      if (workspace instanceof Response) return workspace;
      const [serviceId, staffId] = [url.searchParams.get('service_id'), url.searchParams.get('staff_id')];
      const data = state.services.filter(
        (s) =>
          s.workspaceId === workspace &&
          (!serviceId || s.id === serviceId) &&
          (!staffId || s.staffIds.includes(staffId)),
      );
      return ok({ data: data.map(serviceJson), next_page_available: false, page: 1 });
    }),

    http.get(`${apiBase}/bookings/v1/json/staffs`, async ({ request }) => {
      state.apiCalls.push(`GET staffs${new URL(request.url).search}`);
      const fault = await state.faults.take('staffs');
      if (fault) return fault;
      const denied = unauthorized(request);
      if (denied) return denied;
      const url = new URL(request.url);
      // https://www.zoho.com/bookings/help/api/v1/fetch-staff.html: staff_id, service_id, staff_email ("contains"), all
      // optional; no workspace_id.
      const bad = undocumented(url, ['staff_id', 'service_id', 'staff_email']);
      if (bad) return bad;
      const [serviceId, staffId, email] = ['service_id', 'staff_id', 'staff_email'].map((n) => url.searchParams.get(n));
      const service = state.services.find((s) => s.id === serviceId);
      if (serviceId && !service) return refused('Invalid service_id');
      const data = state.staffs.filter(
        (s) =>
          (!service || service.staffIds.includes(s.id)) &&
          (!staffId || s.id === staffId) &&
          (!email || s.email.toLowerCase().includes(email.toLowerCase())),
      );
      return ok({
        data: data.map((s) => ({
          id: s.id,
          name: s.name,
          email: s.email,
          designation: 'Consultant',
          assigned_services: state.services.filter((v) => v.staffIds.includes(s.id)).map((v) => v.id),
          assigned_workspaces: [s.workspaceId],
        })),
      });
    }),

    http.post(`${apiBase}/bookings/v1/json/appointment`, async ({ request }) => {
      state.apiCalls.push('POST appointment');
      const fault = await state.faults.take('appointment');
      if (fault) return fault;
      const denied = unauthorized(request);
      if (denied) return denied;
      const body = await readForm(request);
      if (!body) return refused('Invalid input: the parameters must be sent as form-data');
      const { contentType, fields: form } = body;

      const unknown = Object.keys(form).filter((name) => !appointmentFields.has(name));
      if (unknown.length > 0) return refused(`Invalid input: unknown parameter ${unknown.join(', ')}`);

      const service = state.services.find((s) => s.id === form.service_id);
      if (!service) return refused('Invalid service_id');
      if (!form.staff_id) return refused('staff_id is mandatory');
      if (!service.staffIds.includes(form.staff_id)) return refused('The staff is not assigned to this service');
      if (form.time_zone && !IANAZone.isValidZone(form.time_zone)) return refused('Invalid time_zone');
      const timeZone = form.time_zone || state.workspaceTimezone;
      const start = readFromTime(form.from_time ?? '', timeZone);
      if (!start) return refused('Invalid from_time: use the format dd-MMM-yyyy HH:mm:ss');
      let customer: ZohoAppointmentRecord['customer'];
      try {
        customer = JSON.parse(form.customer_details ?? '') as ZohoAppointmentRecord['customer'];
      } catch {
        return refused('Invalid customer_details: it must be a JSON string');
      }
      if (!customer.name || !customer.email)
        return Response.json(bookingFailure('Customer name and email are mandatory'));
      if (state.phoneRequired && !customer.phone_number)
        return Response.json(bookingFailure('Please enter a valid phone number'));
      if (start <= DateTime.now()) return Response.json(bookingFailure('The selected time has already passed'));
      const end = start.plus({ minutes: service.minutes });
      // Date.parse, not luxon: this runs over every appointment held, and a long sandbox session holds many.
      const [from, until] = [start.toMillis(), end.toMillis()];
      const clash = state.appointments.some(
        (a) =>
          !a.cancelled && a.staffId === form.staff_id && Date.parse(a.startUtc) < until && Date.parse(a.endUtc) > from,
      );
      if (clash) return Response.json(bookingFailure('Slot not available for the selected staff'));

      const bookingId = `#AC-${String(state.appointments.length + 1).padStart(5, '0')}`;
      state.appointments.push({
        bookingId,
        contentType,
        form,
        serviceId: service.id,
        staffId: form.staff_id,
        startUtc: start.toUTC().toISO({ suppressMilliseconds: true }) ?? '',
        endUtc: end.toUTC().toISO({ suppressMilliseconds: true }) ?? '',
        timeZone,
        customer,
      });
      return state.faults.lose(
        'appointment',
        ok(appointmentItem(state.appointments[state.appointments.length - 1] as ZohoAppointmentRecord)),
      );
    }),

    // Update Appointment (https://www.zoho.com/bookings/help/api/v1/update-appointment.html): form-data booking_id and
    // action (completed, cancel, noshow). Its refusals are not documented: they take the shape of Book Appointment's.
    http.post(`${apiBase}/bookings/v1/json/updateappointment`, async ({ request }) => {
      state.apiCalls.push('POST updateappointment');
      const fault = await state.faults.take('updateappointment');
      if (fault) return fault;
      const denied = unauthorized(request);
      if (denied) return denied;
      const body = await readForm(request);
      if (!body) return refused('Invalid input: the parameters must be sent as form-data');
      const { booking_id: bookingId, action } = body.fields;
      if (!action || !['completed', 'cancel', 'noshow'].includes(action))
        return refused('Invalid action: use completed, cancel or noshow');
      const found = state.appointments.find((a) => a.bookingId === bookingId);
      if (!found) return Response.json(bookingFailure('Invalid booking id'));
      if (found.cancelled) return Response.json(bookingFailure('Appointment already cancelled'));
      if (action === 'cancel') found.cancelled = true;
      return state.faults.lose('updateappointment', ok(appointmentItem(found)));
    }),

    // Reschedule Appointment (https://www.zoho.com/bookings/help/api/v1/reschedule-appointment.html): form-data
    // booking_id and start_time (`dd-MMM-yyyy HH:mm:ss`, no zone documented: read in the workspace's zone, as the fake
    // reads every zoneless time); the length stays the service's. Refusals take Book Appointment's shape.
    http.post(`${apiBase}/bookings/v1/json/rescheduleappointment`, async ({ request }) => {
      state.apiCalls.push('POST rescheduleappointment');
      const fault = await state.faults.take('rescheduleappointment');
      if (fault) return fault;
      const denied = unauthorized(request);
      if (denied) return denied;
      const body = await readForm(request);
      if (!body) return refused('Invalid input: the parameters must be sent as form-data');
      const { booking_id: bookingId, start_time: startTime, staff_id: staffId, group_id: groupId } = body.fields;
      if (!startTime && !staffId && !groupId) return refused('staff_id, group_id or start_time is mandatory');
      const found = state.appointments.find((a) => a.bookingId === bookingId);
      if (!found) return Response.json(bookingFailure('Invalid booking id'));
      if (found.cancelled) return Response.json(bookingFailure('Appointment already cancelled'));
      const start = startTime ? readFromTime(startTime, state.workspaceTimezone) : DateTime.fromISO(found.startUtc);
      if (!start) return refused('Invalid start_time: use the format dd-MMM-yyyy HH:mm:ss');
      if (start <= DateTime.now()) return Response.json(bookingFailure('The selected time has already passed'));
      const minutes = (Date.parse(found.endUtc) - Date.parse(found.startUtc)) / 60_000;
      const [from, until] = [start.toMillis(), start.toMillis() + minutes * 60_000];
      const clash = state.appointments.some(
        (a) =>
          a !== found &&
          !a.cancelled &&
          a.staffId === found.staffId &&
          Date.parse(a.startUtc) < until &&
          Date.parse(a.endUtc) > from,
      );
      if (clash) return Response.json(bookingFailure('Slot not available for the selected staff'));
      found.startUtc = start.toUTC().toISO({ suppressMilliseconds: true }) ?? '';
      found.endUtc = DateTime.fromMillis(until).toUTC().toISO({ suppressMilliseconds: true }) ?? '';
      found.rescheduled = (found.rescheduled ?? 0) + 1;
      return state.faults.lose('rescheduleappointment', ok(appointmentItem(found)));
    }),

    // Get Appointment (https://www.zoho.com/bookings/help/api/v1/get-appointment.html): ?booking_id=
    http.get(`${apiBase}/bookings/v1/json/getappointment`, async ({ request }) => {
      state.apiCalls.push('GET getappointment');
      const fault = await state.faults.take('getappointment');
      if (fault) return fault;
      const denied = unauthorized(request);
      if (denied) return denied;
      const bookingId = new URL(request.url).searchParams.get('booking_id');
      const found = state.appointments.find((a) => a.bookingId === bookingId);
      if (!found) return refused('Invalid booking id');
      return ok(appointmentItem(found));
    }),

    // Fetch Appointment (https://www.zoho.com/bookings/help/api/v1/fetch-appointment.html): form-data, the filters as JSON
    // in one field `data` (as every client we know sends them); customer filters match by "contains"; times are
    // `dd-MMM-yyyy HH:mm:ss` in the workspace's zone. Nothing found is the string "No Match Found".
    // Fetch availability (https://www.zoho.com/bookings/help/api/v1/fetch-availability.html): service_id, one of
    // staff_id/group_id/resource_id, selected_date (dd-MMM-yyyy). The sample answer spells its flag `reponse` and lists
    // wall times without a zone (the workspace's here), in the account's time format.
    http.get(`${apiBase}/bookings/v1/json/availableslots`, async ({ request }) => {
      state.apiCalls.push(`GET availableslots${new URL(request.url).search}`);
      const fault = await state.faults.take('availableSlots');
      if (fault) return fault;
      const denied = unauthorized(request);
      if (denied) return denied;
      const url = new URL(request.url);
      const bad = undocumented(url, ['service_id', 'staff_id', 'group_id', 'resource_id', 'selected_date']);
      if (bad) return bad;
      const service = state.services.find((v) => v.id === url.searchParams.get('service_id'));
      if (!service) return refused('Invalid service_id');
      const staffId = url.searchParams.get('staff_id');
      if (!staffId) return refused('staff_id is mandatory');
      if (!service.staffIds.includes(staffId)) return refused('The staff is not assigned to this service');
      const load = state.slotRequests;
      load.inFlight += 1;
      load.maxInFlight = Math.max(load.maxInFlight, load.inFlight);
      try {
        if (load.delayMs > 0) await delay(load.delayMs);
      } finally {
        load.inFlight -= 1;
      }
      const day = readFromTime(`${url.searchParams.get('selected_date') ?? ''} 00:00:00`, state.workspaceTimezone);
      if (!day) return refused('Invalid selected_date: use the format dd-MMM-yyyy');
      const now = DateTime.now();
      const data: string[] = [];
      for (
        let at = day.set({ hour: state.hours.open });
        at.plus({ minutes: service.minutes }) <= day.set({ hour: state.hours.close });
        at = at.plus({ minutes: state.hours.stepMinutes })
      ) {
        const end = at.plus({ minutes: service.minutes });
        const overlaps = (from: string, until: string) =>
          Date.parse(from) < end.toMillis() && at.toMillis() < Date.parse(until);
        const taken =
          state.appointments.some((a) => !a.cancelled && a.staffId === staffId && overlaps(a.startUtc, a.endUtc)) ||
          state.busyBlocks.some((b) => overlaps(b.start, b.end));
        if (at > now && !taken) data.push(at.toFormat(state.timeFormat === '24' ? 'HH:mm' : 'hh:mm a'));
      }
      if (data.length === 0) return ok({ reponse: false, msg: 'Slots Not Available' });
      return ok({ reponse: true, data });
    }),

    http.post(`${apiBase}/bookings/v1/json/fetchappointment`, async ({ request }) => {
      state.apiCalls.push('POST fetchappointment');
      const fault = await state.faults.take('fetchappointment');
      if (fault) return fault;
      const denied = unauthorized(request);
      if (denied) return denied;
      const body = await readForm(request);
      if (!body) return refused('Invalid input: the parameters must be sent as form-data');
      let filters: Record<string, unknown>;
      try {
        filters = JSON.parse(body.fields.data ?? '') as Record<string, unknown>;
      } catch {
        return refused('Invalid input: data must be a JSON string');
      }
      const text = (name: string): string | undefined =>
        typeof filters[name] === 'string' ? (filters[name] as string) : undefined;
      const from = text('from_time') ? readFromTime(text('from_time') ?? '', state.workspaceTimezone) : undefined;
      const to = text('to_time') ? readFromTime(text('to_time') ?? '', state.workspaceTimezone) : undefined;
      if ((text('from_time') && !from) || (text('to_time') && !to))
        return refused('Invalid from_time or to_time: use the format dd-MMM-yyyy HH:mm:ss');
      const email = text('customer_email')?.toLowerCase();
      const found = state.appointments.filter((a) => {
        const start = Date.parse(a.startUtc);
        if (from && start < from.toMillis()) return false;
        if (to && start > to.toMillis()) return false;
        if (text('staff_id') && a.staffId !== text('staff_id')) return false;
        if (text('service_id') && a.serviceId !== text('service_id')) return false;
        if (email && !(a.customer.email ?? '').toLowerCase().includes(email)) return false;
        return true;
      });
      return ok({
        response: found.length > 0 ? found.map(appointmentItem) : 'No Match Found',
        next_page_available: false,
        page: 1,
      });
    }),
  ];

  const env = { ALSATALK_ZOHO_ACCOUNTS_URL: accountsBase };
  return { state, routes, accountsBase, euAccountsBase, aeAccountsBase, apiBase, grantCode, env };
}

export type ZohoFake = ReturnType<typeof createZohoFake>;
