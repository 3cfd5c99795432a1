// cancel_booking through a real MCP Client, real SQLite and the real keychain; msw plays Zoom, Calendly, Google, Zoho
// and Resend. One booking is cancelled in every provider it holds, once: a repeat calls nothing, a partial failure is
// retried only where it failed, and the invitee gets one cancellation e-mail that removes the invitation's entry.
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { meetingProviders } from '../../../src/providers/index.js';
import type { CalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import { googleFault, type GoogleFake } from '../../../src/sandbox/fakes/google.js';
import type { ZohoFake } from '../../../src/sandbox/fakes/zoho.js';
import { allFakes, connectAll as connectEveryProvider, fakesOf } from '../../support/all-providers.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({
  providers: meetingProviders,
  extra: allFakes,
});
let h: Harness;
let calendly: CalendlyFake;
let google: GoogleFake;
let zoho: ZohoFake;
const zone = 'America/New_York';
const day = futureDate(23);

const connectAll = (calendlyArgs: string[] = []) => connectEveryProvider(h, zone, calendlyArgs);

beforeEach(() => {
  h = harness();
  ({ calendly, google, zoho } = fakesOf(h));
});

interface Step {
  provider: string;
  status: string;
  note?: string;
  error?: { code: string; message: string };
  remedy?: string;
}
interface CancelOutput {
  booking_id: string;
  status: string;
  providers: Step[];
  email: { status: string; id?: string };
  notes?: string[];
  repeat?: { first_called_at: string; retried: string[] };
}

async function book(extra: Record<string, unknown> = {}) {
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
  const output = result.structuredContent as { booking_id: string; status: string };
  expect(output.status).toBe('booked');
  return output.booking_id;
}

async function cancel(args: Record<string, unknown>) {
  const result = await h.client.callTool({ name: 'cancel_booking', arguments: args });
  return {
    isError: result.isError === true,
    output: result.structuredContent as CancelOutput,
    text: (result.content as Array<{ text: string }>)[0]?.text ?? '',
  };
}

/** Every provider call made so far, to prove a repeat makes none. */
const calls = () => ({
  zoomDeleted: h.zoom.state.deleted.length,
  googleDeleted: google.state.deleteRequests.length,
  calendly: calendly.state.calls.filter((c) => c.startsWith('POST') || c.includes('scheduled_events?')).length,
  zohoCancelled: zoho.state.appointments.filter((a) => a.cancelled).length,
  emails: h.resend.state.emails.length,
});

const calendarOf = (index: number) => {
  const attachment = h.resend.state.emails[index]?.payload.attachments?.[0];
  const calendar = new ICAL.Component(ICAL.parse(Buffer.from(attachment?.content ?? '', 'base64').toString('utf8')));
  return { attachment, calendar, vevent: calendar.getFirstSubcomponent('vevent') };
};

describe('cancel_booking', () => {
  it('cancels in all four providers, e-mails one iMIP CANCEL for the same UID, and a repeat calls nothing', async () => {
    await connectAll();
    const id = await book();
    const [calendlyEvent] = [...calendly.state.scheduledEvents.values()];

    const { output, isError, text } = await cancel({ booking_id: id, reason: 'The customer has to travel.' });
    expect(isError).toBe(false);
    expect(output).toMatchObject({ booking_id: id, status: 'cancelled', email: { status: 'sent' } });
    expect(output.providers.map((p) => [p.provider, p.status]).sort()).toEqual([
      ['calendly', 'cancelled'],
      ['google', 'cancelled'],
      ['zoho', 'cancelled'],
      ['zoom', 'cancelled'],
    ]);
    expect(output.repeat).toBeUndefined();
    expect(text).toMatch(/cancel/i);

    // Each provider as its API was asked: Zoom without its own reminder e-mails, Google with the connection's
    // sendUpdates, Calendly with the reason, Zoho's appointment now "cancel".
    expect(h.zoom.state.deleted).toEqual([
      { id: expect.any(String), query: { schedule_for_reminder: 'false', cancel_meeting_reminder: 'false' } },
    ]);
    expect(h.zoom.state.meetings.filter((m) => m.joinUrl.includes('pwd='))).toEqual([]);
    expect(google.state.deleteRequests).toEqual([{ eventId: expect.any(String), sendUpdates: expect.any(String) }]);
    expect(calendlyEvent?.cancellation).toMatchObject({ reason: 'The customer has to travel.', canceler_type: 'host' });
    expect(zoho.state.appointments.map((a) => a.cancelled)).toEqual([true]);

    // Two e-mails: the invitation (REQUEST, SEQUENCE 0), then the cancellation (CANCEL, same UID, SEQUENCE 1).
    expect(h.resend.state.emails).toHaveLength(2);
    const invitation = calendarOf(0);
    const cancellation = calendarOf(1);
    const email = h.resend.state.emails[1];
    expect(email?.payload.subject).toMatch(/^Cancelled: /);
    expect(email?.payload.to).toEqual(['ada@example.com']);
    expect(email?.payload.text).toContain('The customer has to travel.');
    expect(email?.payload.html).toContain('The customer has to travel.');
    expect(cancellation.attachment).toMatchObject({
      filename: 'cancel.ics',
      content_type: 'text/calendar; charset=utf-8; method=CANCEL',
    });
    expect(invitation.calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(cancellation.calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    const uid = `${id}@alsatalk-mcp`;
    expect(invitation.vevent?.getFirstPropertyValue('uid')).toBe(uid);
    expect(cancellation.vevent?.getFirstPropertyValue('uid')).toBe(uid);
    expect(invitation.vevent?.getFirstPropertyValue('sequence')).toBe(0);
    expect(cancellation.vevent?.getFirstPropertyValue('sequence')).toBe(1);
    expect(cancellation.vevent?.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(String(cancellation.vevent?.getFirstPropertyValue('organizer')).toLowerCase()).toBe('mailto:meet@acme.test');
    expect(String(cancellation.vevent?.getFirstPropertyValue('attendee')).toLowerCase()).toBe('mailto:ada@example.com');
    const start = cancellation.vevent?.getFirstPropertyValue('dtstart') as ICAL.Time;
    expect(start.toJSDate().toISOString()).toBe(DateTime.fromISO(`${day}T14:00`, { zone }).toUTC().toISO());

    // The ledger: cancelled, each provider cancelled, the history grows by one change.
    const listed = await h.client.callTool({ name: 'list_bookings', arguments: { status: 'cancelled' } });
    const [entry] = (listed.structuredContent as { bookings: Array<Record<string, unknown>> }).bookings;
    expect(entry).toMatchObject({ booking_id: id, status: 'cancelled' });
    // Microsoft 365 is not connected here: it never held the meeting.
    expect((entry?.providers as Step[]).map((p) => [p.provider, p.status]).sort()).toEqual([
      ['calendly', 'cancelled'],
      ['google', 'cancelled'],
      ['microsoft', 'not_connected'],
      ['zoho', 'cancelled'],
      ['zoom', 'cancelled'],
    ]);
    expect((entry?.history as Array<{ kind: string }>).map((x) => x.kind)).toEqual(['booked', 'cancelled']);

    // A repeat (with or without the reason) answers from the ledger: no provider called, no second e-mail.
    const before = calls();
    const again = await cancel({ booking_id: id, reason: 'The customer has to travel.' });
    expect(again.output).toMatchObject({ status: 'cancelled', email: { status: 'sent', id: email?.id } });
    expect(again.output.notes?.[0]).toMatch(/^This booking was already cancelled at /);
    const other = await cancel({ booking_id: id });
    expect(other.output.status).toBe('cancelled');
    expect(calls()).toEqual(before);

    // book_meeting repeated for the cancelled booking books nothing and says it was cancelled.
    const rebook = await h.client.callTool({
      name: 'book_meeting',
      arguments: {
        customer_name: 'Ada Lovelace',
        customer_email: 'ada@example.com',
        customer_phone: '+14155550123',
        booking_date: day,
        booking_time: '14:00',
        timezone: zone,
      },
    });
    expect((rebook.structuredContent as { status: string }).status).toBe('booked');
    expect(h.resend.state.emails).toHaveLength(3);
  });

  it('a partial failure says which provider still has the meeting and how to fix it; a repeat retries only that one', async () => {
    await connectAll();
    const id = await book();
    h.zoom.state.faults.inject('deleteMeeting', {
      status: 503,
      body: { code: 503, message: 'Service unavailable.' },
      times: 20,
    });
    const first = await cancel({ booking_id: id });
    expect(first.isError).toBe(false);
    expect(first.output.status).toBe('partial');
    const zoomStep = first.output.providers.find((p) => p.provider === 'zoom');
    expect(zoomStep).toMatchObject({ status: 'failed', error: { code: 'provider_unavailable' } });
    expect(zoomStep?.remedy).toMatch(/repeat cancel_booking/);
    expect(first.output.providers.filter((p) => p.status === 'cancelled')).toHaveLength(3);
    // The invitee is told at once: three providers no longer hold the meeting.
    expect(first.output.email.status).toBe('sent');
    expect(h.resend.state.emails).toHaveLength(2);
    expect(first.text).toContain('- zoom: failed (Zoom answered HTTP 503');

    h.zoom.state.faults.clear();
    const before = calls();
    const second = await cancel({ booking_id: id });
    expect(second.output.status).toBe('cancelled');
    expect(second.output.repeat?.retried).toEqual(['zoom']);
    expect(calls()).toEqual({ ...before, zoomDeleted: before.zoomDeleted + 1 });
    expect(h.resend.state.emails).toHaveLength(2);
    expect(second.output.email).toMatchObject({ status: 'sent', id: h.resend.state.emails[1]?.id });
  });

  it('a meeting already removed in the provider counts as done (Zoom 404 3001, Google 410, Calendly already canceled, Zoho)', async () => {
    await connectAll();
    const id = await book();
    h.zoom.state.meetings.length = 0;
    for (const e of google.state.events) e.event.status = 'cancelled';
    for (const e of calendly.state.scheduledEvents.values())
      e.cancellation = {
        canceled_by: 'Ada',
        reason: null,
        canceler_type: 'invitee',
        created_at: new Date().toISOString(),
      };
    for (const a of zoho.state.appointments) a.cancelled = true;
    const { output } = await cancel({ booking_id: id });
    expect(output.status).toBe('cancelled');
    expect(output.providers.map((p) => [p.provider, p.status]).sort()).toEqual([
      ['calendly', 'already_gone'],
      ['google', 'already_gone'],
      ['zoho', 'already_gone'],
      ['zoom', 'already_gone'],
    ]);
    expect(output.email.status).toBe('sent');
  });

  it('a Zoom app without the delete scope fails with the scope to add; the rest is cancelled', async () => {
    await connectAll();
    const id = await book();
    h.zoom.state.scope = h.zoom.state.scope.replace(' meeting:delete:meeting:admin', '');
    const { output } = await cancel({ booking_id: id });
    expect(output.status).toBe('partial');
    const step = output.providers.find((p) => p.provider === 'zoom');
    expect(step).toMatchObject({ status: 'failed', error: { code: 'permission_denied' } });
    expect(`${step?.error?.message} ${step?.remedy}`).toContain('meeting:delete:meeting');
    expect(h.zoom.state.meetings.filter((m) => m.joinUrl.includes('pwd='))).toHaveLength(1);
  });

  it('a rate limit past its retries, and a provider that does not answer in time, are failures a repeat finishes', async () => {
    await connectAll();
    const id = await book();
    google.state.faults.inject('deleteEvent', { ...googleFault('rateLimitExceeded', 429), times: 20 });
    zoho.state.faults.inject('updateappointment', { status: 200, delayMs: 6000 });
    const first = await cancel({ booking_id: id });
    expect(first.output.status).toBe('partial');
    expect(first.output.providers.find((p) => p.provider === 'google')).toMatchObject({
      status: 'failed',
      error: { code: 'rate_limited' },
    });
    expect(first.output.providers.find((p) => p.provider === 'zoho')).toMatchObject({
      status: 'failed',
      error: { code: 'timeout' },
    });

    google.state.faults.clear();
    zoho.state.faults.clear();
    const second = await cancel({ booking_id: id });
    expect(second.output.status).toBe('cancelled');
    expect(second.output.repeat?.retried.sort()).toEqual(['google', 'zoho']);
    expect(zoho.state.appointments.map((a) => a.cancelled)).toEqual([true]);
    expect(google.state.deleteRequests).toHaveLength(1);
    expect(h.resend.state.emails).toHaveLength(2);
  });

  it('a lost answer: the cancel was made, the repeat finds it done and cancels nothing twice', async () => {
    await connectAll();
    const id = await book();
    h.zoom.state.faults.inject('deleteMeeting', { status: 204, lost: true });
    google.state.faults.inject('deleteEvent', { status: 204, lost: true });
    calendly.state.faults.inject('cancelEvent', { status: 201, lost: true });
    zoho.state.faults.inject('updateappointment', { status: 200, lost: true });
    const first = await cancel({ booking_id: id });
    // Each provider did the work once; a retry of a lost cancel finds it done.
    expect(first.output.providers.every((p) => p.status === 'cancelled' || p.status === 'already_gone')).toBe(true);
    expect(first.output.status).toBe('cancelled');
    expect(h.zoom.state.deleted).toHaveLength(1);
    expect(google.state.deleteRequests).toHaveLength(1);
    expect([...calendly.state.scheduledEvents.values()].filter((e) => e.cancellation)).toHaveLength(1);
    expect(zoho.state.appointments.map((a) => a.cancelled)).toEqual([true]);
    const again = await cancel({ booking_id: id });
    expect(again.output.status).toBe('cancelled');
    expect(h.resend.state.emails).toHaveLength(2);
  });

  it('a single-use Calendly link nobody used remains, and the e-mail tells the invitee not to use it', async () => {
    await connectAll(['--mode', 'link']);
    const id = await book();
    expect(calendly.state.schedulingLinks).toHaveLength(1);
    const { output } = await cancel({ booking_id: id });
    expect(output.status).toBe('cancelled');
    const step = output.providers.find((p) => p.provider === 'calendly');
    expect(step).toMatchObject({ status: 'link_remains' });
    expect(step?.note).toContain('cannot revoke');
    const email = h.resend.state.emails[1];
    expect(email?.payload.text).toMatch(
      /The Calendly link sent earlier \(https:\/\/\S+\) cannot be withdrawn: please do not book through it\./,
    );
    expect(email?.payload.text).toContain(calendly.state.schedulingLinks[0]?.bookingUrl ?? 'missing');
  });

  it('a single-use Calendly link the invitee booked through: that event is cancelled', async () => {
    await connectAll(['--mode', 'link']);
    const id = await book();
    // The invitee opened the link and picked 15:00 the same day.
    const start = DateTime.fromISO(`${day}T15:00`, { zone });
    const uuid = 'EVLINK0000000001';
    calendly.state.scheduledEvents.set(uuid, {
      uuid,
      eventTypeUuid: 'ET000INTRO000030',
      start,
      end: start.plus({ minutes: 30 }),
      location: null,
    });
    calendly.state.invitees.push({
      body: { invitee: { email: 'ada@example.com', name: 'Ada Lovelace' } },
      startUtc: start.toUTC().toISO({ suppressMilliseconds: true }) ?? '',
      eventUuid: uuid,
      inviteeUuid: 'INVLINK000000001',
    });
    const { output } = await cancel({ booking_id: id, reason: 'Plans changed.' });
    expect(output.providers.find((p) => p.provider === 'calendly')).toMatchObject({ status: 'cancelled' });
    expect(calendly.state.scheduledEvents.get(uuid)?.cancellation).toMatchObject({ reason: 'Plans changed.' });
  });

  it('refuses an unknown booking id, naming the field and where to find ids', async () => {
    await connectAll();
    const { isError, text } = await cancel({ booking_id: 'bk_does_not_exist' });
    expect(isError).toBe(true);
    expect(text).toMatch(/^booking_id: no booking has the id bk_does_not_exist/);
    expect(text).toContain('list_bookings');
    const reuse = await cancel({ booking_id: await book(), idempotency_key: 'k1' });
    expect(reuse.output.status).toBe('cancelled');
    const other = await cancel({ booking_id: await book({ booking_time: '16:00' }), idempotency_key: 'k1' });
    expect(other.isError).toBe(true);
    expect(other.text).toMatch(/^idempotency_key: was already used/);
  });
});
