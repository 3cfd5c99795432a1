// The Microsoft fake (src/sandbox/fakes/microsoft.ts) driven through fetch, as a client meets it: the identity
// platform's sign-in of a public client (PKCE, rotating refresh tokens, its refusals) and Graph's calendar routes.
import { createHash, randomBytes } from 'node:crypto';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMicrosoftFake, graphThrottle, type MicrosoftFake } from '../../src/sandbox/fakes/microsoft.js';
import { mswHandler } from '../msw/handlers.js';

const msw = setupServer();
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

let ms: MicrosoftFake;
beforeEach(() => {
  ms = createMicrosoftFake();
  msw.use(mswHandler(ms.routes));
});

const redirectUri = 'http://127.0.0.1:53682/callback';
const scope = 'openid offline_access https://graph.microsoft.com/Calendars.ReadWrite User.Read';
const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** Opens the authorize page as a browser would; the answer is the page or its redirect. */
function authorize(query: Record<string, string | undefined> = {}, tenant = 'common') {
  const url = new URL(`${ms.loginBase}/${tenant}/oauth2/v2.0/authorize`);
  const fields = {
    client_id: ms.state.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state: 'st-1',
    code_challenge_method: 'S256',
    ...query,
  };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) url.searchParams.set(k, v);
  return fetch(url, { redirect: 'manual' });
}

const token = (form: Record<string, string>, tenant = 'common', headers: Record<string, string> = {}) =>
  fetch(`${ms.loginBase}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });

/** The code from a sign-in that the person approves. */
async function codeFor(challenge: string, tenant = 'common'): Promise<string> {
  const page = await authorize({ code_challenge: challenge }, tenant);
  expect(page.status).toBe(302);
  return new URL(page.headers.get('location') ?? '').searchParams.get('code') ?? '';
}

const redeem = (code: string, verifier: string, tenant = 'common') =>
  token(
    {
      client_id: ms.state.clientId,
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    },
    tenant,
  );

const refresh = (refreshToken: string, tenant = 'common') =>
  token({ client_id: ms.state.clientId, grant_type: 'refresh_token', refresh_token: refreshToken }, tenant);

interface Tokens {
  access_token: string;
  refresh_token?: string;
  scope: string;
  token_type: string;
  expires_in: number;
  ext_expires_in: number;
  id_token?: string;
}
interface IdentityError {
  error: string;
  error_description: string;
  error_codes: number[];
}

const graph = (
  path: string,
  init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
) =>
  fetch(`${ms.graphBase}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.token ?? ms.accessToken()}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

const property = 'String {66f5a359-4659-4830-9070-00040ec6ac6e} Name AlsatalkBooking';
const eventBody = (extra: Record<string, unknown> = {}) => ({
  subject: 'Intro call',
  body: { contentType: 'text', content: 'With Ada' },
  start: { dateTime: '2030-05-06T14:00:00', timeZone: 'UTC' },
  end: { dateTime: '2030-05-06T14:30:00', timeZone: 'UTC' },
  attendees: [{ emailAddress: { address: 'ada@example.com', name: 'Ada Lovelace' }, type: 'required' }],
  isOnlineMeeting: true,
  onlineMeetingProvider: 'teamsForBusiness',
  ...extra,
});
interface GraphEvent {
  id: string;
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  isOnlineMeeting: boolean;
  onlineMeetingProvider: string;
  onlineMeeting: { joinUrl: string; conferenceId: string } | null;
  body: { contentType: string; content: string };
  showAs: string;
  subject: string;
  singleValueExtendedProperties?: unknown;
}
const create = async (extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
  const answer = await graph('/me/events', { method: 'POST', body: eventBody(extra), headers });
  expect(answer.status).toBe(201);
  return (await answer.json()) as GraphEvent;
};
const getEvent = async (id: string) =>
  (await (await graph(`/me/events/${encodeURIComponent(id)}`)).json()) as GraphEvent;

describe('sign-in of a public client', () => {
  it('redeems a PKCE code, then rotates the refresh token at every use and refuses a replaced one', async () => {
    const { verifier, challenge } = pkce();
    const page = await authorize({ code_challenge: challenge });
    const back = new URL(page.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe('http://127.0.0.1:53682/callback');
    expect(back.searchParams.get('state')).toBe('st-1');

    const first = await redeem(back.searchParams.get('code') ?? '', verifier);
    expect(first.status).toBe(200);
    const tokens = (await first.json()) as Tokens;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(tokens.scope).toBe(
      'openid https://graph.microsoft.com/Calendars.ReadWrite https://graph.microsoft.com/User.Read',
    );
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.id_token).toBeTruthy();
    expect((await graph('/me', { token: tokens.access_token })).status).toBe(200);

    const second = (await (await refresh(tokens.refresh_token ?? '')).json()) as Tokens;
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(tokens.refresh_token);
    expect(ms.state.refreshToken).toBe(second.refresh_token);

    const old = await refresh(tokens.refresh_token ?? '');
    expect(old.status).toBe(400);
    const refusal = (await old.json()) as IdentityError & Record<string, unknown>;
    expect(refusal).toMatchObject({ error: 'invalid_grant', error_codes: [70008] });
    expect(Object.keys(refusal)).toEqual(
      expect.arrayContaining(['timestamp', 'trace_id', 'correlation_id', 'error_uri']),
    );
    expect(refusal.error_description).toMatch(/^AADSTS70008: /);
    expect((await refresh(second.refresh_token ?? '')).status).toBe(200);

    // The documented leniency, when a test wants it.
    ms.state.oldRefreshTokensWork = true;
    expect((await refresh(tokens.refresh_token ?? '')).status).toBe(200);
  });

  it('refuses a code redeemed twice (AADSTS54005), a wrong verifier (AADSTS501481) and a revoked refresh token (AADSTS50173)', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    expect((await redeem(code, verifier)).status).toBe(200);
    expect(((await (await redeem(code, verifier)).json()) as IdentityError).error_codes).toEqual([54005]);

    const wrong = await redeem(await codeFor(challenge), pkce().verifier);
    expect(wrong.status).toBe(400);
    expect((await wrong.json()) as IdentityError).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });

    const live = ms.state.refreshToken ?? '';
    ms.revoke();
    expect(((await (await refresh(live)).json()) as IdentityError).error_codes).toEqual([50173]);
  });

  it('gives no refresh token without offline_access, and asks for PKCE with S256', async () => {
    const { verifier, challenge } = pkce();
    const page = await authorize({
      code_challenge: challenge,
      scope: 'https://graph.microsoft.com/Calendars.ReadWrite',
    });
    const code = new URL(page.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokens = (await (await redeem(code, verifier)).json()) as Tokens;
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();

    const without = new URL((await authorize({ code_challenge: undefined })).headers.get('location') ?? '');
    expect(without.searchParams.get('error')).toBe('invalid_request');
    expect(without.searchParams.get('code')).toBeNull();
  });

  it('sends a declined consent back to the app as access_denied with AADSTS65004', async () => {
    ms.state.consent = 'deny';
    const back = new URL((await authorize({ code_challenge: pkce().challenge })).headers.get('location') ?? '');
    expect(Object.fromEntries(back.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'AADSTS65004: User declined to consent to access the app.',
      state: 'st-1',
    });
  });

  it('keeps a personal account off /organizations and a work account off /consumers (AADSTS500208), on its own page', async () => {
    const { challenge } = pkce();
    ms.state.accountKind = 'personal';
    const page = await authorize({ code_challenge: challenge }, 'organizations');
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('AADSTS500208');
    expect((await authorize({ code_challenge: challenge }, 'consumers')).status).toBe(302);
    expect((await authorize({ code_challenge: challenge }, ms.state.tenantId)).status).toBe(400);

    ms.state.accountKind = 'work';
    expect(await (await authorize({ code_challenge: challenge }, 'consumers')).text()).toContain('AADSTS500208');
    expect((await authorize({ code_challenge: challenge }, ms.state.tenantId)).status).toBe(302);
    expect(await (await authorize({ code_challenge: challenge }, 'contoso-nope')).text()).toContain('AADSTS90002');
  });

  it('refuses a refresh at a tenant the account does not belong to, and a code redeemed at another tenant', async () => {
    ms.state.accountKind = 'personal';
    const refused = (await (await refresh(ms.state.refreshToken ?? '', 'organizations')).json()) as IdentityError;
    expect(refused).toMatchObject({ error: 'invalid_grant', error_codes: [500208] });
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge, 'consumers');
    expect(((await (await redeem(code, verifier, 'common')).json()) as IdentityError).error_codes).toEqual([700005]);
  });

  it('refuses a client secret from a public client (AADSTS700025), in the form or as Basic', async () => {
    const form = {
      client_id: ms.state.clientId,
      grant_type: 'refresh_token',
      refresh_token: ms.state.refreshToken ?? '',
    };
    const withSecret = await token({ ...form, client_secret: 'shh' });
    expect(withSecret.status).toBe(401);
    expect((await withSecret.json()) as IdentityError).toMatchObject({
      error: 'invalid_client',
      error_codes: [700025],
    });
    const basic = await token(form, 'common', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    expect(basic.status).toBe(401);
  });

  it('matches a localhost redirect URI on any port, but not another path or host', async () => {
    const { challenge } = pkce();
    expect(
      (await authorize({ code_challenge: challenge, redirect_uri: 'http://localhost:1234/callback' })).status,
    ).toBe(302);
    const otherPath = await authorize({ code_challenge: challenge, redirect_uri: 'http://localhost:1234/other' });
    expect(otherPath.status).toBe(400);
    expect(await otherPath.text()).toContain('AADSTS50011');
    expect((await authorize({ code_challenge: challenge, redirect_uri: 'http://[::1]:1234/callback' })).status).toBe(
      400,
    );
  });
});

describe('Graph calendar', () => {
  it('reads the user and the default calendar, with its online meeting providers', async () => {
    const me = (await (await graph('/me')).json()) as Record<string, unknown>;
    expect(me).toMatchObject({ id: ms.state.user.id, mail: 'meganb@contoso.test', displayName: 'Megan Bowen' });
    const calendar = (await (await graph('/me/calendar')).json()) as Record<string, unknown>;
    expect(calendar).toMatchObject({
      isDefaultCalendar: true,
      allowedOnlineMeetingProviders: ['teamsForBusiness'],
      defaultOnlineMeetingProvider: 'teamsForBusiness',
    });
    expect((await graph(`/me/calendars/${encodeURIComponent(String(calendar.id))}`)).status).toBe(200);
  });

  it('answers 401 without a live token and 403 ErrorAccessDenied on a write without Calendars.ReadWrite', async () => {
    const expired = ms.accessToken();
    ms.expireAccessTokens();
    const late = await graph('/me', { token: expired });
    expect(late.status).toBe(401);
    const body = (await late.json()) as { error: { code: string; innerError: Record<string, unknown> } };
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(Object.keys(body.error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);

    const readOnly = ms.accessToken(
      'openid https://graph.microsoft.com/Calendars.Read https://graph.microsoft.com/User.Read',
    );
    const write = await graph('/me/events', { method: 'POST', body: eventBody(), token: readOnly });
    expect(write.status).toBe(403);
    expect(await write.json()).toMatchObject({
      error: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' },
    });
    expect(
      (await graph('/me/calendarView?startDateTime=2030-01-01&endDateTime=2030-01-02', { token: readOnly })).status,
    ).toBe(200);
  });

  it('makes one event for two POSTs with the same transactionId, and keeps the extended property out of the answer', async () => {
    const extra = {
      transactionId: '7E163156-7762-4BEB-A1C6-729EA81755A7',
      singleValueExtendedProperties: [{ id: property, value: 'bk_1' }],
    };
    const first = await create(extra);
    const second = await create(extra);
    expect(second.id).toBe(first.id);
    expect(ms.heldEvents()).toHaveLength(1);
    expect(ms.state.requests.createEvent).toHaveLength(2);
    expect(first.singleValueExtendedProperties).toBeUndefined();
    expect(first).toMatchObject({
      start: { dateTime: '2030-05-06T14:00:00.0000000', timeZone: 'UTC' },
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
    });
    expect(first.onlineMeeting?.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    expect(first.body.content).toContain(first.onlineMeeting?.joinUrl);
    expect(ms.state.events[0]?.extendedProperties).toEqual([{ id: property, value: 'bk_1' }]);
  });

  it('answers in the zone of Prefer: outlook.timezone, and refuses an IANA zone with TimeZoneNotSupportedException', async () => {
    const event = await create(
      {
        start: { dateTime: '2030-05-06T09:00:00', timeZone: 'Pacific Standard Time' },
        end: { dateTime: '2030-05-06T09:30:00', timeZone: 'Pacific Standard Time' },
      },
      { prefer: 'outlook.timezone="Eastern Standard Time"' },
    );
    expect(event.start).toEqual({ dateTime: '2030-05-06T12:00:00.0000000', timeZone: 'Eastern Standard Time' });
    expect(ms.state.events[0]?.startUtc).toBe('2030-05-06T16:00:00Z');

    const iana = await graph('/me/events', {
      method: 'POST',
      body: eventBody({ start: { dateTime: '2030-05-06T09:00:00', timeZone: 'America/Los_Angeles' } }),
    });
    expect(iana.status).toBe(400);
    expect(await iana.json()).toMatchObject({
      error: {
        code: 'TimeZoneNotSupportedException',
        message:
          "A valid TimeZone value must be specified. The following TimeZone value is not supported: 'America/Los_Angeles'.",
      },
    });
  });

  it('shows a later Teams link only from the GET numbered readyAtRead, a never one not at all', async () => {
    Object.assign(ms.state, { joinUrl: 'later', readyAtRead: 2 });
    const later = await create();
    expect(later).toMatchObject({ isOnlineMeeting: true, onlineMeeting: null });
    expect((await getEvent(later.id)).onlineMeeting).toBeNull();
    expect((await getEvent(later.id)).onlineMeeting?.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);

    ms.state.joinUrl = 'never';
    const never = await create();
    for (let i = 0; i < 3; i++) expect((await getEvent(never.id)).onlineMeeting).toBeNull();
  });

  it('makes the event without a meeting when the calendar does not allow the provider', async () => {
    const [calendar] = ms.state.calendars;
    if (calendar) calendar.allowedOnlineMeetingProviders = ['skypeForConsumer'];
    const event = await create();
    expect(event).toMatchObject({ isOnlineMeeting: false, onlineMeetingProvider: 'unknown', onlineMeeting: null });
  });

  it('finds an event by the documented extended-property filter and refuses other filters', async () => {
    const made = await create({ singleValueExtendedProperties: [{ id: property, value: 'bk_ABC' }] });
    await create({ singleValueExtendedProperties: [{ id: property, value: 'bk_other' }] });
    const find = (id: string, value: string) =>
      graph(
        `/me/events?$filter=${encodeURIComponent(`singleValueExtendedProperties/Any(ep: ep/id eq '${id}' and ep/value eq '${value}')`)}`,
      ).then(async (r) => ((await r.json()) as { value: GraphEvent[] }).value);
    const found = await find(property, 'BK_abc');
    expect(found.map((e) => e.id)).toEqual([made.id]);
    expect(found[0]?.singleValueExtendedProperties).toBeUndefined();
    expect(await find(property.replace('AlsatalkBooking', 'alsatalkbooking'), 'bk_ABC')).toEqual([]);
    expect(await find(property.toLowerCase().replace('alsatalkbooking', 'AlsatalkBooking'), 'bk_ABC')).toHaveLength(1);

    const other = await graph(`/me/events?$filter=${encodeURIComponent("transactionId eq 'x'")}`);
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({
      error: { code: 'BadRequest', message: 'This filter query is not supported.' },
    });

    const expanded = await graph(
      `/me/events/${encodeURIComponent(made.id)}?$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${property}')`)}`,
    );
    expect(((await expanded.json()) as GraphEvent).singleValueExtendedProperties).toEqual([
      { id: property, value: 'bk_ABC' },
    ]);
  });

  it('lists in calendarView the events and the busy times overlapping the window, in pages', async () => {
    ms.state.busy.push({ start: '2030-05-06T13:00:00Z', end: '2030-05-06T14:00:00Z' });
    ms.state.busy.push({ start: '2030-05-07T13:00:00Z', end: '2030-05-07T14:00:00Z' });
    const made = await create();
    // No offset: UTC. 13:30 to 14:15 overlaps the busy hour and the event.
    const view = await graph('/me/calendarView?startDateTime=2030-05-06T13:30:00&endDateTime=2030-05-06T14:15:00', {
      headers: { prefer: 'outlook.timezone="Tokyo Standard Time"' },
    });
    const events = ((await view.json()) as { value: GraphEvent[] }).value;
    expect(events.map((e) => [e.showAs, e.start.dateTime, e.start.timeZone])).toEqual([
      ['busy', '2030-05-06T22:00:00.0000000', 'Tokyo Standard Time'],
      ['busy', '2030-05-06T23:00:00.0000000', 'Tokyo Standard Time'],
    ]);
    expect(events[1]?.id).toBe(made.id);

    const missing = await graph('/me/calendarView?startDateTime=2030-05-06T13:30:00Z');
    expect(missing.status).toBe(400);

    ms.state.pageSize = 1;
    const first = (await (
      await graph('/me/calendarView?startDateTime=2030-05-06T00:00:00-07:00&endDateTime=2030-05-08T00:00:00Z')
    ).json()) as { value: GraphEvent[]; '@odata.nextLink'?: string };
    expect(first.value).toHaveLength(1);
    expect(first['@odata.nextLink']).toContain('%24skip=1');
  });

  it('moves an event with PATCH (body and meeting kept), deletes one (204, then 404) and cancels one (202)', async () => {
    const made = await create();
    const moved = await graph(`/me/events/${encodeURIComponent(made.id)}`, {
      method: 'PATCH',
      body: {
        start: { dateTime: '2030-05-06T15:00:00', timeZone: 'UTC' },
        end: { dateTime: '2030-05-06T15:30:00', timeZone: 'UTC' },
      },
    });
    expect(moved.status).toBe(200);
    const after = (await moved.json()) as GraphEvent;
    expect(after.start.dateTime).toBe('2030-05-06T15:00:00.0000000');
    expect(after.body).toEqual(made.body);
    expect(after.onlineMeeting).toEqual(made.onlineMeeting);
    expect(ms.state.events[0]).toMatchObject({ startUtc: '2030-05-06T15:00:00Z', endUtc: '2030-05-06T15:30:00Z' });

    const deleted = await graph(`/me/events/${encodeURIComponent(made.id)}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    const gone = await graph(`/me/events/${encodeURIComponent(made.id)}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({
      error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' },
    });

    const other = await create();
    const cancel = await graph(`/me/events/${encodeURIComponent(other.id)}/cancel`, {
      method: 'POST',
      body: { Comment: 'The customer cancelled.' },
    });
    expect(cancel.status).toBe(202);
    expect(await cancel.text()).toBe('');
    expect(ms.state.events[1]).toMatchObject({ cancelled: true, cancelComment: 'The customer cancelled.' });
    expect((await graph(`/me/events/${encodeURIComponent(other.id)}`)).status).toBe(404);
    expect(ms.heldEvents()).toEqual([]);
  });

  it('answers a throttled call with 429, a fractional Retry-After and TooManyRequests, then serves the retry', async () => {
    ms.state.faults.inject('createEvent', graphThrottle());
    const throttled = await graph('/me/events', { method: 'POST', body: eventBody() });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2.128');
    expect(await throttled.json()).toMatchObject({
      error: { code: 'TooManyRequests', message: 'Please retry again later.', innerError: { status: '429' } },
    });
    expect(ms.heldEvents()).toHaveLength(0);
    await create();
    expect(ms.state.calls.createEvent).toBe(2);
  });
});
