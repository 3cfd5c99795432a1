// `alsatalk-mcp demo`: the main job end to end on the sandbox. It connects all five providers through the real connect
// code (OAuth sign-ins included), starts the MCP server as a child process on stdio, books a meeting as an MCP client,
// and shows what the user would see. A throwaway data folder and the sandbox's memory: nothing of the user's is touched.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import { DateTime } from 'luxon';
import { canonicalTimeZone, timeZoneRefusal } from '../time-zone.js';
import { openContext } from '../runtime.js';
import { defaultProviderTimeoutMs } from '../config.js';
import { InputError } from '../errors.js';
import { resolveSlot } from '../booking/slot.js';
import { configSpecs, connectors } from '../connectors.js';
import { meetingProviders, providerIds } from '../providers/index.js';
import { meetingFakes, type FakeSpec } from '../sandbox/fakes/index.js';
import { listNames } from '../text.js';
import { approveSandboxSignIn } from '../sandbox/consent.js';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import { runConnect } from './connect.js';
import { readControlFlags, shellWord } from './sandbox.js';

export const demoUsage = `npx alsatalk-mcp demo [--providers zoom,google] [--timezone Asia/Tokyo] [--date YYYY-MM-DD] [--time HH:mm]
                      [--fail PROVIDER[=STATUS|malformed|hang|hang-after]]... [--latency MS | --latency PROVIDER=MS]...

Runs the whole job on the built-in sandbox providers: connects ${listNames(connectors.map((c) => c.displayName))}
(OAuth sign-ins included), starts the MCP server on stdio, finds a free slot (find_available_slots), books it
(book_meeting), shows the result and the invitee's e-mail, then books the same time for another customer, which is
refused as a conflict with free times instead; then moves the booking to a later free time (reschedule_booking) and
cancels it everywhere (cancel_booking), showing the update and the cancellation e-mails. No account, keychain or network is needed, and nothing of yours is
touched.

  --providers LIST   book only in these (${providerIds.join(', ')}); default all ${meetingProviders.length}
  --timezone ZONE    the meeting's IANA zone (default America/New_York)
  --date, --time     the slot (default: the next weekday, at the first time between 09:00 and 18:00 that every
                     provider takes)
  --fail PROVIDER    make a provider's booking calls fail: =500 (default), =503, =429, =malformed, =hang,
                     or =hang-after (the meeting is made, the answer never comes)
  --latency MS       add latency to every provider call (or PROVIDER=MS)
  --keep             keep the throwaway data folder and the e-mail (.eml) when the demo ends`;

/** The demo's provider timeout: short, so that `--fail X=hang` is over in seconds; the server's default is 20 s. */
const demoTimeoutMs = 8000;

/** The invitee the demo books for. */
const invitee = { customer_name: 'Ada Lovelace', customer_email: 'ada@example.com', customer_phone: '+14155550123' };

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** The next weekday after today, in `zone`. */
const nextWeekday = (zone: string): string => {
  let day = DateTime.now().setZone(zone).plus({ days: 1 });
  while (day.weekday > 5) day = day.plus({ days: 1 });
  return day.toISODate() ?? '';
};

interface DemoOptions {
  providers: string[];
  timezone: string;
  date: string;
  /** `--time`; absent: the first free slot the search finds. */
  time: string | undefined;
  /** `--keep`: leave the data folder and the e-mail file behind for the user to open. */
  keep: boolean;
  controls: ReturnType<typeof readControlFlags>;
}

function readOptions(argv: string[]): DemoOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        providers: { type: 'string' },
        timezone: { type: 'string' },
        date: { type: 'string' },
        time: { type: 'string' },
        fail: { type: 'string', multiple: true },
        latency: { type: 'string', multiple: true },
        keep: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (error) {
    throw new InputError('arguments', (error as Error).message, demoUsage);
  }
  const { values } = parsed;
  const providers = values.providers
    ? values.providers
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : [...providerIds];
  const unknown = providers.filter((p) => !providerIds.includes(p));
  if (unknown.length > 0 || providers.length === 0)
    throw new InputError(
      '--providers',
      `unknown: ${unknown.join(', ') || '(none given)'}`,
      `choose from ${providerIds.join(', ')}, comma-separated`,
    );
  const timezone = canonicalTimeZone(values.timezone ?? 'America/New_York');
  if (!timezone) {
    const { problem, fix } = timeZoneRefusal(values.timezone ?? '');
    throw new InputError('--timezone', problem, fix);
  }
  const date = values.date ?? nextWeekday(timezone);
  const time = values.time;
  // Without a time, the day must still have one left.
  checkSlot(date, time ?? '23:59', timezone);
  return {
    providers,
    timezone,
    date,
    time,
    keep: values.keep === true,
    controls: readControlFlags(values.latency, values.fail),
  };
}

/** The demo's flags for book_meeting's fields. */
const flags: Record<string, string> = { booking_date: '--date', booking_time: '--time', timezone: '--timezone' };

/**
 * Checks the slot with book_meeting's own rule before anything starts, so a past or impossible date is refused at once
 * and names the demo's flag rather than the tool's field.
 */
function checkSlot(date: string, time: string, timezone: string): void {
  try {
    resolveSlot({ date, time, timezone, durationMinutes: 30 });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const flag = flags[error.field] ?? error.field;
    const hint = error.hint?.startsWith('ask the user')
      ? `give a later ${flag}, or leave it out for the next weekday`
      : error.hint;
    throw new InputError(flag, error.problem, hint);
  }
}

/** Connects `providers` and Resend through `connect`, as a person would, answering the sandbox's consent pages. */
export async function connectAll(
  sandbox: Sandbox,
  env: Record<string, string>,
  providers: readonly string[],
  out: (line: string) => void,
): Promise<void> {
  const ctx = await openContext(env);
  const indent = (text: string) => {
    for (const line of text.split('\n')) out(`    ${line}`);
  };
  const io = (stdin?: string) => ({
    out: indent,
    env,
    openBrowser: (url: string) => approveSandboxSignIn(url, sandbox.origin),
    opener: 'The demo',
    ...(stdin !== undefined ? { stdin: Readable.from([stdin]) } : {}),
  });
  // The command a user types for the sandbox: its OAuth app's client id (which the environment would also give), a
  // free port where the provider matches the redirect URI's exactly, and the fake's own choices (a Zoho service and
  // staff member). A client secret is never a flag: it comes from the environment, as the note says.
  const plan = async (id: string): Promise<{ args: string[]; secretFrom?: string }> => {
    const spec = meetingFakes[id as keyof typeof meetingFakes] as FakeSpec<unknown> | undefined;
    const app = spec?.app(sandbox.fakes[id as keyof typeof meetingFakes]) ?? {};
    const secretVariable = app.client_secret ? configSpecs.credentials[id]?.client_secret : undefined;
    return {
      args: [
        id,
        ...(app.clientId ? ['--client-id', app.clientId] : []),
        ...(meetingProviders.find((p) => p.id === id)?.signIn?.fixedPort ? ['--port', String(await freePort())] : []),
        ...(spec?.connectFlags ?? []),
      ],
      ...(secretVariable ? { secretFrom: secretVariable } : {}),
    };
  };
  try {
    for (const id of providers) {
      const { args, secretFrom } = await plan(id);
      out(`  $ npx alsatalk-mcp connect ${args.map(shellWord).join(' ')}`);
      if (secretFrom) out(`    (the app's client secret comes from ${secretFrom}, which the sandbox set)`);
      await runConnect(ctx, args, io());
    }
    out(
      `  $ printf '%s' "$RESEND_API_KEY" | npx alsatalk-mcp connect resend --api-key-stdin --from "Acme Scheduling <meet@acme.test>"`,
    );
    await runConnect(
      ctx,
      ['resend', '--api-key-stdin', '--from', 'Acme Scheduling <meet@acme.test>'],
      io(sandbox.fakes.resend.state.apiKey),
    );
  } finally {
    ctx.close();
  }
}

/**
 * Runs the demo; resolves to the exit code (0: the booking call succeeded, even if a provider was made to fail).
 * @param serverEntry the script that starts the MCP server (the CLI this demo runs from)
 */
export async function runDemo(
  argv: string[],
  io: { out: (line: string) => void },
  serverEntry: string,
): Promise<number> {
  const options = readOptions(argv);
  const { out } = io;
  const home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-demo-'));
  // Faults and latency start after the connections: they are about the booking, not the set-up.
  const sandbox = await startSandbox({ outbox: path.join(home, 'outbox') });
  const env: Record<string, string> = {
    ...sandbox.env,
    ALSATALK_HOME: home,
    ALSATALK_DEFAULT_TIMEZONE: options.timezone,
    ALSATALK_LOG_LEVEL: 'warn',
    ALSATALK_PROVIDER_TIMEOUT_MS: String(demoTimeoutMs),
  };
  let client: Client | undefined;
  try {
    out('alsatalk-mcp demo: the whole job on the built-in sandbox (no account, no network, nothing of yours touched)');
    out(`  sandbox providers  ${sandbox.origin}`);
    out(
      `  data folder        ${home} (throwaway: ${options.keep ? 'kept, as --keep asks' : 'removed at the end; --keep keeps it'}; secrets in the sandbox's memory)`,
    );
    out(
      `  provider timeout   ${demoTimeoutMs / 1000} s (shortened from the default ${defaultProviderTimeoutMs / 1000} s, so that a provider made to hang is cut off sooner)`,
    );
    out('');
    out('1. Connect the providers (the real connect code; the sandbox approves each sign-in at once)');
    await connectAll(sandbox, env, options.providers, out);
    for (const rule of options.controls.latency) sandbox.controls.setLatency(rule);
    for (const rule of options.controls.faults) sandbox.controls.addFault(rule);
    if (options.controls.faults.length + options.controls.latency.length > 0)
      out(`  sandbox controls from now on: ${JSON.stringify(sandbox.controls.describe())}`);

    out('');
    out('2. Start the MCP server (a child process on stdio), find a free slot and book it, as an MCP client');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [serverEntry],
      env: { ...env, PATH: process.env.PATH ?? '', HOME: home },
      stderr: 'pipe',
    });
    let serverLog = '';
    transport.stderr?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
    client = new Client({ name: 'alsatalk-demo', version: '1.0.0' });
    await client.connect(transport);
    const search = {
      date_from: options.date,
      date_to: options.date,
      duration_minutes: 30,
      timezone: options.timezone,
      earliest_time: '09:00',
      latest_time: '18:00',
      providers: options.providers,
      max_results: 5,
    };
    out(`  → find_available_slots ${JSON.stringify(search)}`);
    const found = await client.callTool(
      { name: 'find_available_slots', arguments: search },
      {
        timeout: 60_000,
      },
    );
    for (const item of found.content as Array<{ type: string; text?: string }>)
      if (item.type === 'text') for (const line of item.text?.split('\n') ?? []) out(`    ${line}`);
    const first = (found.structuredContent as { slots?: Array<{ booking_time: string }> } | undefined)?.slots?.[0];
    const time = options.time ?? first?.booking_time ?? '10:00';
    if (!options.time)
      out(
        first
          ? `  Booking the first free slot, ${time}.`
          : `  No slot is free then in every provider: booking ${time}.`,
      );
    const args = {
      ...invitee,
      booking_date: options.date,
      booking_time: time,
      duration_minutes: 30,
      timezone: options.timezone,
      topic: 'Intro call with Ada',
      providers: options.providers,
    };
    out(`  → book_meeting ${JSON.stringify(args)}`);
    const started = Date.now();
    const result = await client.callTool(
      { name: 'book_meeting', arguments: args },
      {
        onprogress: (p) =>
          out(`  progress ${p.progress}/${p.total ?? '?'}  ${p.message ?? ''}  (+${Date.now() - started} ms)`),
        timeout: 60_000,
      },
    );

    out('');
    out(`3. What the agent gets back${result.isError ? ' (an error)' : ''}`);
    for (const item of result.content as Array<{ type: string; text?: string }>)
      if (item.type === 'text') for (const line of item.text?.split('\n') ?? []) out(`  ${line}`);
    // An error result (a refusal) carries text only.
    if (result.structuredContent !== undefined) {
      out('  structuredContent:');
      for (const line of JSON.stringify(result.structuredContent, null, 2).split('\n')) out(`    ${line}`);
    }

    out('');
    out("4. The invitee's e-mail");
    printLastEmail(sandbox, options.keep, out);

    out('');
    out('5. Another customer asks for the same time: the host is busy now, so nothing is booked');
    const status = (result.structuredContent as { status?: string } | undefined)?.status;
    const calendars = meetingProviders.filter(
      (p) => p.availabilityRole === 'calendar' && options.providers.includes(p.id),
    );
    if (calendars.length === 0 || (status !== 'booked' && status !== 'partial')) {
      out(
        calendars.length === 0
          ? `  (skipped: the host's calendars are ${listNames(meetingProviders.filter((p) => p.availabilityRole === 'calendar').map((p) => p.displayName))}, and none is among --providers)`
          : '  (skipped: the first booking did not go through)',
      );
    } else {
      const again = {
        ...args,
        customer_name: 'Grace Hopper',
        customer_email: 'grace@example.com',
        topic: 'Intro call with Grace',
      };
      out(`  → book_meeting ${JSON.stringify(again)}`);
      const refused = await client.callTool({ name: 'book_meeting', arguments: again }, { timeout: 60_000 });
      for (const item of refused.content as Array<{ type: string; text?: string }>)
        if (item.type === 'text') for (const line of item.text?.split('\n') ?? []) out(`  ${line}`);
    }
    const slots = (found.structuredContent as { slots?: Array<{ booking_time: string }> } | undefined)?.slots ?? [];
    const later = slots.find((s) => s.booking_time > time)?.booking_time;
    await rescheduleStep(client, sandbox, result.structuredContent, options.date, later, options.keep, out);
    await cancelStep(client, sandbox, result.structuredContent, options.keep, out);
    if (result.isError && serverLog.trim()) out(`\nServer log:\n${serverLog.trim()}`);
    out('');
    out(
      'Held by each sandbox provider now: ' +
        Object.entries(sandbox.holdings())
          .map(([id, n]) => `${id} ${n}`)
          .join(', '),
    );
    return result.isError ? 1 : 0;
  } finally {
    await client?.close().catch(() => undefined);
    await sandbox.close();
    if (!options.keep) rmSync(home, { recursive: true, force: true });
  }
}

/** The sandbox's newest e-mail as the invitee reads it (the text part), and where the whole message is. */
function printLastEmail(sandbox: Sandbox, keep: boolean, out: (line: string) => void, before = 0): void {
  const mail = sandbox.outbox.length > before ? sandbox.outbox.at(-1) : undefined;
  if (!mail) {
    out('  (no e-mail was sent)');
    return;
  }
  out(`  To: ${String(mail.email.payload.to)}   Subject: ${mail.email.payload.subject}`);
  out(`  Attachments: ${(mail.email.payload.attachments ?? []).map((a) => a.filename).join(', ') || 'none'}`);
  for (const line of (mail.email.payload.text ?? '').split('\n')) out(`  | ${line}`);
  out(
    keep
      ? `  The whole message (open it in a mail client): ${mail.file}`
      : '  (The whole message is an .eml file in the data folder, removed at the end: run with --keep to open it in a mail client.)',
  );
}

/** 6: the customer asks for a later time; the booking moves in every provider and the invitee's calendar follows. */
async function rescheduleStep(
  client: Client,
  sandbox: Sandbox,
  booked: unknown,
  date: string,
  time: string | undefined,
  keep: boolean,
  out: (line: string) => void,
): Promise<void> {
  out('');
  out('6. The customer asks for a later time: move the booking in every provider');
  const bookingId = (booked as { booking_id?: string | null } | undefined)?.booking_id;
  if (!bookingId || !time) {
    out(bookingId ? '  (skipped: no later free time that day)' : '  (skipped: nothing was booked)');
    return;
  }
  const args = { booking_id: bookingId, booking_date: date, booking_time: time };
  out(`  → reschedule_booking ${JSON.stringify(args)}`);
  const before = sandbox.outbox.length;
  const moved = await client.callTool({ name: 'reschedule_booking', arguments: args }, { timeout: 60_000 });
  for (const item of moved.content as Array<{ type: string; text?: string }>)
    if (item.type === 'text') for (const line of item.text?.split('\n') ?? []) out(`  ${line}`);
  out("  The invitee's e-mail (its invite.ics has the same UID and a higher SEQUENCE: the calendar moves the entry):");
  printLastEmail(sandbox, keep, out, before);
}

/** 7: the customer cannot come after all; the booking is cancelled everywhere and the invitee told, once. */
async function cancelStep(
  client: Client,
  sandbox: Sandbox,
  booked: unknown,
  keep: boolean,
  out: (line: string) => void,
): Promise<void> {
  out('');
  out('7. The customer cannot come after all: cancel the booking in every provider');
  const bookingId = (booked as { booking_id?: string | null } | undefined)?.booking_id;
  if (!bookingId) {
    out('  (skipped: nothing was booked)');
    return;
  }
  const args = { booking_id: bookingId, reason: 'Ada has to travel that day.' };
  out(`  → cancel_booking ${JSON.stringify(args)}`);
  const before = sandbox.outbox.length;
  const cancelled = await client.callTool({ name: 'cancel_booking', arguments: args }, { timeout: 60_000 });
  for (const item of cancelled.content as Array<{ type: string; text?: string }>)
    if (item.type === 'text') for (const line of item.text?.split('\n') ?? []) out(`  ${line}`);
  out("  The invitee's e-mail (its cancel.ics removes the meeting the invitation added to their calendar):");
  printLastEmail(sandbox, keep, out, before);
}
