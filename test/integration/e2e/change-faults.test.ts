// Each provider's cancel and move, one provider at a time, through a real MCP client, real SQLite and the real
// keychain; msw plays each provider with its documented errors. For every provider and both operations: the meeting
// gone in the provider, a permission refusal, a rate limit past its retries, no answer in time, and an answer lost after
// the work was done. A failure says which code and what to do and leaves the meeting as it was; the same call repeated
// once the fault is gone finishes it, with the meeting cancelled or moved exactly once and one e-mail in all.
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { meetingProviders } from '../../../src/providers/index.js';
import type { CalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import { bookingFailure, type ZohoFake } from '../../../src/sandbox/fakes/zoho.js';
import { googleFault, type GoogleFake } from '../../../src/sandbox/fakes/google.js';
import { allFakes, connectOne, fakesOf } from '../../support/all-providers.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

// A shorter time limit than the harness's, so that the "no answer in time" cases do not each take five seconds.
const timeoutMs = 2500;
const harness = useHarness({
  providers: meetingProviders,
  extra: () => [...allFakes(), { routes: [], env: { ALSATALK_PROVIDER_TIMEOUT_MS: String(timeoutMs) } }],
});
let h: Harness;
let calendly: CalendlyFake;
let google: GoogleFake;
let zoho: ZohoFake;
const zone = 'Europe/Berlin';
const day = futureDate(26);
const nextDay = futureDate(27);

beforeEach(() => {
  h = harness();
  ({ calendly, google, zoho } = fakesOf(h));
});

type Op = 'cancel' | 'reschedule';
type ProviderId = 'zoom' | 'google' | 'calendly' | 'zoho';
interface Step {
  provider: string;
  status: string;
  note?: string;
  error?: { code: string; message: string };
  remedy?: string;
}
interface Output {
  status: string;
  providers: Step[];
  email: { status: string };
  repeat?: { retried: string[] };
}

const utc = (date: string, time: string) => DateTime.fromISO(`${date}T${time}`, { zone }).toUTC().toISO() ?? '';
const iso = (value: string | DateTime) =>
  (typeof value === 'string' ? DateTime.fromISO(value) : value).toUTC().toISO() ?? '';

/** How each provider's fake is made to fail, and where its meetings can be seen. */
interface Faults {
  /** UTC starts of the provider's meetings that are not cancelled. */
  live(): string[];
  /** The meeting removed in the provider behind our back (the invitee or the host did it there). */
  gone(): void;
  /** A refusal for lack of permission; returns what puts it right. */
  deny(op: Op): () => void;
  limit(op: Op): void;
  hang(op: Op): void;
  lose(op: Op): void;
}

const calendlyRateLimit = {
  status: 429,
  body: { title: 'Too Many Requests', message: 'You have exceeded the rate limit. Please try again later.' },
  // Calendly sends no Retry-After; the reset is in seconds (one here, so the repeat need not wait a minute).
  headers: { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' },
  times: 20,
};
const googleRateLimit = { ...googleFault('rateLimitExceeded', 429), times: 20 };
const zoomRoute = (op: Op) => (op === 'cancel' ? 'deleteMeeting' : 'updateMeeting');
const googleRoute = (op: Op) => (op === 'cancel' ? 'deleteEvent' : 'patchEvent');
// Calendly moves a booking by booking the new time (then cancelling the old): the new booking is what fails.
const calendlyRoute = (op: Op) => (op === 'cancel' ? 'cancelEvent' : 'createInvitee');
const zohoRoute = (op: Op) => (op === 'cancel' ? 'updateappointment' : 'rescheduleappointment');

const faults: Record<ProviderId, () => Faults> = {
  zoom: () => ({
    live: () => h.zoom.state.meetings.filter((m) => m.joinUrl.includes('pwd=')).map((m) => iso(m.startUtc)),
    gone: () => void (h.zoom.state.meetings.length = 0),
    deny: (op) => {
      const scope = op === 'cancel' ? ' meeting:delete:meeting:admin' : ' meeting:update:meeting:admin';
      h.zoom.state.scope = h.zoom.state.scope.replace(scope, '');
      return () => void (h.zoom.state.scope += scope);
    },
    limit: (op) =>
      h.zoom.state.faults.inject(zoomRoute(op), {
        status: 429,
        body: {
          code: 429,
          message: 'You have reached the maximum per-second rate limit for this API. Try again later.',
        },
        headers: { 'x-ratelimit-category': 'Light', 'x-ratelimit-type': 'QPS', 'x-ratelimit-remaining': '0' },
        times: 20,
      }),
    hang: (op) => h.zoom.state.faults.inject(zoomRoute(op), { status: 204, delayMs: timeoutMs + 1000 }),
    lose: (op) => h.zoom.state.faults.inject(zoomRoute(op), { status: 204, lost: true }),
  }),
  google: () => ({
    live: () => google.state.events.filter((e) => e.event.status !== 'cancelled').map((e) => iso(e.startUtc)),
    gone: () => {
      for (const e of google.state.events) e.event.status = 'cancelled';
    },
    deny: (op) => {
      // Calendar's 403s: a non-organizer changing shared properties (the errors guide); no write access to the calendar.
      const message = 'You need to have writer access to this calendar.';
      google.state.faults.inject(googleRoute(op), {
        ...(op === 'reschedule'
          ? googleFault('forbiddenForNonOrganizer')
          : {
              status: 403,
              body: {
                error: { code: 403, message, errors: [{ domain: 'calendar', reason: 'requiredAccessLevel', message }] },
              },
            }),
        times: 20,
      });
      return () => google.state.faults.clear();
    },
    limit: (op) => google.state.faults.inject(googleRoute(op), googleRateLimit),
    hang: (op) => google.state.faults.inject(googleRoute(op), { status: 200, delayMs: timeoutMs + 1000 }),
    lose: (op) => google.state.faults.inject(googleRoute(op), { status: 200, lost: true }),
  }),
  calendly: () => ({
    live: () => [...calendly.state.scheduledEvents.values()].filter((e) => !e.cancellation).map((e) => iso(e.start)),
    gone: () => {
      for (const e of calendly.state.scheduledEvents.values())
        e.cancellation = {
          canceled_by: 'Ada',
          reason: null,
          canceler_type: 'invitee',
          created_at: iso(DateTime.now()),
        };
    },
    deny: (op) => {
      calendly.state.faults.inject(calendlyRoute(op), {
        status: 403,
        body: { title: 'Permission Denied', message: 'You do not have permission to access this resource.' },
        times: 20,
      });
      return () => calendly.state.faults.clear();
    },
    limit: (op) => calendly.state.faults.inject(calendlyRoute(op), calendlyRateLimit),
    hang: (op) => calendly.state.faults.inject(calendlyRoute(op), { status: 201, delayMs: timeoutMs + 1000 }),
    lose: (op) => calendly.state.faults.inject(calendlyRoute(op), { status: 201, lost: true }),
  }),
  zoho: () => ({
    live: () => zoho.state.appointments.filter((a) => !a.cancelled).map((a) => iso(a.startUtc)),
    gone: () => {
      for (const a of zoho.state.appointments) a.cancelled = true;
    },
    deny: (op) => {
      // Zoho's one scope (zohobookings.data.CREATE) covers every call: a token it refuses is its permission failure,
      // an HTML page with HTTP 401, before and after a refresh.
      zoho.state.faults.inject(zohoRoute(op), {
        status: 401,
        body: '<html><head><title>Zoho Accounts</title></head><body>Unauthorized</body></html>',
        headers: { 'content-type': 'text/html' },
        times: 20,
      });
      return () => zoho.state.faults.clear();
    },
    limit: (op) =>
      zoho.state.faults.inject(zohoRoute(op), {
        status: 200,
        body: bookingFailure('API limit exceeded for the day'),
        times: 20,
      }),
    hang: (op) => zoho.state.faults.inject(zohoRoute(op), { status: 200, delayMs: timeoutMs + 1000 }),
    lose: (op) => zoho.state.faults.inject(zohoRoute(op), { status: 200, lost: true }),
  }),
};

async function book(provider: ProviderId) {
  await connectOne(h, provider, zone, ['--mode', 'direct']);
  await h.connectResend();
  const result = await h.client.callTool({
    name: 'book_meeting',
    arguments: {
      customer_name: 'Ada Lovelace',
      customer_email: 'ada@example.com',
      customer_phone: '+4915123456789',
      booking_date: day,
      booking_time: '14:00',
      timezone: zone,
      providers: [provider],
    },
  });
  const output = result.structuredContent as { booking_id: string; status: string };
  expect(output.status).toBe('booked');
  return output.booking_id;
}

/** The progress notifications of the last change, as the client received them. */
let progress: Array<{ progress: number; total?: number; message?: string }> = [];

async function change(op: Op, id: string): Promise<Output> {
  progress = [];
  const result = await h.client.callTool(
    op === 'cancel'
      ? { name: 'cancel_booking', arguments: { booking_id: id } }
      : { name: 'reschedule_booking', arguments: { booking_id: id, booking_date: nextDay, booking_time: '15:00' } },
    { onprogress: (p) => progress.push(p) },
  );
  return result.structuredContent as Output;
}

const done = {
  cancel: { step: 'cancelled', status: 'cancelled' },
  reschedule: { step: 'moved', status: 'rescheduled' },
};
/** Where the provider's meetings stand once the operation is done: none, or one at the new time. */
const after = (op: Op) => (op === 'cancel' ? [] : [utc(nextDay, '15:00')]);
const before = () => [utc(day, '14:00')];

const permissionCode: Record<ProviderId, string> = {
  zoom: 'permission_denied',
  google: 'permission_denied',
  calendly: 'permission_denied',
  zoho: 'auth_failed',
};
const remedies: Record<ProviderId, Record<'deny' | 'limit', RegExp>> = {
  zoom: { deny: /meeting:(delete|update):meeting/, limit: /retry/i },
  google: { deny: /organizer|Make changes to events/, limit: /retry this provider/ },
  calendly: { deny: /scope|plan/, limit: /retry/i },
  zoho: { deny: /npx alsatalk-mcp connect zoho/, limit: /retry tomorrow/ },
};
/** What a move of a meeting that is gone in the provider says (nothing is booked anew in its place). */
const goneMove: Record<ProviderId, RegExp> = {
  zoom: /no longer exists/,
  google: /event was deleted/,
  calendly: /event was cancelled in Calendly/,
  zoho: /appointment was cancelled or deleted/,
};

const providers: ProviderId[] = ['zoom', 'google', 'calendly', 'zoho'];
const ops: Op[] = ['cancel', 'reschedule'];

describe.each(providers)('%s', (provider) => {
  describe.each(ops)('%s', (op) => {
    it('the meeting already gone in the provider', async () => {
      const id = await book(provider);
      const f = faults[provider]();
      f.gone();
      const output = await change(op, id);
      const step = output.providers[0];
      if (op === 'cancel') {
        expect(output.status).toBe('cancelled');
        expect(step).toMatchObject({ provider, status: 'already_gone' });
        expect(h.resend.state.emails).toHaveLength(2);
      } else {
        // Nothing to move, and nothing booked in its place: the fix is a new booking or a cancel.
        expect(output.status).toBe('failed');
        expect(step).toMatchObject({ provider, status: 'failed', error: { code: 'provider_rejected' } });
        expect(step?.error?.message).toMatch(goneMove[provider]);
        expect(step?.remedy).toMatch(/book_meeting|cancel_booking/);
        expect(f.live()).toEqual([]);
        expect(h.resend.state.emails).toHaveLength(1);
      }
    });

    it.each([
      ['a permission refusal', 'deny'],
      ['a rate limit past its retries', 'limit'],
      ['no answer in time', 'hang'],
    ] as const)('%s fails with the fix and keeps the meeting; the repeat finishes it', async (_name, fault) => {
      const id = await book(provider);
      const f = faults[provider]();
      const undo = fault === 'deny' ? f.deny(op) : (f[fault](op), undefined);
      const first = await change(op, id);
      expect(first.status).toBe('failed');
      const step = first.providers[0];
      const code = { deny: permissionCode[provider], limit: 'rate_limited', hang: 'timeout' }[fault];
      expect(step).toMatchObject({ provider, status: 'failed', error: { code } });
      expect(progress).toEqual([{ progress: 1, total: 1, message: `${provider}: failed` }]);
      if (fault !== 'hang') expect(`${step?.error?.message} ${step?.remedy}`).toMatch(remedies[provider][fault]);
      expect(step?.remedy).toBeTruthy();
      expect(f.live()).toEqual(before());
      expect(h.resend.state.emails).toHaveLength(1);

      if (undo) undo();
      for (const fake of [h.zoom, google, calendly, zoho]) fake.state.faults.clear();
      // Calendly's reset above is one second; the repeat comes after it.
      if (provider === 'calendly' && fault === 'limit') await new Promise((r) => setTimeout(r, 1100));
      const second = await change(op, id);
      expect(second.status).toBe(done[op].status);
      expect(second.providers[0]).toMatchObject({ provider, status: done[op].step });
      expect(second.repeat?.retried).toEqual([provider]);
      expect(f.live()).toEqual(after(op));
      expect(h.resend.state.emails).toHaveLength(2);
    });

    it('an answer lost after the work was done: done once; the repeat calls nothing', async () => {
      const id = await book(provider);
      const f = faults[provider]();
      f.lose(op);
      const first = await change(op, id);
      expect(first.status).toBe(done[op].status);
      expect([done[op].step, 'already_gone']).toContain(first.providers[0]?.status);
      expect(progress).toEqual([{ progress: 1, total: 1, message: `${provider}: ${first.providers[0]?.status}` }]);
      expect(f.live()).toEqual(after(op));
      const again = await change(op, id);
      expect(again.status).toBe(done[op].status);
      expect(f.live()).toEqual(after(op));
      expect(h.resend.state.emails).toHaveLength(2);
    });
  });
});
