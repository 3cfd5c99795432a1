// Zoho Bookings: a confirmed appointment for a service and staff member, through a browser sign-in, a Self Client grant code
// or a refresh token.
// API reference: https://www.zoho.com/bookings/help/api/v1/book-appointment.html
import { z } from 'zod';
import { parseScopes, reporting, TokenCache, tokenAuth } from '../../auth/token-cache.js';
import { AppError, InputError, ProviderError } from '../../errors.js';
import { createHttp, type Http } from '../../http/client.js';
import { convertFailure, type FailureContext } from '../../http/failure.js';
import { redact, registerSecret } from '../../log.js';
import type { ProviderImplementation } from '../lazy.js';
import { apiConsole, consoleHelp, zoho } from './manifest.js';
import { connectCommand, type ConnectorContext, type ProviderSession, type SessionContext } from '../provider.js';
import {
  accountsHosts,
  bookingScope,
  callbackAccountsServer,
  chooseService,
  describeZohoError,
  displayName,
  fetchedAppointments,
  formatZohoTime,
  fromZohoAppointment,
  matchAppointment,
  htmlTitle,
  isStaffService,
  listItems,
  openEnvelope,
  parseZohoDuration,
  pickOne,
  regions,
  resolveAccountsServer,
  serviceItem,
  staffItem,
  toZohoAppointmentForm,
  tokenError,
  tokenResponse,
  workspaceItem,
  type Region,
  type ZohoToken,
} from './wire.js';

const { id } = zoho;
const reconnect = connectCommand(id);
const newGrantCode = `generate a new grant code in ${consoleHelp} → Generate Code (scope zohobookings.data.CREATE), or sign in with the browser instead (leave out --grant-code-stdin), then reconnect at once: ${reconnect}`;
/** Zoho matches the registered redirect URI exactly (https://www.zoho.com/accounts/protocol/oauth/web-apps/authorization.html). */
const registerRedirect = (port = '<port>') =>
  `in ${apiConsole} give the client (type "Server-based Applications") the Authorized Redirect URI http://127.0.0.1:${port}/callback, exactly, then sign in with that port: ${reconnect} --port ${port}`;

const settingsSchema = z.object({
  clientId: z.string().min(1),
  accountsServer: z.url(),
  apiDomain: z.url(),
  workspace: z.object({ id: z.string(), name: z.string() }),
  service: z.object({
    id: z.string(),
    name: z.string(),
    duration: z.string(),
    durationMinutes: z.number().int().positive(),
  }),
  staff: z.object({ id: z.string(), name: z.string(), email: z.string().optional() }),
});

const failure: FailureContext = {
  provider: displayName,
  describe: describeZohoError,
  reauthHint: `reconnect Zoho Bookings with a new grant code (${consoleHelp} → Generate Code, scope zohobookings.data.CREATE): ${reconnect}`,
};

/** The generic conversion, keeping the parsed error body for the Zoho-specific refinements. */
async function convert(error: unknown, context: FailureContext): Promise<{ converted: ProviderError; body: unknown }> {
  const { error: converted, body } = await convertFailure(error, { ...context, describe: describeZohoError });
  return { converted, body };
}

/** A Self Client grant code, a browser sign-in's code (with its redirect URI and PKCE verifier), or a refresh token. */
type Grant =
  | { grant_type: 'authorization_code'; code: string; redirect_uri?: string; code_verifier?: string }
  | { grant_type: 'refresh_token'; refresh_token: string };
type GrantKind = 'grant_code' | 'sign_in' | 'refresh_token';
const kindOf = (grant: Grant): GrantKind =>
  grant.grant_type === 'refresh_token' ? 'refresh_token' : grant.redirect_uri ? 'sign_in' : 'grant_code';

/** What a refusal from the token endpoint (an HTTP 200 with `error`) means, and the fix. */
function tokenRefusal(refusal: z.infer<typeof tokenError>, grant: Grant, server: string): ProviderError {
  const kind = kindOf(grant);
  const reason = refusal.error_description ? `${refusal.error_description} (${refusal.error})` : refusal.error;
  const fail = (message: string, hint: string, code: 'auth_failed' | 'rate_limited' = 'auth_failed') =>
    new ProviderError(displayName, code, redact(message), { hint, status: 200 });
  if (/too many requests/i.test(reason)) {
    return fail(
      `Zoho refused a token request: ${reason}`,
      'Zoho allows 10 access-token requests per 10 minutes: wait 10 minutes, then retry',
      'rate_limited',
    );
  }
  if (refusal.error === 'invalid_code' && kind === 'sign_in') {
    return fail(
      "Zoho refused the sign-in's authorization code (invalid_code): it was already used, expired (it lasts 2 minutes), or belongs to another data centre",
      `connect again and finish at once: ${reconnect}`,
    );
  }
  if (refusal.error === 'invalid_redirect_uri') {
    const port =
      grant.grant_type === 'authorization_code' && grant.redirect_uri
        ? /:(\d+)\//.exec(grant.redirect_uri)?.[1]
        : undefined;
    return fail(
      `Zoho refused the redirect URI${grant.grant_type === 'authorization_code' && grant.redirect_uri ? ` ${grant.redirect_uri}` : ''} (invalid_redirect_uri): it is not the one registered for this client`,
      registerRedirect(port),
    );
  }
  if (refusal.error === 'invalid_client' && kind === 'sign_in') {
    return fail(
      `the Zoho accounts server ${server} does not know this client id (invalid_client)`,
      `check --client-id; if the Zoho account lives in another data centre than the client, turn on Multi DC for the client in ${apiConsole} (Settings), or connect with --region ${regions.join('|')}: ${reconnect}`,
    );
  }
  if (refusal.error === 'invalid_code' && kind === 'grant_code') {
    return fail(
      'Zoho refused the grant code (invalid_code): it was already used, has expired, or belongs to another data centre',
      `a grant code works once, for the 3 to 10 minutes chosen when it was made, at its own data centre (--region): ${newGrantCode}`,
    );
  }
  if (refusal.error === 'invalid_code') {
    return fail(
      'Zoho refused the refresh token (invalid_code): it was revoked, replaced as the oldest of more than 20, or belongs to another data centre',
      newGrantCode,
    );
  }
  if (refusal.error === 'invalid_client') {
    return fail(
      `the Zoho accounts server ${server} does not know this client id (invalid_client)`,
      `check --client-id, and connect at the data centre where the Self Client and the Bookings account live: --region ${regions.join('|')} (a client from another data centre is unknown here): ${reconnect}`,
    );
  }
  if (refusal.error === 'invalid_client_secret')
    return fail(
      'Zoho refused the client secret (invalid_client_secret)',
      `copy the client secret again from ${consoleHelp} → Client Secret, then reconnect: ${reconnect}`,
    );
  return fail(`Zoho refused the credentials: ${reason}`, failure.reauthHint);
}

/** Asks `{accounts}/oauth/v2/token` for an access token; every refusal becomes an error naming the fix. */
async function requestToken(
  server: string,
  timeoutMs: number,
  clientId: string,
  clientSecret: string,
  grant: Grant,
): Promise<ZohoToken> {
  // A grant code works once: a retry after a lost answer could only fail, so only refreshes are retried.
  const http = createHttp({ prefixUrl: server, timeoutMs, retryPost: grant.grant_type === 'refresh_token' });
  // Form fields in the body rather than the query string Zoho's examples use: secrets stay out of URLs and their logs.
  const fields = Object.entries({ ...grant, client_id: clientId, client_secret: clientSecret }).filter(
    (field): field is [string, string] => typeof field[1] === 'string',
  );
  const form = new URLSearchParams(fields);
  let body: unknown;
  try {
    body = await http.post('oauth/v2/token', { body: form }).json();
  } catch (error) {
    const { converted, body: errorBody } = await convert(error, failure);
    // Refusals usually come in a 200 (below), but one with an error status means the same and gets the same fix.
    const refusal = tokenError.safeParse(errorBody);
    throw refusal.success && converted.status !== undefined && converted.status < 500
      ? tokenRefusal(refusal.data, grant, server)
      : converted;
  }
  const refused = tokenError.safeParse(body);
  if (refused.success) throw tokenRefusal(refused.data, grant, server);
  const token = tokenResponse.safeParse(body);
  if (!token.success) {
    throw new ProviderError(
      displayName,
      'provider_unavailable',
      `Zoho's token endpoint at ${server} answered without an access token and api_domain`,
      {
        hint: 'retry in a few minutes; if it persists, check --region (or ALSATALK_ZOHO_ACCOUNTS_URL)',
      },
    );
  }
  registerSecret(token.data.access_token);
  if (token.data.refresh_token) registerSecret(token.data.refresh_token);
  return token.data;
}

/** What the person reads before the browser opens when no `--port` was given: Zoho will likely refuse a random port. */
export const noPortNote =
  'Zoho accepts only the exact redirect URI registered for the client. Without --port the sign-in listens on a random port, which Zoho will likely refuse ("Invalid Redirect Uri"): ' +
  registerRedirect();

/** The sign-in's outcome: the token answer and the data centre's accounts server the code was exchanged at. */
interface SignedIn {
  token: ZohoToken;
  server: string;
  region?: Region;
}

/**
 * The browser sign-in (authorization code + PKCE on a loopback redirect) at `{accounts}/oauth/v2/auth`; the code is exchanged
 * at the accounts server the callback names, when that is a Zoho host. PKCE is required of mobile/desktop clients and sent
 * to every client type (https://www.zoho.com/accounts/protocol/oauth/mobile-and-desktop-apps/get-access-token.html).
 */
async function signIn(
  ctx: ConnectorContext,
  clientId: string,
  clientSecret: string,
  signInAt: string,
  port: string | undefined,
): Promise<SignedIn> {
  if (!ctx.login) {
    throw new InputError(
      '--grant-code-stdin',
      'a grant code (or a refresh token) is needed when no browser sign-in can run here',
      `${consoleHelp} → Generate Code with scope ${bookingScope}, then pipe it in with --grant-code-stdin`,
    );
  }
  let authorized: Awaited<ReturnType<typeof ctx.login.authorize>>;
  try {
    authorized = await ctx.login.authorize({
      provider: displayName,
      authorizeUrl: `${signInAt.replace(/\/+$/, '')}/oauth/v2/auth`,
      clientId,
      scopes: [bookingScope],
      // offline: a refresh token; consent: a new one even when this client was approved before.
      extra: { access_type: 'offline', prompt: 'consent' },
      ...(port ? {} : { note: noPortNote }),
    });
  } catch (error) {
    // Zoho shows "Invalid Redirect Uri" in the browser and never calls back: the wait ends in a timeout.
    if (!port && error instanceof AppError && error.code === 'timeout') {
      throw new AppError('timeout', error.message, {
        hint: `if Zoho showed "Invalid Redirect Uri": ${registerRedirect()}; otherwise ${error.hint ?? `connect again: ${reconnect}`}`,
        cause: error,
      });
    }
    throw error;
  }
  registerSecret(authorized.code);
  registerSecret(authorized.verifier);
  const named = callbackAccountsServer(authorized.params.get('accounts-server'), signInAt);
  if ('refused' in named) {
    throw new ProviderError(
      displayName,
      'auth_failed',
      `the sign-in came back naming the accounts server "${named.refused}", which is not a Zoho accounts host, so the code was not sent there`,
      {
        hint: `connect again, signing in at Zoho itself: ${reconnect} (Zoho's accounts hosts: ${Object.values(accountsHosts).join(', ')}; behind a proxy, set ALSATALK_ZOHO_ACCOUNTS_URL to it)`,
      },
    );
  }
  const grant: Grant = {
    grant_type: 'authorization_code',
    code: authorized.code,
    redirect_uri: authorized.redirectUri,
    code_verifier: authorized.verifier,
  };
  const token = await requestToken(named.server, ctx.timeoutMs, clientId, clientSecret, grant);
  return { token, server: named.server, ...(named.region ? { region: named.region } : {}) };
}

/** Reads a Bookings answer as JSON; anything else (a web page in an HTTP 200) is an error saying what to check. */
async function readJson(response: Response, afterCreate: boolean): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const title = htmlTitle(text);
    const what = title === undefined ? 'something other than JSON' : `a web page ("${title}")`;
    throw new ProviderError(displayName, 'provider_unavailable', `Zoho Bookings answered with ${what}`, {
      hint: afterCreate
        ? 'repeat the same call: it looks in Zoho Bookings for the appointment before booking again, so it is not doubled'
        : `retry; if it persists, reconnect: ${reconnect}`,
    });
  }
}

/** toProviderError, where an HTML page with a 400 (Zoho's answer to a missing token) is an authentication failure too. */
async function apiFailure(error: unknown, context: FailureContext = failure): Promise<AppError> {
  if (error instanceof AppError) return error;
  const { converted, body } = await convert(error, context);
  if (converted.status === 400 && htmlTitle(body) !== undefined) {
    return new ProviderError(displayName, 'auth_failed', converted.message, { hint: context.reauthHint, status: 400 });
  }
  return converted;
}

/** Lists a fetch endpoint (`workspaces`, `services`, `staffs`): `response.returnvalue.data`. */
async function fetchList<T>(
  http: Http,
  url: string,
  params: Record<string, string>,
  item: z.ZodType<T>,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<T[]> {
  const opened = openEnvelope(await readJson(await http.get(url, { searchParams: params, ...init }), false));
  if (!opened)
    throw new ProviderError(
      displayName,
      'provider_unavailable',
      `Zoho Bookings answered ${url.split('/').pop() ?? ''} in a shape we do not know`,
      { hint: 'retry in a few minutes' },
    );
  if (!opened.ok) {
    throw new ProviderError(
      displayName,
      'provider_rejected',
      `Zoho Bookings refused to list ${url.split('/').pop() ?? ''}: ${opened.message}`,
      { hint: `check the workspace in Zoho Bookings, then reconnect: ${reconnect}` },
    );
  }
  return listItems(opened.value, item);
}

const bookingsUrl = (apiDomain: string, path: string): string =>
  `${apiDomain.replace(/\/+$/, '')}/bookings/v1/json/${path}`;

function openZohoSession(ctx: SessionContext): ProviderSession {
  const parsed = settingsSchema.safeParse(ctx.settings);
  if (!parsed.success) {
    throw new ProviderError(displayName, 'not_connected', 'the stored Zoho Bookings settings are incomplete', {
      hint: `connect Zoho Bookings again: ${reconnect}`,
    });
  }
  const settings = parsed.data;
  // Each token answer names the API host (api_domain); the one seen at connect time serves until the first refresh.
  let apiDomain = settings.apiDomain;
  const tokens = new TokenCache(
    reporting(async () => {
      const grant = { grant_type: 'refresh_token' as const, refresh_token: await ctx.secret('refresh_token') };
      const token = await requestToken(
        settings.accountsServer,
        ctx.timeoutMs,
        settings.clientId,
        await ctx.secret('client_secret'),
        grant,
      );
      apiDomain = token.api_domain;
      return {
        accessToken: token.access_token,
        expiresAt: Date.now() + token.expires_in * 1000,
        scopes: parseScopes(token.scope),
      };
    }, ctx.recordToken),
  );
  const http = createHttp({
    prefixUrl: '',
    timeoutMs: ctx.timeoutMs,
    auth: tokenAuth(tokens, 'Zoho-oauthtoken'),
  });
  return {
    async book(meeting, signal) {
      try {
        await tokens.get(); // Learns the current api_domain before any URL is built.
        const matches = settings.service.durationMinutes === meeting.durationMinutes;
        const staffServices = matches
          ? []
          : await fetchList(
              http,
              bookingsUrl(apiDomain, 'services'),
              { workspace_id: settings.workspace.id, staff_id: settings.staff.id },
              serviceItem,
              { signal },
            );
        const { service, note } = chooseService(
          settings.service,
          settings.staff,
          meeting.durationMinutes,
          staffServices,
        );
        const form = new FormData();
        for (const [name, value] of Object.entries(
          toZohoAppointmentForm(meeting, { serviceId: service.id, staffId: settings.staff.id }),
        ))
          form.append(name, value);
        // multipart/form-data, as the reference says ("form-data"); fetch writes the boundary.
        const answer = await http.post(bookingsUrl(apiDomain, 'appointment'), { body: form, signal });
        const booked = fromZohoAppointment(await readJson(answer, true), meeting);
        const notes = [note, booked.note].filter(Boolean).join('. ');
        return { ...booked, ...(notes ? { note: notes } : {}) };
      } catch (error) {
        throw await apiFailure(error);
      }
    },

    async findExisting(meeting, signal) {
      try {
        await tokens.get();
        // The day around the start, in the meeting's zone and a day either side: Fetch Appointment reads its bounds in the
        // workspace's zone, which may not be the meeting's.
        const day = meeting.start.setZone(meeting.timezone).startOf('day');
        const filters = {
          from_time: formatZohoTime(day.minus({ days: 1 }), meeting.timezone),
          to_time: formatZohoTime(day.plus({ days: 2 }).minus({ seconds: 1 }), meeting.timezone),
          staff_id: settings.staff.id,
          customer_email: meeting.customerEmail,
        };
        const form = new FormData();
        form.append('data', JSON.stringify(filters));
        const opened = openEnvelope(
          await readJson(await http.post(bookingsUrl(apiDomain, 'fetchappointment'), { body: form, signal }), false),
        );
        if (!opened)
          throw new ProviderError(
            displayName,
            'provider_unavailable',
            'Zoho Bookings answered fetchappointment in a shape we do not know',
            { hint: 'retry in a few minutes' },
          );
        if (!opened.ok)
          throw new ProviderError(
            displayName,
            'provider_rejected',
            `Zoho Bookings refused to list appointments: ${opened.message}`,
            { hint: 'look for the appointment in Zoho Bookings before booking again' },
          );
        const found = matchAppointment(fetchedAppointments(opened.value), meeting);
        return found
          ? fromZohoAppointment({ response: { status: 'success', returnvalue: found } }, meeting)
          : undefined;
      } catch (error) {
        throw await apiFailure(error);
      }
    },
  };
}

/** What `zoho.ts` (its manifest) loads on first use. */
export const implementation: ProviderImplementation = {
  async connect(values, ctx) {
    const clientId = values.clientId?.trim() ?? '';
    const clientSecret = values.client_secret?.trim() ?? '';
    const grantCode = values.grant_code?.trim() ?? '';
    const givenRefresh = values.refresh_token?.trim() ?? '';
    if (!clientId) throw new InputError('--client-id', 'is required', `copy it from ${consoleHelp}`);
    if (!clientSecret)
      throw new InputError('--client-secret-stdin', 'the client secret is required', `copy it from ${consoleHelp}`);
    if (grantCode && givenRefresh) {
      throw new InputError(
        '--grant-code-stdin',
        'give a grant code or a refresh token, not both',
        `pipe the client secret and one of them, one per line: --client-secret-stdin --grant-code-stdin (or --refresh-token-stdin), or leave both out to sign in with the browser`,
      );
    }
    const accounts = resolveAccountsServer(
      values.region,
      ctx.endpoints.accounts,
      zoho.endpoints.accounts?.default ?? 'https://accounts.zoho.com',
    );
    const signingIn = !grantCode && !givenRefresh;
    let server = accounts.server;
    let region = accounts.region;
    let token: ZohoToken;
    const notes = accounts.note ? [accounts.note] : [];
    if (signingIn) {
      const signed = await signIn(ctx, clientId, clientSecret, accounts.server, values.port?.trim() || undefined);
      token = signed.token;
      if (signed.server !== accounts.server) {
        notes.push(
          `Zoho signed you in at its ${signed.region ?? 'own'} data centre (${signed.server}), so the connection uses that accounts server.`,
        );
        server = signed.server;
        region = signed.region;
      }
    } else {
      const grant: Grant = grantCode
        ? { grant_type: 'authorization_code', code: grantCode }
        : { grant_type: 'refresh_token', refresh_token: givenRefresh };
      token = await requestToken(accounts.server, ctx.timeoutMs, clientId, clientSecret, grant);
    }
    const refreshToken = givenRefresh || token.refresh_token;
    if (!refreshToken) {
      throw signingIn
        ? new ProviderError(displayName, 'auth_failed', 'Zoho signed you in but returned no refresh token', {
            hint: `Zoho issues one only with access_type=offline and consent; remove alsatalk-mcp under Connected Apps in your Zoho account's settings, then connect again: ${reconnect}`,
          })
        : new ProviderError(displayName, 'auth_failed', 'Zoho exchanged the grant code but returned no refresh token', {
            hint: `make the code with a Self Client, which grants offline access: ${newGrantCode}`,
          });
    }
    const connectFailure: FailureContext = {
      ...failure,
      reauthHint: signingIn
        ? `sign in with the Zoho account that has Zoho Bookings, approve the scope zohobookings.data.CREATE, and use the client of that account's data centre (--region), then connect again: ${reconnect}`
        : `make the grant code with the scope zohobookings.data.CREATE, in the data centre of the Bookings account (--region), then connect again: ${reconnect}`,
    };
    const http = createHttp({ prefixUrl: '', timeoutMs: ctx.timeoutMs });
    const headers = { Authorization: `Zoho-oauthtoken ${token.access_token}` };
    const list = async <T>(path: string, params: Record<string, string>, item: z.ZodType<T>): Promise<T[]> => {
      try {
        return await fetchList(http, bookingsUrl(token.api_domain, path), params, item, { headers });
      } catch (error) {
        throw await apiFailure(error, connectFailure);
      }
    };
    const workspace = pickOne(
      'workspace',
      '--workspace',
      await list('workspaces', {}, workspaceItem),
      values.workspace,
    );
    const services = (await list('services', { workspace_id: workspace.id }, serviceItem)).filter(isStaffService);
    const service = pickOne(
      'service',
      '--service',
      services,
      values.service,
      (s) => `"${s.name}" (id ${s.id}, ${s.duration})`,
    );
    const durationMinutes = parseZohoDuration(service.duration);
    if (durationMinutes === undefined) {
      throw new ProviderError(
        displayName,
        'provider_rejected',
        `cannot read the length of the service "${service.name}" ("${service.duration}")`,
        { hint: 'choose another service with --service' },
      );
    }
    const staffs = await list('staffs', { workspace_id: workspace.id, service_id: service.id }, staffItem);
    const staff = pickOne(
      'staff member',
      '--staff',
      staffs,
      values.staff,
      (s) => `"${s.name}" (id ${s.id}${s.email ? `, ${s.email}` : ''})`,
    );
    const others = services.filter(
      (s) => s.id !== service.id && (s.assigned_staffs === undefined || s.assigned_staffs.includes(staff.id)),
    );
    notes.push(
      `Meetings of ${durationMinutes} minutes are booked as "${service.name}" with ${staff.name}. ${
        others.length > 0
          ? `Other lengths use ${staff.name}'s other services: ${others.map((s) => `"${s.name}" (${s.duration})`).join(', ')}.`
          : `${staff.name} has no other service, so other lengths cannot be booked in Zoho.`
      }`,
      "Zoho Bookings asks for the customer's phone number: without customer_phone, the Zoho booking fails and says so.",
    );
    return {
      account: `${staff.email ?? staff.name} (${workspace.name})`,
      settings: {
        clientId,
        ...(region ? { region } : {}),
        accountsServer: server,
        apiDomain: token.api_domain,
        // The registered redirect URI's port, so that a sign-in again (connect_provider) uses it.
        ...(signingIn && values.port?.trim() ? { redirectPort: Number(values.port.trim()) } : {}),
        workspace: { id: workspace.id, name: workspace.name },
        service: { id: service.id, name: service.name, duration: service.duration, durationMinutes },
        staff: { id: staff.id, name: staff.name, ...(staff.email ? { email: staff.email } : {}) },
      },
      secrets: { client_secret: clientSecret, refresh_token: refreshToken },
      notes,
      grant: { scopes: parseScopes(token.scope), expiresAt: Date.now() + token.expires_in * 1000 },
    };
  },

  /**
   * https://www.zoho.com/accounts/protocol/oauth/revoke-refresh-token.html: POST {accounts}/oauth/v2/token/revoke?token=,
   * answering {"status":"success"}, or 400 for a token Zoho no longer knows (already revoked).
   */
  async revoke(ctx) {
    const refreshToken = await ctx.secret('refresh_token');
    const settings = settingsSchema.safeParse(ctx.settings).data;
    if (!refreshToken || !settings) return 'nothing';
    // The grant lives at the data centre that issued it, like the refreshes.
    const http = createHttp({ prefixUrl: settings.accountsServer, timeoutMs: ctx.timeoutMs });
    try {
      await http.post('oauth/v2/token/revoke', { searchParams: { token: refreshToken } });
    } catch (error) {
      const { converted } = await convert(error, failure);
      if (converted.status === 400) return 'revoked';
      throw converted;
    }
    return 'revoked';
  },

  openSession: openZohoSession,
};
