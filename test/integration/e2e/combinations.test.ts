// The built binary over stdio with every combination that matters: one provider, two, all five, and each failing alone.
// Providers are faked over real HTTP by the same routes the in-process tests serve through msw.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import type { Fault } from '../../../src/sandbox/fakes/fault.js';
import { createGoogleFake } from '../../../src/sandbox/fakes/google.js';
import { createMicrosoftFake, graphFault } from '../../../src/sandbox/fakes/microsoft.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../msw/http-server.js';
import { createResendFake } from '../../../src/sandbox/fakes/resend.js';
import { createZohoFake } from '../../../src/sandbox/fakes/zoho.js';
import { createZoomFake } from '../../../src/sandbox/fakes/zoom.js';
import { assertBuilt, childEnv, runCli } from '../../support/cli.js';
import { futureDate } from '../../support/dates.js';
import { fakeEnv } from '../../support/harness.js';
import { startStdioServer, type StdioServer } from '../../support/stdio-server.js';

type ProviderId = 'zoom' | 'calendly' | 'google' | 'zoho' | 'microsoft';
const all: ProviderId[] = ['zoom', 'calendly', 'google', 'zoho', 'microsoft'];

let http: FakeHttpServer;
beforeAll(async () => {
  assertBuilt();
  http = await startFakeHttpServer();
});
afterAll(async () => http?.close());

/** Fresh fakes, a fresh data folder and secret namespace for every test. */
function world() {
  const base = http.url;
  const fakes = {
    zoom: createZoomFake({ apiBase: `${base}/zoom/v2`, oauthBase: `${base}/zoom` }),
    calendly: createCalendlyFake({ apiBase: `${base}/calendly` }),
    google: createGoogleFake({ apiBase: `${base}/google/calendar/v3`, tokenBase: `${base}/google-oauth` }),
    zoho: createZohoFake({ accountsBase: `${base}/zoho-accounts`, apiBase: `${base}/zoho-api` }),
    microsoft: createMicrosoftFake({ loginBase: `${base}/ms-login`, graphBase: `${base}/ms-graph/v1.0` }),
    resend: createResendFake({ apiBase: `${base}/resend` }),
  };
  http.use(Object.values(fakes).flatMap((f) => f.routes));
  const home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-combo-'));
  const env = childEnv({ ...fakeEnv(home, Object.values(fakes)), ALSATALK_PROVIDER_TIMEOUT_MS: '8000' });
  const zohoRefresh = [...fakes.zoho.state.refreshTokens][0] ?? '';
  const connectArgs: Record<ProviderId | 'resend', [string[], string]> = {
    zoom: [
      ['--account-id', fakes.zoom.state.accountId, '--client-id', fakes.zoom.state.clientId, '--client-secret-stdin'],
      fakes.zoom.state.clientSecret,
    ],
    calendly: [['--token-stdin'], fakes.calendly.state.token],
    google: [
      ['--client-id', fakes.google.state.clientId, '--client-secret-stdin', '--refresh-token-stdin'],
      `${fakes.google.state.clientSecret}\n${fakes.google.state.refreshToken}\n`,
    ],
    zoho: [
      [
        '--client-id',
        fakes.zoho.state.clientId,
        '--client-secret-stdin',
        '--refresh-token-stdin',
        '--service',
        'Intro call',
        '--staff',
        'Ann Smith',
      ],
      `${fakes.zoho.state.clientSecret}\n${zohoRefresh}\n`,
    ],
    microsoft: [
      ['--client-id', fakes.microsoft.state.clientId, '--refresh-token-stdin'],
      fakes.microsoft.state.refreshToken ?? '',
    ],
    resend: [['--api-key-stdin', '--from', 'Acme <meet@acme.test>'], fakes.resend.state.apiKey],
  };
  const connect = async (id: ProviderId | 'resend') => {
    const [args, stdin] = connectArgs[id];
    const result = await runCli(['connect', id, ...args], env, stdin);
    expect(result.code, `connect ${id}: ${result.stdout}${result.stderr}`).toBe(0);
  };
  const cleanup = async () => {
    for (const id of Object.keys(connectArgs)) await runCli(['disconnect', id], env);
    rmSync(home, { recursive: true, force: true });
  };
  return { fakes, env, connect, cleanup };
}

let w: ReturnType<typeof world>;
let server: StdioServer | undefined;
beforeEach(() => {
  w = world();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await w.cleanup();
});

interface Output {
  status: string;
  providers: Array<{
    provider: string;
    status: string;
    join_url?: string;
    passcode?: string;
    links?: Array<{ url: string }>;
    meeting_id?: string;
    remedy?: string;
    error?: { code: string };
  }>;
  email: { status: string };
}

const args = {
  customer_name: 'Grace Hopper',
  customer_email: 'grace@example.com',
  customer_phone: '+14155550123',
  booking_date: futureDate(21),
  booking_time: '10:30',
  timezone: 'America/New_York',
};

async function bookWith(connected: ProviderId[]) {
  for (const id of [...connected, 'resend' as const]) await w.connect(id);
  server = await startStdioServer(w.env);
  const progress: number[] = [];
  const result = await server.client.callTool(
    { name: 'book_meeting', arguments: args },
    {
      onprogress: (p) => progress.push(p.progress),
    },
  );
  const output = result.structuredContent as Output;
  const byId = Object.fromEntries(output.providers.map((p) => [p.provider, p]));
  return { result, output, byId, progress, email: w.fakes.resend.state.emails.at(-1)?.payload };
}

describe('combinations', () => {
  it('only Calendly: booked directly, the others listed as not connected, and the e-mail sent', async () => {
    const { result, output, byId, email } = await bookWith(['calendly']);
    expect(result.isError).toBeFalsy();
    expect(output.status).toBe('booked');
    expect(byId.calendly).toMatchObject({ status: 'booked' });
    const names = { zoom: 'Zoom', google: 'Google Calendar', zoho: 'Zoho Bookings', microsoft: 'Microsoft 365' };
    for (const [id, name] of Object.entries(names))
      expect(byId[id]).toMatchObject({
        status: 'not_connected',
        remedy: `connect ${name}: npx alsatalk-mcp connect ${id}`,
      });
    expect(w.fakes.calendly.state.invitees).toHaveLength(1);
    expect(email?.to).toEqual(['grace@example.com']);
  });

  it('Zoom + Calendly: both booked, both in the e-mail', async () => {
    const { output, byId, email } = await bookWith(['zoom', 'calendly']);
    expect(output.status).toBe('booked');
    expect(byId.zoom).toMatchObject({ status: 'booked' });
    expect(byId.calendly).toMatchObject({ status: 'booked' });
    expect(email?.text).toContain(byId.zoom?.join_url);
    expect(email?.text).toContain('Calendly');
  });

  it('all five: every provider booked at the same instant, progress for each, one e-mail with every link', async () => {
    const { output, byId, progress, email } = await bookWith(all);
    expect(output.status).toBe('booked');
    expect(output.providers.map((p) => [p.provider, p.status])).toEqual(all.map((id) => [id, 'booked']));
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    const zoomStart = w.fakes.zoom.state.meetings[0]?.startUtc;
    expect(new Date(zoomStart ?? '').toISOString()).toBe(
      new Date(w.fakes.calendly.state.invitees[0]?.startUtc ?? '').toISOString(),
    );
    expect(w.fakes.google.state.events).toHaveLength(1);
    expect(w.fakes.zoho.state.appointments).toHaveLength(1);
    expect(w.fakes.microsoft.heldEvents()).toHaveLength(1);
    // The host's Outlook event lists the other providers' links before its Teams meeting, which stays as it was.
    const outlook = w.fakes.microsoft.heldEvents()[0]?.event as {
      body: { content: string };
      onlineMeeting: { joinUrl: string } | null;
    };
    for (const url of [byId.zoom?.join_url, byId.google?.join_url]) expect(outlook.body.content).toContain(url);
    expect(outlook.body.content.indexOf(byId.zoom?.join_url ?? 'missing')).toBeLessThan(
      outlook.body.content.indexOf(byId.microsoft?.join_url ?? 'missing'),
    );
    expect(outlook.onlineMeeting?.joinUrl).toBe(byId.microsoft?.join_url);
    expect(Date.parse(w.fakes.microsoft.heldEvents()[0]?.startUtc ?? '')).toBe(Date.parse(zoomStart ?? ''));
    expect(w.fakes.resend.state.emails).toHaveLength(1);
    for (const url of [byId.zoom?.join_url, byId.google?.join_url, byId.microsoft?.join_url])
      expect(email?.text).toContain(url);
    expect(email?.text).toContain(`Passcode: ${byId.zoom?.passcode}`);
    expect(email?.text).toContain(`Booking ID: ${byId.zoho?.meeting_id}`);
    const status = JSON.parse((await runCli(['status', '--json'], w.env)).stdout) as {
      connectors: Array<{ id: string; state: string }>;
    };
    expect(status.connectors.map((c) => [c.id, c.state])).toEqual([
      ['zoom', 'connected'],
      ['calendly', 'connected'],
      ['google', 'connected'],
      ['zoho', 'connected'],
      ['microsoft', 'connected'],
      ['resend', 'connected'],
    ]);
    expect(email?.text).toContain('Meeting ID: ');
  });
});

describe('the host event that lists the other links', () => {
  it("Outlook refusing the body update: everything is booked, and a note says the event lacks the others' links", async () => {
    w.fakes.microsoft.state.faults.inject('updateEvent', {
      ...graphFault(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'),
      times: 3,
    });
    const { output } = await bookWith(['zoom', 'microsoft']);
    expect(output.status).toBe('booked');
    expect(output.email.status).toBe('sent');
    expect((output as Output & { notes?: string[] }).notes).toContainEqual(
      expect.stringMatching(
        /^Microsoft 365's event does not list the other providers' links \(.*403.*\); the invitee's e-mail has every link\.$/,
      ),
    );
    expect(w.fakes.microsoft.heldEvents()).toHaveLength(1);
  });
});

describe('each provider failing alone', () => {
  const faults: Record<ProviderId, (f: ReturnType<typeof world>['fakes'], fault: Fault) => void> = {
    zoom: (f, fault) => f.zoom.state.faults.inject('createMeeting', fault),
    calendly: (f, fault) => f.calendly.state.faults.inject('createInvitee', fault),
    google: (f, fault) => f.google.state.faults.inject('insertEvent', fault),
    zoho: (f, fault) => f.zoho.state.faults.inject('appointment', fault),
    microsoft: (f, fault) => f.microsoft.state.faults.inject('createEvent', fault),
  };
  it.each(Object.keys(faults) as ProviderId[])(
    '%s answers 503 to every try: the other four book, the e-mail goes out, the failure has a remedy',
    async (failing) => {
      // Three tries: the first, and two more after looking for what a failed create may have made (http/retry.ts).
      faults[failing](w.fakes, {
        status: 503,
        body: 'Service Unavailable',
        headers: { 'content-type': 'text/plain' },
        times: 3,
      });
      const { result, output, byId, email } = await bookWith(all);
      expect(result.isError).toBeFalsy();
      expect(output.status).toBe('partial');
      expect(byId[failing]).toMatchObject({
        status: 'failed',
        error: { code: 'provider_unavailable' },
        remedy: expect.stringMatching(/retry/),
      });
      for (const other of (Object.keys(faults) as ProviderId[]).filter((id) => id !== failing))
        expect(byId[other]?.status).toBe('booked');
      expect(output.email.status).toBe('sent');
      // Whole words: a random meeting id or UUID in the e-mail may well contain the digits 503.
      expect(email?.text).not.toMatch(/\bfail|\berror|\b503\b/i);
    },
  );
});
