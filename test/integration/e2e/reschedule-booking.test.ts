// reschedule_booking through a real MCP Client, real SQLite and the real keychain; msw plays Zoom, Calendly, Google,
// Zoho and Resend. One booking moves in every provider under its id, once: Zoom's meeting and Google's event keep their
// links, Zoho's appointment moves, Calendly books the new time before it cancels the old; the invitee's calendar file
// keeps its UID and climbs in SEQUENCE from the invitation through the move to the cancellation.
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { meetingProviders } from '../../../src/providers/index.js';
import type { CalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import type { GoogleFake } from '../../../src/sandbox/fakes/google.js';
import type { ZohoFake } from '../../../src/sandbox/fakes/zoho.js';
import { allFakes, connectAll as connectEveryProvider, fakesOf } from '../../support/all-providers.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: meetingProviders, extra: allFakes });
let h: Harness;
let calendly: CalendlyFake;
let google: GoogleFake;
let zoho: ZohoFake;
const zone = 'America/New_York';
const day = futureDate(24);
const nextDay = futureDate(25);
const connectAll = (calendlyArgs: string[] = []) => connectEveryProvider(h, zone, calendlyArgs);

beforeEach(() => {
  h = harness();
  ({ calendly, google, zoho } = fakesOf(h));
});

interface Entry {
  provider: string;
  status: string;
  meeting_id?: string;
  join_url?: string;
  links?: Array<{ label: string; url: string }>;
  confirmation?: string;
  note?: string;
  error?: { code: string; message: string };
  remedy?: string;
}
interface Output {
  booking_id: string;
  status: string;
  meeting: { start: string; end: string; timezone: string; duration_minutes: number };
  previous: { start: string };
  providers: Entry[];
  email: { status: string; id?: string };
  notes?: string[];
  conflict?: { busy: Array<{ provider: string }>; alternatives: unknown[] };
  repeat?: { retried: string[] };
}

/** book_meeting for Ada at 14:00 on `day`, whatever it answers. */
async function bookCall(extra: Record<string, unknown> = {}) {
  const result = await h.client.callTool({
    name: 'book_meeting',
    arguments: {
      customer_name: 'Ada Lovelace',
      customer_email: 'ada@example.com',
      customer_phone: '+14155550123',
      booking_date: day,
      booking_time: '14:00',
      timezone: zone,
      ...extra,
    },
  });
  return result.structuredContent as { booking_id: string; status: string; providers: Entry[] };
}

async function book(extra: Record<string, unknown> = {}) {
  const output = await bookCall(extra);
  expect(output.status).toBe('booked');
  return output;
}

async function reschedule(args: Record<string, unknown>) {
  const result = await h.client.callTool({ name: 'reschedule_booking', arguments: args });
  return {
    isError: result.isError === true,
    output: result.structuredContent as Output,
    text: (result.content as Array<{ text: string }>)[0]?.text ?? '',
  };
}

const local = (date: string, time: string) =>
  DateTime.fromISO(`${date}T${time}`, { zone }).toISO({ suppressMilliseconds: true }) ?? '';
const utc = (date: string, time: string) =>
  DateTime.fromISO(`${date}T${time}`, { zone }).toUTC().toISO({ suppressMilliseconds: true }) ?? '';

const calendarOf = (index: number) => {
  const attachment = h.resend.state.emails[index]?.payload.attachments?.[0];
  const calendar = new ICAL.Component(ICAL.parse(Buffer.from(attachment?.content ?? '', 'base64').toString('utf8')));
  const vevent = calendar.getFirstSubcomponent('vevent');
  return {
    attachment,
    method: calendar.getFirstPropertyValue('method'),
    uid: vevent?.getFirstPropertyValue('uid'),
    sequence: vevent?.getFirstPropertyValue('sequence'),
    status: vevent?.getFirstPropertyValue('status'),
    organizer: String(vevent?.getFirstPropertyValue('organizer')).toLowerCase(),
    attendee: String(vevent?.getFirstPropertyValue('attendee')).toLowerCase(),
    start: (vevent?.getFirstPropertyValue('dtstart') as ICAL.Time | undefined)?.toJSDate().toISOString(),
  };
};

/** Every provider call that changes something, to prove a repeat makes none. */
const changes = () => ({
  zoom: h.zoom.state.updated.length,
  google: google.state.patchRequests.length,
  calendly: calendly.state.calls.filter((c) => c.startsWith('POST')).length,
  zoho: zoho.state.apiCalls.filter((c) => c === 'POST rescheduleappointment').length,
  emails: h.resend.state.emails.length,
});

describe('reschedule_booking', () => {
  it('moves the meeting in all four providers, e-mails an update the calendar applies, and a repeat calls nothing; book → move → cancel climbs in SEQUENCE', async () => {
    await connectAll();
    const booked = await book();
    const id = booked.booking_id;
    const before = Object.fromEntries(booked.providers.map((p) => [p.provider, p]));
    const [oldEvent] = [...calendly.state.scheduledEvents.values()];

    const { output, isError, text } = await reschedule({
      booking_id: id,
      booking_date: nextDay,
      booking_time: '10:00',
    });
    expect(isError).toBe(false);
    expect(output).toMatchObject({
      booking_id: id,
      status: 'rescheduled',
      meeting: { start: local(nextDay, '10:00'), timezone: zone, duration_minutes: 30 },
      previous: { start: local(day, '14:00') },
      email: { status: 'sent' },
    });
    const after = Object.fromEntries(output.providers.map((p) => [p.provider, p]));
    expect(Object.values(after).map((p) => p.status)).toEqual(['moved', 'moved', 'moved', 'moved']);
    expect(text).toContain(`Moved "Meeting with Ada Lovelace" from`);

    // Zoom: Update a meeting with the UTC start, the length and its zone; the same meeting, link and passcode.
    expect(h.zoom.state.updated).toEqual([
      {
        id: before.zoom?.meeting_id,
        body: { start_time: utc(nextDay, '10:00').replace('.000', ''), duration: 30, timezone: zone },
      },
    ]);
    expect(after.zoom).toMatchObject({ meeting_id: before.zoom?.meeting_id, join_url: before.zoom?.join_url });
    // Google: events.patch of start and end only, with the connection's sendUpdates; the Meet link stays.
    expect(google.state.patchRequests).toEqual([
      {
        eventId: before.google?.meeting_id,
        sendUpdates: expect.any(String),
        body: {
          start: { dateTime: local(nextDay, '10:00'), timeZone: zone },
          end: { dateTime: local(nextDay, '10:30'), timeZone: zone },
        },
      },
    ]);
    expect(after.google?.join_url).toBe(before.google?.join_url);
    expect(google.state.events[0]?.startUtc).toBe(utc(nextDay, '10:00'));
    // Zoho: Reschedule Appointment, the same booking id at the new time.
    expect(zoho.state.appointments).toEqual([
      expect.objectContaining({ bookingId: before.zoho?.meeting_id, startUtc: utc(nextDay, '10:00'), rescheduled: 1 }),
    ]);
    // Calendly: no reschedule endpoint; the new time booked first, then the old event cancelled with why.
    const posts = calendly.state.calls.filter((c) => c.startsWith('POST'));
    expect(posts.slice(-2)).toEqual([
      expect.stringMatching(/^POST \/invitees/),
      expect.stringMatching(/^POST \/scheduled_events\/[^/]+\/cancellation/),
    ]);
    expect(oldEvent?.cancellation?.reason).toMatch(/^Rescheduled to /);
    expect(after.calendly?.meeting_id).not.toBe(before.calendly?.meeting_id);
    expect(calendly.state.invitees.at(-1)?.startUtc).toBe(utc(nextDay, '10:00'));

    // The e-mail: "Updated:", where it was, every link as it is now; its calendar file replaces the invitation's entry.
    expect(h.resend.state.emails).toHaveLength(2);
    const update = h.resend.state.emails[1];
    expect(update?.payload.subject).toMatch(/^Updated: Meeting confirmed: /);
    expect(update?.payload.text).toContain('It has moved: it was ');
    for (const p of ['zoom', 'google']) expect(update?.payload.text).toContain(after[p]?.join_url ?? 'missing');
    const [invite, moved] = [calendarOf(0), calendarOf(1)];
    expect(moved.attachment?.filename).toBe('invite.ics');
    expect(moved).toMatchObject({
      method: 'REQUEST',
      uid: invite.uid,
      sequence: 1,
      status: 'CONFIRMED',
      organizer: 'mailto:meet@acme.test',
      attendee: 'mailto:ada@example.com',
      start: DateTime.fromISO(`${nextDay}T10:00`, { zone }).toUTC().toISO(),
    });
    expect(invite).toMatchObject({ method: 'REQUEST', uid: `${id}@alsatalk-mcp`, sequence: 0, status: 'CONFIRMED' });

    // The ledger: the booking's time now, each provider's new ids, a `rescheduled` change in its history.
    const listed = await h.client.callTool({ name: 'list_bookings', arguments: {} });
    const [entry] = (listed.structuredContent as { bookings: Array<Record<string, unknown>> }).bookings;
    expect(entry).toMatchObject({ booking_id: id, status: 'booked', start: local(nextDay, '10:00') });
    expect((entry?.history as Array<{ kind: string; status: string }>).map((x) => [x.kind, x.status])).toEqual([
      ['booked', 'booked'],
      ['rescheduled', 'done'],
    ]);
    expect((entry?.providers as Entry[]).find((p) => p.provider === 'calendly')?.meeting_id).toBe(
      after.calendly?.meeting_id,
    );

    // The same call again: answered from the record, nothing called, no e-mail.
    const count = changes();
    const again = await reschedule({ booking_id: id, booking_date: nextDay, booking_time: '10:00' });
    expect(again.output).toMatchObject({ status: 'rescheduled', email: { status: 'sent', id: update?.id } });
    expect(again.output.notes?.[0]).toMatch(/^This booking was already moved to this time at /);
    expect(changes()).toEqual(count);

    // Then cancelled: the cancellation's calendar file is the same UID, one SEQUENCE higher again.
    const cancelled = await h.client.callTool({ name: 'cancel_booking', arguments: { booking_id: id } });
    expect(cancelled.structuredContent).toMatchObject({ status: 'cancelled' });
    expect(calendarOf(2)).toMatchObject({ method: 'CANCEL', uid: invite.uid, sequence: 2, status: 'CANCELLED' });
    // The new Calendly event is the one cancelled; the old was already.
    expect([...calendly.state.scheduledEvents.values()].every((e) => e.cancellation)).toBe(true);
    const refused = await reschedule({ booking_id: id, booking_date: nextDay, booking_time: '11:00' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/^booking_id: booking \S+ was cancelled at .*book a new meeting with book_meeting/s);
  });

  it('the same time answers "unchanged" without calling anything; a new length or zone is a move', async () => {
    await connectAll();
    const { booking_id: id } = await book({ providers: ['zoom', 'google'] });
    const count = changes();
    const same = await reschedule({ booking_id: id, booking_date: day, booking_time: '14:00' });
    expect(same.output).toMatchObject({ status: 'unchanged', providers: [], email: { status: 'skipped' } });
    expect(same.text).toContain('nothing was changed');
    // The same wall time written in another zone is the same instant only if the zone says so: 11:00 in Los Angeles is.
    const sameInstant = await reschedule({
      booking_id: id,
      booking_date: day,
      booking_time: '11:00',
      timezone: 'America/Los_Angeles',
    });
    expect(sameInstant.output.status).toBe('rescheduled');
    expect(sameInstant.output.meeting).toMatchObject({
      timezone: 'America/Los_Angeles',
      start: expect.stringMatching(/T11:00:00-08:00$/),
    });
    expect(changes().zoom).toBe(count.zoom + 1);
    const longer = await reschedule({
      booking_id: id,
      booking_date: day,
      booking_time: '11:00',
      timezone: 'America/Los_Angeles',
      duration_minutes: 60,
    });
    expect(longer.output).toMatchObject({ status: 'rescheduled', meeting: { duration_minutes: 60 } });
    expect(h.zoom.state.updated.at(-1)?.body).toMatchObject({ duration: 60 });
  });

  it('a busy host: conflict with free times and nothing moved; its own current time is not a conflict; allow_conflict moves anyway', async () => {
    await connectAll();
    const { booking_id: id } = await book({ providers: ['zoom', 'google'] });
    google.state.busy.push({ calendarId: 'owner@acme.test', start: utc(nextDay, '09:30'), end: utc(nextDay, '11:00') });
    const count = changes();
    const busy = await reschedule({ booking_id: id, booking_date: nextDay, booking_time: '10:00' });
    expect(busy.output).toMatchObject({ status: 'conflict', email: { status: 'skipped' } });
    expect(busy.output.conflict?.busy).toEqual([expect.objectContaining({ provider: 'google' })]);
    expect(busy.output.conflict?.alternatives.length).toBeGreaterThan(0);
    expect(busy.text).toContain('Not moved: the host is busy');
    expect(changes()).toEqual(count);

    // 14:00 → 14:15 overlaps the meeting itself, which is not busy time for its own move.
    const nudge = await reschedule({ booking_id: id, booking_date: day, booking_time: '14:15' });
    expect(nudge.output.status).toBe('rescheduled');

    const anyway = await reschedule({
      booking_id: id,
      booking_date: nextDay,
      booking_time: '10:00',
      allow_conflict: true,
    });
    expect(anyway.output.status).toBe('rescheduled');
  });

  it('a partial failure says which provider keeps the old time and how to fix it; a repeat retries only that one and sends no second e-mail', async () => {
    await connectAll();
    const { booking_id: id } = await book();
    google.state.faults.inject('patchEvent', {
      status: 503,
      body: { error: { code: 503, message: 'Backend Error', errors: [{ reason: 'backendError' }] } },
      times: 20,
    });
    const first = await reschedule({ booking_id: id, booking_date: nextDay, booking_time: '10:00' });
    expect(first.output.status).toBe('partial');
    const step = first.output.providers.find((p) => p.provider === 'google');
    expect(step).toMatchObject({ status: 'failed', error: { code: 'provider_unavailable' } });
    expect(step?.remedy).toMatch(/repeat reschedule_booking/);
    expect(first.text).toContain('Partly moved');
    expect(h.resend.state.emails).toHaveLength(2);

    google.state.faults.clear();
    const count = changes();
    const second = await reschedule({ booking_id: id, booking_date: nextDay, booking_time: '10:00' });
    expect(second.output.status).toBe('rescheduled');
    expect(second.output.repeat?.retried).toEqual(['google']);
    expect(changes()).toEqual({ ...count, google: count.google + 1 });
    expect(google.state.events[0]?.startUtc).toBe(utc(nextDay, '10:00'));
  });

  it('Calendly books the new time before it cancels the old: when the new time fails, the old event stays', async () => {
    await connectAll(['--mode', 'direct']);
    const { booking_id: id } = await book({ providers: ['calendly'] });
    const [oldEvent] = [...calendly.state.scheduledEvents.values()];
    calendly.state.busy.add(utc(nextDay, '10:00'));
    const failed = await reschedule({ booking_id: id, booking_date: nextDay, booking_time: '10:00' });
    expect(failed.output.status).toBe('failed');
    expect(failed.output.providers[0]).toMatchObject({ provider: 'calendly', status: 'failed' });
    expect(oldEvent?.cancellation).toBeUndefined();
    expect(h.resend.state.emails).toHaveLength(1);
  });

  it('an unused single-use Calendly link: a new link for the new day, and the e-mail says not to use the old one', async () => {
    await connectAll(['--mode', 'link']);
    const { booking_id: id } = await book({ providers: ['calendly', 'zoom'] });
    const oldLink = calendly.state.schedulingLinks[0]?.bookingUrl ?? 'missing';
    const { output } = await reschedule({ booking_id: id, booking_date: nextDay, booking_time: '10:00' });
    expect(output.status).toBe('rescheduled');
    const entry = output.providers.find((p) => p.provider === 'calendly');
    expect(entry).toMatchObject({ status: 'moved', confirmation: 'invitee_must_confirm' });
    expect(calendly.state.schedulingLinks).toHaveLength(2);
    const text = h.resend.state.emails[1]?.payload.text ?? '';
    expect(text).toContain('The Calendly link sent earlier is for the old time: please do not book through it.');
    expect(text).toContain(calendly.state.schedulingLinks[1]?.bookingUrl ?? 'missing');
    expect(text).not.toContain(oldLink);
  });

  it.each([
    [
      'the meeting was deleted in Zoom',
      () => void (h.zoom.state.meetings.length = 0),
      { code: 'provider_rejected', message: /no longer exists/ },
    ],
    [
      'the Zoom app lacks the update scope',
      () => void (h.zoom.state.scope = h.zoom.state.scope.replace(' meeting:update:meeting:admin', '')),
      { code: 'permission_denied', message: /cannot move the Zoom meeting/, remedy: /meeting:update:meeting:admin/ },
    ],
    [
      "Zoom's daily limit is spent",
      () =>
        h.zoom.state.faults.inject('updateMeeting', {
          status: 429,
          body: {
            code: 429,
            message:
              'You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.',
          },
          times: 5,
        }),
      { code: 'rate_limited', message: /daily limit/ },
    ],
    [
      'Zoom does not answer in time',
      () => h.zoom.state.faults.inject('updateMeeting', { status: 204, delayMs: 6000 }),
      { code: 'timeout', message: /did not answer within/ },
    ],
  ])('%s: Zoom fails with the fix, the others move', async (_name, arrange, expected) => {
    await connectAll();
    const { booking_id: id } = await book({ providers: ['zoom', 'google'] });
    arrange();
    const { output } = await reschedule({ booking_id: id, booking_date: nextDay, booking_time: '10:00' });
    expect(output.status).toBe('partial');
    const zoom = output.providers.find((p) => p.provider === 'zoom');
    expect(zoom).toMatchObject({ status: 'failed', error: { code: expected.code } });
    expect(zoom?.error?.message).toMatch(expected.message);
    if ('remedy' in expected) expect(zoom?.remedy).toMatch(expected.remedy);
    expect(output.providers.find((p) => p.provider === 'google')?.status).toBe('moved');
  });

  it("a lost answer: Zoom's meeting was moved, the retry moves it to the same place, one meeting at the new time", async () => {
    await connectAll();
    const { booking_id: id } = await book({ providers: ['zoom', 'google'] });
    h.zoom.state.faults.inject('updateMeeting', { status: 204, lost: true });
    google.state.faults.inject('patchEvent', { status: 200, lost: true });
    const { output } = await reschedule({ booking_id: id, booking_date: nextDay, booking_time: '10:00' });
    expect(output.status).toBe('rescheduled');
    expect(h.zoom.state.meetings.filter((m) => m.joinUrl.includes('pwd='))).toEqual([
      expect.objectContaining({ startUtc: utc(nextDay, '10:00').replace('.000', '') }),
    ]);
    expect(google.state.events.map((e) => e.startUtc)).toEqual([utc(nextDay, '10:00')]);
    expect(h.resend.state.emails).toHaveLength(2);
  });

  it('a provider whose booking call was cut off: the meeting it made is found at the old time and moved; one it never made is "not_booked"', async () => {
    await connectAll();
    // Zoom made the meeting, its answer was lost and Zoom could not be searched then; Google never made one.
    h.zoom.state.faults.inject('createMeeting', { status: 201, lost: true });
    h.zoom.state.faults.inject('listMeetings', {
      status: 503,
      body: { code: 503, message: 'Service Unavailable' },
      times: 20,
    });
    google.state.faults.inject('insertEvent', {
      status: 503,
      body: { error: { code: 503, message: 'Backend Error', errors: [{ reason: 'backendError' }] } },
      times: 20,
    });
    const booked = await bookCall({ providers: ['zoom', 'google', 'zoho'] });
    expect(booked.status).toBe('partial');
    expect(booked.providers.find((p) => p.provider === 'zoom')?.status).toBe('failed');
    expect(booked.providers.find((p) => p.provider === 'google')?.status).toBe('failed');
    const [made] = h.zoom.state.meetings.filter((m) => m.joinUrl.includes('pwd='));
    h.zoom.state.faults.clear();
    google.state.faults.clear();

    const { output, text } = await reschedule({
      booking_id: booked.booking_id,
      booking_date: nextDay,
      booking_time: '10:00',
    });
    expect(output.status).toBe('rescheduled');
    expect(output.providers.find((p) => p.provider === 'zoom')).toMatchObject({
      status: 'moved',
      meeting_id: String(made?.id),
    });
    expect(output.providers.find((p) => p.provider === 'google')).toMatchObject({ status: 'not_booked' });
    expect(output.providers.find((p) => p.provider === 'google')?.note).toContain(
      'book_meeting (providers: ["google"])',
    );
    expect(text).toContain('- google: nothing to move');
    expect(h.zoom.state.meetings.filter((m) => m.joinUrl.includes('pwd='))).toEqual([
      expect.objectContaining({ id: made?.id, startUtc: utc(nextDay, '10:00').replace('.000', '') }),
    ]);
    expect(google.state.events).toEqual([]);
    // The update e-mail now carries Zoom's link, which the first e-mail could not.
    expect(h.resend.state.emails[1]?.payload.text).toContain(made?.joinUrl ?? 'missing');
    const listed = await h.client.callTool({ name: 'list_bookings', arguments: {} });
    const [entry] = (listed.structuredContent as { bookings: Array<{ status: string; providers: Entry[] }> }).bookings;
    expect(entry?.providers.find((p) => p.provider === 'zoom')?.status).toBe('booked');
  });

  it('refuses an unknown booking and a bad new time, naming the field', async () => {
    await connectAll();
    const unknown = await reschedule({ booking_id: 'nope', booking_date: nextDay, booking_time: '10:00' });
    expect(unknown.text).toMatch(/^booking_id: no booking has the id nope/);
    const { booking_id: id } = await book({ providers: ['zoom'] });
    const past = await reschedule({ booking_id: id, booking_date: '2020-01-01', booking_time: '10:00' });
    expect(past.isError).toBe(true);
    expect(past.text).toMatch(/^booking_date: 2020-01-01 is in the past/);
    const bad = await reschedule({ booking_id: id, booking_date: nextDay, booking_time: '25:00' });
    expect(bad.text).toContain('booking_time: must be 24-hour HH:mm, e.g. 09:30 or 14:00');
  });
});
