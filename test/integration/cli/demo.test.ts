// `alsatalk-mcp demo`, the README's first command, run as a user runs it: the built binary, on a machine with no
// keychain and no account. Its output is what is checked: every provider booked, the e-mail written, exit code 0.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from '../../support/cli.js';

let home: string;
const homes: string[] = [];
/**
 * A bare environment: no D-Bus session (so no keychain), a fresh HOME, no ALSATALK_* setting. TMPDIR is the home too,
 * so the demo's own throwaway folder (which it keeps for the user to open the e-mail) goes when the test's does.
 */
const bareEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: home,
  TMPDIR: home,
  XDG_DATA_HOME: path.join(home, 'xdg'),
});

beforeAll(() => assertBuilt());
afterEach(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const run = async (args: string[] = []) => {
  home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-demo-test-'));
  homes.push(home);
  const result = await runCli(['demo', ...args], bareEnv());
  const structured = /structuredContent:\n([\s\S]*?)\n\n4\./.exec(result.stdout)?.[1];
  const eml = /The whole message \(open it in a mail client\): (.+\.eml)/.exec(result.stdout)?.[1];
  return { ...result, structured: structured ? (JSON.parse(structured) as Record<string, unknown>) : undefined, eml };
};

describe('npx alsatalk-mcp demo', () => {
  it('connects all six (five meeting providers and Resend), books in all five, e-mails the invitee, and exits 0', async () => {
    const { code, stdout, stderr, structured, eml } = await run(['--keep']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // The commands a user would type on the sandbox, and what stood in for the browser, said as it is.
    expect(stdout).toContain('  $ npx alsatalk-mcp connect zoom --client-id pub_Zq3xVn8RkT2yLw\n');
    expect(stdout).toContain(
      "    (the app's client secret comes from ALSATALK_GOOGLE_CLIENT_SECRET, which the sandbox set)",
    );
    expect(stdout).toContain("The demo answered Zoom's sign-in page (no browser was opened):");
    expect(stdout).not.toContain('Opened your browser');
    expect(stdout).toContain('provider timeout   8 s (shortened from the default 20 s');
    for (const id of ['zoom', 'calendly', 'google', 'zoho', 'microsoft'])
      expect(stdout).toMatch(new RegExp(`progress \\d/5  ${id}: booked`));
    for (const name of [
      'Zoom as host@acme.test',
      'Calendly as owner@acme.test',
      'Google Calendar as owner@acme.test',
      'Zoho Bookings as ann@acme.test',
      'Microsoft 365 as meganb@contoso.test',
      'Resend as Acme Scheduling',
    ]) {
      expect(stdout).toContain(`Connected ${name}`);
    }
    // The browser sign-ins ran: PKCE and a loopback redirect for each OAuth provider.
    expect(stdout.match(/code_challenge_method=S256/g)).toHaveLength(5);
    expect(structured).toMatchObject({
      status: 'booked',
      meeting: {
        timezone: 'America/New_York',
        duration_minutes: 30,
        invitee: { name: 'Ada Lovelace', email: 'ada@example.com' },
      },
      email: { status: 'sent', to: 'ada@example.com' },
    });
    const providers = structured?.providers as Array<{
      provider: string;
      status: string;
      join_url?: string;
      passcode?: string;
    }>;
    expect(providers.map((p) => [p.provider, p.status])).toEqual([
      ['zoom', 'booked'],
      ['calendly', 'booked'],
      ['google', 'booked'],
      ['zoho', 'booked'],
      ['microsoft', 'booked'],
    ]);
    expect(providers[0]?.passcode).toMatch(/^\w{6,10}$/);
    // It found a free slot first, and booked the first one (Zoho's workspace opens at 09:00 Los Angeles time).
    expect(stdout).toContain('  → find_available_slots {');
    expect(stdout).toMatch(
      /First 5 free 30-minute slots in Zoom, Calendly, Google Calendar, Zoho Bookings, Microsoft 365 \(America\/New_York\):\n {4}- \w{3} \d{4}-\d\d-\d\d: 12:00, 12:30, 13:00, 13:30, 14:00\n/,
    );
    expect(stdout).toContain('  Booking the first free slot, 12:00.');
    expect((structured?.meeting as { start: string }).start).toMatch(/T12:00:00-0[45]:00$/);
    // The same time for another customer: refused as a conflict, nothing more held anywhere, free times offered.
    expect(stdout).toMatch(
      /5\. Another customer asks for the same time[\s\S]*Not booked: the host is busy on .*\(zoom 12:00–12:30, google 12:00–12:30, microsoft 12:00–12:30\)/,
    );
    expect(stdout).toMatch(/Free instead: \d{4}-\d\d-\d\d 12:30, \d{4}-\d\d-\d\d 13:00, \d{4}-\d\d-\d\d 13:30\./);
    // Then it moves to the next free time: every provider, one "Updated:" e-mail with the new time.
    expect(stdout).toMatch(
      /6\. The customer asks for a later time[\s\S]*→ reschedule_booking \{"booking_id":"[\w-]+","booking_date":"[\d-]+","booking_time":"12:30"\}\n {2}Moved "Intro call with Ada" from .* 12:00 PM E[SD]T to .* 12:30 PM E[SD]T/,
    );
    for (const p of ['calendly', 'google', 'microsoft', 'zoho', 'zoom']) expect(stdout).toContain(`  - ${p}: moved`);
    expect(stdout).toMatch(/Subject: Updated: Meeting confirmed: .* 12:30 PM E[SD]T\n {2}Attachments: invite\.ics\n/);
    expect(stdout).toContain('  | It has moved: it was ');
    // Then the booking is cancelled everywhere, and the invitee gets the cancellation: nothing is held any more.
    expect(stdout).toMatch(
      /7\. The customer cannot come after all[\s\S]*→ cancel_booking \{"booking_id":"[\w-]+","reason":"Ada has to travel that day\."\}\n {2}Cancelled "Intro call with Ada"/,
    );
    for (const p of ['calendly', 'google', 'microsoft', 'zoho', 'zoom'])
      expect(stdout).toContain(`  - ${p}: cancelled`);
    expect(stdout).toMatch(/Subject: Cancelled: Intro call with Ada \(.+\)\n {2}Attachments: cancel\.ics\n/);
    expect(stdout).toContain('  | Reason: Ada has to travel that day.');
    expect(stdout).toContain(
      'Held by each sandbox provider now: zoom 0, calendly 0, google 0, zoho 0, microsoft 0, resend 3',
    );

    // The .eml is a real message: headers, the text with the passcode, and the calendar attachment.
    expect(eml && existsSync(eml)).toBe(true);
    const message = readFileSync(eml ?? '', 'utf8');
    expect(message).toMatch(
      /^From: Acme Scheduling <meet@acme\.test>\r\nTo: ada@example\.com\r\nSubject: Meeting confirmed: /,
    );
    expect(message).toContain('Content-Disposition: attachment; filename="invite.ics"');
    const ics = /filename="invite\.ics"\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--/.exec(message)?.[1] ?? '';
    expect(Buffer.from(ics.replace(/\r\n/g, ''), 'base64').toString()).toMatch(
      /BEGIN:VCALENDAR[\s\S]*TZID:America\/New_York/,
    );
    expect(stdout).toContain(`Passcode: ${providers[0]?.passcode}`);

    // Nothing of the user's: no data folder in the default place (the keychain was never reachable here).
    expect(existsSync(path.join(home, 'xdg', 'alsatalk-mcp'))).toBe(false);
  });

  it('removes its throwaway data folder and e-mail at the end unless --keep is given', async () => {
    const { code, stdout } = await run(['--providers', 'zoom']);
    expect(code).toBe(0);
    const folder = /data folder {8}(\S+) \(throwaway: removed at the end; --keep keeps it/.exec(stdout)?.[1];
    expect(folder).toBeTruthy();
    expect(existsSync(folder ?? '')).toBe(false);
    expect(stdout).toContain('run with --keep to open it in a mail client');
  });

  it('--fail zoom=503: the other four book, the e-mail goes out, Zoom says what to do, and it still exits 0', async () => {
    const { code, stdout, structured } = await run(['--fail', 'zoom=503']);
    expect(code).toBe(0);
    expect(structured).toMatchObject({ status: 'partial', email: { status: 'sent' } });
    const providers = structured?.providers as Array<{
      provider: string;
      status: string;
      error?: { message: string };
      remedy?: string;
    }>;
    expect(providers.find((p) => p.provider === 'zoom')).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('503') },
      remedy: expect.stringMatching(/retry/),
    });
    expect(providers.filter((p) => p.status === 'booked').map((p) => p.provider)).toEqual([
      'calendly',
      'google',
      'zoho',
      'microsoft',
    ]);
    // Zoom's create failed in a way that may have made the meeting, so the cancel looks for it, and Zoom is still down.
    expect(stdout).toContain('  - zoom: failed (Zoom answered HTTP 503');
    expect(stdout).toContain('zoom 0, calendly 0, google 0, zoho 0, microsoft 0, resend 3');
  });

  it('--fail zoom=hang-after: Zoom makes the meeting and never answers; the others book; a typo is refused', async () => {
    const { code, stdout, structured } = await run(['--fail', 'zoom=hang-after']);
    expect(code).toBe(0);
    const providers = structured?.providers as Array<{ provider: string; status: string; error?: { code: string } }>;
    expect(providers.find((p) => p.provider === 'zoom')).toMatchObject({
      status: 'failed',
      error: { code: 'timeout' },
    });
    // The meeting Zoom made without answering is found by the cancel and deleted with the rest.
    expect(stdout).toContain('  - zoom: cancelled');
    expect(stdout).toContain('zoom 0, calendly 0, google 0, zoho 0, microsoft 0, resend 3');
    const typo = await run(['--fail', 'zom']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe(
      'Error: --fail: "zom" is not a provider\n→ choose from zoom, calendly, google, zoho, microsoft, resend\n',
    );
    expect(typo.stdout).toBe('');
  });

  it('--providers google --timezone Asia/Tokyo: only Google, at that wall time in Tokyo', async () => {
    const { code, stdout, structured } = await run([
      '--providers',
      'google',
      '--timezone',
      'Asia/Tokyo',
      '--time',
      '09:30',
    ]);
    expect(code).toBe(0);
    expect(stdout).not.toContain('connect zoom');
    expect(structured).toMatchObject({
      status: 'booked',
      meeting: { timezone: 'Asia/Tokyo', start: expect.stringMatching(/T09:30:00\+09:00$/) },
    });
    expect((structured?.providers as unknown[]).length).toBe(1);
  });

  it('refuses an unknown provider or zone with the flag and the fix, before starting anything', async () => {
    const bad = await run(['--providers', 'skype']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--providers: unknown: skype\n→ choose from zoom, calendly, google, zoho/);
    const zone = await run(['--timezone', 'Mars/Olympus']);
    expect(zone.stderr).toMatch(/--timezone.*Mars\/Olympus/);
  });

  it.each([
    [
      ['--date', '2020-01-01'],
      /^Error: --date: 2020-01-01 is in the past \(today is \d{4}-\d\d-\d\d in America\/New_York\)\n→ give a later --date, or leave it out for the next weekday\n$/,
    ],
    [['--date', '2027-02-30'], /^Error: --date: 2027-02-30 is not a calendar date\n→ check the day and month\n$/],
    [['--time', '24:00'], /^Error: --time: "24:00" is not a time of day\n→ use 00:00 to 23:59\n$/],
    [
      ['--timezone', 'PST'],
      /^Error: --timezone: "PST" is an abbreviation[^\n]*\n→ use America\/Los_Angeles, or another Area\/City name\n$/,
    ],
  ])('%j is refused with the flag and the fix before anything starts, and nothing crashes', async (args, message) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });
});
