// Exactly once: a repeated book_meeting call (the agent retried, the host restarted, an answer was lost) returns the
// recorded booking and calls again only what had not been booked. Real MCP client, real SQLite, the real keychain;
// msw plays Zoom, Google and Resend. Every test ends by counting what each provider holds.
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { BookingService } from '../../../src/booking/book-meeting.js';
import { google } from '../../../src/providers/google/manifest.js';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { createGoogleFake, type GoogleFake } from '../../../src/sandbox/fakes/google.js';
import { statement } from '../../../src/storage/database.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [zoom, google], extra: () => [createGoogleFake()] });
let h: Harness;
let g: GoogleFake;
beforeEach(async () => {
  h = harness();
  g = h.extra[0] as GoogleFake;
  await h.connectZoom();
  await h.connect(
    'google',
    ['--client-id', g.state.clientId, '--client-secret-stdin', '--refresh-token-stdin'],
    `${g.state.clientSecret}\n${g.state.refreshToken}\n`,
  );
  await h.connectResend();
});

const date = futureDate(30);
const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  booking_date: date,
  booking_time: '10:00',
  timezone: 'Europe/Paris',
};

interface Output {
  booking_id: string | null;
  status: string;
  providers: Array<{
    provider: string;
    status: string;
    meeting_id?: string;
    join_url?: string;
    note?: string;
    error?: { code: string; message: string };
    remedy?: string;
  }>;
  email: { status: string; id?: string };
  notes?: string[];
  replay: boolean;
  repeat?: { first_called_at: string; retried_providers: string[]; emailed: boolean };
}

async function book(extra: Record<string, unknown> = {}) {
  const result = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, ...extra } });
  return {
    result,
    output: result.structuredContent as Output,
    text: (result.content as Array<{ text: string }>)[0]?.text ?? '',
  };
}

/** What every provider holds: the proof that nothing was lost or doubled. */
const holdings = () => ({
  zoom: h.zoom.state.meetings.length,
  google: g.state.events.length,
  emails: h.resend.state.emails.length,
});
const bookings = (): number => (statement(h.ctx.db, 'SELECT COUNT(*) AS n FROM bookings').get() as { n: number }).n;
const entry = (output: Output, id: string) => output.providers.find((p) => p.provider === id);

describe('a repeated call', () => {
  it('returns the recorded booking and calls no provider again', async () => {
    const first = await book();
    expect(first.output).toMatchObject({ status: 'booked', replay: false, email: { status: 'sent' } });
    expect(first.output.repeat).toBeUndefined();
    const calls = g.state.tokenRequests + h.zoom.state.tokenRequests;

    const again = await book();
    expect(again.result.isError).toBeFalsy();
    expect(again.output).toMatchObject({
      booking_id: first.output.booking_id,
      status: 'booked',
      replay: true,
      repeat: { retried_providers: [], emailed: false },
    });
    expect(again.output.providers).toEqual(first.output.providers);
    expect(again.output.email).toEqual(first.output.email);
    expect(again.text).toMatch(/^Already done: this call repeats one first made at /);
    expect(g.state.tokenRequests + h.zoom.state.tokenRequests).toBe(calls);
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
    expect(bookings()).toBe(1);
  });

  it('is the same booking when only the topic or the name is said differently, and says so', async () => {
    const first = await book({ topic: 'Intro' });
    const again = await book({ topic: 'Intro call', customer_name: 'Ada King' });
    expect(again.output).toMatchObject({ booking_id: first.output.booking_id, replay: true });
    expect(again.output.notes?.join(' ')).toContain('booked at');
    expect(again.output.notes?.join(' ')).toContain('pass a new idempotency_key');
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
  });

  it('ten identical calls at once book once', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => book()));
    const ids = new Set(results.map((r) => r.output.booking_id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.output.replay)).toHaveLength(1);
    expect(results.every((r) => r.output.status === 'booked')).toBe(true);
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
    expect(bookings()).toBe(1);
  });

  it('after a partial failure, retries only the provider that failed and mails the invitee the update', async () => {
    // A rate limit that lifts only in a minute: longer than a call may wait, so Zoom fails now and says when to retry.
    h.zoom.state.faults.inject('createMeeting', {
      status: 429,
      headers: { 'Retry-After': '60' },
      body: { code: 429, message: 'You have reached the maximum per-second rate limit for this API.' },
    });
    const first = await book();
    expect(first.output.status).toBe('partial');
    expect(entry(first.output, 'zoom')).toMatchObject({
      status: 'failed',
      error: { code: 'rate_limited' },
      remedy: expect.stringContaining('after 60 s') as unknown,
    });
    expect(holdings()).toEqual({ zoom: 0, google: 1, emails: 1 });

    // Within that minute a repeat does not ask Zoom again (every process holds its creates), nor mails anyone.
    const early = await book();
    expect(early.output.status).toBe('partial');
    expect(entry(early.output, 'zoom')).toMatchObject({
      status: 'failed',
      error: { code: 'rate_limited', message: expect.stringContaining('earlier create') as unknown },
      remedy: expect.stringMatching(/retry this provider after [1-6]\d s/) as unknown,
    });
    expect(holdings()).toEqual({ zoom: 0, google: 1, emails: 1 });

    // The minute has passed.
    statement(h.ctx.db, 'UPDATE rate_gates SET next_at = 0, held_until = 0').run();
    const again = await book();
    expect(again.output).toMatchObject({
      booking_id: first.output.booking_id,
      status: 'booked',
      replay: false,
      repeat: { retried_providers: ['zoom'], emailed: true },
    });
    expect(entry(again.output, 'google')).toEqual(entry(first.output, 'google'));
    expect(again.text).toContain('it tried again only zoom');
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 2 });
    const update = h.resend.state.emails[1]?.payload as { subject: string; text: string };
    expect(update.subject).toMatch(/^Updated: Meeting confirmed: /);
    expect(update.text).toContain('replaces the earlier one');
    expect(update.text).toContain(entry(again.output, 'zoom')?.join_url);

    // A third call has nothing left to do.
    expect((await book()).output).toMatchObject({ replay: true, status: 'booked' });
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 2 });
  });

  it('a short rate limit is waited out within the call (Retry-After honoured): one meeting, no failure', async () => {
    h.zoom.state.faults.inject('createMeeting', {
      status: 429,
      headers: { 'Retry-After': '1' },
      body: { code: 429, message: 'You have reached the maximum per-second rate limit for this API.' },
    });
    const started = Date.now();
    const first = await book();
    expect(first.output).toMatchObject({ status: 'booked', email: { status: 'sent' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
  });

  it('finds the Google event a lost answer had made, within the same call, and makes no second one', async () => {
    g.state.faults.inject('insertEvent', { status: 0, lost: true });
    const first = await book();
    expect(entry(first.output, 'google')).toMatchObject({
      status: 'booked',
      join_url: expect.stringMatching(/^https:\/\/meet\.google\.com\//) as unknown,
    });
    expect(entry(first.output, 'google')?.note).toContain('nothing new was created');
    expect(first.output).toMatchObject({ status: 'booked', email: { status: 'sent' } });
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
    expect((await book()).output).toMatchObject({ replay: true, status: 'booked' });
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
  });

  it('finds the Zoom meeting a lost answer had made (by the booking line in its agenda) before trying again', async () => {
    h.zoom.state.faults.inject('createMeeting', { status: 0, lost: true });
    const first = await book();
    const made = h.zoom.state.meetings[0];
    expect(entry(first.output, 'zoom')).toMatchObject({
      status: 'booked',
      meeting_id: String(made?.id),
      join_url: made?.joinUrl,
      passcode: made?.password,
    });
    expect(entry(first.output, 'zoom')?.note).toContain('nothing new was created');
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
  });

  it('a Zoom 201 without its join_url is not booked again by the repeat: it finds the meeting', async () => {
    // The meeting exists; only its answer is unreadable. Recorded as an unknown outcome, which a repeat looks up first.
    h.zoom.state.faults.inject('createMeeting', { status: 201, body: { uuid: 'cut-short' }, afterWork: true });
    const first = await book();
    expect(entry(first.output, 'zoom')).toMatchObject({
      status: 'failed',
      error: { code: 'outcome_unknown', message: 'Zoom created the meeting but its answer had no join_url or id' },
    });
    expect(entry(first.output, 'zoom')?.remedy).toMatch(/^repeat the same call: it looks in Zoom/);
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });

    const again = await book();
    expect(entry(again.output, 'zoom')).toMatchObject({
      status: 'booked',
      meeting_id: String(h.zoom.state.meetings[0]?.id),
    });
    expect(entry(again.output, 'zoom')?.note).toContain('nothing new was created');
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 2 });
  });

  it('a Zoom server error on the create is tried again only after looking: one meeting', async () => {
    h.zoom.state.faults.inject('createMeeting', { status: 500, body: { code: 500, message: 'Internal server error' } });
    const first = await book();
    expect(entry(first.output, 'zoom')).toMatchObject({ status: 'booked' });
    expect(entry(first.output, 'zoom')?.note).toBeUndefined();
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
  });

  it('when Zoom may not be searched (no list scope), a lost create is not sent again: it says what to add, and doubles nothing', async () => {
    h.zoom.state.faults.inject('createMeeting', { status: 0, lost: true });
    h.zoom.state.scope = 'meeting:write:meeting:admin meeting:read:meeting:admin user:read:user:admin';
    const first = await book();
    expect(entry(first.output, 'zoom')).toMatchObject({ status: 'failed', error: { code: 'outcome_unknown' } });
    expect(entry(first.output, 'zoom')?.error?.message).toMatch(
      /^Zoom may already have this meeting .* looking for it failed: /,
    );
    expect(entry(first.output, 'zoom')?.remedy).toContain('meeting:read:list_meetings:admin');
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
    // Every repeat keeps looking first, so none of them makes a second meeting.
    for (const _ of [1, 2]) {
      const again = await book();
      expect(entry(again.output, 'zoom')).toMatchObject({ status: 'failed', error: { code: 'outcome_unknown' } });
    }
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
  });

  it('a second insert of the same booking is refused by Google (409) and answered with the event it already has', async () => {
    // The answer is lost and the look-up misses (as when Google is slow to show a new event): the insert is sent again.
    g.state.faults.inject('insertEvent', { status: 0, lost: true });
    g.state.faults.inject('getEvent', { status: 404, body: { error: { code: 404, message: 'Not Found' } } });
    const first = await book();
    expect(entry(first.output, 'google')).toMatchObject({ status: 'booked', meeting_id: g.state.events[0]?.event.id });
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
  });

  it('an e-mail whose answer was lost is sent again with the same key and payload: Resend answers, the invitee gets one', async () => {
    h.resend.state.faults.inject('send', { status: 0, lost: true });
    const first = await book();
    expect(first.output).toMatchObject({
      status: 'booked',
      email: { status: 'sent', id: h.resend.state.emails[0]?.id },
    });
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
  });

  it('an e-mail that fails past its retries is tried again from the outbox within the call; the repeat sends nothing more', async () => {
    h.resend.state.faults.inject('send', {
      status: 500,
      body: { statusCode: 500, name: 'internal_server_error', message: 'An unexpected error occurred.' },
      times: 3,
    });
    const first = await book();
    expect(first.output.email).toMatchObject({ status: 'sent', id: h.resend.state.emails[0]?.id });

    const again = await book();
    expect(again.output).toMatchObject({
      status: 'booked',
      email: { status: 'sent', id: h.resend.state.emails[0]?.id },
      repeat: { retried_providers: [], emailed: false },
    });
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
  });

  it('a lost Zoom answer whose look-up fails too is recorded as failed; the repeat finds the meeting', async () => {
    h.zoom.state.faults.inject('createMeeting', { status: 0, lost: true });
    h.zoom.state.faults.inject('listMeetings', {
      status: 503,
      body: { code: 503, message: 'Service unavailable' },
      times: 9,
    });
    const first = await book();
    expect(entry(first.output, 'zoom')).toMatchObject({ status: 'failed' });
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
    h.zoom.state.faults.clear();

    const again = await book();
    expect(entry(again.output, 'zoom')).toMatchObject({
      status: 'booked',
      meeting_id: String(h.zoom.state.meetings[0]?.id),
    });
    expect(entry(again.output, 'zoom')?.note).toContain('nothing new was created');
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 2 });
  });
});

describe('idempotency keys', () => {
  it('another key books the same slot again: the agent said it is another meeting', async () => {
    await book({ idempotency_key: 'call-1' });
    // The host is busy then with the first: a second meeting at the same time is booked only on purpose.
    const refused = await book({ idempotency_key: 'call-2' });
    expect(refused.output).toMatchObject({ status: 'conflict', booking_id: null });
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
    const second = await book({ idempotency_key: 'call-2', allow_conflict: true });
    expect(second.output).toMatchObject({ status: 'booked', replay: false, conflict: { allowed: true } });
    expect(holdings()).toEqual({ zoom: 2, google: 2, emails: 2 });
  });

  it('the same key with other details is refused, naming the field, and writes nothing', async () => {
    const first = await book({ idempotency_key: 'call-1' });
    const other = await book({ idempotency_key: 'call-1', booking_time: '11:00' });
    expect(other.result.isError).toBe(true);
    expect(other.text).toContain('idempotency_key');
    expect(other.text).toContain(first.output.booking_id);
    expect(other.text).toMatch(/new idempotency_key/);
    expect(holdings()).toEqual({ zoom: 1, google: 1, emails: 1 });
    expect(bookings()).toBe(1);
  });

  it('a key that is not printable ASCII is refused before anything is written', async () => {
    const bad = await book({ idempotency_key: 'has space' });
    expect(bad.result.isError).toBe(true);
    expect(bad.text).toContain('idempotency_key');
    expect(holdings()).toEqual({ zoom: 0, google: 0, emails: 0 });
  });

  it('holds for 24 hours: after that the same call books anew', async () => {
    const first = await book();
    const request = {
      customerName: args.customer_name,
      customerEmail: args.customer_email,
      date: args.booking_date,
      time: args.booking_time,
      durationMinutes: 30,
      timezone: args.timezone,
    };
    // The same service code, its clock 23 hours on: still the same booking.
    const sameDay = new BookingService({
      ...h.ctx,
      providers: [zoom, google],
      now: () => DateTime.now().plus({ hours: 23 }),
    });
    const repeated = await sameDay.book(request);
    expect(repeated).toMatchObject({ bookingId: first.output.booking_id, repeat: { retried: [], emailed: false } });
    // A day and an hour on: the key has lapsed, and the call books anew.
    const later = new BookingService({
      ...h.ctx,
      providers: [zoom, google],
      now: () => DateTime.now().plus({ hours: 25 }),
    });
    // The first meeting holds the host's time: booked again only on purpose.
    const result = await later.book({ ...request, allowConflict: true });
    expect(result.repeat).toBeUndefined();
    expect(result.bookingId).not.toBe(first.output.booking_id);
    expect(holdings()).toEqual({ zoom: 2, google: 2, emails: 2 });
    expect(bookings()).toBe(2);
  });
});
