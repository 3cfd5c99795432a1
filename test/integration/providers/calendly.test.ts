// Calendly through the real connect command and a real MCP Client; msw plays Calendly (and Resend) at the network edge.
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { calendly } from '../../../src/providers/calendly/manifest.js';
import { secretAccount } from '../../../src/connections/connections.js';
import { createCalendlyFake, type CalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [calendly], extra: () => [createCalendlyFake()] });
let h: Harness;
let c: CalendlyFake;
beforeEach(() => {
  h = harness();
  c = h.extra[0] as CalendlyFake;
});

const connectCalendly = (more: string[] = [], token = c.state.token) =>
  h.connect('calendly', ['--token-stdin', ...more], `${token}\n`);
const storedToken = () => h.ctx.secrets.get(secretAccount('calendly', 'token'));
const eventTypeUri = (slug: string) =>
  c.eventTypeUri(c.state.eventTypes.find((t) => t.slug === slug) ?? c.state.eventTypes[0]!);
const utc = (at: DateTime) => at.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
const posts = (path: string) => c.state.calls.filter((call) => call.startsWith(`POST ${path}`));
/** The single-use link as the invitee gets it: the day and their details, nothing Calendly does not document. */
const linkFor = (bookingUrl = '') =>
  `${bookingUrl}?month=${date.slice(0, 7)}&date=${date}&name=Ada%20Lovelace&email=ada%2Bcalls%40example.com`;
const day = () => start().setLocale('en-US').toFormat('ccc, LLL d');
const opens = () =>
  `The link opens Calendly's booking page on ${day()} with the invitee's e-mail filled in (and the name, where the page asks for a full name); the invitee must`;

const date = futureDate(40);
const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada+calls@example.com',
  booking_date: date,
  booking_time: '14:00',
  timezone: 'America/New_York',
};
const start = (time = '14:00', zone = 'America/New_York') => DateTime.fromISO(`${date}T${time}`, { zone });

interface Entry {
  provider: string;
  status: string;
  meeting_id?: string;
  join_url?: string;
  links?: Array<{ label: string; url: string }>;
  confirmation?: string;
  invitee_action?: string;
  note?: string;
  error?: { code: string; message: string };
  remedy?: string;
}

async function book(extra: Record<string, unknown> = {}) {
  const result = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, ...extra } });
  const output = result.structuredContent as { status: string; providers: Entry[]; email: { status: string } };
  return {
    result,
    output,
    entry: output.providers[0] as Entry,
    text: (result.content as Array<{ text: string }>)[0]?.text ?? '',
  };
}

describe('connect calendly', () => {
  it('verifies the token, keeps it in the secret store and the user and organization URIs in SQLite', async () => {
    await connectCalendly();
    const out = h.output.join('\n');
    expect(out).toContain('Connected Calendly as owner@acme.test.');
    expect(out).toContain('"Intro call" (intro-call, 30 min), "Deep dive" (deep-dive, 60 min)');
    expect(out).not.toContain('Old call');
    expect(await storedToken()).toBe(c.state.token);
    expect(h.ctx.connections.get('calendly')?.settings).toEqual({
      auth: 'pat',
      userUri: c.state.user.uri,
      organizationUri: c.state.organization,
      mode: 'auto',
    });
    expect(c.state.calls[0]).toBe('GET /users/me');
    h.ctx.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    expect(readFileSync(h.ctx.config.databasePath).toString('latin1')).not.toContain(c.state.token);
  });

  it('refuses a token Calendly rejects, and stores nothing', async () => {
    await expect(connectCalendly([], 'not-a-calendly-token')).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining(
        'Calendly rejected the Personal Access Token: Calendly answered HTTP 401: Unauthenticated: The access token is invalid',
      ),
      hint: expect.stringContaining('Integrations & apps → API & webhooks'),
    });
    expect(h.ctx.connections.get('calendly')).toBeUndefined();
    expect(await storedToken()).toBeNull();
  });

  it('pins the event type named by --event-type (slug or name) and the mode', async () => {
    await connectCalendly(['--event-type', 'Deep Dive', '--mode', 'link']);
    expect(h.ctx.connections.get('calendly')?.settings).toMatchObject({
      mode: 'link',
      eventType: { uri: eventTypeUri('deep-dive'), name: 'Deep dive', slug: 'deep-dive', duration: 60 },
    });
    expect(h.output.join('\n')).toContain(
      'Bookings use "Deep dive" (deep-dive, 60 min); a booking of another length fails.',
    );
  });

  it('refuses an unknown or switched-off event type, naming the candidates, and stores nothing', async () => {
    await expect(connectCalendly(['--event-type', 'coffee'])).rejects.toMatchObject({
      code: 'invalid_input',
      message: '--event-type: Calendly has no event type "coffee"',
      hint: 'give a slug or name from: "Intro call" (intro-call, 30 min), "Deep dive" (deep-dive, 60 min)',
    });
    await expect(connectCalendly(['--event-type', 'old-call'])).rejects.toMatchObject({
      message: expect.stringContaining('is turned off in Calendly'),
    });
    expect(h.ctx.connections.get('calendly')).toBeUndefined();
  });

  it('refuses a mode it does not know', async () => {
    await expect(connectCalendly(['--mode', 'maybe'])).rejects.toMatchObject({
      message: '--mode: "maybe" is not a booking mode',
    });
  });

  it('reads every page of event types', async () => {
    c.state.maxPageSize = 1;
    await connectCalendly(['--event-type', 'deep-dive']);
    expect(c.state.calls.filter((call) => call.startsWith('GET /event_types'))).toHaveLength(3);
    expect(c.state.calls[2]).toContain('page_token=');
  });
});

describe('booking, auto mode', () => {
  beforeEach(async () => {
    await connectCalendly();
    await h.connectResend();
    c.state.calls.length = 0;
  });

  it('finds the direct booking a lost answer had made before booking again, and books nothing twice', async () => {
    c.state.faults.inject('createInvitee', { status: 0, lost: true });
    const { entry } = await book();
    const made = c.state.invitees[0];
    expect(entry).toMatchObject({
      status: 'booked',
      meeting_id: `${c.apiBase}/scheduled_events/${made?.eventUuid}`,
      confirmation: 'confirmed',
    });
    expect(entry.join_url).toMatch(/^https:\/\//);
    expect(entry.links?.map((l) => l.label)).toEqual(['Join the meeting', 'Reschedule', 'Cancel']);
    expect(entry.note).toContain('nothing new was created');
    expect(c.state.invitees).toHaveLength(1);
    expect(posts('/invitees')).toHaveLength(1);
    expect(
      c.state.calls.some(
        (call) => call.startsWith('GET /scheduled_events?') && call.includes('invitee_email=ada%2Bcalls%40example.com'),
      ),
    ).toBe(true);
    expect(h.resend.state.emails).toHaveLength(1);
  });

  it('a lost answer whose look-up fails too is recorded; the repeat looks again and books nothing twice', async () => {
    c.state.faults.inject('createInvitee', { status: 0, lost: true });
    c.state.faults.inject('listEvents', {
      status: 503,
      body: { title: 'Service Unavailable', message: 'Try again later.' },
      times: 9,
    });
    const first = await book();
    expect(first.entry).toMatchObject({ status: 'failed', error: { code: 'provider_unavailable' } });
    expect(c.state.invitees).toHaveLength(1);
    c.state.faults.clear();

    const again = await book();
    expect(again.entry).toMatchObject({
      status: 'booked',
      meeting_id: `${c.apiBase}/scheduled_events/${c.state.invitees[0]?.eventUuid}`,
    });
    expect(again.entry.note).toContain('nothing new was created');
    expect(c.state.invitees).toHaveLength(1);
    expect(posts('/invitees')).toHaveLength(1);
  });

  it('books the open slot directly at the exact instant and returns the join, reschedule and cancel links', async () => {
    const { result, output, entry, text } = await book();
    expect(result.isError).toBeFalsy();
    expect(output.status).toBe('booked');
    const [invitee] = c.state.invitees;
    expect(c.state.invitees).toHaveLength(1);
    expect(invitee?.body).toEqual({
      event_type: eventTypeUri('intro-call'),
      start_time: utc(start()),
      invitee: { name: 'Ada Lovelace', email: 'ada+calls@example.com', timezone: 'America/New_York' },
    });
    const event = c.state.scheduledEvents.get(invitee?.eventUuid ?? '');
    const joinUrl = event?.location?.join_url as string;
    expect(joinUrl).toMatch(/^https:\/\/us02web\.zoom\.us\/j\/\d+$/);
    expect(entry).toMatchObject({
      status: 'booked',
      confirmation: 'confirmed',
      meeting_id: `${c.apiBase}/scheduled_events/${invitee?.eventUuid}`,
      join_url: joinUrl,
      note: 'Booked directly in Calendly ("Intro call" (intro-call, 30 min)); Calendly also e-mails its own confirmation.',
      links: [
        { label: 'Join the meeting', url: joinUrl },
        { label: 'Reschedule', url: `https://calendly.com/reschedulings/${invitee?.inviteeUuid}` },
        { label: 'Cancel', url: `https://calendly.com/cancellations/${invitee?.inviteeUuid}` },
      ],
    });
    expect(text).toContain(joinUrl);
    // The availability asked for is the meeting's local day, so a refusal could name other open times.
    const availability = new URL(`https://x${c.state.calls[1]?.slice(4)}`).searchParams;
    expect(Object.fromEntries(availability)).toEqual({
      event_type: eventTypeUri('intro-call'),
      start_time: utc(start('00:00')),
      end_time: utc(start('00:00').plus({ days: 1 })),
    });
    expect(c.state.calls.map((call) => call.split('?')[0])).toEqual([
      'GET /event_types',
      'GET /event_type_available_times',
      'POST /invitees',
      `GET /scheduled_events/${invitee?.eventUuid}`,
    ]);
    expect(c.state.schedulingLinks).toHaveLength(0);
    expect(output.email.status).toBe('sent');
    expect(h.resend.state.emails[0]?.payload.text).toContain(
      `https://calendly.com/reschedulings/${invitee?.inviteeUuid}`,
    );
  });

  it('picks the event type as long as the booking and converts a Kolkata time to the exact UTC instant', async () => {
    const { entry } = await book({ booking_time: '20:00', timezone: 'Asia/Kolkata', duration_minutes: 60 });
    expect(entry?.status).toBe('booked');
    expect(c.state.invitees[0]?.body).toMatchObject({
      event_type: eventTypeUri('deep-dive'),
      start_time: utc(start('20:00', 'Asia/Kolkata')),
      invitee: { timezone: 'Asia/Kolkata' },
    });
    expect(c.state.invitees[0]?.startUtc).toBe(`${date}T14:30:00Z`);
    expect(entry?.join_url).toMatch(/^https:\/\/meet\.google\.com\//);
  });

  it('falls back to a link opened on the day when the slot is not offered, and says the invitee must choose another time', async () => {
    const { result, entry, text } = await book({ booking_time: '03:00' });
    expect(result.isError).toBeFalsy();
    expect(posts('/invitees')).toHaveLength(0);
    const [link] = c.state.schedulingLinks;
    expect(link?.body).toEqual({ max_event_count: 1, owner: eventTypeUri('intro-call'), owner_type: 'EventType' });
    expect(entry).toMatchObject({
      status: 'booked',
      confirmation: 'invitee_must_confirm',
      meeting_id: link?.bookingUrl,
    });
    const action =
      'choose another time (03:00 is not open in Calendly; open that day: 08:00, 08:30, 09:00) and confirm';
    expect(entry?.links).toEqual([{ label: 'Choose a time and confirm', url: linkFor(link?.bookingUrl) }]);
    expect(entry).toMatchObject({ invitee_action: action });
    expect(entry?.note).toBe(
      `Calendly does not offer 03:00 on ${day()} (open that day: 08:00, 08:30, 09:00), so a single-use link was sent instead of a direct booking. ${opens()} ${action}.`,
    );
    expect(text).toContain(
      `- calendly: link sent (on calendly, the invitee must ${action}): ${linkFor(link?.bookingUrl)}`,
    );
    expect(h.resend.state.emails[0]?.payload.subject).toMatch(/^Please confirm your meeting/);
    expect(h.resend.state.emails[0]?.payload.text).toContain(`is not booked yet: on Calendly, ${action}.`);
    expect(h.resend.state.emails[0]?.payload.text).toContain(
      `  Choose a time and confirm: ${linkFor(link?.bookingUrl)}`,
    );
  });

  it('falls back to a link when Calendly answers 403 to POST /invitees; the invitee picks the agreed time', async () => {
    c.state.directBookingAllowed = false;
    const { entry } = await book();
    expect(posts('/invitees')).toHaveLength(1);
    expect(c.state.invitees).toHaveLength(0);
    expect(entry?.links).toEqual([
      { label: 'Pick 14:00 and confirm', url: linkFor(c.state.schedulingLinks[0]?.bookingUrl) },
    ]);
    expect(entry).toMatchObject({
      confirmation: 'invitee_must_confirm',
      note: expect.stringContaining(
        "Calendly refused to book directly (Calendly answered HTTP 403: Permission Denied: Please upgrade to a paid Calendly account.): the plan or the token's scope (scheduled_events:write) does not allow it",
      ),
    });
    expect(entry?.note).toContain(`${opens()} pick 14:00 and confirm.`);
  });

  it('falls back to a link when the event type has required questions, without trying to book', async () => {
    c.state.eventTypes[0]!.custom_questions = [
      c.question('Company name', true, 0),
      c.question('Anything else?', false, 1),
    ];
    const { entry } = await book();
    expect(posts('/invitees')).toHaveLength(0);
    expect(entry).toMatchObject({
      confirmation: 'invitee_must_confirm',
      note: expect.stringMatching(
        /^The event type "Intro call" \(intro-call, 30 min\) has required questions \(Company name\) that a direct booking would have to answer, so a single-use link was sent instead of a direct booking\./,
      ),
      invitee_action: 'pick 14:00, answer its question (Company name) and confirm',
    });
    expect(entry?.links?.[0]?.url).toBe(linkFor(c.state.schedulingLinks[0]?.bookingUrl));
  });

  it('falls back to a link when the slot was taken just before booking (already_filled)', async () => {
    c.state.faults.inject('createInvitee', {
      status: 400,
      body: {
        title: 'Invalid Argument',
        message: 'The supplied parameters are invalid.',
        details: [
          { parameter: 'start_time', message: 'The selected time is no longer available.', code: 'already_filled' },
        ],
      },
    });
    const { entry } = await book();
    expect(entry).toMatchObject({
      confirmation: 'invitee_must_confirm',
      note: expect.stringContaining('was taken in Calendly just before booking (already_filled)'),
    });
    expect(entry?.links?.[0]?.url).toBe(linkFor(c.state.schedulingLinks[0]?.bookingUrl));
    expect(entry?.invitee_action).toMatch(
      /^choose another time \(14:00 was just taken in Calendly; open that day: .+\) and confirm$/,
    );
  });

  it('sends the phone number when the host calls the invitee, and sends a link when there is none', async () => {
    c.state.eventTypes[0]!.locations = [{ kind: 'outbound_call' }];
    const { entry } = await book({ customer_phone: '+14155550123' });
    expect(c.state.invitees[0]?.body.location).toEqual({ kind: 'outbound_call', location: '+14155550123' });
    expect(entry).toMatchObject({ status: 'booked', confirmation: 'confirmed' });
    expect(entry?.join_url).toBeUndefined();
    const again = await book({ booking_time: '15:00' });
    expect(again.entry).toMatchObject({
      confirmation: 'invitee_must_confirm',
      note: expect.stringContaining(
        "needs the invitee's phone number (the host calls them), so a single-use link was sent instead of a direct booking.",
      ),
      invitee_action: 'pick 15:00, give your phone number and confirm',
    });
    expect(c.state.invitees).toHaveLength(1);
  });

  it('fails, naming the candidates, when no active event type lasts as long as the booking', async () => {
    const { result, entry } = await book({ duration_minutes: 45 });
    expect(result.isError).toBe(true);
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'invalid_input',
        message:
          'no active Calendly event type lasts 45 min; the active ones are "Intro call" (intro-call, 30 min), "Deep dive" (deep-dive, 60 min)',
      },
      remedy: 'book one of those lengths (duration_minutes), or create a 45-minute event type in Calendly',
    });
    expect(c.state.schedulingLinks).toHaveLength(0);
  });

  it('reports a revoked token with the command that reconnects Calendly, without a fallback', async () => {
    c.state.token = 'revoked-in-calendly';
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'auth_failed',
        message: 'Calendly answered HTTP 401: Unauthenticated: The access token is invalid',
      },
      remedy: expect.stringContaining('reconnect Calendly with a new Personal Access Token'),
    });
    expect(entry?.remedy).toContain('npx alsatalk-mcp connect calendly');
    expect(c.state.calls).toHaveLength(1);
  });

  it('says how long to wait when Calendly rate-limits, without retrying or falling back', async () => {
    c.state.faults.inject('availableTimes', {
      status: 429,
      body: { title: 'Too Many Requests', message: 'You have exceeded the rate limit.' },
      headers: { 'X-RateLimit-Limit': '500', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '42' },
    });
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: { code: 'rate_limited' },
      remedy: 'Calendly is rate-limiting this account: retry this provider after 42 s',
    });
    expect(c.state.calls.filter((call) => call.startsWith('GET /event_type_available_times'))).toHaveLength(1);
    expect(c.state.schedulingLinks).toHaveLength(0);
  });

  it('treats a server error on POST /invitees as a failure, not a reason for a link, and resends it only after looking', async () => {
    c.state.faults.inject('createInvitee', {
      status: 500,
      body: {
        title: 'Internal Server Error',
        message: 'The server encountered an unexpected condition that prevented it from fulfilling the request.',
      },
      times: 3,
    });
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: { code: 'provider_unavailable' },
      remedy: expect.stringMatching(/retry/),
    });
    expect(posts('/invitees')).toHaveLength(3);
    expect(c.state.calls.filter((call) => call.startsWith('GET /scheduled_events?'))).toHaveLength(2);
    expect(c.state.invitees).toHaveLength(0);
    expect(c.state.schedulingLinks).toHaveLength(0);
  });

  it('keeps the booking when its join link cannot be read afterwards, and says so', async () => {
    c.state.faults.inject('scheduledEvent', {
      status: 503,
      body: { title: 'Service Unavailable', message: 'Try again later.' },
      times: 3,
    });
    const { result, entry } = await book();
    expect(result.isError).toBeFalsy();
    expect(entry).toMatchObject({
      status: 'booked',
      confirmation: 'confirmed',
      meeting_id: `${c.apiBase}/scheduled_events/${c.state.invitees[0]?.eventUuid}`,
    });
    expect(entry?.join_url).toBeUndefined();
    expect(entry?.links?.map((l) => l.label)).toEqual(['Reschedule', 'Cancel']);
    expect(entry?.note).toContain(
      "Its join link could not be read (Calendly answered HTTP 503: Service Unavailable: Try again later.); Calendly's own e-mail has it.",
    );
  });
});

describe('booking, other modes and pinned event types', () => {
  beforeEach(async () => {
    await h.connectResend();
  });

  it('link mode sends a link opened on the day, on which the invitee picks the agreed time, and never books directly', async () => {
    await connectCalendly(['--mode', 'link']);
    const { entry } = await book();
    expect(posts('/invitees')).toHaveLength(0);
    const [link] = c.state.schedulingLinks;
    expect(entry?.links).toEqual([{ label: 'Pick 14:00 and confirm', url: linkFor(link?.bookingUrl) }]);
    expect(entry).toMatchObject({
      status: 'booked',
      confirmation: 'invitee_must_confirm',
      meeting_id: link?.bookingUrl,
    });
    expect(entry?.note).toBe(
      `This connection books by link (--mode link), so a single-use Calendly link was sent. ${opens()} pick 14:00 and confirm.`,
    );
  });

  it('a 403 on available times names both scopes Calendly documents for it (catalogue and endpoint page)', async () => {
    await connectCalendly(['--mode', 'direct']);
    const denied = { title: 'Permission Denied', message: 'You do not have permission to access this resource.' };
    c.state.faults.inject('availableTimes', { status: 403, body: denied });
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: { code: 'permission_denied' },
      remedy:
        'check the Calendly plan, or create a Personal Access Token with the event_types:read and availability:read scopes, then npx alsatalk-mcp connect calendly',
    });
    expect(posts('/invitees')).toHaveLength(0);
  });

  it('in auto mode, a 403 on available times sends a link and names both scopes in the note', async () => {
    await connectCalendly();
    const denied = { title: 'Permission Denied', message: 'You do not have permission to access this resource.' };
    c.state.faults.inject('availableTimes', { status: 403, body: denied });
    const { entry } = await book();
    expect(entry).toMatchObject({
      confirmation: 'invitee_must_confirm',
      invitee_action: 'pick 14:00 (if it is not listed, another time) and confirm',
      note: expect.stringContaining(
        "the plan or the token's scopes (event_types:read and availability:read) do not allow it, so a single-use link was sent instead.",
      ),
    });
  });

  it('direct mode fails, naming the open times, when the slot is not offered', async () => {
    await connectCalendly(['--mode', 'direct']);
    c.state.busy.add(utc(start()));
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'provider_rejected',
        message: expect.stringMatching(
          /^Calendly does not offer 14:00 on .+ for "Intro call" \(intro-call, 30 min\) \(open that day: 13:00, 13:30, 14:30\)$/,
        ),
      },
      remedy: 'book one of the open times (13:00, 13:30, 14:30) instead',
    });
    expect(c.state.schedulingLinks).toHaveLength(0);
  });

  it('direct mode fails on required questions and on a taken slot, each with its remedy', async () => {
    await connectCalendly(['--mode', 'direct']);
    c.state.faults.inject('createInvitee', {
      status: 400,
      body: {
        title: 'Invalid Argument',
        message: 'The supplied parameters are invalid.',
        details: [
          { parameter: 'start_time', message: 'The selected time is no longer available.', code: 'already_filled' },
        ],
      },
    });
    expect((await book()).entry).toMatchObject({
      status: 'failed',
      error: { code: 'provider_rejected', message: expect.stringContaining('was just taken in Calendly') },
      remedy: 'choose another time and book again',
    });
    c.state.eventTypes[0]!.custom_questions = [c.question('Company name', true, 0)];
    expect((await book({ booking_time: '15:00' })).entry).toMatchObject({
      status: 'failed',
      error: {
        message: expect.stringContaining(
          'cannot book directly: the event type "Intro call" (intro-call, 30 min) has required questions (Company name)',
        ),
      },
      remedy: expect.stringContaining('npx alsatalk-mcp connect calendly --mode auto'),
    });
    expect(c.state.schedulingLinks).toHaveLength(0);
  });

  it('fails with both durations and the fix when the pinned event type has another length', async () => {
    await connectCalendly(['--event-type', 'intro-call']);
    const { entry } = await book({ duration_minutes: 60 });
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'invalid_input',
        message:
          'the pinned Calendly event type "Intro call" (intro-call, 30 min) lasts 30 min, but this booking is 60 min',
      },
      remedy:
        'book 30 minutes (duration_minutes: 30), or reconnect without --event-type so that the event type is picked by length: npx alsatalk-mcp connect calendly',
    });
    expect(c.state.calls.some((call) => call.startsWith('GET /event_type_available_times'))).toBe(false);
  });

  it('books the pinned event type when the lengths agree', async () => {
    await connectCalendly(['--event-type', 'intro-call']);
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'booked',
      confirmation: 'confirmed',
      note: expect.stringContaining('pinned with --event-type'),
    });
    expect(c.state.calls).toContain(`GET /event_types/${c.state.eventTypes[0]?.uuid}`);
  });
});

describe('the event types a session keeps', () => {
  it('reads them once for many bookings, and again at once when Calendly says the kept one is gone', async () => {
    await connectCalendly();
    const listed = () => c.state.calls.filter((call) => call.startsWith('GET /event_types?')).length;
    const before = listed();
    expect((await book()).entry?.status).toBe('booked');
    expect((await book({ booking_time: '15:00' })).entry?.status).toBe('booked');
    // One round less on every booking after the first: the list is read once.
    expect(listed() - before).toBe(1);
    // The 30-minute type is deleted in Calendly: its available times answer 404, so the session reads the list again,
    // finds no 30-minute type, and says so (nothing is booked with a type that no longer exists).
    c.state.eventTypes = c.state.eventTypes.filter((t) => t.duration !== 30);
    const { entry } = await book({ booking_time: '16:00' });
    expect(entry).toMatchObject({ status: 'failed', error: { code: 'invalid_input' } });
    expect(entry?.error?.message).toContain('no active Calendly event type lasts 30 min');
    expect(listed() - before).toBe(2);
  });
});
