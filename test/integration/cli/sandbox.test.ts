// The sandbox over real HTTP: it answers from the same fakes the msw tests use (a request the real provider would
// refuse is refused alike by both), its controls (500, 429 with Retry-After, malformed, hang, latency), its outbox
// and its in-memory secret store.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretStoreError } from '../../../src/errors.js';
import { createCalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import { createGoogleFake } from '../../../src/sandbox/fakes/google.js';
import { createResendFake } from '../../../src/sandbox/fakes/resend.js';
import { createZohoFake } from '../../../src/sandbox/fakes/zoho.js';
import { createZoomFake } from '../../../src/sandbox/fakes/zoom.js';
import { startSandbox, type ArrivedRequest, type Sandbox, type ServedRequest } from '../../../src/sandbox/sandbox.js';
import { SandboxSecretStore } from '../../../src/storage/sandbox-secret-store.js';
import { mswHandler } from '../../msw/handlers.js';

// The sandbox listens on 127.0.0.1: those requests go through to it untouched.
const msw = setupServer(http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()));
let sandbox: Sandbox;
let outbox: string;

beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterAll(() => msw.close());
beforeEach(async () => {
  outbox = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-sandbox-test-'));
  sandbox = await startSandbox({ outbox });
});
afterEach(async () => {
  await sandbox.close();
  msw.resetHandlers();
  rmSync(outbox, { recursive: true, force: true });
});

/** The same fakes, created as the msw tests create them, and served in-process. */
function mswFakes() {
  const fakes = {
    zoom: createZoomFake(),
    calendly: createCalendlyFake(),
    google: createGoogleFake(),
    zoho: createZohoFake(),
    resend: createResendFake(),
  };
  msw.use(mswHandler(Object.values(fakes).flatMap((f) => f.routes)));
  return fakes;
}

type Fakes = ReturnType<typeof mswFakes>;
const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as unknown });
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** Requests each real provider refuses (as its documentation says), each after a valid sign-in where one is needed. */
const refusals: Record<string, (f: Fakes) => Promise<Response>> = {
  'Zoom: a start_time with an offset (Zoom takes UTC with Z, or a wall time with `timezone`)': async ({ zoom }) => {
    const basic = Buffer.from(`${zoom.state.clientId}:${zoom.state.clientSecret}`).toString('base64');
    const token = await fetch(
      `${zoom.oauthBase}/oauth/token?grant_type=account_credentials&account_id=${zoom.state.accountId}`,
      { method: 'POST', headers: { authorization: `Basic ${basic}` } },
    );
    const { access_token } = (await token.json()) as { access_token: string };
    return fetch(`${zoom.apiBase}/users/me/meetings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'Intro', type: 2, start_time: '2027-01-05T10:00:00+01:00', duration: 30 }),
    });
  },
  'Google: a dateTime without offset and without timeZone': async ({ google }) => {
    const token = await fetch(
      `${google.tokenBase}/token`,
      form({
        grant_type: 'refresh_token',
        client_id: google.state.clientId,
        client_secret: google.state.clientSecret,
        refresh_token: google.state.refreshToken,
      }),
    );
    const { access_token } = (await token.json()) as { access_token: string };
    return fetch(`${google.apiBase}/calendars/primary/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        summary: 'Intro',
        start: { dateTime: '2027-01-05T10:00:00' },
        end: { dateTime: '2027-01-05T10:30:00' },
      }),
    });
  },
  'Calendly: a start_time that is not ISO 8601': async ({ calendly }) =>
    fetch(`${calendly.apiBase}/invitees`, {
      method: 'POST',
      headers: { authorization: `Bearer ${calendly.state.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        event_type: calendly.eventTypeUri(calendly.state.eventTypes[0]!),
        start_time: '05/01/2027 10:00',
        invitee: { name: 'Ada', email: 'ada@example.com', timezone: 'Europe/London' },
      }),
    }),
  'Zoho Bookings: from_time in ISO form instead of dd-MMM-yyyy HH:mm:ss': async ({ zoho }) => {
    const refresh = [...zoho.state.refreshTokens][0] ?? '';
    const token = await fetch(
      `${zoho.accountsBase}/oauth/v2/token?${new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, client_id: zoho.state.clientId, client_secret: zoho.state.clientSecret })}`,
      { method: 'POST' },
    );
    const { access_token } = (await token.json()) as { access_token: string };
    const body = new FormData();
    body.set('service_id', zoho.state.services[0]!.id);
    body.set('staff_id', zoho.state.staffs[0]!.id);
    body.set('from_time', '2027-01-05T10:00:00');
    body.set('time_zone', 'Europe/London');
    body.set(
      'customer_details',
      JSON.stringify({ name: 'Ada', email: 'ada@example.com', phone_number: '+14155550123' }),
    );
    return fetch(`${zoho.apiBase}/bookings/v1/json/appointment`, {
      method: 'POST',
      headers: { authorization: `Zoho-oauthtoken ${access_token}` },
      body,
    });
  },
  'Resend: a sender whose domain is not verified': async ({ resend }) =>
    fetch(`${resend.apiBase}/emails`, {
      method: 'POST',
      headers: { authorization: `Bearer ${resend.state.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'Acme <meet@unverified.test>', to: 'ada@example.com', subject: 'Hi', text: 'Hi' }),
    }),
};

describe('the sandbox answers as the msw fakes do', () => {
  for (const [name, send] of Object.entries(refusals)) {
    it(`refuses alike: ${name}`, async () => {
      const inProcess = await answer(await send(mswFakes()));
      const overHttp = await answer(await send(sandbox.fakes));
      expect(overHttp).toEqual(inProcess);
      // A refusal, in the provider's own shape (Zoho's inside an HTTP 200), naming what is wrong.
      expect(inProcess.status >= 400 || JSON.stringify(inProcess.body).includes('"status":"failure"')).toBe(true);
      expect(JSON.stringify(inProcess.body)).toMatch(/start_time|start time|from_time|domain is not verified/);
      expect(Object.values(sandbox.holdings()).every((n) => n === 0)).toBe(true);
    });
  }
});

describe('sandbox controls', () => {
  const zoomMe = () => fetch(`${sandbox.fakes.zoom.apiBase}/users/me`);

  it('makes a provider answer a status, and 429 carries Retry-After; the others are untouched', async () => {
    sandbox.controls.addFault({ target: 'zoom', kind: 'status', status: 429, retryAfter: 2, times: 1 });
    const limited = await zoomMe();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    // `times: 1` is spent: Zoom's own answer again (no token: 401, code 124).
    expect(await answer(await zoomMe())).toEqual({
      status: 401,
      body: { code: 124, message: 'Invalid access token.' },
    });
    expect((await fetch(`${sandbox.fakes.resend.apiBase}/domains`)).status).toBe(401);
  });

  it("aims a provider's faults at its booking calls, not its sign-in; hang-after only at the call that makes the meeting", async () => {
    const { zoom } = sandbox.fakes;
    sandbox.controls.addFault({ target: 'zoom', kind: 'status', status: 503 });
    sandbox.controls.addFault({ target: 'zoom', kind: 'hang-after' });
    const basic = Buffer.from(`${zoom.state.clientId}:${zoom.state.clientSecret}`).toString('base64');
    const token = await fetch(
      `${zoom.oauthBase}/oauth/token?grant_type=account_credentials&account_id=${zoom.state.accountId}`,
      { method: 'POST', headers: { authorization: `Basic ${basic}` } },
    );
    expect(token.status).toBe(200);
    expect((await zoomMe()).status).toBe(503);
  });

  it('refuses a target that names no provider or route, as the flags do', async () => {
    const admin = `${sandbox.origin}/__sandbox`;
    for (const path of ['faults', 'latency']) {
      const refused = await fetch(`${admin}/${path}`, {
        method: 'POST',
        body: JSON.stringify({ target: 'zom', kind: 'hang', ms: 10 }),
      });
      expect(await answer(refused)).toEqual({
        status: 400,
        body: {
          message:
            'target: "zom" is not a provider or a route: use one of zoom, calendly, google, zoho, microsoft, resend, * (all), or a route listed by GET /__sandbox',
        },
      });
    }
    expect(sandbox.controls.describe()).toEqual({ latency: [], faults: [] });
  });

  it('answers a malformed body with HTTP 200', async () => {
    sandbox.controls.addFault({ target: 'google', kind: 'malformed' });
    const response = await fetch(`${sandbox.fakes.google.apiBase}/calendars/primary`);
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow(SyntaxError);
  });

  it('hangs a provider until the caller gives up, and releases it when the sandbox stops', async () => {
    sandbox.controls.addFault({ target: 'zoho', kind: 'hang' });
    await expect(
      fetch(`${sandbox.fakes.zoho.apiBase}/bookings/v1/json/workspaces`, { signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow(/aborted|timeout/i);
  });

  it('takes faults and latency from the admin endpoint, names the routes, and clears them', async () => {
    const admin = `${sandbox.origin}/__sandbox`;
    const refused = await fetch(`${admin}/faults`, {
      method: 'POST',
      body: JSON.stringify({ target: 'zoom', kind: 'boom' }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toContain(
      '"kind": "status" | "malformed" | "hang"',
    );
    await fetch(`${admin}/faults`, {
      method: 'POST',
      body: JSON.stringify({ target: 'zoom:GET /zoom/v2/users/:userId', kind: 'status', status: 503 }),
    });
    await fetch(`${admin}/latency`, { method: 'POST', body: JSON.stringify({ target: 'calendly', ms: 5 }) });
    const state = (await (await fetch(admin)).json()) as { routes: string[]; controls: unknown };
    expect(state.routes).toContain('zoom:POST /zoom/v2/users/:userId/meetings');
    expect(state.controls).toEqual({
      latency: [{ target: 'calendly', ms: 5 }],
      faults: [{ target: 'zoom:GET /zoom/v2/users/:userId', kind: 'status', status: 503 }],
    });
    expect((await zoomMe()).status).toBe(503);
    await fetch(`${admin}/controls`, { method: 'DELETE' });
    expect((await zoomMe()).status).toBe(401);
  });

  it('makes the host busy in one provider or every one, as each shows it, and Calendly stops offering that time', async () => {
    const admin = `${sandbox.origin}/__sandbox`;
    const { calendly } = sandbox.fakes;
    const day = new Date(Date.now() + 9 * 86_400_000).toISOString().slice(0, 10);
    const available = async () => {
      const query = new URLSearchParams({
        event_type: `${calendly.apiBase}/event_types/ET000INTRO000030`,
        start_time: `${day}T00:00:00Z`,
        end_time: `${day}T23:59:59Z`,
      });
      const response = await fetch(`${calendly.apiBase}/event_type_available_times?${query}`, {
        headers: { authorization: `Bearer ${calendly.state.token}` },
      });
      return ((await response.json()) as { collection: Array<{ start_time: string }> }).collection.map((t) =>
        t.start_time.slice(11, 16),
      );
    };
    expect(await available()).toContain('15:00');
    const busy = { start: `${day}T10:00:00-05:00`, end: `${day}T11:00:00-05:00` };
    const refused = await fetch(`${admin}/busy`, {
      method: 'POST',
      body: JSON.stringify({ provider: 'zom', ...busy }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toContain(
      '"zoom" | "calendly" | "google" | "zoho" | "microsoft" | "*"',
    );
    const made = await fetch(`${admin}/busy`, { method: 'POST', body: JSON.stringify({ provider: '*', ...busy }) });
    expect(await made.json()).toEqual({
      busy: { provider: '*', start: `${day}T15:00:00.000Z`, end: `${day}T16:00:00.000Z` },
    });
    // 10:00 to 11:00 in New York is 15:00 to 16:00 UTC: Calendly offers neither 15:00 nor 15:30 now.
    expect(await available()).not.toContain('15:00');
    expect(await available()).not.toContain('15:30');
    expect(await available()).toContain('16:00');
    expect(sandbox.fakes.google.state.busy).toEqual([
      { calendarId: 'owner@acme.test', start: `${day}T15:00:00.000Z`, end: `${day}T16:00:00.000Z` },
    ]);
    expect(sandbox.fakes.zoom.state.meetings.map((m) => [m.startUtc, m.body.duration])).toEqual([
      [`${day}T15:00:00Z`, 60],
    ]);
    expect(sandbox.fakes.zoho.state.busyBlocks).toHaveLength(1);
  });
});

describe('sandbox latency', () => {
  it('holds a request for its latency, and clearing the controls lets it go on at once', async () => {
    const arrived: ArrivedRequest[] = [];
    const slow = await startSandbox({
      outbox,
      latency: [{ target: 'zoom', ms: 600_000 }],
      onArrived: (entry) => arrived.push(entry),
    });
    try {
      const status = fetch(`${slow.fakes.zoom.apiBase}/users/me`).then((r) => r.status);
      await expect.poll(() => arrived.length).toBe(1);
      const heldFor = (ms: number) => Promise.race([status, sleep(ms).then(() => 'still held')]);
      expect(await heldFor(200)).toBe('still held');
      await fetch(`${slow.origin}/__sandbox/controls`, { method: 'DELETE' });
      // Zoom's own answer (no token: 401) well inside the ten minutes it was held for.
      expect(await heldFor(10_000)).toBe(401);
    } finally {
      await slow.close();
    }
  });
});

describe('sandbox timings', () => {
  it('reports each answered call from its arrival to its answer leaving, latency included', async () => {
    const served: ServedRequest[] = [];
    const timed = await startSandbox({
      outbox,
      latency: [{ target: 'zoom', ms: 60 }],
      onServed: (entry) => served.push(entry),
    });
    try {
      const before = performance.now();
      const response = await fetch(`${timed.fakes.zoom.apiBase}/users/me`);
      const after = performance.now();
      expect(response.status).toBe(401);
      expect(served).toHaveLength(1);
      const [entry] = served;
      expect(entry).toMatchObject({ provider: 'zoom', route: 'zoom:GET /zoom/v2/users/:userId' });
      // Inside the client's own view of the call, and at least as long as the added latency.
      expect(entry?.startedAt).toBeGreaterThanOrEqual(before);
      expect(entry?.endedAt).toBeLessThanOrEqual(after);
      expect((entry?.endedAt ?? 0) - (entry?.startedAt ?? 0)).toBeGreaterThanOrEqual(59);
    } finally {
      await timed.close();
    }
  });
});

describe('sandbox secret store', () => {
  it('keeps secrets in the sandbox memory, for holders of its key only', async () => {
    const store = new SandboxSecretStore(sandbox.origin, sandbox.env.ALSATALK_SANDBOX_KEY ?? '', 'alsatalk-mcp');
    expect(await store.get('zoom:refresh_token')).toBeNull();
    await store.set('zoom:refresh_token', 'rt-1');
    expect(await store.get('zoom:refresh_token')).toBe('rt-1');
    expect(await store.delete('zoom:refresh_token')).toBe(true);
    expect(await store.delete('zoom:refresh_token')).toBe(false);

    const stranger = new SandboxSecretStore(sandbox.origin, 'guessed-key', 'alsatalk-mcp');
    await expect(stranger.get('zoom:refresh_token')).rejects.toThrow(SecretStoreError);
    await expect(stranger.get('zoom:refresh_token')).rejects.toThrow(/refused the request \(HTTP 401\)/);
  });

  it('says how to start the sandbox when it is not running', async () => {
    const store = new SandboxSecretStore(sandbox.origin, 'k', 'alsatalk-mcp');
    await sandbox.close();
    const error = await store.get('a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretStoreError);
    expect((error as SecretStoreError).hint).toContain('npx alsatalk-mcp sandbox');
    sandbox = await startSandbox({ outbox });
  });
});
