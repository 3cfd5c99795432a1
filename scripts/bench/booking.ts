// Booking through the built server on the sandbox: each provider call given a fixed latency, the end-to-end time next
// to the critical path (the slowest provider's chain of calls plus the e-mail, as the sandbox saw them), and next to a
// floor measured the same way: a minimal SDK server whose one tool makes as many calls in a row with ky, doing nothing
// else, so the overhead that is the machine's (stdio, loopback HTTP, ky, waking up) is told from the server's own.
// Then 20 bookings at once over one connection, with every access token expired, counting the token refreshes, until
// every e-mail is out: the sandbox's Resend allows 2 requests per second, so 20 e-mails cannot leave in under 10 s.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { DateTime } from 'luxon';
import { startSandbox, type ServedRequest } from '../../src/sandbox/sandbox.js';
import { connectAll } from '../../src/commands/demo.js';
import { covered, median, rounds } from './stats.js';

/** Every provider is connected (find_available_slots consults them all, the burst books in all). */
const providers = ['zoom', 'calendly', 'google', 'zoho', 'microsoft'];
/**
 * The single bookings the targets were set for: four providers. Microsoft 365 adds two calls after the bookings (the
 * Outlook event's body gets the other links: GET, then PATCH), beside the e-mail; measured on their own line.
 */
const measured = ['zoom', 'calendly', 'google', 'zoho'];

export interface BookingFigures {
  latencyMs: number;
  warmUp: number;
  runs: number;
  medianEndToEndMs: number;
  medianCriticalPathMs: number;
  medianOverheadMs: number;
  /** Sequential provider round trips on the critical path (the e-mail included). */
  medianRounds: number;
  /** The same booking in all five providers. */
  everyProvider: { medianEndToEndMs: number; medianRounds: number };
  /** find_available_slots over `days` days with every provider, at the same latency. */
  find: { days: number; runs: number; medianEndToEndMs: number; medianRounds: number; allChecked: boolean };
  floor: { calls: number; medianEndToEndMs: number; medianCriticalPathMs: number; medianOverheadMs: number };
  concurrent: {
    bookings: number;
    allBooked: boolean;
    totalMs: number;
    singleMedianMs: number;
    ratio: number;
    tokenRefreshes: Record<string, number>;
    /** From the burst's start until Resend answered its last e-mail. */
    emailsOutMs: number;
    /** Resend's requests per second (the sandbox's, which is Resend's documented default). */
    resendRatePerSecond: number;
    /** bookings / resendRatePerSecond: no pacing can send them sooner. */
    floorMs: number;
    floorRatio: number;
  };
}

/** The floor: one tool that makes `calls` sequential ky GETs to the sandbox (Calendly's /users/me) and answers. */
const floorServer = `import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import ky from 'ky';
const api = ky.create({ prefixUrl: process.env.FLOOR_API, headers: { authorization: 'Bearer ' + process.env.FLOOR_TOKEN }, retry: 0 });
const server = new McpServer({ name: 'floor', version: '1.0.0' });
server.registerTool('chain', { description: 'Calls in a row' }, async () => {
  for (let i = 0; i < Number(process.env.FLOOR_CALLS); i += 1) await api.get('users/me').json();
  return { content: [{ type: 'text', text: 'done' }] };
});
await server.connect(new StdioServerTransport());
`;

/** Distinct half-hour slots inside the sandbox's working hours (Calendly's host: 08:00 to 18:00 New York), weekdays only. */
function* slots(from: DateTime): Generator<{ date: string; time: string }> {
  for (let day = from; ; day = day.plus({ days: 1 })) {
    if (day.weekday > 5) continue;
    for (let minutes = 8 * 60; minutes < 18 * 60; minutes += 30) {
      yield {
        date: day.toISODate() ?? '',
        time: `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`,
      };
    }
  }
}

/**
 * @param workDir a folder inside the project (so the floor server resolves the SDK and ky from its node_modules)
 */
export async function booking(
  workDir: string,
  binary: string,
  runs: number,
  latencyMs: number,
  warmUp: number,
): Promise<BookingFigures> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-bench-'));
  const served: ServedRequest[] = [];
  const sandbox = await startSandbox({ outbox: path.join(home, 'outbox'), onServed: (entry) => served.push(entry) });
  const env = {
    ...sandbox.env,
    ALSATALK_HOME: home,
    ALSATALK_DEFAULT_TIMEZONE: 'America/New_York',
    ALSATALK_LOG_LEVEL: 'warn',
  };
  const client = new Client({ name: 'alsatalk-bench', version: '1.0.0' });
  const floorClient = new Client({ name: 'alsatalk-bench-floor', version: '1.0.0' });
  try {
    await connectAll(sandbox, env, providers, () => undefined);
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [binary],
        env: { ...env, PATH: process.env.PATH ?? '' },
        stderr: 'ignore',
      }),
    );
    // The floor makes as many calls in a row as the critical path: Calendly's chain (its event types kept from an
    // earlier booking: available times, the invitee, the event) plus the e-mail.
    const floorCalls = 4;
    mkdirSync(workDir, { recursive: true });
    writeFileSync(path.join(workDir, 'floor-booking-server.mjs'), floorServer);
    const floorToken = [...sandbox.fakes.calendly.oauth.accessTokens.keys()][0];
    if (!floorToken) throw new Error('the sandbox holds no Calendly access token for the floor');
    await floorClient.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(workDir, 'floor-booking-server.mjs')],
        env: {
          PATH: process.env.PATH ?? '',
          FLOOR_API: `${sandbox.env.ALSATALK_CALENDLY_API_URL ?? ''}/`,
          FLOOR_TOKEN: floorToken,
          FLOOR_CALLS: String(floorCalls),
        },
        stderr: 'ignore',
      }),
    );
    const chain = async (): Promise<number> => {
      const started = performance.now();
      const result = await floorClient.callTool({ name: 'chain', arguments: {} });
      if (result.isError) throw new Error('the floor server failed: is the sandbox up?');
      return performance.now() - started;
    };
    const free = slots(DateTime.now().setZone('America/New_York').plus({ days: 1 }).startOf('day'));
    const book = async (only?: string[]): Promise<{ ms: number; booked: boolean }> => {
      const slot = free.next().value as { date: string; time: string };
      const started = performance.now();
      const result = await client.callTool({
        name: 'book_meeting',
        arguments: {
          customer_name: 'Ada Lovelace',
          customer_email: 'ada@example.com',
          customer_phone: '+14155550123',
          booking_date: slot.date,
          booking_time: slot.time,
          duration_minutes: 30,
          ...(only ? { providers: only } : {}),
        },
      });
      const status = (result.structuredContent as { status?: string; email?: { status?: string } } | undefined) ?? {};
      return { ms: performance.now() - started, booked: status.status === 'booked' && status.email?.status === 'sent' };
    };

    // Warm-up: the first call opens the database and fetches every access token, and a few more let V8 compile the hot
    // paths, so the measured calls show the steady state of a server that has been up for a while.
    const firstDay = DateTime.now().setZone('America/New_York').plus({ days: 1 });
    const findDays = 7;
    const find = async (): Promise<{ ms: number; allChecked: boolean }> => {
      const started = performance.now();
      const result = await client.callTool({
        name: 'find_available_slots',
        arguments: {
          date_from: firstDay.toISODate(),
          date_to: firstDay.plus({ days: findDays - 1 }).toISODate(),
          duration_minutes: 30,
          timezone: 'America/New_York',
        },
      });
      const output = result.structuredContent as { complete?: boolean; slots?: unknown[] } | undefined;
      return {
        ms: performance.now() - started,
        allChecked: output?.complete === true && (output.slots?.length ?? 0) > 0,
      };
    };
    for (let i = 0; i < warmUp; i += 1) {
      if (!(await book()).booked)
        throw new Error('a warm-up booking did not book everywhere: run `npm run demo` to see why');
      await chain();
    }
    await find();
    sandbox.controls.setLatency({ target: '*', ms: latencyMs });
    const endToEnd: number[] = [];
    const critical: number[] = [];
    const bookingRounds: number[] = [];
    const floorEndToEnd: number[] = [];
    const floorCritical: number[] = [];
    const allEndToEnd: number[] = [];
    const allRounds: number[] = [];
    // Interleaved, so that the floor and the server see the same moments of a noisy machine.
    for (let run = 0; run < runs; run += 1) {
      served.length = 0;
      const { ms, booked } = await book(measured);
      if (!booked) throw new Error(`booking run ${run + 1} did not book everywhere`);
      endToEnd.push(ms);
      const span = (id: string) => covered(served.filter((s) => s.provider === id));
      critical.push(Math.max(...measured.map(span)) + span('resend'));
      bookingRounds.push(rounds(served));
      served.length = 0;
      const all = await book();
      if (!all.booked) throw new Error(`booking run ${run + 1} did not book in every provider`);
      allEndToEnd.push(all.ms);
      allRounds.push(rounds(served));
      served.length = 0;
      floorEndToEnd.push(await chain());
      floorCritical.push(covered(served));
    }
    const findMs: number[] = [];
    const findRounds: number[] = [];
    let allChecked = true;
    for (let run = 0; run < runs; run += 1) {
      served.length = 0;
      const found = await find();
      allChecked &&= found.allChecked;
      findMs.push(found.ms);
      findRounds.push(rounds(served));
    }
    const overhead = endToEnd.map((ms, i) => ms - (critical[i] ?? 0));
    const floorOverhead = floorEndToEnd.map((ms, i) => ms - (floorCritical[i] ?? 0));

    // Every access token expires at once; 20 bookings share one refresh per provider.
    const tokenRequests = () => ({
      zoom: sandbox.fakes.zoom.state.tokenRequests,
      calendly: sandbox.fakes.calendly.oauth.tokenRequests.length,
      google: sandbox.fakes.google.state.tokenRequests,
      zoho: sandbox.fakes.zoho.state.tokenRequests,
      microsoft: sandbox.fakes.microsoft.state.requests.token.length,
    });
    sandbox.fakes.zoom.state.tokens.clear();
    sandbox.fakes.calendly.oauth.accessTokens.clear();
    sandbox.fakes.google.state.tokens.clear();
    sandbox.fakes.zoho.state.tokens.clear();
    sandbox.fakes.microsoft.state.tokens.clear();
    const before = tokenRequests();
    const burst = 20;
    served.length = 0;
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: burst }, () => book()));
    const totalMs = performance.now() - started;
    const sends = served.filter((s) => s.route === 'resend:POST /resend/emails' && s.endedAt >= started);
    const emailsOutMs = Math.max(...sends.map((s) => s.endedAt)) - started;
    const resendRatePerSecond = sandbox.fakes.resend.state.ratePerSecond;
    const floorMs = (burst / resendRatePerSecond) * 1000;
    const after = tokenRequests();
    const singleMedianMs = median(endToEnd);
    return {
      latencyMs,
      warmUp,
      runs,
      medianEndToEndMs: singleMedianMs,
      medianCriticalPathMs: median(critical),
      medianOverheadMs: median(overhead),
      medianRounds: median(bookingRounds),
      everyProvider: { medianEndToEndMs: median(allEndToEnd), medianRounds: median(allRounds) },
      find: {
        days: findDays,
        runs,
        medianEndToEndMs: median(findMs),
        medianRounds: median(findRounds),
        allChecked,
      },
      floor: {
        calls: floorCalls,
        medianEndToEndMs: median(floorEndToEnd),
        medianCriticalPathMs: median(floorCritical),
        medianOverheadMs: median(floorOverhead),
      },
      concurrent: {
        bookings: burst,
        allBooked: results.every((r) => r.booked),
        totalMs,
        singleMedianMs,
        ratio: totalMs / singleMedianMs,
        emailsOutMs,
        resendRatePerSecond,
        floorMs,
        floorRatio: emailsOutMs / floorMs,
        tokenRefreshes: Object.fromEntries(
          providers.map((id) => [id, after[id as keyof typeof after] - before[id as keyof typeof before]]),
        ),
      },
    };
  } finally {
    await client.close().catch(() => undefined);
    await floorClient.close().catch(() => undefined);
    await sandbox.close();
    rmSync(home, { recursive: true, force: true });
  }
}
