// Microsoft 365 through the real connect command and a real MCP Client: the identity platform's sign-in (public client,
// PKCE on a localhost redirect, rotating refresh tokens) and Outlook events with a Teams meeting in Microsoft Graph;
// msw plays Microsoft (and Zoom, Resend) at the network edge, as Microsoft documents its answers and errors.
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { secretAccount } from '../../../src/connections/connections.js';
import { microsoft } from '../../../src/providers/microsoft/manifest.js';
import { createMicrosoftFake, graphThrottle, type MicrosoftFake } from '../../../src/sandbox/fakes/microsoft.js';
import { futureDate, nextSunday } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [microsoft], extra: () => [createMicrosoftFake()] });
let h: Harness;
let ms: MicrosoftFake;
beforeEach(() => {
  h = harness();
  [ms] = h.extra as [MicrosoftFake];
});

const connect = (more: string[] = []) => h.connect('microsoft', ['--client-id', ms.state.clientId, ...more]);
const storedRefreshToken = () => h.ctx.secrets.get(secretAccount('microsoft', 'refresh_token'));

interface Entry {
  provider: string;
  status: string;
  meeting_id?: string;
  join_url?: string;
  note?: string;
  links?: Array<{ label: string; url: string }>;
  host_links?: Array<{ label: string; url: string }>;
  error?: { code: string; message: string };
  remedy?: string;
}
interface Output {
  booking_id: string;
  status: string;
  providers: Entry[];
}

const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  booking_date: futureDate(30),
  booking_time: '15:30',
  timezone: 'Europe/Berlin',
};

async function book(extra: Record<string, unknown> = {}) {
  const result = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, ...extra } });
  const output = result.structuredContent as Output;
  return { output, entry: output.providers[0], text: (result.content as Array<{ text: string }>)[0]?.text ?? '' };
}

/** The events Graph holds that are not deleted or cancelled. */
const held = () => ms.state.events.filter((e) => !e.deleted && !e.cancelled);

describe('connect microsoft', () => {
  it('signs in on a localhost redirect with PKCE, asks for exactly the scopes it needs, and stores only the refresh token', async () => {
    await connect();
    const [query] = ms.state.requests.authorize;
    expect(query?.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/callback$/);
    expect(query?.get('code_challenge_method')).toBe('S256');
    expect(query?.get('scope')?.split(' ').sort()).toEqual([
      'https://graph.microsoft.com/Calendars.ReadWrite',
      'https://graph.microsoft.com/User.Read',
      'offline_access',
    ]);
    expect(h.output.join('\n')).toContain(`Connected Microsoft 365 as ${ms.state.user.mail}`);
    expect(h.ctx.connections.get('microsoft')?.settings).toMatchObject({
      clientId: ms.state.clientId,
      tenant: 'common',
      noTeams: false,
      inviteAttendee: false,
    });
    expect(await storedRefreshToken()).toBe(ms.state.refreshToken);
    expect(h.output.join('\n')).not.toContain(ms.state.refreshToken ?? 'missing');
  });

  it('a refresh token piped in is replaced by the one Microsoft answers with, which is what is stored', async () => {
    const given = ms.state.refreshToken ?? '';
    await h.connect('microsoft', ['--client-id', ms.state.clientId, '--refresh-token-stdin'], `${given}\n`);
    const stored = await storedRefreshToken();
    expect(stored).toBe(ms.state.refreshToken);
    expect(stored).not.toBe(given);
  });

  it('refuses a calendar that does not allow Teams, with the fix; --no-teams connects it for Outlook events alone', async () => {
    for (const calendar of ms.state.calendars) {
      calendar.allowedOnlineMeetingProviders = ['skypeForConsumer'];
      calendar.defaultOnlineMeetingProvider = 'skypeForConsumer';
    }
    await expect(connect()).rejects.toMatchObject({
      code: 'permission_denied',
      message: expect.stringContaining('does not allow Microsoft Teams meetings (it allows: skypeForConsumer)'),
      hint: expect.stringContaining('--no-teams'),
    });
    expect(h.ctx.connections.get('microsoft')).toBeUndefined();

    await connect(['--no-teams']);
    const { entry } = await book();
    expect(entry).toMatchObject({ provider: 'microsoft', status: 'booked' });
    expect(entry?.join_url).toBeUndefined();
    expect(entry?.note).toBeUndefined();
    expect(held()[0]?.body.isOnlineMeeting).toBeUndefined();
  });

  it('a personal account through --tenant organizations is refused with the tenant to use; consumers works', async () => {
    ms.state.accountKind = 'personal';
    // In the browser, Microsoft's own page refuses it (no redirect comes back; the person reads AADSTS500208 there).
    await expect(connect(['--tenant', 'organizations'])).rejects.toThrow(/AADSTS500208/);
    expect(h.ctx.connections.get('microsoft')).toBeUndefined();
    // A refresh token of that account sent to the organizations endpoint: refused with the tenant to use.
    const token = ms.state.refreshToken ?? '';
    await expect(
      h.connect(
        'microsoft',
        ['--client-id', ms.state.clientId, '--tenant', 'organizations', '--refresh-token-stdin'],
        `${token}\n`,
      ),
    ).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('AADSTS500208'),
      hint: expect.stringContaining('consumers for a personal one'),
    });
    expect(h.ctx.connections.get('microsoft')).toBeUndefined();
    await connect(['--tenant', 'consumers']);
    expect(h.ctx.connections.get('microsoft')?.settings).toMatchObject({ tenant: 'consumers' });
  });

  it('disconnect says Microsoft has no revocation for this flow and where to remove the app, then forgets the tokens', async () => {
    await connect();
    await h.disconnect('microsoft');
    const said = h.output.join('\n');
    expect(said).toContain('Microsoft offers no way for an app to revoke its own refresh token');
    expect(said).toContain('https://myapps.microsoft.com');
    expect(said).toContain('https://account.live.com/consent/Manage');
    expect(await storedRefreshToken()).toBeNull();
    expect(h.ctx.connections.get('microsoft')).toBeUndefined();
    expect(ms.state.calls.token).toBe(1); // the sign-in's exchange only: nothing was sent to revoke
  });

  it('refuses a tenant that is not one, naming the field', async () => {
    await expect(connect(['--tenant', 'not a tenant'])).rejects.toMatchObject({
      field: '--tenant',
      message: expect.stringContaining('is not a tenant'),
    });
  });
});

describe('book in Microsoft 365', () => {
  it('books an Outlook event with a Teams meeting: UTC times, a transactionId, our booking id, no attendee', async () => {
    await connect();
    await h.connectResend();
    const { output, entry, text } = await book();
    expect(output.status).toBe('booked');
    const [event] = held();
    expect(entry).toMatchObject({
      provider: 'microsoft',
      status: 'booked',
      meeting_id: event?.event.id,
      join_url: event?.meeting?.joinUrl,
    });
    expect(entry?.host_links?.[0]?.url).toBe(event?.event.webLink);
    const start = DateTime.fromISO(`${args.booking_date}T${args.booking_time}`, { zone: args.timezone }).toUTC();
    expect(event?.body).toMatchObject({
      subject: expect.any(String),
      start: { dateTime: start.toFormat("yyyy-MM-dd'T'HH:mm:ss"), timeZone: 'UTC' },
      end: { dateTime: start.plus({ minutes: 30 }).toFormat("yyyy-MM-dd'T'HH:mm:ss"), timeZone: 'UTC' },
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      transactionId: output.booking_id,
    });
    expect(event?.body.attendees).toBeUndefined();
    expect(event?.extendedProperties).toEqual([
      { id: expect.stringMatching(/ Name alsatalkBookingId$/), value: output.booking_id },
    ]);
    expect(text).toContain(event?.meeting?.joinUrl ?? 'missing');
    // The invitee's e-mail carries the Teams link.
    expect(h.resend.state.emails[0]?.payload.text).toContain(event?.meeting?.joinUrl ?? 'missing');
  });

  it('--invite-attendee adds the invitee, so Outlook sends its own invitation too', async () => {
    await connect(['--invite-attendee']);
    await book();
    expect(held()[0]?.body.attendees).toEqual([
      { emailAddress: { address: 'ada@example.com', name: 'Ada Lovelace' }, type: 'required' },
    ]);
  });

  it('a Teams link Graph adds after the create: the event is read again and the link is in the result', async () => {
    await connect();
    ms.state.joinUrl = 'later';
    ms.state.readyAtRead = 2;
    const { entry } = await book();
    expect(entry?.join_url).toBe(held()[0]?.meeting?.joinUrl);
    expect(ms.state.calls.getEvent).toBe(2);
  });

  it('a Teams link that never comes: booked, and the note says so honestly', async () => {
    await connect();
    ms.state.joinUrl = 'never';
    const { entry, output } = await book();
    expect(output.status).toBe('booked');
    expect(entry?.join_url).toBeUndefined();
    expect(entry?.note).toContain('Booked without a Teams link');
    expect(held()).toHaveLength(1);
  });

  it('a create sent again (its first answer a 503 after Graph made it) makes one event: the transactionId', async () => {
    await connect();
    ms.state.faults.inject('createEvent', {
      status: 503,
      afterWork: true,
      body: { error: { code: 'ServiceUnavailable', message: 'Service Unavailable' } },
    });
    const { output } = await book();
    expect(output.status).toBe('booked');
    expect(ms.state.calls.createEvent).toBe(2);
    expect(held()).toHaveLength(1);
  });

  it('answers lost past every retry: the repeat finds the event by our booking id and books nothing twice', async () => {
    await connect();
    ms.state.faults.inject('createEvent', { status: 201, lost: true, times: 10 });
    const first = await book();
    expect(first.entry).toMatchObject({ status: 'failed' });
    expect(held()).toHaveLength(1);
    ms.state.faults.clear();
    const again = await book();
    expect(again.entry).toMatchObject({ status: 'booked', meeting_id: held()[0]?.event.id });
    expect(held()).toHaveLength(1);
    expect(ms.state.requests.listEvents.length).toBeGreaterThan(0);
  });

  it('an expired access token: 401, one refresh (the rotated refresh token saved), and the event is made', async () => {
    await connect();
    await book({ booking_time: '09:00' });
    const before = await storedRefreshToken();
    ms.expireAccessTokens();
    const { entry } = await book({ booking_time: '11:00' });
    expect(entry?.status).toBe('booked');
    const after = await storedRefreshToken();
    expect(after).toBe(ms.state.refreshToken);
    expect(after).not.toBe(before);
    expect(held()).toHaveLength(2);
  });

  it('429 with a fractional Retry-After: waited out, then one event', async () => {
    await connect();
    ms.state.faults.inject('createEvent', graphThrottle('0.5', 1));
    const { entry } = await book();
    expect(entry?.status).toBe('booked');
    expect(ms.state.calls.createEvent).toBe(2);
    expect(held()).toHaveLength(1);
  });

  it("a refresh token Microsoft no longer takes (the app's access removed): sign in again, with the command; then needs_reauth", async () => {
    await connect();
    const stored = await storedRefreshToken();
    ms.revoke();
    const { entry, text } = await book();
    const command = `npx alsatalk-mcp connect microsoft --client-id ${ms.state.clientId}`;
    expect(entry).toMatchObject({ provider: 'microsoft', status: 'failed', error: { code: 'auth_failed' } });
    expect(entry?.error?.message).toContain('AADSTS');
    expect(text).toContain(command);
    expect(await storedRefreshToken()).toBe(stored);
    const next = await book({ booking_time: '11:00' });
    expect(next.entry).toMatchObject({ status: 'needs_reauth', remedy: expect.stringContaining(command) });
  });

  it.each([
    ['America/New_York', nextSunday(3, 2, 'America/New_York'), '09:00'],
    ['Europe/Berlin', nextSunday(3, 5, 'Europe/Berlin'), '10:00'],
    ['Asia/Kolkata', futureDate(33), '18:45'],
  ])('the event is at the exact instant in %s (%s %s, DST days included)', async (zone, date, time) => {
    await connect();
    await book({ timezone: zone, booking_date: date, booking_time: time });
    const expected = DateTime.fromISO(`${date}T${time}`, { zone }).toUTC();
    expect(Date.parse(held()[0]?.startUtc ?? '')).toBe(expected.toMillis());
    expect(Date.parse(held()[0]?.endUtc ?? '')).toBe(expected.plus({ minutes: 30 }).toMillis());
  });
});

describe('move, cancel and the conflict check in Microsoft 365', () => {
  const nextDay = futureDate(31);
  const change = async (name: 'reschedule_booking' | 'cancel_booking', args: Record<string, unknown>) =>
    (await h.client.callTool({ name, arguments: args })).structuredContent as {
      status: string;
      providers: Entry[];
    };

  it('a move patches only start and end: the same event, the same Teams link, at the new instant', async () => {
    await connect();
    const { output } = await book();
    const [event] = held();
    const moved = await change('reschedule_booking', {
      booking_id: output.booking_id,
      booking_date: nextDay,
      booking_time: '09:15',
    });
    expect(moved.status).toBe('rescheduled');
    expect(moved.providers[0]).toMatchObject({
      status: 'moved',
      meeting_id: event?.event.id,
      join_url: event?.meeting?.joinUrl,
    });
    const start = DateTime.fromISO(`${nextDay}T09:15`, { zone: args.timezone }).toUTC();
    expect(ms.state.requests.updateEvent).toEqual([
      {
        eventId: event?.event.id,
        body: {
          start: { dateTime: start.toFormat("yyyy-MM-dd'T'HH:mm:ss"), timeZone: 'UTC' },
          end: { dateTime: start.plus({ minutes: 30 }).toFormat("yyyy-MM-dd'T'HH:mm:ss"), timeZone: 'UTC' },
        },
      },
    ]);
    expect(held()).toHaveLength(1);
    expect(Date.parse(held()[0]?.startUtc ?? '')).toBe(start.toMillis());
    expect(held()[0]?.meeting?.joinUrl).toBe(event?.meeting?.joinUrl);
  });

  it('a cancel deletes the event; one deleted already counts as done', async () => {
    await connect();
    const first = await book();
    const cancelled = await change('cancel_booking', { booking_id: first.output.booking_id });
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      providers: [{ provider: 'microsoft', status: 'cancelled' }],
    });
    expect(ms.state.requests.deleteEvent).toHaveLength(1);
    expect(held()).toEqual([]);

    const second = await book({ booking_time: '16:30' });
    for (const e of ms.state.events) e.deleted = true;
    const gone = await change('cancel_booking', { booking_id: second.output.booking_id });
    expect(gone.providers[0]).toMatchObject({ status: 'already_gone' });
  });

  it('with --invite-attendee, a cancel is the organizer’s cancel with the reason, so Outlook tells the invitee', async () => {
    await connect(['--invite-attendee']);
    const { output } = await book();
    await change('cancel_booking', { booking_id: output.booking_id, reason: 'Ada is travelling.' });
    expect(ms.state.requests.cancelEvent).toEqual([
      { eventId: expect.any(String), body: { comment: 'Ada is travelling.' } },
    ]);
    expect(ms.state.requests.deleteEvent).toEqual([]);
  });

  it('the host busy in Outlook (calendarView) is a conflict: nothing is booked, free times are offered', async () => {
    await connect();
    const start = DateTime.fromISO(`${args.booking_date}T${args.booking_time}`, { zone: args.timezone }).toUTC();
    ms.state.busy.push({ start: start.toISO() ?? '', end: start.plus({ hours: 1 }).toISO() ?? '' });
    const { output } = await book();
    expect(output.status).toBe('conflict');
    expect(held()).toEqual([]);
    expect(ms.state.requests.calendarView.length).toBeGreaterThan(0);
  });
});
