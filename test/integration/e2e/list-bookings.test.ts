// list_bookings through a real MCP Client: the ledger read back (a real SQLite file), newest first, filtered, paged,
// with each provider's state and the booking's history; no provider is called.
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [zoom] });
let h: Harness;
beforeEach(async () => {
  h = harness();
  await h.connectZoom();
  await h.connectResend();
});

interface Listed {
  bookings: Array<{
    booking_id: string;
    status: string;
    start: string;
    timezone: string;
    invitee: { name: string; email: string };
    providers: Array<{ provider: string; status: string; meeting_id?: string; join_url?: string; error?: unknown }>;
    email: { status: string };
    history: Array<{ kind: string; status: string }>;
  }>;
  next_cursor?: string;
}

const book = async (extra: Record<string, unknown>) => {
  const result = await h.client.callTool({
    name: 'book_meeting',
    arguments: { customer_name: 'Ada Lovelace', customer_email: 'ada@example.com', booking_time: '10:00', ...extra },
  });
  return result.structuredContent as { booking_id: string; status: string };
};
const list = async (args: Record<string, unknown> = {}) => {
  const result = await h.client.callTool({ name: 'list_bookings', arguments: args });
  const text = (result.content as Array<{ text: string }>)[0]?.text ?? '';
  return { isError: result.isError === true, output: result.structuredContent as Listed, text };
};

describe('list_bookings', () => {
  it('lists newest first with each provider and the history, filters, pages, and calls no provider', async () => {
    const [first, second, third] = [futureDate(10), futureDate(12), futureDate(14)];
    const a = await book({ booking_date: first, timezone: 'Europe/Berlin' });
    const b = await book({ booking_date: second, customer_email: 'grace@example.com', customer_name: 'Grace Hopper' });
    const c = await book({ booking_date: third });
    expect([a.status, b.status, c.status]).toEqual(['booked', 'booked', 'booked']);
    // Every provider down: listing reads the ledger only.
    h.zoom.state.faults.inject('createMeeting', { status: 503, times: 10 });
    const meetings = h.zoom.state.meetings.length;

    const all = await list();
    expect(all.isError).toBe(false);
    expect(all.output.bookings.map((x) => x.booking_id)).toEqual([c.booking_id, b.booking_id, a.booking_id]);
    const berlin = all.output.bookings[2];
    expect(berlin).toMatchObject({
      status: 'booked',
      timezone: 'Europe/Berlin',
      start: DateTime.fromISO(`${first}T10:00`, { zone: 'Europe/Berlin' }).toISO({ suppressMilliseconds: true }),
      invitee: { name: 'Ada Lovelace', email: 'ada@example.com' },
      email: { status: 'sent' },
      history: [{ kind: 'booked', status: 'booked' }],
    });
    expect(berlin?.providers).toEqual([
      expect.objectContaining({
        provider: 'zoom',
        status: 'booked',
        meeting_id: expect.any(String),
        join_url: expect.stringMatching(/^https:\/\//),
      }),
    ]);
    expect(all.output.next_cursor).toBeUndefined();
    expect(all.text).toContain(`- ${c.booking_id}: `);
    expect(all.text).toContain('That is every match.');

    const ada = await list({ customer_email: 'ADA@example.com' });
    expect(ada.output.bookings.map((x) => x.booking_id)).toEqual([c.booking_id, a.booking_id]);
    const days = await list({ date_from: second, date_to: third, timezone: 'America/New_York' });
    expect(days.output.bookings.map((x) => x.booking_id)).toEqual([c.booking_id, b.booking_id]);
    expect((await list({ status: 'failed' })).output.bookings).toEqual([]);

    const page1 = await list({ limit: 2 });
    expect(page1.output.bookings.map((x) => x.booking_id)).toEqual([c.booking_id, b.booking_id]);
    expect(page1.text).toContain('More bookings: call again with cursor');
    const page2 = await list({ limit: 2, cursor: page1.output.next_cursor });
    expect(page2.output.bookings.map((x) => x.booking_id)).toEqual([a.booking_id]);
    expect(page2.output.next_cursor).toBeUndefined();
    expect(h.zoom.state.meetings.length).toBe(meetings);
  });

  it('shows a partial booking, and the repeat that tried the failed provider again, in its history', async () => {
    h.zoom.state.faults.inject('createMeeting', { status: 400, body: { code: 300, message: 'Invalid field.' } });
    const day = futureDate(11);
    const failed = await book({ booking_date: day });
    expect(failed.status).toBe('failed');
    const repeated = await book({ booking_date: day });
    expect(repeated).toMatchObject({ status: 'booked', booking_id: failed.booking_id });
    const [entry] = (await list()).output.bookings;
    expect(entry?.history).toEqual([
      expect.objectContaining({ kind: 'booked', status: 'failed' }),
      expect.objectContaining({ kind: 'retried', status: 'booked' }),
    ]);
  });

  it('refuses a cursor it did not give and dates that do not exist, naming the field', async () => {
    const cursor = await list({ cursor: 'not-a-cursor' });
    expect(cursor.isError).toBe(true);
    expect(cursor.text).toMatch(/^cursor: is not a cursor this server gave/);
    const date = await list({ date_from: '2027-02-30' });
    expect(date.text).toMatch(/^date_from: "2027-02-30" is not a calendar date/);
    const order = await list({ date_from: '2027-03-02', date_to: '2027-03-01' });
    expect(order.text).toMatch(/^date_to: 2027-03-01 is before date_from/);
  });
});
