// book_meeting never books the host into a conflict: the host's calendars (Google's free/busy, Zoom's scheduled
// meetings) are checked before anything is created; a busy host gets `conflict` with free times, nothing anywhere, no
// e-mail; allow_conflict books anyway and says so; a repeat stays exactly once (a crash during the check: crash.test.ts).
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { meetingProviders } from '../../../src/providers/index.js';
import type { CalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import type { GoogleFake } from '../../../src/sandbox/fakes/google.js';
import type { ZohoFake } from '../../../src/sandbox/fakes/zoho.js';
import { statement } from '../../../src/storage/database.js';
import { allFakes, connectAll, fakesOf } from '../../support/all-providers.js';
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
beforeEach(async () => {
  h = harness();
  ({ calendly, google, zoho } = fakesOf(h));
  await connectAll(h, zone);
});

const zone = 'America/New_York';
const day = futureDate(21);
const utc = (time: string) =>
  DateTime.fromISO(`${day}T${time}`, { zone }).toUTC().toISO({ suppressMilliseconds: true }) ?? '';
const local = (time: string) =>
  DateTime.fromISO(`${day}T${time}`, { zone }).toISO({ suppressMilliseconds: true }) ?? '';

interface Output {
  booking_id: string | null;
  status: string;
  providers: Array<{ provider: string; status: string; error?: { code: string } }>;
  email: { status: string };
  notes?: string[];
  conflict?: {
    busy: Array<{ provider: string; start: string; end: string }>;
    alternatives: Array<{ booking_date: string; booking_time: string; start: string; end: string }>;
    allowed: boolean;
  };
  repeat?: unknown;
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
  return {
    isError: result.isError === true,
    output: result.structuredContent as Output,
    text: (result.content as Array<{ text: string }>)[0]?.text ?? '',
  };
}
/** What exists in every provider and the outbox. */
const held = () => ({
  zoom: h.zoom.state.meetings.filter((m) => m.joinUrl.includes('pwd=')).length,
  calendly: calendly.state.invitees.length + calendly.state.schedulingLinks.length,
  google: google.state.events.length,
  zoho: zoho.state.appointments.length,
  emails: h.resend.state.emails.length,
});
const nothing = { zoom: 0, calendly: 0, google: 0, zoho: 0, emails: 0 };
const rows = () => (statement(h.ctx.db, 'SELECT COUNT(*) AS n FROM bookings').get() as { n: number }).n;

describe('the conflict check of book_meeting', () => {
  it('a busy host: nothing is created anywhere, and the result says where and offers the three nearest free times', async () => {
    google.state.busy.push({ calendarId: 'owner@acme.test', start: utc('13:30'), end: utc('15:00') });
    const { output, isError, text } = await book();
    expect(isError).toBe(false);
    expect(output).toMatchObject({ status: 'conflict', booking_id: null, email: { status: 'skipped' } });
    expect(output.conflict).toEqual({
      busy: [{ provider: 'google', start: local('13:30'), end: local('15:00') }],
      // Calendly and Zoho offer every half hour: 13:00 and 15:00 an hour away, then 12:30 (the earlier of a tie).
      alternatives: ['12:30', '13:00', '15:00'].map((t) => ({
        booking_date: day,
        booking_time: t,
        start: local(t),
        end: DateTime.fromISO(local(t), { setZone: true }).plus({ minutes: 30 }).toISO({ suppressMilliseconds: true }),
      })),
      allowed: false,
    });
    expect(held()).toEqual(nothing);
    expect(rows()).toBe(0);
    expect(text).toContain('Not booked: the host is busy');
    expect(text).toContain('google 13:30–15:00');
    expect(text).toContain(`Free instead: ${day} 12:30, ${day} 13:00, ${day} 15:00`);
    expect(text).toContain('allow_conflict: true');

    // The same call once the host is free books, once.
    google.state.busy.length = 0;
    const again = await book();
    expect(again.output.status).toBe('booked');
    expect(again.output.repeat).toBeUndefined();
    expect(held()).toEqual({ zoom: 1, calendly: 1, google: 1, zoho: 1, emails: 1 });
  });

  it("the host's own Zoom meeting is a conflict too; a second booking at a booked time is refused", async () => {
    h.zoom.addMeeting({ start: utc('14:15'), minutes: 30 });
    const zoomBusy = await book();
    expect(zoomBusy.output.conflict?.busy).toEqual([{ provider: 'zoom', start: local('14:15'), end: local('14:45') }]);
    expect(held()).toEqual(nothing);

    const first = await book({ booking_time: '10:00' });
    expect(first.output.status).toBe('booked');
    const other = await book({
      booking_time: '10:00',
      customer_email: 'grace@example.com',
      customer_name: 'Grace Hopper',
    });
    expect(other.output.status).toBe('conflict');
    expect(other.output.conflict?.busy.map((b) => b.provider).sort()).toEqual(['google', 'zoom']);
    expect(held()).toEqual({ zoom: 1, calendly: 1, google: 1, zoho: 1, emails: 1 });
  });

  it('allow_conflict books anyway and says so; repeating that call books nothing more', async () => {
    google.state.busy.push({ calendarId: 'owner@acme.test', start: utc('14:00'), end: utc('14:30') });
    const { output, text } = await book({ allow_conflict: true });
    expect(output.status).toBe('booked');
    expect(output.conflict).toMatchObject({ allowed: true, busy: [{ provider: 'google', start: local('14:00') }] });
    expect(output.notes?.join(' ')).toContain('Booked although the host is busy then (Google Calendar 14:00–14:30)');
    expect(text).toContain('allow_conflict');
    const repeated = await book({ allow_conflict: true });
    expect(repeated.output).toMatchObject({ status: 'booked', booking_id: output.booking_id });
    expect(held()).toEqual({ zoom: 1, calendly: 1, google: 1, zoho: 1, emails: 1 });
  });

  it('a calendar that cannot be read does not stop the booking: the note names it', async () => {
    google.state.faults.inject('freeBusy', { status: 500, body: { error: { code: 500, message: 'Backend Error' } } });
    const { output } = await book();
    expect(output.status).toBe('booked');
    expect(output.notes?.join(' ')).toContain("The host's Google Calendar could not be checked for a conflict");
    expect(held()).toEqual({ zoom: 1, calendly: 1, google: 1, zoho: 1, emails: 1 });
  });
});
