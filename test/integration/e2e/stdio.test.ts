// The built binary end to end: set up with the CLI, served over stdio to a real MCP Client, providers faked over real HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import Database from 'better-sqlite3';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statement } from '../../../src/storage/database.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../msw/http-server.js';
import { createResendFake } from '../../../src/sandbox/fakes/resend.js';
import { createZoomFake } from '../../../src/sandbox/fakes/zoom.js';
import { assertBuilt, childEnv, runCli } from '../../support/cli.js';
import { futureDate } from '../../support/dates.js';
import { fakeEnv } from '../../support/harness.js';
import { startStdioServer, type StdioServer } from '../../support/stdio-server.js';

let fake: FakeHttpServer;
let home: string;
let env: Record<string, string>;
let server: StdioServer;
let client: Client;
let zoom: ReturnType<typeof createZoomFake>;
let resend: ReturnType<typeof createResendFake>;

beforeAll(async () => {
  assertBuilt();
  fake = await startFakeHttpServer();
  zoom = createZoomFake({ apiBase: `${fake.url}/zoom/v2`, oauthBase: `${fake.url}/zoom` });
  resend = createResendFake({ apiBase: `${fake.url}/resend` });
  fake.use([...zoom.routes, ...resend.routes]);
  home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-e2e-'));
  env = childEnv({ ...fakeEnv(home, [zoom, resend]), ALSATALK_LOG_LEVEL: 'info' });

  const zoomConnect = await runCli(
    [
      'connect',
      'zoom',
      '--account-id',
      zoom.state.accountId,
      '--client-id',
      zoom.state.clientId,
      '--client-secret-stdin',
    ],
    env,
    `${zoom.state.clientSecret}\n`,
  );
  expect(zoomConnect, zoomConnect.stderr).toMatchObject({
    code: 0,
    stdout: expect.stringContaining('Connected Zoom as owner@acme.test'),
  });
  const resendConnect = await runCli(
    ['connect', 'resend', '--api-key-stdin', '--from', 'Acme <meet@acme.test>'],
    env,
    resend.state.apiKey,
  );
  expect(resendConnect, resendConnect.stderr).toMatchObject({
    code: 0,
    stdout: expect.stringContaining('Connected Resend as Acme <meet@acme.test>'),
  });

  server = await startStdioServer(env);
  client = server.client;
});

afterAll(async () => {
  await server?.close();
  // Remove the keychain entries this test created.
  if (env) {
    await runCli(['disconnect', 'zoom'], env);
    await runCli(['disconnect', 'resend'], env);
  }
  await fake?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const booking = {
  customer_name: 'Grace Hopper',
  customer_email: 'grace@example.com',
  booking_date: futureDate(20),
  booking_time: '10:30',
  timezone: 'Europe/Paris',
};

describe('the built server over stdio', () => {
  it('lists book_meeting with both schemas', async () => {
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === 'book_meeting');
    expect(tool?.inputSchema.properties).toHaveProperty('customer_email');
    expect(tool?.outputSchema?.properties).toHaveProperty('providers');
  });

  it('books in Zoom and e-mails the join URL, passcode and a valid calendar file', async () => {
    const result = await client.callTool({ name: 'book_meeting', arguments: booking });
    const output = result.structuredContent as {
      status: string;
      booking_id: string;
      providers: Array<{ join_url?: string; passcode?: string }>;
    };
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(output.status).toBe('booked');
    const meeting = zoom.state.meetings.at(-1);
    expect(output.providers[0]).toMatchObject({ join_url: meeting?.joinUrl, passcode: meeting?.password });

    const email = resend.state.emails.at(-1);
    expect(email?.payload.to).toEqual(['grace@example.com']);
    expect(email?.payload.html).toContain(meeting?.joinUrl?.replace(/&/g, '&amp;'));
    expect(email?.payload.text).toContain(`Passcode: ${meeting?.password}`);
    const ics = Buffer.from(email?.payload.attachments?.[0]?.content ?? '', 'base64').toString('utf8');
    const vevent = new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent');
    expect((vevent?.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString()).toBe(
      new Date(meeting?.startUtc ?? '').toISOString(),
    );
  });

  it('reports a Zoom 500 that outlasts the retries, stays up, and records the booking as failed', async () => {
    zoom.state.faults.inject('createMeeting', {
      status: 500,
      body: { code: 500, message: 'Internal server error.' },
      times: 3,
    });
    const result = await client.callTool({ name: 'book_meeting', arguments: { ...booking, booking_time: '11:30' } });
    const output = result.structuredContent as {
      status: string;
      booking_id: string;
      providers: Array<{ status: string; remedy?: string }>;
    };
    expect(result.isError).toBe(true);
    expect(output.providers[0]).toMatchObject({ status: 'failed', remedy: expect.stringContaining('retry') });

    const db = new Database(path.join(home, 'alsatalk.db'), { readonly: true });
    const row = statement(db, 'SELECT status FROM bookings WHERE id = ?').get(output.booking_id) as { status: string };
    const result_ = statement(
      db,
      "SELECT status, error_code FROM booking_results WHERE booking_id = ? AND provider = 'zoom'",
    ).get(output.booking_id);
    db.close();
    expect(row.status).toBe('failed');
    expect(result_).toEqual({ status: 'failed', error_code: 'provider_unavailable' });

    // Still serving: the next call books.
    const again = await client.callTool({ name: 'book_meeting', arguments: { ...booking, booking_time: '12:30' } });
    expect((again.structuredContent as { status: string }).status).toBe('booked');
  });

  it('kept stdout for JSON-RPC alone and logged to stderr', () => {
    expect(server.errors).toEqual([]);
    expect(server.stderr()).toContain('serving on stdio');
  });

  it('stops with the fix, and stores nothing, when the keychain is unreachable', async () => {
    const otherHome = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-e2e-nokeyring-'));
    try {
      // A D-Bus address that leads nowhere: the Secret Service cannot be reached.
      const {
        ALSATALK_SECRET_STORE: _store,
        ALSATALK_SECRET_FILE_KEY: _key,
        ...keychainEnv
      } = fakeEnv(otherHome, [zoom, resend]);
      const broken = { ...childEnv(keychainEnv), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
      const attempt = await runCli(
        ['connect', 'resend', '--api-key-stdin', '--from', 'Acme <meet@acme.test>'],
        broken,
        resend.state.apiKey,
      );
      expect(attempt.code, attempt.stdout + attempt.stderr).toBe(1);
      expect(attempt.stderr).toMatch(/OS keychain/);
      expect(attempt.stderr).toMatch(/ALSATALK_SECRET_STORE=file/);
      expect(attempt.stderr).not.toContain(resend.state.apiKey);
      const status = await runCli(['status', '--json'], broken);
      expect(JSON.parse(status.stdout).connectors).toContainEqual(
        expect.objectContaining({ id: 'resend', state: 'not_connected' }),
      );
    } finally {
      rmSync(otherHome, { recursive: true, force: true });
    }
  });

  it('never shows a secret in status, logs or results', async () => {
    const status = await runCli(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Zoom\s+connected\s+as owner@acme.test/);
    expect(status.stdout).toMatch(/Resend\s+connected\s+as Acme <meet@acme.test>/);
    for (const secret of [zoom.state.clientSecret, resend.state.apiKey, ...zoom.state.tokens.keys()]) {
      expect(status.stdout + status.stderr + server.stderr()).not.toContain(secret);
    }
  });
});
