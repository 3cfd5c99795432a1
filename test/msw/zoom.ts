// A fake Zoom that behaves like the documented API: S2S token endpoint, Create a meeting, Get a user.
// https://developers.zoom.us/docs/internal-apps/s2s-oauth/ · https://developers.zoom.us/docs/api/meetings/
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { DateTime, IANAZone } from 'luxon';
import { http, HttpResponse, type RequestHandler } from 'msw';
import { Faults } from './fault.js';

export interface ZoomMeetingRecord {
  id: number;
  userId: string;
  body: Record<string, unknown>;
  /** The instant Zoom understood, in UTC ISO. */
  startUtc: string;
  password: string;
  joinUrl: string;
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
}

const validationFailed = (field: string, message: string) =>
  HttpResponse.json({ code: 300, message: 'Validation Failed.', errors: [{ field, message }] }, { status: 400 });

export function createZoomFake(options: ZoomFakeOptions = {}) {
  const apiBase = options.apiBase ?? 'https://api.zoom.test/v2';
  const oauthBase = options.oauthBase ?? 'https://zoom.test';
  const state = {
    accountId: options.accountId ?? 'acc_123',
    clientId: options.clientId ?? 'client_abc',
    clientSecret: options.clientSecret ?? 'zoom-secret-value-123',
    scope: options.scope ?? 'meeting:write:meeting:admin meeting:read:meeting:admin user:read:user:admin',
    accountTimezone: options.accountTimezone ?? 'America/Los_Angeles',
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3599,
    owner: { id: 'KDcuGIm1QgePTO8WbOqwIQ', email: 'owner@acme.test' },
    tokens: new Map<string, number>(),
    tokenRequests: 0,
    meetings: [] as ZoomMeetingRecord[],
    faults: new Faults(),
  };

  const authorized = (request: Request): boolean => {
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    const expiresAt = token ? state.tokens.get(token) : undefined;
    return expiresAt !== undefined && expiresAt > Date.now();
  };
  const invalidToken = () => HttpResponse.json({ code: 124, message: 'Invalid access token.' }, { status: 401 });
  const findUser = (userId: string) => (userId === 'me' || userId === state.owner.id || userId === state.owner.email ? state.owner : undefined);

  const handlers: RequestHandler[] = [
    http.post(`${oauthBase}/oauth/token`, async ({ request }) => {
      state.tokenRequests += 1;
      const fault = await state.faults.take('token');
      if (fault) return fault;
      const url = new URL(request.url);
      const form = new URLSearchParams(await request.text());
      const grant = url.searchParams.get('grant_type') ?? form.get('grant_type');
      const accountId = url.searchParams.get('account_id') ?? form.get('account_id');
      if (grant !== 'account_credentials') return HttpResponse.json({ reason: 'unsupported grant type', error: 'unsupported_grant_type' }, { status: 400 });
      const basic = /^Basic (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
      const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
      if (id !== state.clientId || secret !== state.clientSecret) {
        return HttpResponse.json({ reason: 'Invalid client_id or client_secret', error: 'invalid_client' }, { status: 401 });
      }
      if (accountId !== state.accountId) return HttpResponse.json({ reason: 'Invalid account_id', error: 'invalid_request' }, { status: 400 });
      const token = `eyJ${randomBytes(24).toString('base64url')}.${randomBytes(24).toString('base64url')}.sig`;
      state.tokens.set(token, Date.now() + state.tokenTtlSeconds * 1000);
      return HttpResponse.json({ access_token: token, token_type: 'bearer', expires_in: state.tokenTtlSeconds, scope: state.scope, api_url: 'https://api.zoom.us' });
    }),

    http.get(`${apiBase}/users/:userId`, async ({ request, params }) => {
      if (!authorized(request)) return invalidToken();
      if (!state.scope.includes('user:read')) {
        return HttpResponse.json({ code: 4711, message: 'Invalid access token, does not contain scopes:[user:read:user:admin].' }, { status: 400 });
      }
      const user = findUser(String(params.userId));
      if (!user) return HttpResponse.json({ code: 1001, message: `User does not exist: ${String(params.userId)}.` }, { status: 404 });
      return HttpResponse.json({ id: user.id, email: user.email, first_name: 'Owner', last_name: 'Acme', type: 2, timezone: state.accountTimezone });
    }),

    http.post(`${apiBase}/users/:userId/meetings`, async ({ request, params }) => {
      const fault = await state.faults.take('createMeeting');
      if (fault) return fault;
      if (!authorized(request)) return invalidToken();
      const user = findUser(String(params.userId));
      if (!user) return HttpResponse.json({ code: 1001, message: `User does not exist: ${String(params.userId)}.` }, { status: 404 });
      if (!(request.headers.get('content-type') ?? '').includes('application/json')) {
        return HttpResponse.json({ code: 300, message: 'Request Body should be a valid JSON object.' }, { status: 400 });
      }
      let body: Record<string, unknown>;
      try {
        body = (await request.json()) as Record<string, unknown>;
      } catch {
        return HttpResponse.json({ code: 300, message: 'Request Body should be a valid JSON object.' }, { status: 400 });
      }
      if (body.type !== 2) return validationFailed('type', 'This test fake only schedules type 2 meetings.');
      if (typeof body.topic === 'string' && body.topic.length > 200) return validationFailed('topic', 'Topic is longer than 200 characters.');
      if (!Number.isInteger(body.duration) || (body.duration as number) <= 0) return validationFailed('duration', 'Invalid field.');
      const timezone = typeof body.timezone === 'string' && body.timezone !== '' ? body.timezone : undefined;
      if (timezone && !IANAZone.isValidZone(timezone)) return validationFailed('timezone', 'Invalid field.');
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
        return validationFailed('password', 'Password may only contain [a-z A-Z 0-9 @ - _ *] and at most 10 characters.');
      }
      if (!password && body.default_password === true) password = randomBytes(6).toString('base64url').replace(/[^a-zA-Z0-9]/g, 'x').slice(0, 6);
      const id = randomInt(10_000_000_000, 99_999_999_999);
      const joinUrl = `https://us02web.zoom.us/j/${id}?pwd=${randomBytes(16).toString('base64url')}`;
      const startUtc = start.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
      state.meetings.push({ id, userId: String(params.userId), body, startUtc, password, joinUrl });
      return HttpResponse.json(
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
          created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          start_url: `https://us02web.zoom.us/s/${id}?zak=${randomBytes(20).toString('base64url')}`,
          join_url: joinUrl,
          ...(password ? { password, h323_password: '123456', pstn_password: '123456', encrypted_password: randomBytes(16).toString('base64url') } : {}),
          settings: { host_video: false, participant_video: false, join_before_host: false, waiting_room: !password },
          pre_schedule: false,
        },
        { status: 201 },
      );
    }),
  ];

  const env = { ALSATALK_ZOOM_API_URL: apiBase, ALSATALK_ZOOM_OAUTH_URL: oauthBase };
  return { state, handlers, apiBase, oauthBase, env };
}

export type ZoomFake = ReturnType<typeof createZoomFake>;
