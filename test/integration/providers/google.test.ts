// Google Calendar through the real connect command and a real MCP Client; msw plays Google (and Resend) at the network edge.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { google } from '../../../src/providers/google/manifest.js';
import { runConnect } from '../../../src/commands/connect.js';
import { secretAccount } from '../../../src/connections/connections.js';
import { createGoogleFake, googleApiError, googleFault, type GoogleFake } from '../../../src/sandbox/fakes/google.js';
import { futureDate } from '../../support/dates.js';
import { followSignIn, useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [google], extra: () => [createGoogleFake()] });
let h: Harness;
let g: GoogleFake;
beforeEach(() => {
  h = harness();
  g = h.extra[0] as GoogleFake;
});

const stdin = (secret = g.state.clientSecret, refresh = g.state.refreshToken) => `${secret}\n${refresh}\n`;
const connectGoogle = (more: string[] = [], input = stdin()) =>
  h.connect(
    'google',
    ['--client-id', g.state.clientId, '--client-secret-stdin', '--refresh-token-stdin', ...more],
    input,
  );
const storedSecrets = async () => [
  await h.ctx.secrets.get(secretAccount('google', 'client_secret')),
  await h.ctx.secrets.get(secretAccount('google', 'refresh_token')),
];

const date = futureDate(40);
const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  booking_date: date,
  booking_time: '09:15',
  timezone: 'Asia/Kolkata',
};

interface Output {
  booking_id: string | null;
  notes?: string[];
  status: string;
  providers: Array<{
    provider: string;
    status: string;
    meeting_id?: string;
    join_url?: string;
    links?: Array<{ label: string; url: string }>;
    host_links?: Array<{ label: string; url: string }>;
    note?: string;
    error?: { code: string; message: string };
    remedy?: string;
  }>;
  email: { status: string };
}

async function book(extra: Record<string, unknown> = {}) {
  const result = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, ...extra } });
  const output = result.structuredContent as Output;
  return {
    result,
    output,
    entry: output.providers[0],
    text: (result.content as Array<{ text: string }>)[0]?.text ?? '',
  };
}

describe('connect google', () => {
  it('exchanges the refresh token, reads the calendar, keeps both secrets in the secret store and the settings in SQLite', async () => {
    await connectGoogle();
    expect(h.output.join('\n')).toContain('Connected Google Calendar as owner@acme.test.');
    expect(await storedSecrets()).toEqual([g.state.clientSecret, g.state.refreshToken]);
    const connection = h.ctx.connections.get('google');
    expect(connection).toMatchObject({
      account: 'owner@acme.test',
      settings: { clientId: g.state.clientId, calendarId: 'primary', sendUpdates: 'none' },
    });
    expect(JSON.stringify(connection)).not.toContain(g.state.clientSecret);
    expect(JSON.stringify(connection)).not.toContain(g.state.refreshToken);
    expect(h.output.some((l) => l.startsWith('Note:'))).toBe(false);
  });

  it('takes another calendar and Google invitations, and says Google will e-mail too', async () => {
    await connectGoogle(['--calendar', 'team@group.calendar.google.com', '--send-updates', 'externalOnly']);
    expect(h.ctx.connections.get('google')).toMatchObject({
      account: 'team@group.calendar.google.com',
      settings: { calendarId: 'team@group.calendar.google.com', sendUpdates: 'externalOnly' },
    });
    expect(h.output.join('\n')).toMatch(
      /Note: Google will also e-mail its own invitation \(--send-updates externalOnly\) to an invitee who does not use Google Calendar, besides ours\. Google's invitations to guests outside your domain count against Calendar's sending limit/,
    );
  });

  it.each([
    [
      'a wrong client secret',
      () => stdin('GOCSPX-wrong'),
      'Google refused the OAuth client: Unauthorized (invalid_client)',
      /check the OAuth client id and secret/,
    ],
    [
      'a revoked refresh token',
      () => stdin(undefined, '1//0g-revoked'),
      'Google refused the refresh token: Token has been expired or revoked. (invalid_grant)',
      /expire after 7 days/,
    ],
  ])('refuses %s, names the cause, and stores nothing', async (_label, input, message, hint) => {
    const error: unknown = await connectGoogle([], input()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'auth_failed', message, hint: expect.stringMatching(hint) });
    expect((error as { hint: string }).hint).toContain('then reconnect: npx alsatalk-mcp connect google');
    expect(h.ctx.connections.get('google')).toBeUndefined();
    expect(await storedSecrets()).toEqual([null, null]);
  });

  it('refuses an unknown client id', async () => {
    await expect(
      h.connect(
        'google',
        ['--client-id', 'nobody.apps.googleusercontent.com', '--client-secret-stdin', '--refresh-token-stdin'],
        stdin(),
      ),
    ).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('The OAuth client was not found.'),
    });
    expect(h.ctx.connections.get('google')).toBeUndefined();
  });

  it('refuses a refresh token that may not create events', async () => {
    g.state.scope = 'https://www.googleapis.com/auth/calendar.readonly';
    await expect(connectGoogle()).rejects.toMatchObject({
      code: 'permission_denied',
      hint: expect.stringContaining('https://www.googleapis.com/auth/calendar.events'),
    });
    expect(h.ctx.connections.get('google')).toBeUndefined();
  });

  it('refuses a calendar that does not allow Google Meet', async () => {
    g.state.calendars[0]!.allowedConferenceSolutionTypes = ['eventNamedHangout'];
    await expect(connectGoogle()).rejects.toMatchObject({
      code: 'permission_denied',
      message: 'calendar "owner@acme.test" does not allow Google Meet (it allows: eventNamedHangout)',
      hint: expect.stringContaining('npx alsatalk-mcp connect google --calendar'),
    });
    expect(h.ctx.connections.get('google')).toBeUndefined();
  });

  it('refuses a calendar the account cannot see, naming the flag', async () => {
    await expect(connectGoogle(['--calendar', 'ghost@group.calendar.google.com'])).rejects.toMatchObject({
      field: '--calendar',
    });
    expect(h.ctx.connections.get('google')).toBeUndefined();
  });

  it('still connects when the token may not read calendar settings, and says what was not checked', async () => {
    g.state.scope = 'https://www.googleapis.com/auth/calendar.events';
    await connectGoogle();
    expect(h.ctx.connections.get('google')?.account).toBe('primary');
    expect(h.output.join('\n')).toMatch(
      /Note: Could not read calendar "primary" .*insufficient authentication scopes.*Google Meet was not checked/,
    );
  });

  it.each([
    ['rateLimitExceeded', /^Google is rate-limiting this account: connect again in a minute$/],
    ['dailyLimitExceeded', /daily Calendar API quota: retry this provider tomorrow/],
  ] as const)(
    'refuses a 403 %s on reading the calendar with how long to wait, and stores nothing',
    async (reason, hint) => {
      g.state.faults.inject('getCalendar', googleFault(reason));
      await expect(connectGoogle()).rejects.toMatchObject({ code: 'rate_limited', hint: expect.stringMatching(hint) });
      expect(h.ctx.connections.get('google')).toBeUndefined();
    },
  );

  it('refuses an unknown --send-updates before calling Google', async () => {
    await expect(connectGoogle(['--send-updates', 'everyone'])).rejects.toMatchObject({
      field: '--send-updates',
      hint: expect.stringContaining('externalOnly'),
    });
    expect(g.state.tokenRequests).toBe(0);
  });

  it('needs both secrets on stdin, one per line', async () => {
    const attempt = runConnect(
      h.ctx,
      ['google', '--client-id', g.state.clientId, '--client-secret-stdin', '--refresh-token-stdin'],
      { out: () => undefined, stdin: Readable.from([g.state.clientSecret]) },
      h.registry,
    );
    await expect(attempt).rejects.toMatchObject({ field: 'stdin' });
    expect(g.state.tokenRequests).toBe(0);
  });
});

describe('booking in Google Calendar', () => {
  beforeEach(async () => {
    await connectGoogle();
    await h.connectResend();
  });

  it('creates the event at the exact instant and zone, with the invitee and a Meet link, and e-mails the Meet link', async () => {
    const { result, output, entry, text } = await book({ duration_minutes: 45, topic: 'Intro call' });
    expect(result.isError).toBeFalsy();
    expect(output.status).toBe('booked');
    const start = DateTime.fromISO(`${date}T09:15`, { zone: 'Asia/Kolkata' });

    expect(g.state.events).toHaveLength(1);
    const [record] = g.state.events;
    expect(record?.query).toEqual({ conferenceDataVersion: '1', sendUpdates: 'none' });
    expect(record?.startUtc).toBe(start.toUTC().toISO({ suppressMilliseconds: true }));
    expect(record?.endUtc).toBe(start.plus({ minutes: 45 }).toUTC().toISO({ suppressMilliseconds: true }));
    expect(record?.body).toMatchObject({
      summary: 'Intro call',
      start: { dateTime: `${date}T09:15:00+05:30`, timeZone: 'Asia/Kolkata' },
      end: { dateTime: `${date}T10:00:00+05:30`, timeZone: 'Asia/Kolkata' },
      attendees: [{ email: 'ada@example.com', displayName: 'Ada Lovelace' }],
      conferenceData: {
        createRequest: { requestId: `alsatalk-${output.booking_id}`, conferenceSolutionKey: { type: 'hangoutsMeet' } },
      },
    });

    const meet = record?.event.hangoutLink as string;
    const htmlLink = record?.event.htmlLink as string;
    expect(meet).toMatch(/^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    expect(entry).toEqual({
      provider: 'google',
      status: 'booked',
      meeting_id: record?.event.id,
      join_url: meet,
      links: [{ label: 'Join Google Meet', url: meet }],
      host_links: [{ label: 'Open in Google Calendar', url: htmlLink }],
      confirmation: 'confirmed',
    });
    expect(text).toContain(`google: booked ${meet}`);

    // The invitee gets the Meet link; the host's calendar link stays out of the e-mail.
    const email = h.resend.state.emails[0];
    expect(output.email.status).toBe('sent');
    expect(email?.payload.text).toContain(meet);
    expect(email?.payload.html).toContain(meet);
    expect(`${email?.payload.text}${email?.payload.html}`).not.toContain(htmlLink);
    expect(h.ctx.bookings.get(output.booking_id ?? '')?.results).toEqual([
      expect.objectContaining({ provider: 'google', status: 'booked', externalId: record?.event.id }),
    ]);
  });

  it('books on the connected calendar with the chosen Google invitations', async () => {
    await connectGoogle(['--calendar', 'team@group.calendar.google.com', '--send-updates', 'all']);
    const { entry } = await book();
    expect(entry?.status).toBe('booked');
    expect(g.state.events[0]).toMatchObject({
      calendarId: 'team@group.calendar.google.com',
      query: { conferenceDataVersion: '1', sendUpdates: 'all' },
    });
  });

  it('waits for a Meet link that is still pending, then reports it', async () => {
    g.state.meet = { outcome: 'pending', readyAtRead: 1 };
    const { entry } = await book();
    const [record] = g.state.events;
    expect(record?.reads).toBe(1);
    expect(entry).toMatchObject({
      status: 'booked',
      join_url: record?.event.hangoutLink,
      links: [{ label: 'Join Google Meet', url: record?.event.hangoutLink }],
    });
    expect(entry?.note).toBeUndefined();
  });

  it('stops waiting after a few tries and reports the event booked with a note', async () => {
    g.state.meet = { outcome: 'pending', readyAtRead: Number.POSITIVE_INFINITY };
    const { result, output, entry } = await book();
    expect(result.isError).toBeFalsy();
    expect(output.status).toBe('booked');
    expect(g.state.events[0]?.reads).toBe(3);
    expect(entry).toMatchObject({
      status: 'booked',
      meeting_id: g.state.events[0]?.event.id,
      note: expect.stringMatching(/still creating the Meet link.*open the event in Google Calendar/),
    });
    expect(entry?.join_url).toBeUndefined();
    expect(entry?.host_links?.[0]?.label).toBe('Open in Google Calendar');
  });

  it('reports a Meet creation that failed as booked, with a note', async () => {
    g.state.meet = { outcome: 'failure', readyAtRead: 1 };
    const { entry } = await book();
    expect(entry).toMatchObject({ status: 'booked', note: expect.stringMatching(/could not create a Meet link/) });
    expect(g.state.events[0]?.reads).toBe(0);
  });

  it('fails with the cause and the fix when the calendar no longer allows Google Meet', async () => {
    g.state.calendars[0]!.allowedConferenceSolutionTypes = [];
    const { result, entry } = await book();
    expect(result.isError).toBe(true);
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'provider_rejected',
        message: 'Google Calendar does not allow Google Meet on calendar "primary" (400 Invalid conference type value)',
      },
      remedy: expect.stringMatching(/turn on Google Meet.*npx alsatalk-mcp connect google --calendar/),
    });
    expect(g.state.events).toHaveLength(0);
  });

  it('reports an expired refresh token (invalid_grant) with its cause and the reconnect command', async () => {
    await book();
    g.state.revoked.add(g.state.refreshToken); // 7 days later, in "Testing"
    g.state.tokens.clear(); // and the access token has expired too
    const { result, entry } = await book({ booking_time: '11:00' });
    expect(result.isError).toBe(true);
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'auth_failed',
        message: 'Google refused the refresh token: Token has been expired or revoked. (invalid_grant)',
      },
      remedy: expect.stringMatching(/expired or been revoked.*"Testing".*7 days.*npx alsatalk-mcp connect google$/),
    });
    expect(g.state.events).toHaveLength(1);
  });

  it("reports Google's token endpoint being down as a temporary failure, after retrying the token request", async () => {
    // Three for the conflict check's free/busy (the booking goes ahead without it), three for the booking.
    g.state.faults.inject('token', { status: 503, body: 'Service Unavailable', times: 6 });
    const { entry, output } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: { code: 'provider_unavailable', message: 'Google Calendar answered HTTP 503: Service Unavailable' },
      remedy: expect.stringContaining('retry'),
    });
    expect(g.state.tokenRequests).toBe(7); // connect + three tries for the check + three for the booking
    expect(g.state.events).toHaveLength(0);
    expect(output.notes?.join(' ')).toContain('could not be checked for a conflict');
  });

  it('refreshes the access token once when Google rejects it, and books', async () => {
    await book();
    expect(g.state.tokenRequests).toBe(2); // connect + first booking
    g.state.tokens.clear();
    const { entry } = await book({ booking_time: '11:00' });
    expect(entry?.status).toBe('booked');
    expect(g.state.tokenRequests).toBe(3);
    expect(g.state.events).toHaveLength(2);
  });

  it('shares one access token between concurrent bookings', async () => {
    const outputs = await Promise.all(['09:00', '10:00', '11:00'].map((t) => book({ booking_time: t })));
    expect(outputs.map((o) => o.entry?.status)).toEqual(['booked', 'booked', 'booked']);
    expect(g.state.tokenRequests).toBe(2);
  });

  it.each(['rateLimitExceeded', 'userRateLimitExceeded'] as const)(
    'waits out a 403 %s on the insert, looks for the event, then inserts again: one event, booked',
    async (reason) => {
      g.state.faults.inject('insertEvent', googleFault(reason));
      const { result, entry } = await book();
      expect(result.isError).toBeFalsy();
      expect(entry).toMatchObject({ status: 'booked', meeting_id: g.state.events[0]?.event.id });
      expect(entry?.note).toBeUndefined();
      expect(g.state.events).toHaveLength(1);
      expect(g.state.calls).toMatchObject({ insertEvent: 2, getEvent: 1 });
    },
  );

  it('gives up on a 403 rate limit after three tries, within the time limit, and says when to retry', async () => {
    g.state.faults.inject('insertEvent', { ...googleFault('rateLimitExceeded'), times: 3 });
    const started = Date.now();
    const { entry } = await book();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'rate_limited',
        message: 'Google Calendar answered HTTP 403: Rate Limit Exceeded (rateLimitExceeded)',
      },
      remedy: 'Google Calendar is rate-limiting this account: retry this provider after a minute',
    });
    expect(g.state.calls.insertEvent).toBe(3);
    expect(g.state.events).toHaveLength(0);
  });

  it('never inserts twice after a rate limit, even when Google would not notice the duplicate id', async () => {
    // Google "cannot guarantee that ID collisions will be detected at event creation time": the look-up is the guard.
    g.state.detectsDuplicates = false;
    g.state.faults.inject('insertEvent', { ...googleFault('userRateLimitExceeded'), afterWork: true });
    const { entry } = await book();
    expect(entry).toMatchObject({ status: 'booked', meeting_id: g.state.events[0]?.event.id });
    expect(g.state.calls).toMatchObject({ insertEvent: 1, getEvent: 1 });
    expect(g.state.events).toHaveLength(1);
  });

  it.each([
    ['quotaExceeded', 'rate_limited', /read-only mode .* retry this provider in a few hours/],
    [
      'dailyLimitExceeded',
      'rate_limited',
      /daily Calendar API quota: retry this provider tomorrow, or raise the quota/,
    ],
    ['forbiddenForNonOrganizer', 'permission_denied', /only an event's organizer .* --calendar <id>$/],
  ] as const)('fails a 403 %s at once, without retrying, with its own fix', async (reason, code, remedy) => {
    g.state.faults.inject('insertEvent', { ...googleFault(reason), times: 3 });
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: { code, message: expect.stringContaining(`(${reason})`) },
      remedy: expect.stringMatching(remedy),
    });
    expect(g.state.calls.insertEvent).toBe(1);
    expect(g.state.events).toHaveLength(0);
  });

  it('fails a 429 with a Retry-After longer than a booking can wait at once, naming the wait', async () => {
    g.state.faults.inject('insertEvent', {
      ...googleFault('rateLimitExceeded', 429),
      headers: { 'Retry-After': '30' },
    });
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: { code: 'rate_limited', message: expect.stringContaining('Rate Limit Exceeded') },
      remedy: expect.stringContaining('after 30 s'),
    });
    expect(g.state.calls.insertEvent).toBe(1);
    expect(g.state.events).toHaveLength(0);
  });

  it('waits out a 403 rate limit on the look-up of a repeated call too', async () => {
    g.state.faults.inject('insertEvent', { status: 0, lost: true });
    g.state.faults.inject('getEvent', googleFault('rateLimitExceeded'));
    const { entry } = await book();
    expect(entry).toMatchObject({ status: 'booked', note: expect.stringContaining('nothing new was created') });
    expect(g.state.calls).toMatchObject({ insertEvent: 1, getEvent: 2 });
    expect(g.state.events).toHaveLength(1);
  });

  it("passes on Google's own validation message", async () => {
    const template = googleApiError(400, 'The specified time range is empty.', 'timeRangeEmpty', 'calendar');
    g.state.faults.inject('insertEvent', { status: 400, body: await template.json() });
    const { entry } = await book();
    expect(entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'provider_rejected',
        message: 'Google Calendar answered HTTP 400: The specified time range is empty. (timeRangeEmpty)',
      },
    });
  });

  it('never writes a secret or a token into the SQLite file', async () => {
    await book();
    h.ctx.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(h.ctx.config.databasePath).toString('latin1');
    for (const secret of [g.state.clientSecret, g.state.refreshToken, ...g.state.tokens.keys()])
      expect(bytes).not.toContain(secret);
  });
});

describe('disconnect google', () => {
  it('revokes the grant at Google, then forgets the secrets and the connection', async () => {
    await connectGoogle();
    await h.disconnect('google');
    expect(g.state.revokeRequests).toEqual([g.state.refreshToken]);
    expect(g.state.revoked.has(g.state.refreshToken)).toBe(true);
    expect(h.output).toContain("Revoked alsatalk-mcp's access at Google Calendar.");
    expect(h.output).toContain('Disconnected Google Calendar; its secrets were removed.');
    expect(await storedSecrets()).toEqual([null, null]);
    expect(h.ctx.connections.get('google')).toBeUndefined();
  });

  it('treats a grant Google already revoked as revoked', async () => {
    await connectGoogle();
    g.state.revoked.add(g.state.refreshToken);
    await h.disconnect('google');
    expect(h.output).toContain("Revoked alsatalk-mcp's access at Google Calendar.");
    expect(h.ctx.connections.get('google')).toBeUndefined();
  });

  it('still disconnects locally when Google cannot be reached, and says where to revoke by hand', async () => {
    await connectGoogle();
    g.state.faults.inject('revoke', { status: 503, body: 'Service Unavailable', times: 5 });
    await h.disconnect('google');
    expect(h.output.join('\n')).toMatch(
      /Could not revoke the access at Google Calendar \(.*503.*\); remove it in your Google Calendar account's connected apps\./,
    );
    expect(h.output).toContain('Disconnected Google Calendar; its secrets were removed.');
    expect(await storedSecrets()).toEqual([null, null]);
  });
});

describe('the fake keeps the Meet guard honest', () => {
  it('drops conferenceData, as Google does, unless conferenceDataVersion=1', async () => {
    const tokenAnswer = await fetch(`${g.tokenBase}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: g.state.clientId,
        client_secret: g.state.clientSecret,
        refresh_token: g.state.refreshToken,
      }),
    });
    const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
    const insert = async (query: string) => {
      const body = {
        start: { dateTime: '2030-01-07T10:00:00Z' },
        end: { dateTime: '2030-01-07T10:30:00Z' },
        conferenceData: { createRequest: { requestId: `r-${query}`, conferenceSolutionKey: { type: 'hangoutsMeet' } } },
      };
      const answer = await fetch(`${g.apiBase}/calendars/primary/events${query}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(answer.status).toBe(200);
      return (await answer.json()) as Record<string, unknown>;
    };
    for (const query of ['', '?conferenceDataVersion=0', '?sendUpdates=none']) {
      const event = await insert(query);
      expect(event.id).toBeTruthy();
      expect(event).not.toHaveProperty('conferenceData');
      expect(event).not.toHaveProperty('hangoutLink');
    }
    expect(await insert('?conferenceDataVersion=1')).toHaveProperty('hangoutLink');
  });
});

describe('connect google with the browser sign-in', () => {
  const signIn = (more: string[] = []) =>
    h.connect(
      'google',
      ['--client-id', g.state.clientId, '--client-secret-stdin', ...more],
      `${g.state.clientSecret}\n`,
    );

  it('signs in with PKCE on a 127.0.0.1 loopback, stores the refresh token Google issued, and books', async () => {
    await signIn();
    const [authorize] = g.state.authorizeRequests;
    expect(authorize?.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(authorize?.get('code_challenge_method')).toBe('S256');
    expect(authorize?.get('access_type')).toBe('offline');
    expect(authorize?.get('prompt')).toBe('consent');
    expect(authorize?.get('state')?.length).toBeGreaterThanOrEqual(32);
    expect(h.output.join('\n')).toContain('Connected Google Calendar as owner@acme.test.');
    expect(await storedSecrets()).toEqual([g.state.clientSecret, g.state.refreshToken]);
    // Nothing secret was printed: not the code, not the tokens.
    for (const code of g.state.codes.keys()) expect(h.output.join('\n')).not.toContain(code);
    expect(h.output.join('\n')).not.toContain(g.state.refreshToken);

    const result = await h.client.callTool({ name: 'book_meeting', arguments: args });
    expect((result.structuredContent as Output).providers[0]).toMatchObject({ provider: 'google', status: 'booked' });
  });

  it('takes the client id and secret from ALSATALK_GOOGLE_CLIENT_ID and ALSATALK_GOOGLE_CLIENT_SECRET', async () => {
    await h.connectWith('google', [], {
      env: { ALSATALK_GOOGLE_CLIENT_ID: g.state.clientId, ALSATALK_GOOGLE_CLIENT_SECRET: g.state.clientSecret },
    });
    expect(h.output.join('\n')).toContain('Connected Google Calendar as owner@acme.test.');
    expect(await storedSecrets()).toEqual([g.state.clientSecret, g.state.refreshToken]);
    // A flag still wins over the environment.
    await expect(
      h.connectWith('google', ['--client-id', 'someone-else'], {
        env: { ALSATALK_GOOGLE_CLIENT_ID: g.state.clientId, ALSATALK_GOOGLE_CLIENT_SECRET: g.state.clientSecret },
      }),
    ).rejects.toThrow();
    expect(g.state.authorizeRequests.at(-1)?.get('client_id')).toBe('someone-else');
  });

  it('prints the URL and the SSH forward line with --no-browser', async () => {
    const attempt = signIn(['--no-browser']);
    // Play the person who copies the printed URL into a browser.
    await expect.poll(() => h.output.find((l) => l.includes('accounts.google.test'))).toBeTruthy();
    const url = /https:\/\/accounts\.google\.test\S+/.exec(h.output.join('\n'))?.[0] ?? '';
    // The sign-in page is Google's, not on this machine: only the callback port is forwarded, and no curl shortcut.
    expect(h.output.join('\n')).toMatch(/ssh -L (\d+):127\.0\.0\.1:\1 \S+@\S+\n/);
    expect(h.output.join('\n')).toContain('As asked (--no-browser), no browser was opened.');
    expect(h.output.join('\n')).not.toContain('curl');
    await followSignIn(url);
    await attempt;
    expect(h.ctx.connections.get('google')?.account).toBe('owner@acme.test');
  });

  it('stores nothing and says to approve when consent is denied', async () => {
    g.state.consent = 'deny';
    await expect(signIn()).rejects.toMatchObject({
      code: 'auth_failed',
      hint: expect.stringContaining('npx alsatalk-mcp connect google'),
    });
    expect(h.ctx.connections.get('google')).toBeUndefined();
    expect(await storedSecrets()).toEqual([null, null]);
  });
});
