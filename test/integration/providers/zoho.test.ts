// Zoho Bookings through the real connect command and a real MCP Client; msw plays Zoho (and Zoom, Resend) at the network edge.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { zoho } from '../../../src/providers/zoho/manifest.js';
import { noPortNote } from '../../../src/providers/zoho/sign-in.js';
import { connectUsage } from '../../../src/commands/connect.js';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { secretAccount } from '../../../src/connections/connections.js';
import { bookingFailure, createZohoFake, zohoErrorPage, type ZohoFake } from '../../../src/sandbox/fakes/zoho.js';
import { startFakeHttpServer } from '../../msw/http-server.js';
import { assertBuilt, binPath, childEnv, runCli } from '../../support/cli.js';
import { futureDate } from '../../support/dates.js';
import { fakeEnv, followSignIn, useHarness, type Harness } from '../../support/harness.js';
import { freePort } from '../../support/ports.js';

const harness = useHarness({ providers: [zoom, zoho], extra: () => [createZohoFake()] });
let h: Harness;
let z: ZohoFake;
beforeEach(() => {
  h = harness();
  z = h.extra[0] as ZohoFake;
});

const ids = {
  workspace: '4753814000000048016',
  ann: '4753814000000048014',
  bob: '4753814000000048020',
  intro: '4753814000000048054',
  deepDive: '4753814000000048060',
  strategy: '4753814000000048066',
};
const html = async (status: 400 | 401) => ({
  status,
  body: await zohoErrorPage(status).text(),
  headers: { 'Content-Type': 'text/html;charset=UTF-8' },
});

const connectWith = (
  kind: 'grant-code' | 'refresh-token',
  credential: string,
  flags: string[] = ['--service', 'Intro call', '--staff', 'Ann Smith'],
  secret = z.state.clientSecret,
  clientId = z.state.clientId,
) =>
  h.connect(
    'zoho',
    ['--client-id', clientId, '--client-secret-stdin', `--${kind}-stdin`, ...flags],
    `${secret}\n${credential}\n`,
  );
const connectWithCode = (flags?: string[]) => connectWith('grant-code', z.grantCode(), flags);
const stored = async () => ({
  clientSecret: await h.ctx.secrets.get(secretAccount('zoho', 'client_secret')),
  refreshToken: await h.ctx.secrets.get(secretAccount('zoho', 'refresh_token')),
  grantCode: await h.ctx.secrets.get(secretAccount('zoho', 'grant_code')),
});
const nothingStored = async () => {
  expect(h.ctx.connections.get('zoho')).toBeUndefined();
  expect(await stored()).toEqual({ clientSecret: null, refreshToken: null, grantCode: null });
};

const date = futureDate(40);
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** The documented `dd-MMM-yyyy HH:mm:ss`, built from the request's own date, independent of the code under test. */
const fromTime = (time: string): string => {
  const [year, month, day] = date.split('-');
  return `${day}-${months[Number(month) - 1]}-${year} ${time}:00`;
};
const utc = (time: string, zone: string, plus = 0) =>
  DateTime.fromISO(`${date}T${time}`, { zone }).plus({ minutes: plus }).toUTC().toISO({ suppressMilliseconds: true });
const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  customer_phone: '+14155550123',
  booking_date: date,
  booking_time: '09:30',
  timezone: 'Pacific/Auckland',
  topic: 'Intro call',
};

interface Entry {
  provider: string;
  status: string;
  meeting_id?: string;
  links?: Array<{ label: string; url: string }>;
  confirmation?: string;
  note?: string;
  error?: { code: string; message: string };
  remedy?: string;
}

async function book(extra: Record<string, unknown> = {}) {
  const result = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, ...extra } });
  const output = result.structuredContent as {
    booking_id: string | null;
    status: string;
    providers: Entry[];
    email: { status: string };
  };
  const text = (result.content as Array<{ text: string }>)[0]?.text ?? '';
  return { result, output, entry: output.providers.find((p) => p.provider === 'zoho'), text };
}

describe('connect zoho', () => {
  it('exchanges a grant code for a refresh token, picks the service and staff, and stores secrets apart from settings', async () => {
    await connectWithCode(['--service', 'intro call', '--staff', 'ann smith']);
    const out = h.output.join('\n');
    expect(out).toContain('Connected Zoho Bookings as ann@acme.test (Acme Consulting).');
    expect(out).toContain(
      'Note: Meetings of 30 minutes are booked as "Intro call" with Ann Smith. Other lengths use Ann Smith\'s other services: "Deep dive" (1 hour).',
    );
    expect(out).toContain("Note: Zoho Bookings asks for the customer's phone number");
    expect(await stored()).toEqual({
      clientSecret: z.state.clientSecret,
      refreshToken: z.state.issuedRefreshTokens[0],
      grantCode: null,
    });
    const connection = h.ctx.connections.get('zoho');
    expect(connection?.settings).toEqual({
      clientId: z.state.clientId,
      accountsServer: z.accountsBase,
      apiDomain: z.apiBase,
      workspace: { id: ids.workspace, name: 'Acme Consulting' },
      service: { id: ids.intro, name: 'Intro call', duration: '30 mins', durationMinutes: 30 },
      staff: { id: ids.ann, name: 'Ann Smith', email: 'ann@acme.test' },
    });
    expect(JSON.stringify(connection)).not.toContain(z.state.clientSecret);
    expect(z.state.tokenParamsIn).toEqual(['body']);
    expect(z.state.apiCalls).toEqual([
      'GET workspaces',
      `GET services?workspace_id=${ids.workspace}`,
      `GET staffs?service_id=${ids.intro}`,
    ]);
  });

  it('connects with a refresh token, choosing the workspace by name and the service and staff by id', async () => {
    const [refreshToken] = [...z.state.refreshTokens];
    await connectWith('refresh-token', refreshToken ?? '', [
      '--workspace',
      'ACME consulting',
      '--service',
      ids.strategy,
      '--staff',
      ids.bob,
    ]);
    expect(h.ctx.connections.get('zoho')).toMatchObject({
      account: 'bob@acme.test (Acme Consulting)',
      settings: {
        service: { id: ids.strategy, name: 'Strategy session', duration: '1 hour 30 mins', durationMinutes: 90 },
        staff: { id: ids.bob, name: 'Bob Jones' },
      },
    });
    expect((await stored()).refreshToken).toBe(refreshToken);
    expect(z.state.tokenRequests).toBe(1);
  });

  it('lists the services to choose from when several match and no --service was given, and stores nothing', async () => {
    const error: unknown = await connectWithCode([]).catch((e: unknown) => e);
    expect(error).toMatchObject({ field: '--service', hint: 'choose one with --service <id or name>' });
    const message = (error as Error).message;
    expect(message).toContain(
      `"Intro call" (id ${ids.intro}, 30 mins), "Deep dive" (id ${ids.deepDive}, 1 hour), "Strategy session" (id ${ids.strategy}, 1 hour 30 mins)`,
    );
    expect(message).not.toContain('Meeting room'); // A RESOURCE service is not booked with a staff member.
    expect(message).not.toContain('Yoga class'); // Nor a CLASS one.
    await nothingStored();
  });

  it.each([
    ['Yoga class', "a CLASS service has sessions that Zoho's Book Appointment API documents no way to book"],
    ['4753814000000048072', 'a RESOURCE service is booked with a resource, not a staff member'],
  ])(
    'refuses --service %s with the reason Book Appointment cannot book it, and stores nothing',
    async (wanted, reason) => {
      await expect(connectWithCode(['--service', wanted, '--staff', 'Ann Smith'])).rejects.toMatchObject({
        field: '--service',
        message: expect.stringContaining(`cannot be booked: ${reason}`),
        hint: expect.stringMatching(/^choose an APPOINTMENT service instead: "Intro call" \(30 mins\)/),
      });
      expect(z.state.apiCalls.some((c) => c.startsWith('GET staffs'))).toBe(false);
      await nothingStored();
    },
  );

  it('says why when the workspace has only services alsatalk-mcp cannot book', async () => {
    z.state.services = z.state.services.filter((s) => s.service_type !== 'APPOINTMENT');
    await expect(connectWithCode([])).rejects.toMatchObject({
      field: '--service',
      message: expect.stringContaining('"Yoga class" (1 hour): a CLASS service'),
      hint: expect.stringContaining('APPOINTMENT'),
    });
    await nothingStored();
  });

  it('lists the staff of the service when it has several and no --staff was given', async () => {
    await expect(connectWithCode(['--service', 'Intro call'])).rejects.toMatchObject({
      field: '--staff',
      message: expect.stringContaining(
        `"Ann Smith" (id ${ids.ann}, ann@acme.test), "Bob Jones" (id ${ids.bob}, bob@acme.test)`,
      ),
    });
    await nothingStored();
  });

  it('names the choices when --service names nothing', async () => {
    await expect(connectWithCode(['--service', 'Massage'])).rejects.toMatchObject({
      field: '--service',
      message: '--service: Zoho Bookings has no service "Massage"',
      hint: expect.stringContaining('"Deep dive"'),
    });
  });

  it('refuses a used or expired grant code (invalid_code inside an HTTP 200), says how to make a new one, and stores nothing', async () => {
    const code = z.grantCode();
    z.state.grantCodes.set(code, true);
    const error: unknown = await connectWith('grant-code', code).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('Zoho refused the grant code (invalid_code)'),
    });
    expect((error as { hint: string }).hint).toMatch(
      /works once.*Generate Code \(scope zohobookings\.data\.CREATE\).*npx alsatalk-mcp connect zoho$/,
    );
    await nothingStored();
  });

  it('refuses a client from another data centre (wrong region), pointing at --region, and stores nothing', async () => {
    const error: unknown = await connectWith(
      'grant-code',
      z.grantCode(),
      undefined,
      undefined,
      '1000.CLIENTFROMTHEEUDATACENTRE',
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'auth_failed',
      message: `the Zoho accounts server ${z.accountsBase} does not know this client id (invalid_client)`,
    });
    expect((error as { hint: string }).hint).toContain('--region us|eu|in|au|jp|ca|sa|cn|uk|ae');
    await nothingStored();
  });

  it('refuses a wrong client secret and stores nothing', async () => {
    await expect(connectWith('grant-code', z.grantCode(), undefined, 'not-the-secret')).rejects.toMatchObject({
      code: 'auth_failed',
      message: 'Zoho refused the client secret (invalid_client_secret)',
    });
    await nothingStored();
  });

  it('refuses an unknown --region before calling Zoho', async () => {
    await expect(connectWithCode(['--region', 'mars'])).rejects.toMatchObject({
      field: '--region',
      hint: expect.stringContaining('us, eu, in, au, jp, ca, sa, cn, uk'),
    });
    expect(z.state.tokenRequests).toBe(0);
  });

  it('says when ALSATALK_ZOHO_ACCOUNTS_URL takes the place of --region', async () => {
    await connectWithCode(['--region', 'EU', '--service', 'Intro call', '--staff', 'Ann Smith']);
    expect(h.output.join('\n')).toContain(
      `Note: ALSATALK_ZOHO_ACCOUNTS_URL is set, so ${z.accountsBase} is used instead of the eu accounts server.`,
    );
    expect(h.ctx.connections.get('zoho')?.settings).toMatchObject({ region: 'eu', accountsServer: z.accountsBase });
  });

  // Changed with the browser sign-in: neither a grant code nor a refresh token now signs in (see the sign-in tests below).
  it('takes a grant code or a refresh token, not both', async () => {
    const both = h.connect(
      'zoho',
      ['--client-id', z.state.clientId, '--client-secret-stdin', '--grant-code-stdin', '--refresh-token-stdin'],
      `${z.state.clientSecret}\n${z.grantCode()}\n1000.refresh.x\n`,
    );
    await expect(both).rejects.toMatchObject({
      field: '--grant-code-stdin',
      message: expect.stringContaining('not both'),
      hint: expect.stringContaining('sign in with the browser'),
    });
    expect(z.state.tokenRequests).toBe(0);
    expect(z.state.authorizeRequests).toHaveLength(0);
  });

  it("reports Zoho's limit on token requests with when to retry, and stores nothing", async () => {
    const limit = {
      error: 'Access Denied',
      error_description: 'You have made too many requests continuously. Please try again after some time.',
    };
    z.state.faults.inject('token', { status: 400, body: limit });
    await expect(connectWithCode()).rejects.toMatchObject({
      code: 'rate_limited',
      message: expect.stringContaining('too many requests'),
      hint: expect.stringContaining('wait 10 minutes'),
    });
    await nothingStored();
  });

  it('reports a token Zoho Bookings refuses (its HTML 401 page) as a scope or region problem, and stores nothing', async () => {
    z.state.faults.inject('workspaces', await html(401));
    const error: unknown = await connectWithCode().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('HTTP 401: an HTML error page ("Zoho Creator - Error Page")'),
    });
    expect((error as { hint: string }).hint).toMatch(/scope zohobookings\.data\.CREATE.*--region/);
    await nothingStored();
  });
});

describe('booking in Zoho Bookings', () => {
  beforeEach(async () => {
    await connectWithCode();
    await h.connectResend();
  });

  it('finds the appointment a lost answer had made (its ref in the notes) before booking again, and books nothing twice', async () => {
    z.state.faults.inject('appointment', { status: 0, lost: true });
    const { entry } = await book();
    expect(entry).toMatchObject({ status: 'booked', meeting_id: z.state.appointments[0]?.bookingId });
    expect(entry?.note).toContain('nothing new was created');
    expect(z.state.appointments).toHaveLength(1);
    expect(z.state.apiCalls.filter((c) => c === 'POST appointment')).toHaveLength(1);
    expect(z.state.apiCalls).toContain('POST fetchappointment');
    expect(h.resend.state.emails).toHaveLength(1);
  });

  it('books a Pacific/Auckland appointment with the form fields as Zoho documents them, and e-mails its summary link', async () => {
    const { result, output, entry, text } = await book();
    expect(result.isError).toBeFalsy();
    expect(output.status).toBe('booked');
    expect(z.state.appointments).toHaveLength(1);
    const [record] = z.state.appointments;
    expect(record?.contentType).toBe('multipart/form-data');
    expect(record?.form).toEqual({
      service_id: ids.intro,
      staff_id: ids.ann,
      from_time: fromTime('09:30'),
      time_zone: 'Pacific/Auckland',
      customer_details: '{"name":"Ada Lovelace","email":"ada@example.com","phone_number":"+14155550123"}',
      notes: `Intro call (booked by alsatalk-mcp, ref ${output.booking_id})`,
    });
    expect(record?.startUtc).toBe(utc('09:30', 'Pacific/Auckland'));
    expect(record?.endUtc).toBe(utc('09:30', 'Pacific/Auckland', 30));
    const summary = 'https://acme.zohobookings.test/portal/appointment-summary/%23AC-00001';
    expect(entry).toEqual({
      provider: 'zoho',
      status: 'booked',
      meeting_id: '#AC-00001',
      links: [{ label: 'Zoho Bookings appointment', url: summary }],
      confirmation: 'confirmed',
    });
    expect(text).toContain(`zoho: booked ${summary}`);
    expect(output.email.status).toBe('sent');
    expect(h.resend.state.emails[0]?.payload.text).toContain(summary);
    expect(h.ctx.bookings.get(output.booking_id ?? '')?.results).toContainEqual(
      expect.objectContaining({ provider: 'zoho', status: 'booked', externalId: '#AC-00001' }),
    );
  });

  it('books an America/St_Johns appointment (UTC-03:30 or -02:30) at the exact instant', async () => {
    const { entry } = await book({ timezone: 'America/St_Johns', booking_time: '08:00' });
    expect(entry?.status).toBe('booked');
    const [record] = z.state.appointments;
    expect(record?.form).toMatchObject({
      from_time: fromTime('08:00'),
      time_zone: 'America/St_Johns',
    });
    expect(record?.form).not.toHaveProperty('timezone');
    expect(record?.startUtc).toBe(utc('08:00', 'America/St_Johns'));
    expect(record?.timeZone).toBe('America/St_Johns');
  });

  it("raises no alarm when Zoho's answer names the workspace's zone beside the requested wall time", async () => {
    z.state.echoTimeZone = 'America/Los_Angeles';
    const { entry } = await book();
    expect(entry).toMatchObject({ status: 'booked', meeting_id: '#AC-00001' });
    expect(entry).not.toHaveProperty('note');
  });

  it('books without a link when Zoho returns no summary URL', async () => {
    z.state.summaryUrls = false;
    const { entry } = await book();
    expect(entry).toEqual({
      provider: 'zoho',
      status: 'booked',
      meeting_id: '#AC-00001',
      links: [],
      confirmation: 'confirmed',
    });
  });

  it("reports a taken slot, which Zoho answers inside an HTTP 200, with Zoho's message and what to tell the user", async () => {
    await book();
    const { result, entry } = await book({ customer_name: 'Grace Hopper', customer_email: 'grace@example.com' });
    expect(result.isError).toBe(true);
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'provider_rejected',
        message: 'Zoho Bookings could not book that time (Zoho said: "Slot not available for the selected staff")',
      },
      remedy: expect.stringMatching(/not free then in Zoho Bookings.*tell the user/),
    });
    expect(z.state.appointments).toHaveLength(1);
  });

  it('passes on any other failure Zoho reports in an HTTP 200 (response.status), with the safe way to retry', async () => {
    z.state.faults.inject('appointment', {
      status: 200,
      body: { response: { status: 'failure', message: 'Invalid input for additional_fields' } },
    });
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'provider_rejected',
        message: 'Zoho Bookings refused the appointment (Zoho said: "Invalid input for additional_fields")',
      },
      remedy: expect.stringContaining(
        'call book_meeting again with the same details: only Zoho Bookings is tried again',
      ),
    });
  });

  it('without a phone number: the other providers book, Zoho asks for the phone, and the same call with it books Zoho once', async () => {
    await h.connectZoom();
    const { customer_phone: _phone, ...withoutPhone } = args;
    const first = await h.client.callTool({ name: 'book_meeting', arguments: withoutPhone });
    const output = first.structuredContent as { status: string; providers: Entry[]; email: { status: string } };
    expect(first.isError).toBeFalsy();
    expect(output.status).toBe('partial');
    expect(output.providers.find((p) => p.provider === 'zoom')?.status).toBe('booked');
    expect(output.providers.find((p) => p.provider === 'zoho')).toMatchObject({
      status: 'failed',
      error: {
        code: 'invalid_input',
        message: `Zoho Bookings needs the customer's phone number to book (Zoho said: "Please enter a valid phone number")`,
      },
      remedy:
        'ask the customer for their phone number, then call book_meeting again with the same details plus customer_phone (E.164, e.g. +14155550123): only Zoho Bookings is tried again',
    });
    expect(z.state.appointments).toHaveLength(0);
    expect(output.email.status).toBe('sent');

    const retry = await book({ customer_phone: '+14155550123' });
    expect(retry.output.status).toBe('booked');
    expect(retry.output.providers.map((p) => [p.provider, p.status])).toEqual([
      ['zoom', 'booked'],
      ['zoho', 'booked'],
    ]);
    expect(retry.output.providers.find((p) => p.provider === 'zoom')).toEqual(
      output.providers.find((p) => p.provider === 'zoom'),
    );
    expect(h.zoom.state.meetings).toHaveLength(1);
    expect(z.state.appointments).toHaveLength(1);
    expect(z.state.appointments[0]?.customer.phone_number).toBe('+14155550123');
    // The invitee gets the update listing both.
    expect(h.resend.state.emails).toHaveLength(2);
  });

  it("asks for the phone when Zoho refuses a booking without one in other words than the phone's", async () => {
    z.state.faults.inject('appointment', { status: 200, body: bookingFailure('Mandatory fields are missing') });
    const { customer_phone: _phone, ...withoutPhone } = args;
    const result = await h.client.callTool({ name: 'book_meeting', arguments: withoutPhone });
    const entry = (result.structuredContent as { providers: Entry[] }).providers.find((p) => p.provider === 'zoho');
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'invalid_input',
        message: `Zoho Bookings needs the customer's phone number to book (Zoho said: "Mandatory fields are missing")`,
      },
      remedy: expect.stringMatching(/^ask the customer for their phone number.*only Zoho Bookings is tried again$/),
    });
  });

  it('books without a phone number when the Zoho workspace does not require one, sending no phone_number at all', async () => {
    z.state.phoneRequired = false;
    const { customer_phone: _phone, ...withoutPhone } = args;
    const result = await h.client.callTool({ name: 'book_meeting', arguments: withoutPhone });
    expect((result.structuredContent as { status: string }).status).toBe('booked');
    expect(z.state.appointments[0]?.form.customer_details).toBe('{"name":"Ada Lovelace","email":"ada@example.com"}');
  });

  it("falls back to another of the staff member's services when the connected one has another length, and says so", async () => {
    const { entry } = await book({ duration_minutes: 60 });
    expect(entry).toMatchObject({
      status: 'booked',
      note: 'Booked Zoho service "Deep dive" (1 hour), because the connected service "Intro call" (30 mins) is not 60 minutes long',
    });
    const [record] = z.state.appointments;
    expect(record).toMatchObject({
      serviceId: ids.deepDive,
      staffId: ids.ann,
      startUtc: utc('09:30', 'Pacific/Auckland'),
      endUtc: utc('09:30', 'Pacific/Auckland', 60),
    });
    expect(z.state.apiCalls.at(-2)).toBe(`GET services?workspace_id=${ids.workspace}&staff_id=${ids.ann}`);
  });

  it('reports a length no service of the staff member has, naming the lengths there are and the fix', async () => {
    const { entry } = await book({ duration_minutes: 45 });
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'provider_rejected',
        message:
          'Zoho Bookings has no 45-minute service for Ann Smith: a Zoho service has a fixed length, and Ann Smith\'s services are "Intro call" (30 mins), "Deep dive" (1 hour)',
      },
      remedy:
        'book 30 or 60 minutes instead (duration_minutes), or create a 45-minute service in Zoho Bookings, assign Ann Smith to it, then retry Zoho alone with providers: ["zoho"], so the providers already booked are not booked twice',
    });
    expect(z.state.appointments).toHaveLength(0);
  });

  it('renews an access token Zoho refuses (its HTML 401 page) once, and books', async () => {
    await book();
    const before = z.state.tokenRequests;
    z.state.tokens.clear();
    const { entry } = await book({ booking_time: '11:00' });
    expect(entry?.status).toBe('booked');
    expect(z.state.tokenRequests).toBe(before + 1);
    expect(z.state.appointments).toHaveLength(2);
  });

  it('reports a revoked connection (HTML 401 page, then invalid_code for the refresh token) with the reconnect command', async () => {
    await book();
    z.state.tokens.clear();
    z.state.refreshTokens.clear();
    const { result, entry } = await book({ booking_time: '11:00' });
    expect(result.isError).toBe(true);
    expect(entry).toMatchObject({
      status: 'failed',
      error: { code: 'auth_failed', message: expect.stringContaining('Zoho refused the refresh token (invalid_code)') },
    });
    expect(entry?.remedy).toMatch(/Generate Code \(scope zohobookings\.data\.CREATE\).*npx alsatalk-mcp connect zoho$/);
    expect(z.state.apiCalls.filter((c) => c === 'POST appointment')).toHaveLength(2);
  });

  it('reports an access token refused again after renewal (HTML 401 twice) as auth_failed with the reconnect command', async () => {
    z.state.faults.inject('appointment', { ...(await html(401)), times: 2 });
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'auth_failed',
        message:
          'Zoho Bookings answered HTTP 401: an HTML error page ("Zoho Creator - Error Page") instead of JSON, Zoho\'s answer to a missing or refused access token',
      },
      remedy: expect.stringContaining('npx alsatalk-mcp connect zoho'),
    });
  });

  it("treats Zoho's HTML 400 page (no token recognised) as an authentication failure too", async () => {
    z.state.faults.inject('appointment', await html(400));
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: { code: 'auth_failed' },
      remedy: expect.stringContaining('npx alsatalk-mcp connect zoho'),
    });
  });

  it('sends the appointment again after a server error only once it has looked for it', async () => {
    z.state.faults.inject('appointment', { status: 503, body: 'Service Unavailable' });
    const { entry } = await book();
    expect(entry).toMatchObject({ status: 'booked' });
    expect(z.state.apiCalls.filter((c) => c === 'POST appointment' || c === 'POST fetchappointment')).toEqual([
      'POST appointment',
      'POST fetchappointment',
      'POST appointment',
    ]);
    expect(z.state.appointments).toHaveLength(1);
  });

  it('reports a server error that outlasts the retries, and says the repeat looks before booking', async () => {
    z.state.faults.inject('appointment', { status: 503, body: 'Service Unavailable', times: 3 });
    const { entry } = await book();
    expect(entry).toMatchObject({ status: 'failed', error: { code: 'provider_unavailable' } });
    expect(z.state.apiCalls.filter((c) => c === 'POST appointment')).toHaveLength(3);
    expect(z.state.appointments).toHaveLength(0);
  });

  it('does not trust a 200 answer without a booking id: it looks for the appointment, then books it once', async () => {
    z.state.faults.inject('appointment', { status: 200, body: { response: { returnvalue: {}, status: 'success' } } });
    const { entry } = await book();
    expect(entry).toMatchObject({ status: 'booked', meeting_id: z.state.appointments[0]?.bookingId });
    expect(z.state.apiCalls).toContain('POST fetchappointment');
    expect(z.state.appointments).toHaveLength(1);
  });

  it('reports a 200 answer without a booking id that keeps coming as unknown, and the repeat looks first', async () => {
    z.state.faults.inject('appointment', {
      status: 200,
      body: { response: { returnvalue: {}, status: 'success' } },
      times: 3,
    });
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: { message: 'Zoho Bookings answered without a booking id' },
      remedy: expect.stringContaining('looks in Zoho Bookings'),
    });
  });

  it("reports Zoho's accounts server being down as temporary, after retrying the refresh", async () => {
    z.state.faults.inject('token', { status: 503, body: 'Service Unavailable', times: 3 });
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: { code: 'provider_unavailable', message: 'Zoho Bookings answered HTTP 503: Service Unavailable' },
      remedy: expect.stringContaining('retry'),
    });
    expect(z.state.tokenRequests).toBe(4); // connect + three tries
    expect(z.state.appointments).toHaveLength(0);
  });

  it('shares one access token between concurrent bookings', async () => {
    const results = await Promise.all(['09:00', '10:00', '11:00'].map((t) => book({ booking_time: t })));
    expect(results.map((r) => r.entry?.status)).toEqual(['booked', 'booked', 'booked']);
    expect(z.state.tokenRequests).toBe(2); // connect + one refresh
  });

  it('never writes a secret or a token into the SQLite file', async () => {
    await book();
    h.ctx.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(h.ctx.config.databasePath).toString('latin1');
    for (const secret of [z.state.clientSecret, ...z.state.issuedRefreshTokens, ...z.state.tokens.keys()])
      expect(bytes).not.toContain(secret);
  });
});

describe('disconnect zoho', () => {
  it('revokes the refresh token at Zoho, then forgets the secrets and the connection', async () => {
    await connectWithCode();
    const refreshToken = z.state.issuedRefreshTokens[0];
    await h.disconnect('zoho');
    expect(z.state.revokeRequests).toEqual([refreshToken]);
    expect(z.state.refreshTokens.has(refreshToken ?? '')).toBe(false);
    expect(h.output).toContain("Revoked alsatalk-mcp's access at Zoho Bookings.");
    expect(h.output).toContain('Disconnected Zoho Bookings; its secrets were removed.');
    await nothingStored();
  });

  it('treats a refresh token Zoho no longer knows (HTTP 400) as revoked', async () => {
    await connectWithCode();
    z.state.refreshTokens.clear(); // revoked in Zoho's "Connected Apps"
    await h.disconnect('zoho');
    expect(h.output).toContain("Revoked alsatalk-mcp's access at Zoho Bookings.");
    await nothingStored();
  });

  it('still disconnects locally when Zoho cannot be reached, and says where to revoke by hand', async () => {
    await connectWithCode();
    z.state.faults.inject('revoke', { status: 500, body: 'Internal Server Error', times: 5 });
    await h.disconnect('zoho');
    expect(h.output.join('\n')).toMatch(
      /Could not revoke the access at Zoho Bookings \(.*500.*\); remove it in your Zoho Bookings account's connected apps\./,
    );
    await nothingStored();
  });
});

describe('the fake keeps the wire honest', () => {
  it('refuses a query parameter Fetch Staff does not document (workspace_id), as Zoho refuses a bad request', async () => {
    await connectWithCode();
    const token = [...z.state.tokens.keys()][0] ?? '';
    const answer = await fetch(
      `${z.apiBase}/bookings/v1/json/staffs?workspace_id=${ids.workspace}&service_id=${ids.intro}`,
      {
        headers: { Authorization: `Zoho-oauthtoken ${token}` },
      },
    );
    expect(await answer.json()).toEqual({
      response: { status: 'failure', message: 'Invalid input: unknown parameter workspace_id' },
    });
  });

  it('refuses a Book Appointment form field the reference does not list (timezone for time_zone), as Zoho refuses a bad request', async () => {
    await connectWithCode();
    const token = [...z.state.tokens.keys()][0] ?? '';
    const form = new FormData();
    const fields = {
      service_id: ids.intro,
      staff_id: ids.ann,
      from_time: fromTime('09:30'),
      timezone: 'Pacific/Auckland',
      customer_details: '{"name":"Ada","email":"ada@example.com","phone_number":"+14155550123"}',
    };
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    const answer = await fetch(`${z.apiBase}/bookings/v1/json/appointment`, {
      method: 'POST',
      headers: { Authorization: `Zoho-oauthtoken ${token}` },
      body: form,
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      response: { status: 'failure', message: 'Invalid input: unknown parameter timezone' },
    });
    expect(z.state.appointments).toHaveLength(0);
  });

  it('refuses a Bearer token with the HTML 401 page, and answers a refused booking inside an HTTP 200', async () => {
    const bearer = await fetch(`${z.apiBase}/bookings/v1/json/workspaces`, {
      headers: { Authorization: 'Bearer whatever' },
    });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get('content-type')).toContain('text/html');
    expect(await bearer.text()).toContain('<title>Zoho Creator - Error Page</title>');
    expect(bookingFailure('x')).toEqual({
      response: { returnvalue: { status: 'failure', message: 'x' }, status: 'success' },
    });
  });
});

describe('connect zoho with the browser sign-in', () => {
  const signIn = (more: string[] = []) =>
    h.connect(
      'zoho',
      [
        '--client-id',
        z.state.clientId,
        '--client-secret-stdin',
        '--service',
        'Intro call',
        '--staff',
        'Ann Smith',
        ...more,
      ],
      `${z.state.clientSecret}\n`,
    );
  it('signs in with PKCE on the registered 127.0.0.1 port, stores the refresh token Zoho issued, picks the service and staff, and books', async () => {
    const port = await freePort();
    z.state.registeredRedirectUris = [`http://127.0.0.1:${port}/callback`];
    await signIn(['--port', String(port)]);
    const [authorize] = z.state.authorizeRequests;
    expect(authorize?.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/callback`);
    expect(authorize?.get('scope')).toBe('zohobookings.data.CREATE');
    expect(authorize?.get('access_type')).toBe('offline');
    expect(authorize?.get('prompt')).toBe('consent');
    expect(authorize?.get('code_challenge_method')).toBe('S256');
    expect(authorize?.get('state')?.length).toBeGreaterThanOrEqual(32);
    const out = h.output.join('\n');
    expect(out).toContain(`Waiting for the sign-in to finish (redirect to http://127.0.0.1:${port}/callback)`);
    expect(out).toContain('Connected Zoho Bookings as ann@acme.test (Acme Consulting).');
    expect(out).toContain('Note: Meetings of 30 minutes are booked as "Intro call" with Ann Smith.');
    expect(await stored()).toEqual({
      clientSecret: z.state.clientSecret,
      refreshToken: z.state.issuedRefreshTokens[0],
      grantCode: null,
    });
    expect(h.ctx.connections.get('zoho')?.settings).toMatchObject({
      accountsServer: z.accountsBase,
      apiDomain: z.apiBase,
      service: { id: ids.intro },
      staff: { id: ids.ann },
    });
    expect(h.ctx.connections.get('zoho')?.settings).not.toHaveProperty('port');
    // Nothing secret was printed: not the code, not the tokens.
    for (const secret of [...z.state.signInCodes.keys(), ...z.state.issuedRefreshTokens, z.state.clientSecret])
      expect(out).not.toContain(secret);

    await h.connectResend();
    const { entry } = await book();
    expect(entry).toMatchObject({ provider: 'zoho', status: 'booked', meeting_id: '#AC-00001' });
    expect(z.state.appointments[0]).toMatchObject({ serviceId: ids.intro, staffId: ids.ann });
  });

  it('exchanges the code at the data centre the callback names (accounts-server), and keeps using it', async () => {
    z.state.callbackAccountsServer = z.euAccountsBase;
    z.state.callbackLocation = 'eu';
    await signIn();
    expect(z.state.tokenHosts).toEqual(['https://accounts.zoho.eu']);
    expect(h.output.join('\n')).toContain(
      'Note: Zoho signed you in at its eu data centre (https://accounts.zoho.eu), so the connection uses that accounts server.',
    );
    expect(h.ctx.connections.get('zoho')?.settings).toMatchObject({
      region: 'eu',
      accountsServer: 'https://accounts.zoho.eu',
    });

    await h.connectResend();
    const { entry } = await book();
    expect(entry?.status).toBe('booked');
    expect(z.state.tokenHosts).toEqual(['https://accounts.zoho.eu', 'https://accounts.zoho.eu']); // the refresh too

    await h.disconnect('zoho');
    expect(z.state.revokeHosts).toEqual(['https://accounts.zoho.eu']); // and the revocation
    expect(z.state.refreshTokens.has(z.state.issuedRefreshTokens[0] ?? '')).toBe(false);
  });

  it('accepts a sign-in at the UAE data centre (accounts-server https://accounts.zoho.ae), and refreshes and revokes there', async () => {
    z.state.callbackAccountsServer = z.aeAccountsBase;
    z.state.callbackLocation = 'ae';
    await signIn();
    expect(z.state.tokenHosts).toEqual(['https://accounts.zoho.ae']);
    expect(h.output.join('\n')).toContain(
      'Note: Zoho signed you in at its ae data centre (https://accounts.zoho.ae), so the connection uses that accounts server.',
    );
    expect(h.ctx.connections.get('zoho')?.settings).toMatchObject({
      region: 'ae',
      accountsServer: 'https://accounts.zoho.ae',
    });

    await h.connectResend();
    expect((await book()).entry?.status).toBe('booked');
    expect(z.state.tokenHosts).toEqual(['https://accounts.zoho.ae', 'https://accounts.zoho.ae']);
    await h.disconnect('zoho');
    expect(z.state.revokeHosts).toEqual(['https://accounts.zoho.ae']);
  });

  it('refuses an accounts-server that is not a Zoho host, sends it nothing, and stores nothing', async () => {
    z.state.callbackAccountsServer = 'https://accounts.zoho.eu.evil.test';
    const error: unknown = await signIn().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'auth_failed',
      message:
        'the sign-in came back naming the accounts server "https://accounts.zoho.eu.evil.test", which is not a Zoho accounts host, so the code was not sent there',
      hint: expect.stringContaining('npx alsatalk-mcp connect zoho'),
    });
    expect(z.state.tokenRequests).toBe(0);
    await nothingStored();
  });

  it('stores nothing and says to approve when consent is denied', async () => {
    z.state.consent = 'deny';
    await expect(signIn()).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('Consent was denied'),
      hint: expect.stringContaining('npx alsatalk-mcp connect zoho'),
    });
    expect(z.state.tokenRequests).toBe(0);
    await nothingStored();
  });

  it('names the redirect URI to register when Zoho refuses it at the exchange (invalid_redirect_uri)', async () => {
    z.state.faults.inject('token', { status: 200, body: { error: 'invalid_redirect_uri' } });
    const port = await freePort();
    const error: unknown = await signIn(['--port', String(port)]).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'auth_failed',
      message: `Zoho refused the redirect URI http://127.0.0.1:${port}/callback (invalid_redirect_uri): it is not the one registered for this client`,
    });
    expect((error as { hint: string }).hint).toContain(
      `Authorized Redirect URI http://127.0.0.1:${port}/callback, exactly, then sign in with that port: npx alsatalk-mcp connect zoho --port ${port}`,
    );
    await nothingStored();
  });

  it('explains in connect --help how to register the redirect URI and pass --port', () => {
    const help = connectUsage(zoho);
    expect(help).toContain(
      '--port VALUE   Sign-in port (optional): browser sign-in: the port of the redirect URI http://127.0.0.1:<port>/callback',
    );
    expect(help).toContain(
      '"Server-based Applications" client whose redirect URI is http://127.0.0.1:<port>/callback, with --port <port>',
    );
    expect(noPortNote).toMatch(
      /Without --port.*Authorized Redirect URI http:\/\/127\.0\.0\.1:<port>\/callback, exactly.*--port <port>$/,
    );
  });
});

describe('the built CLI signs in to Zoho without --port', () => {
  it('prints the note on registering the redirect URI before the sign-in URL, then connects', async () => {
    assertBuilt();
    const server = await startFakeHttpServer();
    const fake = createZohoFake({ accountsBase: `${server.url}/zoho-accounts`, apiBase: `${server.url}/zoho-api` });
    server.use(fake.routes);
    const home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-zoho-cli-'));
    const env = childEnv({ ...fakeEnv(home, [fake]), ALSATALK_LOG_LEVEL: 'info' });
    try {
      const args = [
        'connect',
        'zoho',
        '--client-id',
        fake.state.clientId,
        '--client-secret-stdin',
        '--no-browser',
        '--service',
        'Intro call',
        '--staff',
        'Ann Smith',
      ];
      const child = spawn(process.execPath, [binPath, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let [stdout, stderr] = ['', ''];
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.stdin.end(`${fake.state.clientSecret}\n`);
      await expect.poll(() => /https?:\/\/\S+\/oauth\/v2\/auth\S+/.exec(stdout)?.[0], { timeout: 10_000 }).toBeTruthy();
      // The note is in the connect output, before the URL.
      expect(stdout).toContain(`Note: ${noPortNote}`);
      expect(stdout.indexOf(noPortNote)).toBeLessThan(stdout.search(/\/oauth\/v2\/auth/));
      await followSignIn(/https?:\/\/\S+\/oauth\/v2\/auth\S+/.exec(stdout)?.[0] ?? '');
      expect(await exited, stderr).toBe(0);
      expect(stdout).toContain('Connected Zoho Bookings as ann@acme.test (Acme Consulting).');
      for (const secret of [
        fake.state.clientSecret,
        ...fake.state.issuedRefreshTokens,
        ...fake.state.signInCodes.keys(),
      ])
        expect(stdout + stderr).not.toContain(secret);
    } finally {
      await runCli(['disconnect', 'zoho'], env);
      await server.close();
      rmSync(home, { recursive: true, force: true });
    }
  }, 20_000);
});
