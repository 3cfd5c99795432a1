// A fake Zoom that behaves like the documented API: S2S token endpoint, the user sign-in of a public client (authorize,
// authorization_code with PKCE, refresh_token with rotation), Create a meeting, Get a user.
// https://developers.zoom.us/docs/internal-apps/s2s-oauth/ · https://developers.zoom.us/docs/integrations/PKCE/ ·
// https://developers.zoom.us/docs/api/meetings/
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { zoomTimeZones } from '../../providers/zoom/time-zones.js';
import { http, type FakeRoute } from '../fake-http.js';
import { Faults } from './fault.js';
import { createLimiter, type ZoomLimits } from './zoom-limits.js';

export interface ZoomMeetingRecord {
  id: number;
  userId: string;
  body: Record<string, unknown>;
  /** The instant Zoom understood, in UTC ISO. */
  startUtc: string;
  password: string;
  joinUrl: string;
  /** The host's user id (the path may have said `me`). */
  hostId: string;
  createdAt: string;
  /**
   * A recurring meeting with fixed times (type 8): each occurrence's UTC start. List meetings shows the series once, at
   * its next occurrence; Get a meeting lists them all. Absent: a scheduled meeting (type 2).
   */
  occurrences?: string[];
}

export interface ZoomFakeOptions {
  apiBase?: string;
  oauthBase?: string;
  accountId?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  /** The account's time zone, used when `start_time` has no Z and `timezone` is blank. */
  accountTimezone?: string;
  tokenTtlSeconds?: number;
  /** The public client id of the General app ("Use Public Client OAuth"). */
  publicClientId?: string;
  /** Scopes a user grants the General app by signing in. */
  userScope?: string;
  /** Zoom's documented limits on creating meetings (zoom-limits.ts); none unless given. */
  limits?: ZoomLimits;
}

interface ZoomUser {
  id: string;
  email: string;
}

const newToken = () => `eyJ${randomBytes(24).toString('base64url')}.${randomBytes(24).toString('base64url')}.sig`;
const oauthError = (status: number, error: string, reason: string) => Response.json({ reason, error }, { status });
/** Zoom ignores the port when it matches a loopback redirect URI (https://developers.zoom.us/changelog/platform/pkce-loopback/). */
const withoutLoopbackPort = (uri: string) => uri.replace(/^http:\/\/127\.0\.0\.1:\d+\//, 'http://127.0.0.1/');

/** Zoom's refusal of a token that lacks a scope (HTTP 400, code 4711); it names the user-level and admin variants. */
const lacksScopes = (...scopes: string[]) =>
  Response.json(
    { code: 4711, message: `Invalid access token, does not contain scopes:[${scopes.join(', ')}].` },
    { status: 400 },
  );
/** True when the space-separated grant holds one of `names`: whole scope names, as Zoom compares them. */
const holds = (scope: string, names: readonly string[]) => scope.split(' ').some((s) => names.includes(s));

const validationFailed = (field: string, message: string) =>
  Response.json({ code: 300, message: 'Validation Failed.', errors: [{ field, message }] }, { status: 400 });

/** A series' next occurrence that has not ended (or its last), else the meeting's start. */
function nextStart(m: ZoomMeetingRecord, now: number): string {
  if (!m.occurrences) return m.startUtc;
  const minutes = Number(m.body.duration ?? 0) * 60_000;
  return m.occurrences.find((o) => Date.parse(o) + minutes >= now) ?? m.occurrences.at(-1) ?? m.startUtc;
}

export function createZoomFake(options: ZoomFakeOptions = {}) {
  const apiBase = options.apiBase ?? 'https://api.zoom.test/v2';
  const oauthBase = options.oauthBase ?? 'https://zoom.test';
  const state = {
    accountId: options.accountId ?? 'acc_123',
    clientId: options.clientId ?? 'client_abc',
    clientSecret: options.clientSecret ?? 'zoom-secret-value-123',
    scope:
      options.scope ??
      'meeting:write:meeting:admin meeting:read:meeting:admin meeting:read:list_meetings:admin meeting:update:meeting:admin meeting:delete:meeting:admin user:read:user:admin',
    accountTimezone: options.accountTimezone ?? 'America/Los_Angeles',
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3599,
    owner: { id: 'KDcuGIm1QgePTO8WbOqwIQ', email: 'owner@acme.test' } as ZoomUser,
    tokens: new Map<string, number>(),
    /** The user-level side: a General app's public client that a person signs in to. */
    publicClientId: options.publicClientId ?? 'pub_Zq3xVn8RkT2yLw',
    userScope:
      options.userScope ??
      'meeting:write:meeting meeting:read:meeting meeting:read:list_meetings meeting:update:meeting meeting:delete:meeting user:read:user',
    /** The redirect URL registered on the app; Zoom ignores the port of a loopback one. */
    redirectUri: 'http://127.0.0.1/callback',
    /** The person who signs in (and hosts meetings booked for `me` with their tokens). */
    member: { id: 'z8yCxTTuR0ChWXfVuvZgNw', email: 'host@acme.test' } as ZoomUser,
    consent: 'approve' as 'approve' | 'deny',
    authorizeRequests: [] as URLSearchParams[],
    codes: new Map<string, { challenge: string; redirectUri: string; used: boolean }>(),
    /** The one refresh token that works now; each refresh replaces it (rotation), and undefined means the access was removed. */
    refreshToken: undefined as string | undefined,
    /** Refresh tokens Zoom has replaced: sending one again gets `invalid_grant`. */
    spentRefreshTokens: new Set<string>(),
    refreshRequests: 0,
    /** The next N refreshes rotate the token but their answer is lost on the way back (a dropped connection). */
    loseRefreshAnswers: 0,
    /** Who each access token acts for, and what it may do (S2S tokens: the owner, `scope`). */
    tokenUsers: new Map<string, { user: ZoomUser; scope: string }>(),
    tokenRequests: 0,
    meetings: [] as ZoomMeetingRecord[],
    /** Meetings deleted (Delete a meeting), with the query it was sent with. */
    deleted: [] as Array<{ id: string; query: Record<string, string> }>,
    /** Update a meeting requests, with the body as sent. */
    updated: [] as Array<{ id: string; body: Record<string, unknown> }>,
    faults: new Faults(),
    /** Read on every create, so a test may set or lift a limit between requests. */
    limits: { ...options.limits } as ZoomLimits,
  };
  const createLimits = createLimiter(() => state.limits);

  const bearer = (request: Request) => /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
  const authorized = (request: Request): boolean => {
    const token = bearer(request);
    const expiresAt = token ? state.tokens.get(token) : undefined;
    return expiresAt !== undefined && expiresAt > Date.now();
  };
  const grantOf = (request: Request) =>
    state.tokenUsers.get(bearer(request) ?? '') ?? { user: state.owner, scope: state.scope };
  const invalidToken = () => Response.json({ code: 124, message: 'Invalid access token.' }, { status: 401 });
  const findUser = (userId: string, request: Request): ZoomUser | undefined => {
    if (userId === 'me') return grantOf(request).user;
    return [state.owner, state.member].find((u) => userId === u.id || userId === u.email);
  };
  /** Issues an access token and a new refresh token for the signed-in member; every earlier refresh token dies. */
  const issueUserTokens = () => {
    const access = newToken();
    state.tokens.set(access, Date.now() + state.tokenTtlSeconds * 1000);
    state.tokenUsers.set(access, { user: state.member, scope: state.userScope });
    if (state.refreshToken) state.spentRefreshTokens.add(state.refreshToken);
    state.refreshToken = newToken();
    return {
      access_token: access,
      token_type: 'bearer',
      refresh_token: state.refreshToken,
      expires_in: state.tokenTtlSeconds,
      scope: state.userScope,
      api_url: 'https://api.zoom.us',
    };
  };
  /** The user removed the app (or an admin revoked it): the refresh token stops working. */
  const revoke = () => {
    if (state.refreshToken) state.spentRefreshTokens.add(state.refreshToken);
    state.refreshToken = undefined;
  };

  /** `authorization_code` and `refresh_token` for the public client: client_id in the form, no Authorization header. */
  const userGrant = async (grant: string, form: URLSearchParams, request: Request): Promise<Response> => {
    if (request.headers.get('authorization') || form.get('client_secret'))
      return oauthError(401, 'invalid_client', 'A public client sends no client secret');
    if (form.get('client_id') !== state.publicClientId) return oauthError(401, 'invalid_client', 'Invalid client_id');
    if (grant === 'authorization_code') {
      const issued = state.codes.get(form.get('code') ?? '');
      if (!issued || issued.used) return oauthError(400, 'invalid_grant', 'Invalid authorization code');
      issued.used = true;
      if (form.get('redirect_uri') !== issued.redirectUri)
        return oauthError(400, 'invalid_request', 'Redirect URI mismatch.');
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== issued.challenge)
        return oauthError(400, 'invalid_request', 'Invalid code_verifier');
      return Response.json(issueUserTokens());
    }
    state.refreshRequests += 1;
    const sent = form.get('refresh_token') ?? '';
    if (!sent || sent !== state.refreshToken) return oauthError(400, 'invalid_grant', 'Invalid Token!');
    const answer = issueUserTokens();
    if (state.loseRefreshAnswers > 0) {
      state.loseRefreshAnswers -= 1;
      return Response.error();
    }
    return Response.json(answer);
  };

  const routes: FakeRoute[] = [
    // The consent page: it approves (or denies) at once and redirects to the loopback redirect URI, as a person would.
    http.get(`${oauthBase}/oauth/authorize`, ({ request }) => {
      const query = new URL(request.url).searchParams;
      state.authorizeRequests.push(query);
      const redirectUri = query.get('redirect_uri') ?? '';
      if (query.get('client_id') !== state.publicClientId)
        return new Response('Invalid client_id (4700)', { status: 400 });
      if (withoutLoopbackPort(redirectUri) !== state.redirectUri)
        return new Response('Invalid redirect: the redirect URL is not allowed (4709)', { status: 400 });
      if (
        query.get('response_type') !== 'code' ||
        query.get('code_challenge_method') !== 'S256' ||
        !query.get('code_challenge')
      ) {
        return new Response('Invalid request', { status: 400 });
      }
      const back = new URL(redirectUri);
      if (state.consent === 'deny') {
        back.searchParams.set('error', 'access_denied');
      } else {
        const code = randomBytes(24).toString('base64url');
        state.codes.set(code, { challenge: query.get('code_challenge') ?? '', redirectUri, used: false });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', query.get('state') ?? '');
      return new Response(null, { status: 302, headers: { Location: back.toString() } });
    }),

    http.post(`${oauthBase}/oauth/token`, async ({ request }) => {
      state.tokenRequests += 1;
      const fault = await state.faults.take('token');
      if (fault) return fault;
      const url = new URL(request.url);
      const form = new URLSearchParams(await request.text());
      const grant = url.searchParams.get('grant_type') ?? form.get('grant_type');
      const accountId = url.searchParams.get('account_id') ?? form.get('account_id');
      if (grant === 'authorization_code' || grant === 'refresh_token') return userGrant(grant, form, request);
      if (grant !== 'account_credentials')
        return Response.json({ reason: 'unsupported grant type', error: 'unsupported_grant_type' }, { status: 400 });
      const basic = /^Basic (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
      const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
      if (id !== state.clientId || secret !== state.clientSecret) {
        return Response.json(
          { reason: 'Invalid client_id or client_secret', error: 'invalid_client' },
          { status: 401 },
        );
      }
      if (accountId !== state.accountId)
        return Response.json({ reason: 'Invalid account_id', error: 'invalid_request' }, { status: 400 });
      const token = newToken();
      state.tokens.set(token, Date.now() + state.tokenTtlSeconds * 1000);
      return Response.json({
        access_token: token,
        token_type: 'bearer',
        expires_in: state.tokenTtlSeconds,
        scope: state.scope,
        api_url: 'https://api.zoom.us',
      });
    }),

    http.get(`${apiBase}/users/:userId`, async ({ request, params }) => {
      if (!authorized(request)) return invalidToken();
      const grant = grantOf(request);
      if (!holds(grant.scope, ['user:read', 'user:read:admin', 'user:read:user', 'user:read:user:admin']))
        return lacksScopes('user:read:user', 'user:read:user:admin');
      const user = findUser(String(params.userId), request);
      if (!user)
        return Response.json(
          { code: 1001, message: `User does not exist: ${String(params.userId)}.` },
          { status: 404 },
        );
      return Response.json({
        id: user.id,
        email: user.email,
        first_name: 'Owner',
        last_name: 'Acme',
        type: 2,
        timezone: state.accountTimezone,
      });
    }),

    // List meetings (https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings): the items carry
    // no passcode; `from`/`to` are dates (yyyy-mm-dd) in `timezone`, and filter only when both are given.
    http.get(`${apiBase}/users/:userId/meetings`, async ({ request, params }) => {
      const fault = await state.faults.take('listMeetings');
      if (fault) return fault;
      if (!authorized(request)) return invalidToken();
      const grant = grantOf(request);
      const listScopes = ['meeting:read:list_meetings', 'meeting:read:list_meetings:admin'];
      if (!holds(grant.scope, ['meeting:read', 'meeting:read:admin', ...listScopes])) return lacksScopes(...listScopes);
      const user = findUser(String(params.userId), request);
      if (!user)
        return Response.json(
          { code: 1001, message: `User does not exist: ${String(params.userId)}.` },
          { status: 404 },
        );
      const query = new URL(request.url).searchParams;
      const type = query.get('type') ?? 'scheduled';
      if (!['scheduled', 'live', 'upcoming', 'upcoming_meetings', 'previous_meetings'].includes(type))
        return validationFailed('type', 'Invalid field.');
      const pageSize = Number(query.get('page_size') ?? 30);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 300)
        return validationFailed('page_size', 'Invalid field.');
      const zone = query.get('timezone') ?? state.accountTimezone;
      const [from, to] = [query.get('from'), query.get('to')];
      const now = Date.now();
      const listed = state.meetings.filter((m) => {
        if (m.hostId !== user.id) return false;
        const start = Date.parse(m.startUtc);
        const last = m.occurrences ? Math.max(...m.occurrences.map((o) => Date.parse(o))) : start;
        if ((type === 'upcoming' || type === 'upcoming_meetings') && last + Number(m.body.duration ?? 0) * 60_000 < now)
          return false;
        if (type === 'previous_meetings' && start >= now) return false;
        if (from && to) {
          const day = DateTime.fromMillis(start, { zone }).toISODate() ?? '';
          if (day < from || day > to) return false;
        }
        return true;
      });
      const offset = Number(query.get('next_page_token') ?? 0) || 0;
      const page = listed.slice(offset, offset + pageSize);
      return Response.json({
        page_size: pageSize,
        total_records: listed.length,
        next_page_token: offset + pageSize < listed.length ? String(offset + pageSize) : '',
        meetings: page.map((m) => ({
          uuid: `${m.id}-uuid`,
          id: m.id,
          host_id: m.hostId,
          topic: m.body.topic ?? 'Zoom Meeting',
          type: m.occurrences ? 8 : 2,
          start_time: nextStart(m, now),
          duration: m.body.duration,
          timezone: m.body.timezone ?? state.accountTimezone,
          ...(typeof m.body.agenda === 'string' && m.body.agenda !== '' ? { agenda: m.body.agenda } : {}),
          created_at: m.createdAt,
          join_url: m.joinUrl,
        })),
      });
    }),

    // Get a meeting: unlike the list, it carries the passcode.
    http.get(`${apiBase}/meetings/:meetingId`, async ({ request, params }) => {
      const fault = await state.faults.take('getMeeting');
      if (fault) return fault;
      if (!authorized(request)) return invalidToken();
      const grant = grantOf(request);
      const readScopes = ['meeting:read:meeting', 'meeting:read:meeting:admin'];
      if (!holds(grant.scope, ['meeting:read', 'meeting:read:admin', ...readScopes])) return lacksScopes(...readScopes);
      const m = state.meetings.find((x) => String(x.id) === String(params.meetingId));
      if (!m)
        return Response.json(
          { code: 3001, message: `Meeting does not exist: ${String(params.meetingId)}.` },
          { status: 404 },
        );
      return Response.json({
        uuid: `${m.id}-uuid`,
        id: m.id,
        host_id: m.hostId,
        topic: m.body.topic ?? 'Zoom Meeting',
        type: m.occurrences ? 8 : 2,
        status: 'waiting',
        start_time: nextStart(m, Date.now()),
        duration: m.body.duration,
        timezone: m.body.timezone ?? state.accountTimezone,
        agenda: m.body.agenda ?? '',
        ...(m.occurrences
          ? {
              occurrences: m.occurrences.map((o) => ({
                occurrence_id: String(Date.parse(o)),
                start_time: o,
                duration: m.body.duration,
                status: 'available',
              })),
            }
          : {}),
        created_at: m.createdAt,
        join_url: m.joinUrl,
        ...(m.password ? { password: m.password } : {}),
        creation_source: 'open_api',
      });
    }),

    // Delete a meeting (https://developers.zoom.us/docs/api/meetings/#tag/meetings/DELETE/meetings/{meetingId}): 204;
    // 404 code 3001 for a meeting that does not exist (deleted already).
    http.delete(`${apiBase}/meetings/:meetingId`, async ({ request, params }) => {
      const fault = await state.faults.take('deleteMeeting');
      if (fault) return fault;
      if (!authorized(request)) return invalidToken();
      const grant = grantOf(request);
      const deleteScopes = ['meeting:delete:meeting', 'meeting:delete:meeting:admin'];
      if (!holds(grant.scope, ['meeting:write', 'meeting:write:admin', ...deleteScopes]))
        return lacksScopes(...deleteScopes);
      const at = state.meetings.findIndex((x) => String(x.id) === String(params.meetingId));
      if (at < 0)
        return Response.json(
          { code: 3001, message: `Meeting does not exist: ${String(params.meetingId)}.` },
          { status: 404 },
        );
      const [gone] = state.meetings.splice(at, 1);
      const query = new URL(request.url).searchParams;
      state.deleted.push({ id: String(gone?.id), query: Object.fromEntries(query) });
      return state.faults.lose('deleteMeeting', new Response(null, { status: 204 }));
    }),

    // Update a meeting (https://developers.zoom.us/docs/api/meetings/#tag/meetings/PATCH/meetings/{meetingId}): 204 without
    // a body; only the fields sent change (the id, join URL and passcode stay). 404 code 3001 for a meeting that does not
    // exist; counted with creates against the 100 a day per user.
    http.patch(`${apiBase}/meetings/:meetingId`, async ({ request, params }) => {
      const fault = await state.faults.take('updateMeeting');
      if (fault) return fault;
      if (!authorized(request)) return invalidToken();
      const grant = grantOf(request);
      const updateScopes = ['meeting:update:meeting', 'meeting:update:meeting:admin'];
      if (!holds(grant.scope, ['meeting:write', 'meeting:write:admin', ...updateScopes]))
        return lacksScopes(...updateScopes);
      const record = state.meetings.find((x) => String(x.id) === String(params.meetingId));
      if (!record)
        return Response.json(
          { code: 3001, message: `Meeting does not exist: ${String(params.meetingId)}.` },
          { status: 404 },
        );
      const limited = createLimits.check(record.hostId);
      if (limited) return limited;
      let body: Record<string, unknown>;
      try {
        body = (await request.json()) as Record<string, unknown>;
      } catch {
        return Response.json({ code: 300, message: 'Request Body should be a valid JSON object.' }, { status: 400 });
      }
      if (body.duration !== undefined && (!Number.isInteger(body.duration) || (body.duration as number) <= 0))
        return validationFailed('duration', 'Invalid field.');
      const timezone = typeof body.timezone === 'string' && body.timezone !== '' ? body.timezone : undefined;
      if (timezone && !Object.hasOwn(zoomTimeZones, timezone)) return validationFailed('timezone', 'Invalid field.');
      if (body.start_time !== undefined) {
        const startTime = String(body.start_time);
        const utcForm = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(startTime);
        const localForm = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(startTime);
        if (!utcForm && !localForm) return validationFailed('start_time', 'Invalid field.');
        const start = utcForm
          ? DateTime.fromISO(startTime, { zone: 'utc' })
          : DateTime.fromISO(startTime, { zone: timezone ?? String(record.body.timezone ?? state.accountTimezone) });
        if (!start.isValid) return validationFailed('start_time', 'Invalid field.');
        record.startUtc = start.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
      }
      record.body = { ...record.body, ...body };
      state.updated.push({ id: String(record.id), body });
      return state.faults.lose('updateMeeting', new Response(null, { status: 204 }));
    }),

    http.post(`${apiBase}/users/:userId/meetings`, async ({ request, params }) => {
      const fault = await state.faults.take('createMeeting');
      if (fault) return fault;
      if (!authorized(request)) return invalidToken();
      const user = findUser(String(params.userId), request);
      if (!user)
        return Response.json(
          { code: 1001, message: `User does not exist: ${String(params.userId)}.` },
          { status: 404 },
        );
      // Create a meeting: meeting:write:meeting (or classic meeting:write) for the token's own user, the :admin ones for
      // any user of the account (https://developers.zoom.us/docs/isv/workflows/create-meeting/).
      const grant = grantOf(request);
      const own = user === grant.user ? ['meeting:write:meeting', 'meeting:write'] : [];
      if (!holds(grant.scope, [...own, 'meeting:write:meeting:admin', 'meeting:write:admin']))
        return lacksScopes('meeting:write:meeting', 'meeting:write:meeting:admin');
      const limited = createLimits.check(user.id);
      if (limited) return limited;
      if (!(request.headers.get('content-type') ?? '').includes('application/json')) {
        return Response.json({ code: 300, message: 'Request Body should be a valid JSON object.' }, { status: 400 });
      }
      let body: Record<string, unknown>;
      try {
        body = (await request.json()) as Record<string, unknown>;
      } catch {
        return Response.json({ code: 300, message: 'Request Body should be a valid JSON object.' }, { status: 400 });
      }
      if (body.type !== 2) return validationFailed('type', 'This test fake only schedules type 2 meetings.');
      if (typeof body.topic === 'string' && body.topic.length > 200)
        return validationFailed('topic', 'Topic is longer than 200 characters.');
      if (!Number.isInteger(body.duration) || (body.duration as number) <= 0)
        return validationFailed('duration', 'Invalid field.');
      const timezone = typeof body.timezone === 'string' && body.timezone !== '' ? body.timezone : undefined;
      // Only IDs of Zoom's own list (https://developers.zoom.us/docs/api/references/abbreviations/#timezones): Europe/Kyiv
      // is not one (Europe/Kiev is). What Zoom answers for another is undocumented: its 400 for an invalid field.
      if (timezone && !Object.hasOwn(zoomTimeZones, timezone)) return validationFailed('timezone', 'Invalid field.');
      const startTime = typeof body.start_time === 'string' ? body.start_time : '';
      // Zoom's two documented forms: UTC with Z, or local wall time (no Z, no offset) in `timezone`.
      const utcForm = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(startTime);
      const localForm = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(startTime);
      if (!utcForm && !localForm) return validationFailed('start_time', 'Invalid field.');
      const start = utcForm
        ? DateTime.fromISO(startTime, { zone: 'utc' })
        : DateTime.fromISO(startTime, { zone: timezone ?? state.accountTimezone });
      if (!start.isValid) return validationFailed('start_time', 'Invalid field.');
      let password = typeof body.password === 'string' ? body.password : '';
      if (password && (password.length > 10 || !/^[a-zA-Z0-9@_*-]+$/.test(password))) {
        return validationFailed(
          'password',
          'Password may only contain [a-z A-Z 0-9 @ - _ *] and at most 10 characters.',
        );
      }
      if (!password && body.default_password === true)
        password = randomBytes(6)
          .toString('base64url')
          .replace(/[^a-zA-Z0-9]/g, 'x')
          .slice(0, 6);
      const id = randomInt(10_000_000_000, 99_999_999_999);
      const joinUrl = `https://us02web.zoom.us/j/${id}?pwd=${randomBytes(16).toString('base64url')}`;
      const startUtc = start.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
      const createdAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      state.meetings.push({
        id,
        userId: String(params.userId),
        body,
        startUtc,
        password,
        joinUrl,
        hostId: user.id,
        createdAt,
      });
      return state.faults.lose(
        'createMeeting',
        Response.json(
          {
            uuid: randomUUID(),
            id,
            host_id: user.id,
            host_email: user.email,
            topic: body.topic ?? 'Zoom Meeting',
            type: 2,
            status: 'waiting',
            start_time: startUtc,
            duration: body.duration,
            timezone: timezone ?? state.accountTimezone,
            agenda: body.agenda ?? '',
            created_at: createdAt,
            start_url: `https://us02web.zoom.us/s/${id}?zak=${randomBytes(20).toString('base64url')}`,
            join_url: joinUrl,
            ...(password
              ? {
                  password,
                  h323_password: '123456',
                  pstn_password: '123456',
                  encrypted_password: randomBytes(16).toString('base64url'),
                }
              : {}),
            settings: { host_video: false, participant_video: false, join_before_host: false, waiting_room: !password },
            pre_schedule: false,
          },
          { status: 201 },
        ),
      );
    }),
  ];

  /**
   * A meeting the host has that this server did not make (busy time for a search): scheduled, or recurring at each of
   * `occurrences` (UTC ISO starts). Returns its id.
   */
  const addMeeting = (meeting: { start: string; minutes: number; topic?: string; occurrences?: string[] }): number => {
    const id = randomInt(10_000_000_000, 99_999_999_999);
    const startUtc = DateTime.fromISO(meeting.occurrences?.[0] ?? meeting.start, { zone: 'utc' }).toFormat(
      "yyyy-MM-dd'T'HH:mm:ss'Z'",
    );
    state.meetings.push({
      id,
      userId: 'me',
      body: { topic: meeting.topic ?? 'Weekly sync', duration: meeting.minutes, type: meeting.occurrences ? 8 : 2 },
      startUtc,
      password: '',
      joinUrl: `https://us02web.zoom.us/j/${id}`,
      hostId: state.owner.id,
      createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      ...(meeting.occurrences ? { occurrences: meeting.occurrences } : {}),
    });
    return id;
  };

  const env = { ALSATALK_ZOOM_API_URL: apiBase, ALSATALK_ZOOM_OAUTH_URL: oauthBase };
  return { state, routes, apiBase, oauthBase, env, revoke, createLimits, addMeeting };
}

export type ZoomFake = ReturnType<typeof createZoomFake>;
