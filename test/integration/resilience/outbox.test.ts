// The e-mail outbox through a real MCP Client, real SQLite and the real keychain; msw plays Zoom and Resend. A send is
// never dropped: Resend failing for the whole call leaves the e-mail queued, and the background drain sends it once;
// a permanent refusal leaves the outbox at once, naming the fix.
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { openContextWith, openRuntime, type Runtime } from '../../../src/runtime.js';
import { createServer } from '../../../src/server.js';
import { statement } from '../../../src/storage/database.js';
import { toolDeps } from '../../../src/tool-deps.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [zoom] });
let h: Harness;
let runtime: Runtime | undefined;
let client: Client;

/** A server over the harness's storage whose calls wait 1.5 s for their e-mail (ALSATALK_EMAIL_WAIT_MS=1500). */
beforeEach(async () => {
  h = harness();
  await h.connectZoom();
  await h.connectResend();
  const log = createLogger('error');
  const opened = openRuntime(
    await openContextWith({ ...h.ctx.config, emailWaitMs: 1500, providerTimeoutMs: 1000 }, log),
    {
      providers: [zoom],
      connectors: h.registry,
    },
  );
  runtime = opened;
  const server = createServer(
    toolDeps(
      { get: async () => opened, opened: () => opened },
      { defaultTimezone: 'Europe/Paris', log, providers: [zoom] },
    ),
  );
  client = new Client({ name: 'outbox-test', version: '1.0.0' });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(b), client.connect(a)]);
});
afterEach(async () => {
  await client.close();
  await runtime?.close();
});

const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  booking_date: futureDate(30),
  booking_time: '10:00',
  timezone: 'Europe/Paris',
  providers: ['zoom'],
};

interface Output {
  booking_id: string;
  status: string;
  email: {
    status: string;
    id?: string;
    to?: string;
    retry_at?: string;
    error?: { code: string; message: string };
    remedy?: string;
  };
  repeat?: { emailed: boolean };
}

async function book(extra: Partial<typeof args> = {}): Promise<{ output: Output; text: string; progress: string[] }> {
  const progress: string[] = [];
  const result = await client.callTool(
    { name: 'book_meeting', arguments: { ...args, ...extra } },
    {
      onprogress: (p) => progress.push(p.message ?? ''),
    },
  );
  expect(result.isError).toBeFalsy();
  const text = (result.content as Array<{ text: string }>)[0]?.text ?? '';
  return { output: result.structuredContent as Output, text, progress };
}

const outboxRows = (): number =>
  (statement(h.ctx.db, 'SELECT COUNT(*) AS n FROM email_outbox').get() as { n: number }).n;

const unavailable = {
  status: 503,
  body: { statusCode: 503, name: 'internal_server_error', message: 'Service unavailable' },
  times: 10_000,
};

describe('the e-mail outbox', () => {
  it('Resend down for the whole call: queued with its retry time; once Resend is back, the drain sends it once', async () => {
    h.resend.state.faults.inject('send', unavailable);
    const first = await book();
    expect(first.output.status).toBe('booked');
    expect(first.output.email).toMatchObject({ status: 'queued', to: 'ada@example.com' });
    // Why: the 503, or (its retries spent the 1 s time limit) the wait for the next turn under Resend's rate limit.
    expect(['email_failed', 'rate_limited']).toContain(first.output.email.error?.code);
    const retryAt = Date.parse(first.output.email.retry_at ?? '');
    expect(retryAt).toBeGreaterThan(Date.now() - 5000);
    expect(first.text).toMatch(/E-mail: queued for ada@example\.com, not sent yet .*tries again at/);
    expect(first.progress.some((m) => m.startsWith('e-mail queued'))).toBe(true);
    expect(h.ctx.bookings.get(first.output.booking_id)?.emailStatus).toBe('queued');
    expect(outboxRows()).toBe(1);

    h.resend.state.faults.clear();
    await expect.poll(() => outboxRows(), { timeout: 20_000, interval: 100 }).toBe(0);
    expect(h.resend.state.emails).toHaveLength(1);
    expect(h.resend.state.emails[0]?.payload.to).toEqual(['ada@example.com']);
    // Every try went under one key: a try Resend took without answering could not become a second e-mail.
    expect(new Set(h.resend.state.sendAttempts).size).toBe(1);

    const again = await book();
    expect(again.output.email).toMatchObject({ status: 'sent', id: h.resend.state.emails[0]?.id });
    expect(again.output.repeat).toMatchObject({ emailed: false });
    expect(h.resend.state.emails).toHaveLength(1);
  });

  it('e-mails waiting behind others under the rate limit are told their place: "e-mail queued, position N"', async () => {
    // Four bookings at once: their e-mails go out one at a time at Resend's 2 per second, each call told where it
    // stands; each is sent once, to its own invitee.
    const calls = ['10:00', '11:00', '12:00', '13:00'].map((time, i) =>
      book({ booking_time: time, customer_email: `guest${i}@example.com` }),
    );
    const results = await Promise.all(calls);
    const positions = results.flatMap((r) => r.progress.filter((m) => m.startsWith('e-mail queued, position')));
    for (const message of positions) expect(message).toMatch(/^e-mail queued, position [2-4]$/);
    expect(positions).toContain('e-mail queued, position 2');
    await expect.poll(() => outboxRows(), { timeout: 20_000, interval: 100 }).toBe(0);
    const sentTo = h.resend.state.emails
      .map((e) => e.payload.to)
      .flat()
      .sort();
    expect(sentTo).toEqual(['guest0@example.com', 'guest1@example.com', 'guest2@example.com', 'guest3@example.com']);
  });

  it('a permanent refusal leaves the outbox at once, and the result names the fix', async () => {
    h.resend.state.faults.inject('send', {
      status: 403,
      body: { statusCode: 403, name: 'invalid_from_address', message: 'Invalid `from` field.' },
    });
    const { output, text } = await book();
    expect(output.email).toMatchObject({
      status: 'failed',
      error: { code: 'email_failed' },
      remedy: expect.stringContaining('npx alsatalk-mcp connect resend --from') as unknown,
    });
    expect(text).toMatch(/E-mail: FAILED: .*connect resend --from/);
    expect(outboxRows()).toBe(0);
    expect(h.ctx.bookings.get(output.booking_id)?.emailStatus).toBe('failed');
    expect(h.resend.state.sendAttempts).toHaveLength(1);
  });

  it('a spent daily quota is not retried for a day: it fails, naming the wait', async () => {
    h.resend.state.faults.inject('send', {
      status: 429,
      body: {
        statusCode: 429,
        name: 'daily_quota_exceeded',
        message: 'You have reached your daily email sending quota.',
      },
    });
    const { output } = await book();
    expect(output.email).toMatchObject({
      status: 'failed',
      error: { code: 'rate_limited' },
      remedy: expect.stringContaining('retry tomorrow') as unknown,
    });
    expect(outboxRows()).toBe(0);
  });
});
