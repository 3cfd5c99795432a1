// Booking through the built server on the sandbox: each provider call given a fixed latency, the end-to-end time next
// to the critical path (the slowest provider's chain of calls plus the e-mail, as the sandbox saw them); then 20
// bookings at once over one connection, with every access token expired, counting the token refreshes.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { DateTime } from 'luxon';
import { startSandbox, type ServedRequest } from '../../src/sandbox/sandbox.js';
import { connectAll } from '../../src/setup/demo.js';
import { covered, median } from './stats.js';

const providers = ['zoom', 'calendly', 'google', 'zoho'];

export interface BookingFigures {
  latencyMs: number;
  warmUp: number;
  runs: number;
  medianEndToEndMs: number;
  medianCriticalPathMs: number;
  medianOverheadMs: number;
  concurrent: { bookings: number; allBooked: boolean; totalMs: number; singleMedianMs: number; ratio: number; tokenRefreshes: Record<string, number> };
}

/** Distinct half-hour slots inside the sandbox's working hours (Calendly's host: 08:00 to 18:00 New York), weekdays only. */
function* slots(from: DateTime): Generator<{ date: string; time: string }> {
  for (let day = from; ; day = day.plus({ days: 1 })) {
    if (day.weekday > 5) continue;
    for (let minutes = 8 * 60; minutes < 18 * 60; minutes += 30) {
      yield { date: day.toISODate() ?? '', time: `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}` };
    }
  }
}

export async function booking(binary: string, runs: number, latencyMs: number, warmUp: number): Promise<BookingFigures> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-bench-'));
  const served: ServedRequest[] = [];
  const sandbox = await startSandbox({ outbox: path.join(home, 'outbox'), onServed: (entry) => served.push(entry) });
  const env = { ...sandbox.env, ALSATALK_HOME: home, ALSATALK_DEFAULT_TIMEZONE: 'America/New_York', ALSATALK_LOG_LEVEL: 'warn' };
  const client = new Client({ name: 'alsatalk-bench', version: '1.0.0' });
  try {
    await connectAll(sandbox, env, providers, () => undefined);
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [binary], env: { ...env, PATH: process.env.PATH ?? '' }, stderr: 'ignore' }));
    const free = slots(DateTime.now().setZone('America/New_York').plus({ days: 1 }).startOf('day'));
    const book = async (): Promise<{ ms: number; booked: boolean }> => {
      const slot = free.next().value as { date: string; time: string };
      const started = performance.now();
      const result = await client.callTool({
        name: 'book_meeting',
        arguments: { customer_name: 'Ada Lovelace', customer_email: 'ada@example.com', customer_phone: '+14155550123', booking_date: slot.date, booking_time: slot.time, duration_minutes: 30 },
      });
      const status = (result.structuredContent as { status?: string; email?: { status?: string } } | undefined) ?? {};
      return { ms: performance.now() - started, booked: status.status === 'booked' && status.email?.status === 'sent' };
    };

    // Warm-up: the first call opens the database and fetches every access token, and a few more let V8 compile the hot
    // paths, so the measured calls show the steady state of a server that has been up for a while.
    for (let i = 0; i < warmUp; i += 1) {
      if (!(await book()).booked) throw new Error('a warm-up booking did not book everywhere: run `npm run demo` to see why');
    }
    sandbox.controls.setLatency({ target: '*', ms: latencyMs });
    const endToEnd: number[] = [];
    const critical: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      served.length = 0;
      const { ms, booked } = await book();
      if (!booked) throw new Error(`booking run ${run + 1} did not book everywhere`);
      endToEnd.push(ms);
      const chain = (id: string) => covered(served.filter((s) => s.provider === id));
      critical.push(Math.max(...providers.map(chain)) + chain('resend'));
    }
    const overhead = endToEnd.map((ms, i) => ms - (critical[i] ?? 0));

    // Every access token expires at once; 20 bookings share one refresh per provider.
    const tokenRequests = () => ({
      zoom: sandbox.fakes.zoom.state.tokenRequests,
      calendly: sandbox.fakes.calendly.oauth.tokenRequests.length,
      google: sandbox.fakes.google.state.tokenRequests,
      zoho: sandbox.fakes.zoho.state.tokenRequests,
    });
    sandbox.fakes.zoom.state.tokens.clear();
    sandbox.fakes.calendly.oauth.accessTokens.clear();
    sandbox.fakes.google.state.tokens.clear();
    sandbox.fakes.zoho.state.tokens.clear();
    const before = tokenRequests();
    const burst = 20;
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: burst }, () => book()));
    const totalMs = performance.now() - started;
    const after = tokenRequests();
    const singleMedianMs = median(endToEnd);
    return {
      latencyMs,
      warmUp,
      runs,
      medianEndToEndMs: singleMedianMs,
      medianCriticalPathMs: median(critical),
      medianOverheadMs: median(overhead),
      concurrent: {
        bookings: burst,
        allBooked: results.every((r) => r.booked),
        totalMs,
        singleMedianMs,
        ratio: totalMs / singleMedianMs,
        tokenRefreshes: Object.fromEntries(providers.map((id) => [id, after[id as keyof typeof after] - before[id as keyof typeof before]])),
      },
    };
  } finally {
    await client.close().catch(() => undefined);
    await sandbox.close();
    rmSync(home, { recursive: true, force: true });
  }
}
