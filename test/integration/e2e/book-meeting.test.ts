// book_meeting through a real MCP Client, real SQLite and the real keychain; msw plays Zoom and Resend.
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { statement } from '../../../src/storage/database.js';
import { futureDate } from '../../support/dates.js';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { collectStatus } from '../../../src/connections/status.js';
import { useHarness, type Harness } from '../../support/harness.js';

// These tests are about the flow and Zoom; each other provider has its own file.
const harness = useHarness({ providers: [zoom] });
let h: Harness;
beforeEach(() => {
  h = harness();
});

const date = futureDate(40);
const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  booking_date: date,
  booking_time: '14:00',
  timezone: 'America/New_York',
};

interface Output {
  booking_id: string | null;
  status: string;
  meeting: { start: string; end: string; timezone: string; duration_minutes: number; topic: string };
  providers: Array<{
    provider: string;
    status: string;
    meeting_id?: string;
    join_url?: string;
    passcode?: string;
    error?: { code: string; message: string };
    remedy?: string;
  }>;
  email: {
    status: string;
    id?: string;
    to?: string;
    error?: { code: string; message: string };
    remedy?: string;
    reason?: string;
  };
  notes?: string[];
}

async function book(extra: Record<string, unknown> = {}) {
  const result = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, ...extra } });
  return {
    result,
    output: result.structuredContent as Output,
    text: (result.content as Array<{ text: string }>)[0]?.text ?? '',
  };
}

/** The next `nth` Sunday of `month` that lies ahead (within the year a booking may look ahead). */
function nextSunday(month: number, nth: number): DateTime {
  for (const year of [DateTime.now().year, DateTime.now().year + 1]) {
    const first = DateTime.fromObject({ year, month, day: 1 }, { zone: 'America/New_York' });
    const sunday = first.plus({ days: (7 - first.weekday) % 7, weeks: nth - 1 });
    if (sunday > DateTime.now().plus({ days: 1 })) return sunday;
  }
  throw new Error('unreachable');
}

const countRows = (table: string): number =>
  (statement(h.ctx.db, `SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('tools/list', () => {
  it('offers book_meeting with input and output schemas and annotations', async () => {
    const { tools } = await h.client.listTools();
    const tool = tools.find((t) => t.name === 'book_meeting');
    expect(tool?.inputSchema.required).toEqual(
      expect.arrayContaining(['customer_name', 'customer_email', 'booking_date', 'booking_time']),
    );
    expect(Object.keys(tool?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['duration_minutes', 'timezone', 'topic', 'providers']),
    );
    expect(tool?.outputSchema?.properties).toHaveProperty('providers');
    expect(tool?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    });
    expect(tool?.description).toMatch(/never books twice/);
    expect(Object.keys(tool?.inputSchema.properties ?? {})).toContain('idempotency_key');
  });
});

describe('booking in Zoom and e-mailing through Resend', () => {
  beforeEach(async () => {
    await h.connectZoom();
    await h.connectResend();
  });

  it('creates the Zoom meeting at the exact instant and e-mails the invitee every detail', async () => {
    const { result, output, text } = await book({ topic: 'Intro call', duration_minutes: 45 });
    expect(result.isError).toBeFalsy();
    expect(output.status).toBe('booked');
    const expectedStart = DateTime.fromISO(`${date}T14:00`, { zone: 'America/New_York' });
    expect(output.meeting).toMatchObject({ timezone: 'America/New_York', duration_minutes: 45, topic: 'Intro call' });
    expect(output.meeting.start).toBe(expectedStart.toISO({ suppressMilliseconds: true }));
    expect(output.meeting.end).toBe(expectedStart.plus({ minutes: 45 }).toISO({ suppressMilliseconds: true }));

    const [zoomMeeting] = h.zoom.state.meetings;
    expect(h.zoom.state.meetings).toHaveLength(1);
    expect(zoomMeeting?.startUtc).toBe(expectedStart.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'"));
    expect(zoomMeeting?.body).toMatchObject({
      type: 2,
      duration: 45,
      timezone: 'America/New_York',
      topic: 'Intro call',
    });
    const zoomEntry = output.providers.find((p) => p.provider === 'zoom');
    expect(zoomEntry).toMatchObject({
      status: 'booked',
      meeting_id: String(zoomMeeting?.id),
      join_url: zoomMeeting?.joinUrl,
      passcode: zoomMeeting?.password,
    });
    expect(text).toContain(zoomMeeting?.joinUrl);

    expect(h.resend.state.emails).toHaveLength(1);
    const email = h.resend.state.emails[0];
    expect(output.email).toEqual({ status: 'sent', id: email?.id, to: 'ada@example.com' });
    expect(email?.idempotencyKey).toBe(`alsatalk-${output.booking_id}-zoom`);
    expect(email?.payload.to).toEqual(['ada@example.com']);
    expect(email?.payload.from).toBe('Acme Scheduling <meet@acme.test>');
    expect(email?.payload.subject).toBe(
      `Meeting confirmed: ${expectedStart.setLocale('en-US').toFormat('EEE, MMM d, h:mm a ZZZZ')}`,
    );
    for (const body of [email?.payload.text, email?.payload.html]) {
      expect(body).toContain(zoomMeeting?.password);
      expect(body).toContain(expectedStart.setLocale('en-US').toFormat('h:mm'));
    }
    expect(email?.payload.text).toContain(zoomMeeting?.joinUrl);
    const attachment = email?.payload.attachments?.[0];
    expect(attachment).toMatchObject({
      filename: 'invite.ics',
      content_type: 'text/calendar; charset=utf-8; method=REQUEST',
    });
    const calendar = new ICAL.Component(ICAL.parse(Buffer.from(attachment?.content ?? '', 'base64').toString('utf8')));
    const vevent = calendar.getFirstSubcomponent('vevent');
    // An iMIP request from the sender to the invitee: calendars keep it as one entry, which later updates replace.
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(String(vevent?.getFirstPropertyValue('organizer')).toLowerCase()).toBe('mailto:meet@acme.test');
    expect(vevent?.getFirstProperty('organizer')?.getParameter('cn')).toBe('Acme Scheduling');
    expect(String(vevent?.getFirstPropertyValue('attendee')).toLowerCase()).toBe(`mailto:${args.customer_email}`);
    expect(vevent?.getFirstPropertyValue('sequence')).toBe(0);
    expect(vevent?.getFirstPropertyValue('uid')).toBe(`${output.booking_id}@alsatalk-mcp`);
    const dtstart = vevent?.getFirstPropertyValue('dtstart') as ICAL.Time;
    expect(dtstart.toJSDate().toISOString()).toBe(expectedStart.toUTC().toISO());
    expect(vevent?.getFirstPropertyValue('location')).toBe(zoomMeeting?.joinUrl);

    const row = h.ctx.bookings.get(output.booking_id ?? '');
    expect(row).toMatchObject({
      status: 'booked',
      emailStatus: 'sent',
      emailId: email?.id,
      customerEmail: 'ada@example.com',
    });
    expect(row?.results).toEqual([
      expect.objectContaining({ provider: 'zoom', status: 'booked', externalId: String(zoomMeeting?.id) }),
    ]);
  });

  it('reports a Zoom server error that outlasts the retries with a remedy, records the booking as failed, and sends no e-mail', async () => {
    h.zoom.state.faults.inject('createMeeting', {
      status: 500,
      body: { code: 500, message: 'Internal server error.' },
      times: 3,
    });
    const { result, output, text } = await book();
    expect(result.isError).toBe(true);
    expect(output.status).toBe('failed');
    expect(output.providers).toEqual([
      expect.objectContaining({
        provider: 'zoom',
        status: 'failed',
        error: { code: 'provider_unavailable', message: expect.stringContaining('HTTP 500') },
        remedy: expect.stringMatching(/retry/),
      }),
    ]);
    expect(output.email.status).toBe('skipped');
    expect(text).toMatch(/zoom: FAILED/);
    expect(h.resend.state.emails).toHaveLength(0);
    const row = h.ctx.bookings.get(output.booking_id ?? '');
    expect(row?.status).toBe('failed');
    expect(row?.results[0]).toMatchObject({ status: 'failed', errorCode: 'provider_unavailable' });
    // Three tries, each after looking for what the one before may have made.
    expect(h.zoom.state.meetings).toHaveLength(0);
  });

  it('says how long to wait when Zoom rate-limits', async () => {
    h.zoom.state.faults.inject('createMeeting', {
      status: 429,
      body: { code: 429, message: 'You have reached the maximum per-second rate limit for this API. Try again later.' },
      headers: { 'Retry-After': '7', 'X-RateLimit-Category': 'Medium', 'X-RateLimit-Type': 'QPS' },
    });
    const { output } = await book();
    expect(output.providers[0]).toMatchObject({
      status: 'failed',
      error: { code: 'rate_limited' },
      remedy: expect.stringContaining('7 s'),
    });
    expect(h.zoom.state.meetings).toHaveLength(0);
  });

  it("passes on Zoom's own validation message and field", async () => {
    h.zoom.state.faults.inject('createMeeting', {
      status: 400,
      body: {
        code: 300,
        message: 'Validation Failed.',
        errors: [{ field: 'settings.alternative_hosts', message: 'Invalid field.' }],
      },
    });
    const { output } = await book();
    expect(output.providers[0]).toMatchObject({
      status: 'failed',
      error: {
        code: 'provider_rejected',
        message: 'Zoom answered HTTP 400: Validation Failed. (code 300) [settings.alternative_hosts: Invalid field.]',
      },
    });
  });

  it('reports revoked app credentials with the command that reconnects Zoom', async () => {
    await book();
    h.zoom.state.clientSecret = 'rotated-in-the-zoom-marketplace';
    h.zoom.state.tokens.clear();
    const { output } = await book({ booking_time: '16:00' });
    expect(output.providers[0]).toMatchObject({
      status: 'failed',
      error: { code: 'auth_failed', message: expect.stringContaining('Invalid client_id or client_secret') },
      remedy: expect.stringContaining('reconnect Zoom: npx alsatalk-mcp connect zoom'),
    });
  });

  it('skips a provider whose credentials were refused until it is reconnected, and says how', async () => {
    await book();
    h.zoom.state.clientSecret = 'rotated-in-the-zoom-marketplace';
    h.zoom.state.tokens.clear();
    expect((await book({ booking_time: '16:00' })).output.providers[0]).toMatchObject({
      status: 'failed',
      error: { code: 'auth_failed' },
    });
    const calls = h.zoom.state.tokenRequests;

    const { result, output, text } = await book({ booking_time: '17:00' });
    expect(result.isError).toBe(true);
    expect(output.providers).toEqual([
      {
        provider: 'zoom',
        status: 'needs_reauth',
        remedy: `reconnect Zoom: npx alsatalk-mcp connect zoom --account-id ${h.zoom.state.accountId} --client-id ${h.zoom.state.clientId} (it refused the stored credentials)`,
      },
    ]);
    expect(text).toContain('zoom: needs to be reconnected');
    expect(h.zoom.state.tokenRequests).toBe(calls);
    expect((await collectStatus(h.ctx, h.registry)).find((s) => s.id === 'zoom')).toMatchObject({
      state: 'needs_reauth',
      next_step: `npx alsatalk-mcp connect zoom --account-id ${h.zoom.state.accountId} --client-id ${h.zoom.state.clientId}`,
    });

    await h.connectZoom();
    expect((await book({ booking_time: '18:00' })).output.status).toBe('booked');
  });

  it('fetches a new token once when Zoom rejects the cached one, and books', async () => {
    await book();
    expect(h.zoom.state.tokenRequests).toBe(2); // connect + first booking
    h.zoom.state.tokens.clear(); // Zoom revoked every token (a newer S2S token can do that)
    const { output } = await book({ booking_time: '15:00' });
    expect(output.providers[0]?.error).toBeUndefined();
    expect(output.status).toBe('booked');
    expect(h.zoom.state.tokenRequests).toBe(3);
    expect(h.zoom.state.meetings).toHaveLength(2);
  });

  it('shares one token between concurrent bookings', async () => {
    const outputs = await Promise.all(
      ['09:00', '10:00', '11:00', '12:00', '13:00'].map((t) => book({ booking_time: t })),
    );
    expect(outputs.map((o) => o.output.status)).toEqual(['booked', 'booked', 'booked', 'booked', 'booked']);
    expect(h.zoom.state.tokenRequests).toBe(2); // connect + one for all five bookings
    expect(h.zoom.state.meetings).toHaveLength(5);
    expect(h.resend.state.emails).toHaveLength(5);
  });

  it('keeps the Zoom booking when the e-mail cannot go out, and says how to fix the sender', async () => {
    h.resend.state.domains[0]!.status = 'pending';
    const { result, output } = await book();
    expect(result.isError).toBeFalsy();
    expect(output.status).toBe('booked');
    expect(output.email).toMatchObject({
      status: 'queued',
      error: { code: 'permission_denied' },
      remedy: expect.stringContaining('npx alsatalk-mcp connect resend'),
    });
    expect(h.ctx.bookings.get(output.booking_id ?? '')?.emailStatus).toBe('queued');
  });

  it('reports progress as each provider finishes when the host asks for it', async () => {
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const result = await h.client.callTool(
      { name: 'book_meeting', arguments: args },
      {
        onprogress: (p) => progress.push(p),
      },
    );
    expect((result.structuredContent as Output).status).toBe('booked');
    expect(progress).toEqual([{ progress: 1, total: 1, message: 'zoom: booked' }]);
  });

  it('books only the providers asked for', async () => {
    const { output } = await book({ providers: ['zoom'] });
    expect(output.providers.map((p) => p.provider)).toEqual(['zoom']);
  });

  it('never writes a secret into the SQLite file', async () => {
    await book();
    h.ctx.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(h.ctx.config.databasePath).toString('latin1');
    for (const secret of [h.zoom.state.clientSecret, h.resend.state.apiKey, ...h.zoom.state.tokens.keys()]) {
      expect(bytes).not.toContain(secret);
    }
  });
});

describe('without connections', () => {
  it('is an error that names the command to connect each provider', async () => {
    const { result, output } = await book();
    expect(result.isError).toBe(true);
    expect(output.providers).toEqual([
      { provider: 'zoom', status: 'not_connected', remedy: 'connect Zoom: npx alsatalk-mcp connect zoom' },
    ]);
    expect(output.booking_id).toBeNull();
  });

  it('books without e-mail when Resend is not connected, and says how to connect it', async () => {
    await h.connectZoom();
    const { result, output } = await book();
    expect(result.isError).toBeFalsy();
    expect(output.email).toEqual({
      status: 'not_connected',
      remedy: 'connect Resend to e-mail invitees: npx alsatalk-mcp connect resend',
    });
  });
});

describe('bad input', () => {
  beforeEach(async () => {
    await h.connectZoom();
    await h.connectResend();
  });

  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an address that is not one', { customer_email: 'ada at example' }, /customer_email/],
    ['a date that does not exist', { booking_date: `${date.slice(0, 4)}-02-30` }, /booking_date.*not a calendar date/],
    ['a month 13', { booking_date: `${date.slice(0, 4)}-13-01` }, /booking_date/],
    ['24:00', { booking_time: '24:00' }, /booking_time/],
    ['an unknown zone', { timezone: 'Mars/Olympus' }, /timezone.*IANA/],
    [
      'an abbreviation Intl would take',
      { timezone: 'PST' },
      /timezone: "PST" is an abbreviation[\s\S]*use America\/Los_Angeles/,
    ],
    ['a day in the past', { booking_date: '2020-01-06' }, /booking_date: 2020-01-06 is in the past/],
    ['a zero duration', { duration_minutes: 0 }, /duration_minutes/],
    ['a fractional duration', { duration_minutes: 12.5 }, /duration_minutes/],
  ];
  it.each(cases)('refuses %s, names the field, and writes nothing', async (_label, extra, message) => {
    const { result } = await book(extra);
    expect(result.isError).toBe(true);
    expect((result.content as Array<{ text: string }>)[0]?.text).toMatch(message);
    expect(countRows('bookings')).toBe(0);
    expect(h.zoom.state.meetings).toHaveLength(0);
    expect(h.resend.state.emails).toHaveLength(0);
  });

  it('books the first of two identical wall times when the clocks go back, and says so', async () => {
    // The next first Sunday of November: 01:00-02:00 happens twice in New York.
    const fallBack = nextSunday(11, 1);
    const { result, output } = await book({ booking_date: fallBack.toISODate(), booking_time: '01:30' });
    expect(result.isError).toBeFalsy();
    expect(output.meeting.start).toBe(`${fallBack.toISODate()}T01:30:00-04:00`);
    expect(output.notes).toEqual([expect.stringContaining('happens twice')]);
    expect((result.content as Array<{ text: string }>)[0]?.text).toMatch(/Note: 01:30 happens twice/);
    // It ends at 01:00 EST, the second 01:00: the e-mail names both offsets and the file both exact instants.
    const email = h.resend.state.emails[0];
    expect(email?.payload.text).toContain('1:30 AM EDT – 1:00 AM EST');
    const ics = Buffer.from(email?.payload.attachments?.[0]?.content ?? '', 'base64').toString('utf8');
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent') ?? undefined);
    expect(event.startDate.toJSDate().toISOString()).toBe(fallBack.toUTC().set({ hour: 5, minute: 30 }).toISO());
    expect(event.endDate.toJSDate().toISOString()).toBe(fallBack.toUTC().set({ hour: 6, minute: 0 }).toISO());
  });

  it.each([
    ['america/new_york', 'America/New_York'],
    ['US/Eastern', 'America/New_York'],
  ])('takes the zone %j as its canonical name %s', async (timezone, canonical) => {
    const { result, output } = await book({ timezone });
    expect(result.isError).toBeFalsy();
    expect(output.meeting.timezone).toBe(canonical);
    expect(h.zoom.state.meetings[0]?.body).toMatchObject({ timezone: canonical });
  });

  it('refuses a local time that the DST change skips', async () => {
    // The next second Sunday of March: clocks jump from 02:00 to 03:00 in New York.
    const { result } = await book({ booking_date: nextSunday(3, 2).toISODate(), booking_time: '02:30' });
    expect(result.isError).toBe(true);
    expect((result.content as Array<{ text: string }>)[0]?.text).toMatch(/booking_time: 02:30 does not exist/);
  });
});

describe('the e-mail', () => {
  beforeEach(async () => {
    await h.connectZoom();
    await h.connectResend();
  });

  it('escapes what the agent supplied in the HTML (line breaks are refused at the door: hostile-input.test.ts)', async () => {
    const { output } = await book({ customer_name: 'Eve <script>alert(1)</script>', topic: 'Q&A <b>now</b>' });
    expect(output.status).toBe('booked');
    const email = h.resend.state.emails[0];
    expect(email?.payload.html).not.toContain('<script>');
    expect(email?.payload.html).toContain('&lt;script&gt;');
    expect(email?.payload.html).toContain('Q&amp;A &lt;b&gt;now&lt;/b&gt;');
    expect(email?.payload.subject).not.toMatch(/[\r\n]/);
    expect(email?.payload.to).toEqual(['ada@example.com']);
  });
});
