// Zoom through a Server-to-Server OAuth app, end to end (real connect command, real MCP Client, msw plays Zoom): the
// time zone Zoom receives is one of its own list, a token refused for a missing scope says which scope and how to
// connect again, scopes are compared whole, and `me` is the account owner.
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [zoom] });
let h: Harness;
beforeEach(() => {
  h = harness();
});

const date = futureDate(40);

interface Entry {
  provider: string;
  status: string;
  note?: string;
  error?: { code: string; message: string };
  remedy?: string;
}

async function book(timezone: string, time = '10:00') {
  const result = await h.client.callTool({
    name: 'book_meeting',
    arguments: {
      customer_name: 'Ada Lovelace',
      customer_email: 'ada@example.com',
      booking_date: date,
      booking_time: time,
      timezone,
    },
  });
  const output = result.structuredContent as { providers: Entry[] };
  return { entry: output.providers[0], text: (result.content as Array<{ text: string }>)[0]?.text ?? '' };
}

/** What Zoom received for the last meeting it created. */
const lastSent = () => h.zoom.state.meetings.at(-1)?.body ?? {};
const utc = (time: string, zone: string) =>
  DateTime.fromISO(`${date}T${time}`, { zone }).toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");

describe('the time zone Zoom receives', () => {
  beforeEach(async () => {
    await h.connectZoom();
  });

  it.each([
    ['Europe/Kyiv', 'Europe/Kiev'],
    ['Asia/Ho_Chi_Minh', 'Asia/Saigon'],
    ['America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
    ['Asia/Kolkata', 'Asia/Kolkata'],
  ])('a meeting asked in %s is sent to Zoom as %s, the start in UTC', async (asked, sent) => {
    const { entry } = await book(asked);
    expect(entry).toMatchObject({ provider: 'zoom', status: 'booked' });
    expect(entry?.note).toBeUndefined();
    expect(lastSent()).toMatchObject({ timezone: sent, start_time: utc('10:00', asked) });
  });

  it('a zone Zoom does not list is sent as a listed zone with the same clock, and the result says which', async () => {
    const { entry } = await book('Europe/Vilnius');
    expect(entry?.status).toBe('booked');
    const sent = String(lastSent().timezone);
    expect(['Europe/Athens', 'Europe/Bucharest', 'Europe/Helsinki', 'Europe/Kiev', 'Europe/Sofia']).toContain(sent);
    expect(lastSent().start_time).toBe(utc('10:00', 'Europe/Vilnius'));
    expect(entry?.note).toBe(
      `Zoom's time-zone list has no Europe/Vilnius: Zoom shows this meeting in ${sent} (${sent.split('/')[1]}), which keeps the same clock.`,
    );
  });

  it('a zone with no listed equivalent is left out, the instant stays exact, and the result says so', async () => {
    const { entry, text } = await book('Asia/Yangon'); // UTC+06:30: nothing in Zoom's list keeps that clock
    expect(entry?.status).toBe('booked');
    expect(lastSent()).not.toHaveProperty('timezone');
    expect(lastSent().start_time).toBe(utc('10:00', 'Asia/Yangon'));
    expect(entry?.note).toMatch(/^Zoom's time-zone list has nothing with the clock of Asia\/Yangon/);
    expect(text).toContain('nothing with the clock of Asia/Yangon');
  });

  it('the fake refuses a time zone that is not on Zoom’s list, as Zoom does', async () => {
    const token = (await fetch(
      `${h.zoom.oauthBase}/oauth/token?grant_type=account_credentials&account_id=${h.zoom.state.accountId}`,
      {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${h.zoom.state.clientId}:${h.zoom.state.clientSecret}`).toString('base64')}`,
        },
      },
    ).then((r) => r.json())) as { access_token: string };
    const answer = await fetch(`${h.zoom.apiBase}/users/me/meetings`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token.access_token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 2, duration: 30, start_time: '2030-01-01T10:00:00Z', timezone: 'Europe/Kyiv' }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({
      code: 300,
      message: 'Validation Failed.',
      errors: [{ field: 'timezone', message: 'Invalid field.' }],
    });
  });
});

describe('scopes', () => {
  it('a create refused for a missing scope names that scope and the command that connects again', async () => {
    await h.connectZoom();
    // The app's scopes were changed after it was connected: Zoom refuses the create (HTTP 400, code 4711).
    h.zoom.state.scope = 'meeting:write:invite_links meeting:read:meeting:admin user:read:user:admin';
    const { entry, text } = await book('Europe/Paris');
    expect(entry).toMatchObject({ provider: 'zoom', status: 'failed', error: { code: 'permission_denied' } });
    expect(entry?.error?.message).toContain(
      'does not contain scopes:[meeting:write:meeting, meeting:write:meeting:admin]',
    );
    expect(entry?.remedy).toBe(
      `add the scope meeting:write:meeting:admin on the Server-to-Server OAuth app's Scopes page (marketplace.zoom.us, Manage), keep the app activated, then connect again: npx alsatalk-mcp connect zoom --account-id ${h.zoom.state.accountId} --client-id ${h.zoom.state.clientId}`,
    );
    expect(text).toContain('meeting:write:meeting:admin');
  });

  it('a scope that only shares a prefix with meeting:write:meeting does not pass for it at connect', async () => {
    h.zoom.state.scope =
      'meeting:write:invite_links meeting:read:meeting:admin meeting:read:list_meetings:admin user:read:user:admin';
    await expect(h.connectZoom()).rejects.toMatchObject({
      code: 'permission_denied',
      message: expect.stringContaining('may not create meetings'),
      hint: expect.stringContaining('meeting:write:meeting:admin'),
    });
    expect(h.ctx.connections.get('zoom')).toBeUndefined();
  });

  it('hosting for another user needs an admin scope: the user-level one is refused at connect', async () => {
    h.zoom.state.scope = 'meeting:write:meeting user:read:user:admin';
    await expect(h.connectZoom(['--user', h.zoom.state.member.email])).rejects.toMatchObject({
      code: 'permission_denied',
      message: expect.stringContaining(`may not create meetings for ${h.zoom.state.member.email}`),
    });
  });
});

describe('who hosts a Server-to-Server app’s meetings', () => {
  it('says at connect that `me` is the Zoom account owner', async () => {
    await h.connectZoom();
    expect(h.output.join('\n')).toContain(
      'Meetings are created for "me", which for a Server-to-Server OAuth app is the Zoom account owner',
    );
    await book('Europe/Paris');
    expect(h.zoom.state.meetings[0]?.hostId).toBe(h.zoom.state.owner.id);
  });

  it('names no owner when --user picks the host, and points at the account owner when that user is unknown', async () => {
    await h.connectZoom(['--user', h.zoom.state.member.email]);
    expect(h.output.join('\n')).not.toContain('account owner');
    await expect(h.connectZoom(['--user', 'nobody@acme.test'])).rejects.toMatchObject({
      field: '--user',
      hint: expect.stringContaining('omit --user to host as the account owner'),
    });
  });
});
