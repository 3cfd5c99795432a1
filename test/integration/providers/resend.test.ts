// Resend through a real MCP Client, real SQLite and the real keychain; msw plays Zoom and Resend as Resend's docs say:
// a key deleted after connect, an e-mail still in progress (409), a 429 naming its wait, and each domain status at connect.
import { beforeEach, describe, expect, it } from 'vitest';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import type { FakeDomain } from '../../../src/sandbox/fakes/resend.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [zoom] });
let h: Harness;
beforeEach(() => {
  h = harness();
});

const reconnect = 'npx alsatalk-mcp connect resend';
const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  booking_date: futureDate(35),
  booking_time: '11:00',
  timezone: 'Europe/Paris',
};

interface Output {
  status: string;
  email: {
    status: string;
    id?: string;
    retry_at?: string;
    error?: { code: string; message: string };
    remedy?: string;
  };
}

async function book(): Promise<{ output: Output; ms: number }> {
  const started = Date.now();
  const result = await h.client.callTool({ name: 'book_meeting', arguments: args });
  expect(result.isError).toBeFalsy();
  return { output: result.structuredContent as Output, ms: Date.now() - started };
}

/** Resend's answer for an e-mail whose first request, under the same idempotency key, is not finished. */
const inProgress = {
  status: 409,
  body: {
    statusCode: 409,
    name: 'concurrent_idempotent_requests',
    message: 'Same idempotency key used while original request is still in progress.',
  },
};

describe('a key deleted in Resend after connect', () => {
  it('queues the e-mail as auth_failed, naming the reconnect command; once reconnected, it goes out by itself', async () => {
    await h.connectZoom();
    await h.connectResend();
    h.resend.state.apiKey = 're_the_key_that_replaced_it_000'; // the stored key is now unknown: 401 on sending
    const { output } = await book();
    expect(output.status).toBe('booked');
    expect(output.email).toMatchObject({
      status: 'queued',
      error: { code: 'auth_failed', message: expect.stringContaining('HTTP 401, validation_error') },
      remedy: expect.stringMatching(new RegExp(`reconnect Resend: ${reconnect}.*goes out once you have`)),
    });
    expect(output.email).not.toHaveProperty('retry_at');
    expect(h.resend.state.emails).toHaveLength(0);
    // The fix the remedy names, and nothing else: the background drain sends the e-mail that waited for it.
    await h.connectResend(h.resend.state.apiKey);
    await expect.poll(() => h.resend.state.emails.length, { timeout: 15_000, interval: 100 }).toBe(1);
    expect(h.resend.state.emails[0]?.payload.to).toEqual([args.customer_email]);
  });
});

describe('an e-mail still in progress (409 concurrent_idempotent_requests)', () => {
  beforeEach(async () => {
    await h.connectZoom();
    await h.connectResend();
  });

  it('is sent again after a moment under the same idempotency key, and the invitee gets one e-mail', async () => {
    h.resend.state.faults.inject('send', inProgress);
    const { output, ms } = await book();
    expect(output.email).toMatchObject({ status: 'sent', id: h.resend.state.emails[0]?.id });
    expect(h.resend.state.emails).toHaveLength(1);
    const [first, second] = h.resend.state.sendAttempts;
    expect(h.resend.state.sendAttempts).toHaveLength(2);
    expect(first).toMatch(/^alsatalk-/);
    expect(second).toBe(first);
    expect(ms).toBeGreaterThanOrEqual(1000);
  });

  it('still in progress after the retries: the outbox tries again under the same key, and the invitee gets one e-mail', async () => {
    h.resend.state.faults.inject('send', { ...inProgress, times: 3 });
    const { output } = await book();
    expect(output.email).toMatchObject({ status: 'sent', id: h.resend.state.emails[0]?.id });
    expect(h.resend.state.sendAttempts.length).toBeGreaterThan(3);
    expect(new Set(h.resend.state.sendAttempts).size).toBe(1);
    const again = await book();
    expect(again.output.email).toMatchObject({ status: 'sent', id: h.resend.state.emails[0]?.id });
    expect(h.resend.state.emails).toHaveLength(1);
  });
});

describe('rate-limited (429) with only ratelimit-reset naming the wait', () => {
  beforeEach(async () => {
    await h.connectZoom();
    await h.connectResend();
  });
  const limited = (seconds: number) => ({
    status: 429,
    headers: { 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': String(seconds) },
    body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' },
  });

  it('waits the 1 s it names, then sends', async () => {
    h.resend.state.faults.inject('send', limited(1));
    const { output, ms } = await book();
    expect(output.email).toMatchObject({ status: 'sent' });
    expect(ms).toBeGreaterThanOrEqual(1000);
  });

  it('a 60 s wait is queued at once, retried no earlier than the wait', async () => {
    h.resend.state.faults.inject('send', { ...limited(60), times: 3 });
    const { output } = await book();
    expect(output.email).toMatchObject({ status: 'queued', error: { code: 'rate_limited' } });
    expect(Date.parse(output.email.retry_at ?? '')).toBeGreaterThanOrEqual(Date.now() + 50_000);
    expect(h.resend.state.sendAttempts).toHaveLength(1);
  });
});

/** Five bookings at once, invitees `<prefix>0..4@example.com`: each result says its e-mail was sent, each invitee has one. */
async function bookFiveAtOnce(prefix: string): Promise<void> {
  const times = ['09:00', '09:30', '10:00', '10:30', '11:00'];
  const results = await Promise.all(
    times.map((t, i) =>
      h.client.callTool({
        name: 'book_meeting',
        arguments: { ...args, booking_time: t, customer_email: `${prefix}${i}@example.com` },
      }),
    ),
  );
  for (const r of results) expect((r.structuredContent as Output).email).toMatchObject({ status: 'sent' });
  expect(h.resend.state.emails.map((e) => e.payload.to).sort()).toEqual(
    times.map((_, i) => [`${prefix}${i}@example.com`]),
  );
}

describe("Resend's team-wide rate limit (2 requests per second)", () => {
  it('the fake answers with the documented headers, and a third request within the second is a 429 naming the wait', async () => {
    const get = () =>
      fetch(`${h.resend.apiBase}/domains`, { headers: { authorization: `Bearer ${h.resend.state.apiKey}` } });
    const answers = [await get(), await get(), await get()];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(Object.fromEntries([...answers[1]!.headers].filter(([name]) => name.startsWith('ratelimit-')))).toEqual({
      'ratelimit-limit': '2',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '1',
    });
    expect(answers[2]?.headers.get('retry-after')).toBe('1');
    expect(await answers[2]?.json()).toMatchObject({ statusCode: 429, name: 'rate_limit_exceeded' });
  });

  it('connect resend just after the team used its second (a server sending): refused with 429, it waits and connects', async () => {
    const get = () =>
      fetch(`${h.resend.apiBase}/domains`, { headers: { authorization: `Bearer ${h.resend.state.apiKey}` } });
    expect([(await get()).status, (await get()).status]).toEqual([200, 200]);
    await h.connectResend();
    expect(h.resend.limiter.refused).toBeGreaterThan(0);
    expect(h.ctx.connections.get('resend')?.account).toBe('Acme Scheduling <meet@acme.test>');
  });

  it('five bookings at once: each e-mail waits its turn, all are sent, none is refused', async () => {
    await h.connectZoom();
    await h.connectResend();
    // connect's own request (GET /domains) counts against the same limit, and is not paced: let its second pass.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await bookFiveAtOnce('invitee');
    expect(h.resend.limiter.refused).toBe(0);
  });

  it('connect resend --rate-per-second stores the team limit, and e-mails are paced at it: set above what Resend allows, some are refused, and every e-mail is still sent once', async () => {
    await h.connectZoom();
    await h.connect(
      'resend',
      ['--api-key-stdin', '--from', 'Acme Scheduling <meet@acme.test>', '--rate-per-second', '10'],
      h.resend.state.apiKey,
    );
    expect(h.ctx.connections.get('resend')?.settings).toEqual({
      from: 'Acme Scheduling <meet@acme.test>',
      rate_per_second: 10,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // connect's own request leaves the fake's window
    // The team's real limit is Resend's default 2 per second: paced at 10, the sends outrun it and Resend refuses some.
    await bookFiveAtOnce('fast');
    expect(h.resend.limiter.refused).toBeGreaterThan(0);
  });

  it('connect resend --rate-per-second that is not a positive number: refused naming the flag, nothing stored', async () => {
    await expect(
      h.connect(
        'resend',
        ['--api-key-stdin', '--from', 'Acme Scheduling <meet@acme.test>', '--rate-per-second', 'fast'],
        h.resend.state.apiKey,
      ),
    ).rejects.toMatchObject({
      field: '--rate-per-second',
      message: expect.stringContaining('"fast" is not a number of requests per second'),
      hint: expect.stringContaining('Settings → Usage'),
    });
    expect(h.ctx.connections.get('resend')).toBeUndefined();
  });

  it('a 429 that still comes holds the next e-mail too: it is not sent inside the wait Resend named', async () => {
    await h.connectZoom();
    await h.connectResend();
    h.resend.state.faults.inject('send', {
      status: 429,
      headers: { 'retry-after': '60' },
      body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' },
    });
    expect((await book()).output.email).toMatchObject({ status: 'queued', error: { code: 'rate_limited' } });
    // Another booking meanwhile: its e-mail waits for the hold (longer than its time limit), and is never sent early.
    const other = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, booking_time: '15:00' } });
    expect((other.structuredContent as Output).email).toMatchObject({
      status: 'queued',
      error: { code: 'rate_limited', message: expect.stringContaining('waited for its turn') as unknown },
    });
    expect(h.resend.state.sendAttempts).toHaveLength(1);
  });
});

describe('connect resend says what the sender domain status means for sending', () => {
  /** The notes printed since `from` (connect zoom prints its own, about who hosts). */
  let from = 0;
  const notes = () =>
    h.output
      .slice(from)
      .filter((l) => l.startsWith('Note:'))
      .join('\n');

  it.each<[string, Omit<FakeDomain, 'name'>]>([
    ['partially_verified, sending verified and receiving pending', { status: 'partially_verified' }],
    ['partially_failed, sending verified and receiving failed', { status: 'partially_failed' }],
  ])('%s: no warning, and the invitee is e-mailed', async (_, domain) => {
    Object.assign(h.resend.state.domains[0]!, domain);
    await h.connectZoom();
    from = h.output.length;
    await h.connectResend();
    expect(notes()).toBe('');
    expect((await book()).output.email).toMatchObject({ status: 'sent' });
  });

  it.each<[Omit<FakeDomain, 'name'>, RegExp]>([
    [
      { status: 'partially_verified', sending: 'pending', receiving: 'verified' },
      /acme\.test is partially_verified in Resend: its receiving side is verified but its sending records \(SPF, DKIM\) are not/,
    ],
    [
      { status: 'partially_failed', sending: 'failed', receiving: 'verified' },
      /acme\.test is partially_failed in Resend: its receiving side is verified but its sending records \(SPF, DKIM\) are not/,
    ],
    [{ status: 'pending' }, /acme\.test is pending in Resend, not yet verified: Resend is still checking/],
    [{ status: 'not_started' }, /acme\.test is not_started in Resend.*"Verify DNS Records"/],
    [
      { status: 'failed' },
      /acme\.test failed verification in Resend \(its DNS records were not found within 72 hours\)/,
    ],
    [{ status: 'temporary_failure' }, /can no longer find the DNS records of acme\.test.*72 hours/],
  ])('%j: warns at connect, and the send is refused as permission_denied', async (domain, note) => {
    Object.assign(h.resend.state.domains[0]!, domain);
    await h.connectZoom();
    from = h.output.length;
    await h.connectResend();
    expect(notes()).toMatch(note);
    expect(notes()).toContain('https://resend.com/domains');
    // Held in the outbox until the sender is fixed (connect resend), then sent by itself.
    expect((await book()).output.email).toMatchObject({ status: 'queued', error: { code: 'permission_denied' } });
  });

  it('a domain not in the account: Resend refuses to send from it until it is added and verified', async () => {
    h.resend.state.domains[0]!.name = 'other.test';
    from = h.output.length;
    await h.connectResend();
    expect(notes()).toMatch(/acme\.test is not in this Resend account: Resend refuses to send from it/);
  });
});
