// find_available_slots through a real MCP Client: each provider alone and all four together, their busy time and open
// times, a provider failing or hanging while the others answer, Calendly's range split, Zoho's days asked concurrently,
// and the refusals. msw plays every provider at the network edge; storage and the keychain are real.
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { meetingProviders } from '../../../src/providers/index.js';
import { createCalendlyFake, type CalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import { createGoogleFake, googleFault, type GoogleFake } from '../../../src/sandbox/fakes/google.js';
import { createMicrosoftFake, type MicrosoftFake } from '../../../src/sandbox/fakes/microsoft.js';
import { createZohoFake, type ZohoFake } from '../../../src/sandbox/fakes/zoho.js';
import { futureDate, nextSunday } from '../../support/dates.js';
import { useHarness, type Fake, type Harness } from '../../support/harness.js';

/**
 * No routes, only the environment: Calendly's old 7-day limit on one available-times request, and a provider time limit
 * short enough for a hanging provider's test.
 */
const settings: Fake = {
  routes: [],
  env: { ALSATALK_CALENDLY_AVAILABLE_TIMES_DAYS: '7', ALSATALK_PROVIDER_TIMEOUT_MS: '2500' },
};

const harness = useHarness({
  providers: meetingProviders,
  extra: () => [createCalendlyFake(), createGoogleFake(), createZohoFake(), settings, createMicrosoftFake()],
});
let h: Harness;
let calendly: CalendlyFake;
let google: GoogleFake;
let zoho: ZohoFake;
let microsoft: MicrosoftFake;
beforeEach(() => {
  h = harness();
  [calendly, google, zoho, , microsoft] = h.extra as [CalendlyFake, GoogleFake, ZohoFake, Fake, MicrosoftFake];
  // One zone for every fake, so that their hours overlap plainly: 9:00-17:00 in Zoho, 8:00-18:00 in Calendly.
  zoho.state.workspaceTimezone = 'America/New_York';
});

const zone = 'America/New_York';
const day = futureDate(20);
const at = (time: string, date = day) => DateTime.fromISO(`${date}T${time}`, { zone });
const utc = (time: string, date = day) => at(time, date).toUTC().toISO({ suppressMilliseconds: true }) ?? '';

const connect = {
  zoom: () => h.connectZoom(),
  calendly: () => h.connect('calendly', ['--token-stdin'], `${calendly.state.token}\n`),
  google: () =>
    h.connect(
      'google',
      ['--client-id', google.state.clientId, '--client-secret-stdin', '--refresh-token-stdin'],
      `${google.state.clientSecret}\n${google.state.refreshToken}\n`,
    ),
  zoho: () =>
    h.connect(
      'zoho',
      [
        ...['--client-id', zoho.state.clientId, '--client-secret-stdin', '--refresh-token-stdin'],
        ...['--service', 'Intro call', '--staff', 'Ann Smith', '--time-zone', zone],
      ],
      `${zoho.state.clientSecret}\n${[...zoho.state.refreshTokens][0] ?? ''}\n`,
    ),
  microsoft: () =>
    h.connect(
      'microsoft',
      ['--client-id', microsoft.state.clientId, '--refresh-token-stdin'],
      `${microsoft.state.refreshToken ?? ''}\n`,
    ),
};

interface Output {
  timezone: string;
  complete: boolean;
  more: boolean;
  slots: Array<{ booking_date: string; booking_time: string; start: string; end: string; providers: string[] }>;
  providers: Array<{
    provider: string;
    status: string;
    role?: string;
    count?: number;
    note?: string;
    reason?: string;
    error?: { code: string; message: string };
    remedy?: string;
  }>;
}

async function find(args: Record<string, unknown>) {
  const result = await h.client.callTool({
    name: 'find_available_slots',
    arguments: { date_from: day, date_to: day, timezone: zone, ...args },
  });
  const text = (result.content as Array<{ text: string }>)[0]?.text ?? '';
  return { isError: result.isError === true, output: result.structuredContent as Output, text };
}
/** The last Sunday of `month` in `zone` that is at least a day ahead (when Europe changes its clocks). */
function lastSunday(month: number, zone: string): string {
  const soonest = DateTime.now().setZone(zone).plus({ days: 1 });
  for (const year of [soonest.year, soonest.year + 1]) {
    const end = DateTime.fromObject({ year, month, day: 1 }, { zone }).endOf('month').startOf('day');
    const sunday = end.minus({ days: end.weekday % 7 });
    if (sunday > soonest) return sunday.toISODate() ?? '';
  }
  throw new Error('unreachable: a month comes round within two years');
}
const times = (output: Output) => output.slots.map((s) => s.booking_time);
const entry = (output: Output, id: string) => output.providers.find((p) => p.provider === id);

describe('find_available_slots', () => {
  it('lists the tool as read-only, with an output schema', async () => {
    const { tools } = await h.client.listTools();
    const tool = tools.find((t) => t.name === 'find_available_slots');
    expect(tool?.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: true });
    expect(tool?.outputSchema).toBeDefined();
    expect(tool?.inputSchema.required).toEqual(['date_from', 'date_to']);
  });

  it("Google alone: a 15-minute grid without the host's busy blocks, as book_meeting takes it", async () => {
    await connect.google();
    google.state.busy.push({ calendarId: 'owner@acme.test', start: utc('10:00'), end: utc('11:00') });
    const { output, isError, text } = await find({
      earliest_time: '09:30',
      latest_time: '12:00',
      providers: ['google'],
    });
    expect(isError).toBe(false);
    expect(times(output)).toEqual(['09:30', '11:00', '11:15', '11:30']);
    expect(output.slots[0]).toEqual({
      booking_date: day,
      booking_time: '09:30',
      start: at('09:30').toISO({ suppressMilliseconds: true }),
      end: at('10:00').toISO({ suppressMilliseconds: true }),
      providers: ['google'],
    });
    expect(output).toMatchObject({ timezone: zone, complete: true, more: false });
    expect(entry(output, 'google')).toEqual({ provider: 'google', status: 'checked', role: 'calendar', count: 1 });
    // Google was asked about the whole day, in UTC, for the connected calendar.
    expect(google.state.freeBusyRequests).toEqual([
      {
        timeMin: utc('00:00'),
        timeMax: utc('00:00', at('00:00').plus({ days: 1 }).toISODate() ?? ''),
        items: [{ id: 'primary' }],
      },
    ]);
    expect(text).toContain('09:30, 11:00, 11:15, 11:30');
  });

  it("Zoom alone: the host's scheduled meetings and each occurrence of a recurring one are busy", async () => {
    await h.connectZoom();
    h.zoom.addMeeting({ start: utc('09:00'), minutes: 45 });
    h.zoom.addMeeting({
      start: utc('11:00'),
      minutes: 30,
      occurrences: [utc('11:00', futureDate(13)), utc('11:00'), utc('11:00', futureDate(27))],
    });
    const { output } = await find({ earliest_time: '09:00', latest_time: '12:00', providers: ['zoom'] });
    expect(times(output)).toEqual(['09:45', '10:00', '10:15', '10:30', '11:30']);
    expect(entry(output, 'zoom')).toMatchObject({ status: 'checked', role: 'calendar', count: 2 });
  });

  it('Calendly alone: only the starts its event type of that length offers', async () => {
    await connect.calendly();
    calendly.state.busy.add(utc('09:00').replace('.000', ''));
    const { output } = await find({ earliest_time: '08:00', latest_time: '10:30', providers: ['calendly'] });
    expect(times(output)).toEqual(['08:00', '08:30', '09:30', '10:00']);
    expect(entry(output, 'calendly')).toMatchObject({ status: 'checked', role: 'booking_page' });
    expect(entry(output, 'calendly')?.note).toContain('Intro call');
    // A length no event type has is a failure with the fix, never an empty (all busy) answer.
    const odd = await find({ duration_minutes: 20, providers: ['calendly'] });
    expect(odd.isError).toBe(true);
    expect(entry(odd.output, 'calendly')).toMatchObject({ status: 'failed', error: { code: 'invalid_input' } });
    expect(entry(odd.output, 'calendly')?.remedy).toContain('duration_minutes');
  });

  it("Zoho alone: the staff member's open times, one request per day, a few at once", async () => {
    await connect.zoho();
    zoho.state.slotRequests.delayMs = 30;
    const last = futureDate(29);
    const { output } = await find({ date_to: last, latest_time: '10:00', providers: ['zoho'], max_results: 50 });
    expect(times(output).slice(0, 2)).toEqual(['09:00', '09:30']);
    expect(output.slots).toHaveLength(20);
    expect(output.slots.at(-1)?.booking_date).toBe(last);
    const days = zoho.state.apiCalls.filter((c) => c.startsWith('GET availableslots'));
    expect(days).toHaveLength(10);
    expect(zoho.state.slotRequests.maxInFlight).toBe(8);
    const first = DateTime.fromISO(day);
    expect(days[0]).toContain(
      `selected_date=${first.toFormat('dd')}-${first.toFormat('LLL')}-${first.toFormat('yyyy')}`,
    );
    // Its count is every open start of the days asked (9:00 to 16:30), before the daily window.
    expect(entry(output, 'zoho')).toMatchObject({ status: 'checked', role: 'booking_page', count: 160 });
  });

  it('all five together: a slot only where every one allows it, and a booking makes its time busy', async () => {
    for (const id of ['zoom', 'calendly', 'google', 'zoho', 'microsoft'] as const) await connect[id]();
    google.state.busy.push({ calendarId: 'owner@acme.test', start: utc('09:00'), end: utc('09:30') });
    h.zoom.addMeeting({ start: utc('10:00'), minutes: 30 });
    calendly.state.busy.add(utc('11:00').replace('.000', ''));
    microsoft.state.busy.push({ start: utc('12:00'), end: utc('12:30') });
    const { output, text } = await find({ latest_time: '12:30' });
    // Zoho opens at 9:00 (Calendly at 8:00); Google is busy 9:00, Zoom 10:00, Calendly 11:00, Outlook 12:00.
    expect(times(output)).toEqual(['09:30', '10:30', '11:30']);
    expect(output.slots[0]?.providers).toEqual(['zoom', 'calendly', 'google', 'zoho', 'microsoft']);
    expect(output.complete).toBe(true);
    expect(output.providers.map((p) => `${p.provider}:${p.status}:${p.role ?? ''}`)).toEqual([
      'zoom:checked:calendar',
      'calendly:checked:booking_page',
      'google:checked:calendar',
      'zoho:checked:booking_page',
      'microsoft:checked:calendar',
    ]);
    expect(text).toContain('in Zoom, Calendly, Google Calendar, Zoho Bookings, Microsoft 365');

    await h.connectResend();
    const booked = await h.client.callTool({
      name: 'book_meeting',
      arguments: {
        customer_name: 'Ada Lovelace',
        customer_email: 'ada@example.com',
        customer_phone: '+14155550123',
        booking_date: day,
        booking_time: '10:30',
        timezone: zone,
      },
    });
    expect((booked.structuredContent as { status: string }).status).toBe('booked');
    expect(times((await find({ latest_time: '12:30' })).output)).toEqual(['09:30', '11:30']);
  });

  it('a provider failing or hanging is marked failed with the fix, while the others answer', async () => {
    for (const id of ['zoom', 'google'] as const) await connect[id]();
    google.state.faults.inject('freeBusy', { ...googleFault('backendError'), times: 5 });
    const failed = await find({ latest_time: '10:00' });
    expect(failed.isError).toBe(false);
    expect(failed.output.complete).toBe(false);
    expect(entry(failed.output, 'zoom')).toMatchObject({ status: 'checked' });
    expect(entry(failed.output, 'google')).toMatchObject({ status: 'failed', error: { code: 'provider_unavailable' } });
    expect(entry(failed.output, 'google')?.remedy).toBeTruthy();
    expect(failed.output.slots[0]?.providers).toEqual(['zoom']);
    expect(failed.text).toContain('Google Calendar was not consulted');
    expect(failed.text).toContain('These slots do not account for the providers not consulted.');

    google.state.faults.clear();
    h.zoom.state.faults.inject('listMeetings', { status: 200, delayMs: 5000 });
    const hung = await find({ latest_time: '10:00' });
    expect(entry(hung.output, 'zoom')).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    expect(entry(hung.output, 'google')).toMatchObject({ status: 'checked' });
    expect(hung.output.slots[0]?.providers).toEqual(['google']);
  });

  it('splits a range longer than Calendly allows into requests asked at once', async () => {
    await connect.calendly();
    const last = futureDate(34);
    const { output } = await find({
      date_to: last,
      earliest_time: '08:00',
      latest_time: '08:30',
      providers: ['calendly'],
      max_results: 50,
    });
    expect(output.slots).toHaveLength(15);
    const asked = calendly.state.calls.filter((c) => c.startsWith('GET /event_type_available_times'));
    // 15 days at 7 a request (ALSATALK_CALENDLY_AVAILABLE_TIMES_DAYS, Calendly's old limit): 7 + 7 + 1.
    expect(asked).toHaveLength(3);
    const ranges = asked
      .map((c) => {
        const q = new URL(`https://x${c.slice(c.indexOf(' ') + 1)}`).searchParams;
        return [q.get('start_time') ?? '', q.get('end_time') ?? ''];
      })
      .sort((a, b) => Date.parse(a[0] ?? '') - Date.parse(b[0] ?? ''));
    expect(ranges[0]?.[0]).toBe(utc('00:00'));
    expect(ranges[0]?.[1]).toBe(ranges[1]?.[0]);
    expect(ranges[1]?.[1]).toBe(ranges[2]?.[0]);
  });

  it('says which providers are not connected, and is an error when none could be asked', async () => {
    await connect.google();
    const partial = await find({ latest_time: '10:00' });
    expect(partial.output.complete).toBe(false);
    expect(entry(partial.output, 'zoom')).toMatchObject({
      status: 'not_connected',
      remedy: expect.stringContaining('npx alsatalk-mcp connect zoom'),
    });
    const none = await find({ providers: ['calendly', 'zoho'] });
    expect(none.isError).toBe(true);
    expect(none.output.slots).toEqual([]);
    expect(none.text).toContain('No provider could be asked');
    expect(none.text).toContain('npx alsatalk-mcp connect calendly');
  });

  it('on the days the clocks change, only times book_meeting books exactly: New York in spring, Berlin in autumn', async () => {
    await connect.google();
    const spring = nextSunday(3, 2, 'America/New_York');
    const ny = await find({
      date_from: spring,
      date_to: spring,
      earliest_time: '01:00',
      latest_time: '03:30',
      providers: ['google'],
    });
    // 02:00 to 03:00 does not exist that night, and 01:30 and 01:45 would end inside it.
    expect(times(ny.output)).toEqual(['01:00', '01:15', '03:00']);
    expect(ny.output.slots.map((s) => s.start.slice(-6))).toEqual(['-05:00', '-05:00', '-04:00']);

    const autumn = lastSunday(10, 'Europe/Berlin');
    const berlin = await find({
      date_from: autumn,
      date_to: autumn,
      timezone: 'Europe/Berlin',
      earliest_time: '02:00',
      latest_time: '03:00',
      providers: ['google'],
    });
    // 02:00 to 03:00 happens twice: offered once, as its first (summer) reading, the one book_meeting books.
    expect(berlin.output.slots.map((s) => [s.booking_time, s.start.slice(-6)])).toEqual([
      ['02:00', '+02:00'],
      ['02:15', '+02:00'],
      ['02:30', '+02:00'],
    ]);
    await h.connectResend();
    const booked = await h.client.callTool({
      name: 'book_meeting',
      arguments: {
        customer_name: 'Ada Lovelace',
        customer_email: 'ada@example.com',
        booking_date: autumn,
        booking_time: '02:30',
        timezone: 'Europe/Berlin',
        providers: ['google'],
      },
    });
    expect((booked.structuredContent as { meeting: { start: string } }).meeting.start).toBe(
      berlin.output.slots[2]?.start,
    );
  });

  it('refuses a past day, a range over 14 days and a bad window, naming the field', async () => {
    const past = await find({ date_from: '2020-01-01', date_to: '2020-01-02' });
    expect(past).toMatchObject({ isError: true });
    expect(past.text).toContain('date_from');
    const long = await find({ date_to: futureDate(35) });
    expect(long.text).toMatch(/date_to.*at most 14 days/);
    const window = await find({ earliest_time: '17:00', latest_time: '09:00' });
    expect(window.text).toContain('latest_time');
    const badTime = await find({ earliest_time: '9am' });
    expect(badTime.text).toContain('earliest_time');
  });
});
