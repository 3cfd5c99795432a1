// SIGKILL the built server in the middle of a booking, start it again on the same data folder, repeat the call: every
// provider ends with exactly one meeting and the invitee with exactly one e-mail. The providers are the sandbox over
// real HTTP (its secret store too: the server is a child process, and the keychain is not what is tested here).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type ArrivedRequest, type Sandbox } from '../../../src/sandbox/sandbox.js';
import { connectAll } from '../../../src/commands/demo.js';
import { assertBuilt } from '../../support/cli.js';
import { futureDate } from '../../support/dates.js';
import { startStdioServer } from '../../support/stdio-server.js';

let home: string;
let sandbox: Sandbox;
let env: Record<string, string>;
/** Every provider request the sandbox received, in order: the kill points wait on these, not on a clock. */
const arrived: ArrivedRequest[] = [];

beforeAll(async () => {
  assertBuilt();
  home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-crash-test-'));
  sandbox = await startSandbox({ outbox: path.join(home, 'outbox'), onArrived: (request) => arrived.push(request) });
  // This suite starts a dozen servers in a minute or two, each renewing Calendly's sign-in on its first booking: more
  // than the 8 token requests a minute Calendly allows a user, which the servers would (rightly) wait for. That pacing
  // has tests of its own (calendly-limits.test.ts); here it would only stretch every kill point past its deadline.
  sandbox.fakes.calendly.state.limits.tokensPerMinute = undefined;
  env = {
    ...sandbox.env,
    ALSATALK_HOME: home,
    ALSATALK_DEFAULT_TIMEZONE: 'America/New_York',
    ALSATALK_LOG_LEVEL: 'error',
    ALSATALK_PROVIDER_TIMEOUT_MS: '20000',
    ALSATALK_CALENDLY_TOKENS_PER_MINUTE: '600',
    PATH: process.env.PATH ?? '',
  };
  await connectAll(sandbox, env, ['zoom', 'calendly', 'google', 'zoho', 'microsoft'], () => undefined);
});
afterAll(async () => {
  await sandbox.close();
  rmSync(home, { recursive: true, force: true });
});

const serve = () => startStdioServer(env);

async function until(what: string, done: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

const held = () => sandbox.holdings();
type Holdings = ReturnType<typeof held>;

/** Where a case starts: what the providers hold, and how many requests had arrived. */
interface Start {
  held: Holdings;
  mark: number;
}
const grew = (start: Start, id: keyof Holdings) => held()[id] > start.held[id];
const reached = (start: Start, route: string) => arrived.slice(start.mark).some((r) => r.route === route);
/**
 * Whether `provider` sent a request other than its token renewal: it holds a fresh access token, so the refresh token
 * it was given in exchange is saved (rotating-refresh.ts saves before it uses). Zoom's and Calendly's refresh tokens
 * work once, so a kill before that point loses the sign-in (the case that tests it, below): the other cases wait past it.
 */
const signedIn = (start: Start, provider: 'zoom' | 'calendly') =>
  arrived.slice(start.mark).some((r) => r.provider === provider && !r.route.endsWith('/oauth/token'));

let slot = 0;
/** A call of its own (a slot nobody else books), so that each case counts only its own meetings. */
function nextCall() {
  slot += 1;
  const minutes = 9 * 60 + slot * 30;
  return {
    customer_name: 'Ada Lovelace',
    customer_email: 'ada@example.com',
    customer_phone: '+14155550123',
    booking_date: futureDate(20),
    booking_time: `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`,
    duration_minutes: 30,
  };
}

/**
 * Starts the call on a fresh server, kills the server once `when` holds, lets whatever the providers were still doing
 * finish (a request already sent is processed even though nobody waits for its answer), then repeats the call on a new
 * server and returns its result, with how much each provider holds more than before.
 */
async function killAndRepeat(when: (start: Start) => boolean, drainMs = 0) {
  const call = nextCall();
  const start: Start = { held: held(), mark: arrived.length };
  const before = start.held;
  const first = await serve();
  const pending = first.client.callTool({ name: 'book_meeting', arguments: call }).catch(() => undefined);
  await until('the kill point', () => signedIn(start, 'zoom') && signedIn(start, 'calendly') && when(start));
  await first.kill();
  await pending;
  sandbox.controls.clear();
  if (drainMs > 0) await sleep(drainMs);
  const second = await serve();
  try {
    const result = await second.client.callTool({ name: 'book_meeting', arguments: call });
    const after = held();
    const delta = Object.fromEntries(
      Object.entries(after).map(([id, n]) => [id, n - before[id as keyof typeof before]]),
    );
    return {
      output: result.structuredContent as {
        status: string;
        email: { status: string };
        providers: Array<{ provider: string; status: string; note?: string }>;
        repeat?: { retried_providers: string[] };
      },
      delta,
    };
  } finally {
    await second.close();
  }
}

const once = { zoom: 1, calendly: 1, google: 1, zoho: 1, microsoft: 1, resend: 1 };

describe('SIGKILL mid-booking, restart, the same call again', () => {
  it('killed while every provider request is on its way: each provider books once, one e-mail', async () => {
    // On the booking routes only: a kill during a token refresh is the case below.
    const routes = [
      'zoom:POST /zoom/v2/users/:userId/meetings',
      'calendly:GET /calendly/api/event_types',
      'google:POST /google/calendar/v3/calendars/:calendarId/events',
      'zoho:POST /zoho/api/bookings/v1/json/appointment',
      'microsoft:POST /microsoft/graph/v1.0/me/events',
    ];
    for (const target of routes) sandbox.controls.setLatency({ target, ms: 1500 });
    // Killed once every booking request has arrived; they are still answered after the kill.
    const { output, delta } = await killAndRepeat((start) => routes.every((route) => reached(start, route)), 1600);
    expect(output).toMatchObject({ status: 'booked', email: { status: 'sent' } });
    expect(delta).toEqual(once);
  });

  it("killed while the host's calendars are checked: nothing was made yet, and the repeat checks again and books once", async () => {
    const check = 'google:POST /google/calendar/v3/freeBusy';
    sandbox.controls.addFault({ target: check, kind: 'hang', times: 1 });
    const { output, delta } = await killAndRepeat((start) => {
      if (!reached(start, check)) return false;
      // Every provider is preparing, and none has created anything: each waits for the check.
      expect(
        ['zoom', 'calendly', 'google', 'zoho', 'microsoft'].map((id) => grew(start, id as keyof Holdings)),
      ).toEqual([false, false, false, false, false]);
      return true;
    });
    expect(output).toMatchObject({ status: 'booked', email: { status: 'sent' } });
    expect(output.repeat).toBeUndefined();
    expect(delta).toEqual(once);
  });

  it('killed after Zoom made the meeting and before its answer came: Zoom is found, not booked again', async () => {
    sandbox.controls.addFault({ target: 'zoom:POST /zoom/v2/users/:userId/meetings', kind: 'hang-after', times: 1 });
    const { output, delta } = await killAndRepeat((start) => grew(start, 'zoom'));
    expect(output).toMatchObject({ status: 'booked', email: { status: 'sent' } });
    expect(output.providers.find((p) => p.provider === 'zoom')?.note).toContain('nothing new was created');
    expect(delta).toEqual(once);
  });

  it("killed in the middle of Calendly's chain, after Google and Zoho were made: each once", async () => {
    sandbox.controls.setLatency({ target: 'calendly:GET /calendly/api/event_type_available_times', ms: 400 });
    sandbox.controls.addFault({
      target: 'google:POST /google/calendar/v3/calendars/:calendarId/events',
      kind: 'hang-after',
      times: 1,
    });
    const { output, delta } = await killAndRepeat(
      (start) =>
        grew(start, 'google') &&
        grew(start, 'zoho') &&
        reached(start, 'calendly:GET /calendly/api/event_type_available_times'),
      500,
    );
    expect(output).toMatchObject({ status: 'booked', email: { status: 'sent' } });
    expect(delta).toEqual(once);
  });

  it('killed after Resend accepted the e-mail and before its answer came: the repeat sends the same e-mail, Resend answers, one e-mail', async () => {
    sandbox.controls.addFault({ target: 'resend:POST /resend/emails', kind: 'hang-after', times: 1 });
    const { output, delta } = await killAndRepeat((start) => grew(start, 'resend'));
    expect(output).toMatchObject({ status: 'booked', email: { status: 'sent' } });
    expect(output.repeat?.retried_providers).toEqual([]);
    expect(delta).toEqual(once);
  });

  it('killed while Zoom renews its sign-in: Zoom says to sign in again, the others book once; signed in, the repeat books Zoom once', async () => {
    // Every new server process renews Zoom's access token on its first booking, and Zoom's refresh tokens work once:
    // the request reached the sandbox and rotated the token, but its answer died with the process. Nothing can bring
    // that token back (Zoom keeps no grace period), so the honest outcome is a clear "sign in again", nothing doubled.
    const renewal = 'zoom:POST /zoom/oauth/token';
    sandbox.controls.addFault({ target: renewal, kind: 'hang-after', times: 1 });
    const call = nextCall();
    const start: Start = { held: held(), mark: arrived.length };
    const before = start.held;
    const first = await serve();
    const pending = first.client.callTool({ name: 'book_meeting', arguments: call }).catch(() => undefined);
    // The renewal was processed (the fault is used up: the token rotated, its answer never leaves); Calendly's own
    // renewal is past too, so that only Zoom's sign-in is lost.
    await until(
      'Zoom renewed its token',
      () => reached(start, renewal) && sandbox.controls.describe().faults.length === 0 && signedIn(start, 'calendly'),
    );
    await first.kill();
    await pending;
    sandbox.controls.clear();
    const delta = () =>
      Object.fromEntries(Object.entries(held()).map(([id, n]) => [id, n - before[id as keyof typeof before]]));

    const second = await serve();
    try {
      const result = await second.client.callTool({ name: 'book_meeting', arguments: call });
      const output = result.structuredContent as {
        status: string;
        notes?: string[];
        providers: Array<{
          provider: string;
          status: string;
          error?: { code: string; message: string };
          remedy?: string;
        }>;
      };
      expect(output.status).toBe('partial');
      const zoom = output.providers.find((p) => p.provider === 'zoom');
      // The conflict check asks Zoom first and meets the lost renewal (its note says so); the booking then finds the
      // sign-in refused: sign in again.
      expect(zoom).toMatchObject({ status: 'failed', error: { code: 'auth_failed' } });
      expect(output.notes?.join(' ')).toContain("Zoom's answer to an earlier refresh was lost");
      expect(zoom?.remedy).toContain('npx alsatalk-mcp connect zoom');
      expect(delta()).toEqual({ zoom: 0, calendly: 1, google: 1, zoho: 1, microsoft: 1, resend: 1 });
    } finally {
      await second.close();
    }

    await connectAll(sandbox, env, ['zoom'], () => undefined);
    const third = await serve();
    try {
      const result = await third.client.callTool({ name: 'book_meeting', arguments: call });
      expect(result.structuredContent).toMatchObject({
        status: 'booked',
        repeat: { retried_providers: ['zoom'], emailed: true },
      });
      // One meeting everywhere; the invitee's second e-mail is the update that adds the Zoom link.
      expect(delta()).toEqual({ zoom: 1, calendly: 1, google: 1, zoho: 1, microsoft: 1, resend: 2 });
    } finally {
      await third.close();
    }
  });

  it('killed while three e-mails wait in the outbox, one of them accepted by Resend with its answer lost: a restarted server sends each once, with no call', async () => {
    const emailRoute = 'resend:POST /resend/emails';
    const start: Start = { held: held(), mark: arrived.length };
    const invitees = [1, 2, 3].map((n) => `grace+outbox${n}@example.com`);
    const calls = invitees.map((email) => ({ ...nextCall(), customer_email: email }));
    const sentTo = (to: string) => sandbox.fakes.resend.state.emails.filter((e) => [e.payload.to].flat().includes(to));
    sandbox.controls.addFault({ target: emailRoute, kind: 'status', status: 503 });
    // A call waits 1 s for its e-mail, then answers `queued`: Resend is down.
    const first = await startStdioServer({ ...env, ALSATALK_EMAIL_WAIT_MS: '1000' });
    for (const call of calls) {
      const result = await first.client.callTool({ name: 'book_meeting', arguments: call });
      const output = result.structuredContent as {
        status: string;
        email: { status: string; error?: { code: string } };
      };
      expect(output).toMatchObject({ status: 'booked', email: { status: 'queued' } });
      // Resend's 503, or its retries still under way when the call's second was over.
      expect(['email_failed', 'in_progress']).toContain(output.email.error?.code);
    }
    expect(invitees.map((to) => sentTo(to).length)).toEqual([0, 0, 0]);
    // Resend is back, but the first e-mail the server's outbox sends is taken and its answer never comes: killed then.
    sandbox.controls.clear();
    sandbox.controls.addFault({ target: emailRoute, kind: 'hang-after', times: 1 });
    await until('the outbox sent an e-mail that Resend took', () => grew(start, 'resend'), 30_000);
    await first.kill();
    sandbox.controls.clear();
    expect(held().resend - start.held.resend).toBe(1);

    // A new server on the same data folder, and no tool call: it sends what the killed one left, each under its key.
    const restarted = arrived.length;
    const second = await serve();
    try {
      await until('every invitee has an e-mail', () => invitees.every((to) => sentTo(to).length > 0), 30_000);
      await sleep(1500); // room for a second copy, if one were coming
      expect(invitees.map((to) => sentTo(to).length)).toEqual([1, 1, 1]);
      expect(held().resend - start.held.resend).toBe(3);
      const keys = invitees.map((to) => sentTo(to)[0]?.idempotencyKey);
      expect(new Set(keys).size).toBe(3);
      for (const key of keys) expect(key).toMatch(/^alsatalk-/);
      // All three were sent again, the one Resend had taken too: its key and bytes made the repeat no second e-mail.
      expect(arrived.slice(restarted).filter((r) => r.route === emailRoute).length).toBeGreaterThanOrEqual(3);
      // The repeat of each call reports the e-mail sent, and sends nothing more.
      for (const call of calls) {
        const again = await second.client.callTool({ name: 'book_meeting', arguments: call });
        expect(again.structuredContent).toMatchObject({ status: 'booked', email: { status: 'sent' } });
      }
      expect(invitees.map((to) => sentTo(to).length)).toEqual([1, 1, 1]);
    } finally {
      await second.close();
    }
  });

  /**
   * Books on one server, arms the sandbox's faults, starts `tool` (cancel_booking or reschedule_booking) on another,
   * kills it once `when` holds, lets the providers finish what they were sent, then repeats the same call on a third:
   * returns its result and what each provider holds more than before the booking.
   */
  async function killChangeAndRepeat(
    tool: 'cancel_booking' | 'reschedule_booking',
    args: (bookingId: string, call: ReturnType<typeof nextCall>) => Record<string, unknown>,
    arm: () => void,
    when: (start: Start) => boolean,
    drainMs = 0,
  ) {
    const before = held();
    const call = nextCall();
    const booking = await serve();
    let bookingId: string;
    try {
      const booked = await booking.client.callTool({ name: 'book_meeting', arguments: call });
      bookingId = (booked.structuredContent as { booking_id: string }).booking_id;
      expect(booked.structuredContent).toMatchObject({ status: 'booked' });
    } finally {
      await booking.close();
    }
    arm();
    const start: Start = { held: held(), mark: arrived.length };
    const first = await serve();
    const pending = first.client.callTool({ name: tool, arguments: args(bookingId, call) }).catch(() => undefined);
    await until('the kill point', () => signedIn(start, 'zoom') && signedIn(start, 'calendly') && when(start));
    await first.kill();
    await pending;
    sandbox.controls.clear();
    if (drainMs > 0) await sleep(drainMs);
    const second = await serve();
    try {
      const result = await second.client.callTool({ name: tool, arguments: args(bookingId, call) });
      const delta = Object.fromEntries(
        Object.entries(held()).map(([id, n]) => [id, n - before[id as keyof typeof before]]),
      );
      return {
        output: result.structuredContent as {
          status: string;
          email: { status: string };
          providers: Array<{ provider: string; status: string }>;
        },
        delta,
      };
    } finally {
      await second.close();
    }
  }

  describe('in the middle of cancel_booking', () => {
    const cancelRoutes = [
      'zoom:DELETE /zoom/v2/meetings/:meetingId',
      'calendly:POST /calendly/api/scheduled_events/:uuid/cancellation',
      'google:DELETE /google/calendar/v3/calendars/:calendarId/events/:eventId',
      'zoho:POST /zoho/api/bookings/v1/json/updateappointment',
      'microsoft:DELETE /microsoft/graph/v1.0/me/events/:eventId',
    ];
    const cancel = (arm: () => void, when: (start: Start) => boolean, drainMs = 0) =>
      killChangeAndRepeat('cancel_booking', (id) => ({ booking_id: id, reason: 'Travel.' }), arm, when, drainMs);
    const cancelledOnce = { zoom: 0, calendly: 0, google: 0, zoho: 0, microsoft: 0, resend: 2 };

    it('killed while every provider cancel is on its way: each is cancelled once, one cancellation e-mail', async () => {
      const { output, delta } = await cancel(
        () => {
          for (const target of cancelRoutes) sandbox.controls.setLatency({ target, ms: 1500 });
        },
        (start) => cancelRoutes.every((route) => reached(start, route)),
        1600,
      );
      expect(output).toMatchObject({ status: 'cancelled', email: { status: 'sent' } });
      // Each provider had done it: the repeat finds it gone (or, for Zoho, already cancelled), and calls it done.
      expect(output.providers.every((p) => ['cancelled', 'already_gone'].includes(p.status))).toBe(true);
      expect(delta).toEqual(cancelledOnce);
    });

    it('killed after Resend accepted the cancellation and before its answer came: the repeat sends it again under its key, one e-mail', async () => {
      const { output, delta } = await cancel(
        () => sandbox.controls.addFault({ target: 'resend:POST /resend/emails', kind: 'hang-after', times: 1 }),
        (start) => grew(start, 'resend'),
      );
      expect(output).toMatchObject({ status: 'cancelled', email: { status: 'sent' } });
      expect(output.providers.map((p) => p.status)).toEqual([
        'cancelled',
        'cancelled',
        'cancelled',
        'cancelled',
        'cancelled',
      ]);
      expect(delta).toEqual(cancelledOnce);
    });
  });

  describe('in the middle of reschedule_booking', () => {
    const moveRoutes = [
      'zoom:PATCH /zoom/v2/meetings/:meetingId',
      'calendly:POST /calendly/api/invitees',
      'google:PATCH /google/calendar/v3/calendars/:calendarId/events/:eventId',
      'zoho:POST /zoho/api/bookings/v1/json/rescheduleappointment',
      'microsoft:PATCH /microsoft/graph/v1.0/me/events/:eventId',
    ];
    /** The same time of day, a day later: a slot of this case's own. */
    const target = (call: ReturnType<typeof nextCall>) => ({
      booking_date: futureDate(21),
      booking_time: call.booking_time,
    });
    let moved: ReturnType<typeof target>;
    const move = (arm: () => void, when: (start: Start) => boolean, drainMs = 0) =>
      killChangeAndRepeat(
        'reschedule_booking',
        (id, call) => {
          moved = target(call);
          return { booking_id: id, ...moved };
        },
        arm,
        when,
        drainMs,
      );
    /** How many live meetings each provider has at the new time: one each, or a move was made twice (or not at all). */
    const atNewTime = () => {
      const at = DateTime.fromISO(`${moved.booking_date}T${moved.booking_time}`, {
        zone: 'America/New_York',
      }).toMillis();
      const { zoom, google, calendly, zoho, microsoft } = sandbox.fakes;
      return {
        zoom: zoom.state.meetings.filter((m) => Date.parse(m.startUtc) === at).length,
        google: google.state.events.filter((e) => e.event.status !== 'cancelled' && Date.parse(e.startUtc) === at)
          .length,
        calendly: [...calendly.state.scheduledEvents.values()].filter(
          (e) => !e.cancellation && e.start.toMillis() === at,
        ).length,
        zoho: zoho.state.appointments.filter((a) => !a.cancelled && Date.parse(a.startUtc) === at).length,
        microsoft: microsoft.heldEvents().filter((e) => Date.parse(e.startUtc) === at).length,
      };
    };
    // Still one meeting in each provider (Calendly: the new event, the old one cancelled); the invitation and one update.
    const movedOnce = { zoom: 1, calendly: 1, google: 1, zoho: 1, microsoft: 1, resend: 2 };
    const eachOnce = { zoom: 1, calendly: 1, google: 1, zoho: 1, microsoft: 1 };

    it('killed while every provider move is on its way: each moved once, one update e-mail', async () => {
      const { output, delta } = await move(
        () => {
          for (const target of moveRoutes) sandbox.controls.setLatency({ target, ms: 1500 });
        },
        (start) => moveRoutes.every((route) => reached(start, route)),
        1600,
      );
      expect(output).toMatchObject({ status: 'rescheduled', email: { status: 'sent' } });
      expect(delta).toEqual(movedOnce);
      expect(atNewTime()).toEqual(eachOnce);
    });

    it('killed after Zoom moved the meeting and before its answer came: the repeat moves it to the same place, once', async () => {
      const { output, delta } = await move(
        () => sandbox.controls.addFault({ target: moveRoutes[0] ?? '', kind: 'hang-after', times: 1 }),
        (start) => reached(start, moveRoutes[0] ?? ''),
      );
      expect(output).toMatchObject({ status: 'rescheduled', email: { status: 'sent' } });
      expect(delta).toEqual(movedOnce);
      expect(atNewTime()).toEqual(eachOnce);
    });

    it("killed in Calendly's move after the new time was booked and before the old event was cancelled: the repeat finds the new event and cancels the old", async () => {
      const cancellation = 'calendly:POST /calendly/api/scheduled_events/:uuid/cancellation';
      const { output, delta } = await move(
        () => sandbox.controls.addFault({ target: cancellation, kind: 'hang', times: 1 }),
        (start) => reached(start, cancellation),
      );
      expect(output).toMatchObject({ status: 'rescheduled', email: { status: 'sent' } });
      expect(output.providers.find((p) => p.provider === 'calendly')?.status).toBe('moved');
      expect(delta).toEqual(movedOnce);
      expect(atNewTime()).toEqual(eachOnce);
    });

    it('killed after Resend accepted the update and before its answer came: one update e-mail', async () => {
      const { output, delta } = await move(
        () => sandbox.controls.addFault({ target: 'resend:POST /resend/emails', kind: 'hang-after', times: 1 }),
        (start) => grew(start, 'resend'),
      );
      expect(output).toMatchObject({ status: 'rescheduled', email: { status: 'sent' } });
      expect(delta).toEqual(movedOnce);
      expect(atNewTime()).toEqual(eachOnce);
    });
  });

  it('killed after everything was recorded: the repeat is a replay and calls nothing', async () => {
    const call = nextCall();
    const first = await serve();
    await first.client.callTool({ name: 'book_meeting', arguments: call });
    await first.kill();
    const before = held();
    const second = await serve();
    const result = await second.client.callTool({ name: 'book_meeting', arguments: call });
    await second.close();
    expect(result.structuredContent).toMatchObject({ status: 'booked', replay: true });
    expect(held()).toEqual(before);
  });
});
