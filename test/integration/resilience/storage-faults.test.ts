// Storage faults through the built binary: a keychain that is missing or locked, a database another process holds, a data
// folder or database file this user cannot write, and garbage on stdin. Each names its cause and its fix, and writes nothing half-way.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { configSpecs } from '../../../src/connectors.js';
import { createResendFake } from '../../../src/sandbox/fakes/resend.js';
import { createZoomFake } from '../../../src/sandbox/fakes/zoom.js';
import { ConnectionRepository } from '../../../src/storage/connections.js';
import { openDatabase, statement } from '../../../src/storage/database.js';
import { secretAccount } from '../../../src/connections/connections.js';
import { openSecretStore } from '../../../src/storage/secret-store.js';
import { startSandbox } from '../../../src/sandbox/sandbox.js';
import { connectAll } from '../../../src/commands/demo.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../msw/http-server.js';
import { assertBuilt, binPath, childEnv, runCli, runProcess, type CliResult } from '../../support/cli.js';
import { futureDate } from '../../support/dates.js';
import { fakeEnv } from '../../support/harness.js';
import { startStdioServer, type StdioServer } from '../../support/stdio-server.js';

const repoRoot = path.resolve(path.dirname(binPath), '..');
const from = 'Acme <meet@acme.test>';
const fileStore = { ALSATALK_SECRET_STORE: 'file', ALSATALK_SECRET_FILE_KEY: 'test-only-passphrase-0123456789' };
const booking = (time: string) => ({
  customer_name: 'Grace Hopper',
  customer_email: 'grace@example.com',
  booking_date: futureDate(25),
  booking_time: time,
  timezone: 'Europe/Paris',
  providers: ['zoom'],
});
/** A JavaScript stack frame: what a crash prints, and what a user must never see. */
const stackFrame = /^\s+at \S/m;

let fake: FakeHttpServer;
let zoom: ReturnType<typeof createZoomFake>;
let resend: ReturnType<typeof createResendFake>;
const homes: string[] = [];
const cleanups: Array<() => Promise<unknown> | void> = [];

beforeAll(async () => {
  assertBuilt();
  fake = await startFakeHttpServer();
  zoom = createZoomFake({ apiBase: `${fake.url}/zoom/v2`, oauthBase: `${fake.url}/zoom` });
  resend = createResendFake({ apiBase: `${fake.url}/resend` });
  fake.use([...zoom.routes, ...resend.routes]);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  await fake?.close();
  for (const home of homes) {
    // A folder made read-only for a case must be writable again to be removed.
    if (existsSync(home)) chmodSync(home, 0o700);
    rmSync(home, { recursive: true, force: true });
  }
});

function tempHome(label: string): string {
  const home = mkdtempSync(path.join(os.tmpdir(), `alsatalk-faults-${label}-`));
  homes.push(home);
  return home;
}

/** The environment of a child that uses the OS keychain (never the file store), with the fakes' endpoints. */
function keychainEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const { ALSATALK_SECRET_STORE: _store, ALSATALK_SECRET_FILE_KEY: _key, ...env } = fakeEnv(home, [zoom, resend]);
  return childEnv({ ...env, ...extra });
}

const connectResend = (env: Record<string, string>): Promise<CliResult> =>
  runCli(['connect', 'resend', '--api-key-stdin', '--from', from], env, resend.state.apiKey);
const connectZoom = (env: Record<string, string>): Promise<CliResult> =>
  runCli(
    [
      'connect',
      'zoom',
      '--account-id',
      zoom.state.accountId,
      '--client-id',
      zoom.state.clientId,
      '--client-secret-stdin',
    ],
    env,
    `${zoom.state.clientSecret}\n`,
  );

/** What the database at `home` holds, read by a separate connection (as any other program would). */
function rows(home: string, sql: string): unknown[] {
  const db = new Database(path.join(home, 'alsatalk.db'), { readonly: true });
  try {
    return statement(db, sql).all();
  } finally {
    db.close();
  }
}
const connectors = (home: string): string[] =>
  (rows(home, 'SELECT connector FROM connections ORDER BY connector') as Array<{ connector: string }>).map(
    (r) => r.connector,
  );

/** A failure a person can act on: non-zero, the message and the fix, no stack, no secret. */
function expectCleanFailure(result: CliResult, ...patterns: RegExp[]): void {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
  expect(result.stdout + result.stderr).not.toMatch(stackFrame);
  expect(result.stdout + result.stderr).not.toContain(resend.state.apiKey);
  expect(result.stdout + result.stderr).not.toContain(zoom.state.clientSecret);
}

/** The text of a tool result, whichever shape the SDK typed it with. */
function toolText(result: unknown): string {
  return ((result as { content?: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('\n');
}

/** The built server on stdio, spoken to line by line: for bytes no SDK client would send, and for another user's process. */
interface RawServer {
  child: ChildProcess;
  /** Every line the server wrote to stdout. */
  lines: string[];
  stderr(): string;
  write(line: string): void;
  /** Sends a request and resolves to the message that answers its id. */
  request(id: string | number, method: string, params?: unknown): Promise<Record<string, unknown>>;
  response(id: string | number): Promise<Record<string, unknown>>;
  initialize(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

function startRawServer(env: Record<string, string>, options: Pick<SpawnOptions, 'uid' | 'gid'> = {}): RawServer {
  const child = spawn(process.execPath, [binPath], { env, stdio: ['pipe', 'pipe', 'pipe'], ...options });
  const lines: string[] = [];
  const answers = new Map<string, Record<string, unknown>>();
  const waiting = new Map<string, (message: Record<string, unknown>) => void>();
  let buffered = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // the assertion on `lines` reports it
      }
      if (!('id' in message) || 'method' in message) continue;
      const key = JSON.stringify(message.id);
      answers.set(key, message);
      waiting.get(key)?.(message);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const write = (line: string): void => void child.stdin?.write(`${line}\n`);
  const response = (id: string | number): Promise<Record<string, unknown>> => {
    const key = JSON.stringify(id);
    const answered = answers.get(key);
    if (answered) return Promise.resolve(answered);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to ${key} within 20 s; exit code ${child.exitCode}; stderr:\n${stderr}`)),
        20_000,
      );
      waiting.set(key, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  };
  const request = (id: string | number, method: string, params?: unknown): Promise<Record<string, unknown>> => {
    write(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    return response(id);
  };
  return {
    child,
    lines,
    stderr: () => stderr,
    write,
    request,
    response,
    async initialize() {
      const answer = await request('init', 'initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'storage-faults', version: '1.0.0' },
      });
      write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      return answer;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Every line on stdout is one JSON-RPC message: nothing else (a log line, a stack) ever reached the wire. */
function expectOnlyJsonRpc(lines: readonly string[]): void {
  for (const line of lines) {
    let parsed: unknown;
    expect(() => (parsed = JSON.parse(line)), `not JSON on stdout: ${line.slice(0, 200)}`).not.toThrow();
    expect(JSONRPCMessageSchema.safeParse(parsed).success, `not JSON-RPC on stdout: ${line.slice(0, 200)}`).toBe(true);
  }
}

const textOf = (answer: Record<string, unknown>): string => toolText(answer.result);

describe('the OS keychain is not reachable', () => {
  const noBus = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };

  it('connect stops with the fix, prints no secret, and stores no connection', async () => {
    const home = tempHome('nobus');
    const attempt = await connectResend(keychainEnv(home, noBus));
    expectCleanFailure(attempt, /OS keychain is not reachable/, /gnome-keyring/, /ALSATALK_SECRET_STORE=file/);
    expect(connectors(home)).toEqual([]);
  });

  it('book_meeting reports the keychain in the provider result, and the server stays up', async () => {
    const home = tempHome('nobus-book');
    // Connections made earlier, when the keychain still answered.
    const db = openDatabase(path.join(home, 'alsatalk.db'));
    const repository = new ConnectionRepository(db);
    repository.save({
      connector: 'zoom',
      account: 'owner@acme.test',
      settings: { accountId: zoom.state.accountId, clientId: zoom.state.clientId, userId: 'me' },
    });
    repository.save({ connector: 'resend', account: from, settings: { from } });
    db.close();
    const meetingsBefore = zoom.state.meetings.length;

    const server: StdioServer = await startStdioServer(keychainEnv(home, noBus));
    cleanups.push(() => server.close());
    const result = await server.client.callTool({ name: 'book_meeting', arguments: booking('09:00') });
    const output = result.structuredContent as {
      status: string;
      providers: Array<{ status: string; error?: { code: string; message: string }; remedy?: string }>;
    };
    expect(result.isError).toBe(true);
    expect(output.status).toBe('failed');
    expect(output.providers[0]).toMatchObject({
      status: 'failed',
      error: { code: 'secret_store_unavailable', message: expect.stringContaining('OS keychain') },
      remedy: expect.stringContaining('the OS keychain is not reachable'),
    });
    expect(toolText(result)).toMatch(/OS keychain is not reachable.*ALSATALK_SECRET_STORE=file/s);
    expect(zoom.state.meetings.length).toBe(meetingsBefore);
    // Still serving.
    expect((await server.client.listTools()).tools.map((t) => t.name)).toContain('book_meeting');
    expect(server.errors).toEqual([]);
  });
});

/**
 * A Secret Service of this test's own (a private session bus and GNOME Keyring in a temporary HOME), because locking the
 * shared one would fail every other test file running beside this one.
 */
interface PrivateKeyring {
  address: string;
  locked(): Promise<boolean>;
  lock(): Promise<void>;
  /**
   * What a person does headless to unlock it: restart the daemon unlocked with the keyring's password. Resolves once the
   * new daemon owns the Secret Service and its login keyring is unlocked, whether or not the old one was locked.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const keyringTools = ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon'].filter(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
);

/**
 * A session bus that activates nothing: a call to a name nobody owns fails, instead of starting a second, locked keyring
 * (or a prompt window) from the system's service files.
 */
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=${os.tmpdir()}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`;

async function startPrivateKeyring(): Promise<PrivateKeyring> {
  const keyringHome = tempHome('keyring');
  const children: ChildProcess[] = [];
  const close = async (): Promise<void> => {
    const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
    await Promise.all(
      running.reverse().map((child) => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'))),
    );
  };
  cleanups.push(close);
  const configFile = path.join(keyringHome, 'bus.conf');
  writeFileSync(configFile, busConfig);
  // No display: an unlock prompt must fail at once, never wait for a person at a desktop.
  const { DISPLAY: _display, WAYLAND_DISPLAY: _wayland, ...base } = process.env;
  const bus = spawn('dbus-daemon', [`--config-file=${configFile}`, '--nofork', '--nopidfile', '--print-address=1'], {
    env: { ...base, HOME: keyringHome },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(bus);
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    bus.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
    });
    bus.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code})`)));
  });
  const env = {
    ...base,
    HOME: keyringHome,
    XDG_DATA_HOME: path.join(keyringHome, '.local', 'share'),
    DBUS_SESSION_BUS_ADDRESS: address,
  };
  const startDaemon = (replace: boolean): void => {
    const daemon = spawn(
      'gnome-keyring-daemon',
      [...(replace ? ['--replace'] : []), '--foreground', '--unlock', '--components=secrets'],
      { env, stdio: ['pipe', 'ignore', 'ignore'] },
    );
    children.push(daemon);
    daemon.stdin.end('throwaway');
  };
  const lockedState = async (): Promise<boolean | undefined> => {
    const answer = await runProcess(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.secrets',
        '/org/freedesktop/secrets/collection/login',
        'org.freedesktop.DBus.Properties.Get',
        'string:org.freedesktop.Secret.Collection',
        'string:Locked',
      ],
      { env },
    );
    return answer.code !== 0 ? undefined : /boolean true/.test(answer.stdout);
  };
  const owner = async (): Promise<string | undefined> => {
    const answer = await runProcess(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.GetNameOwner',
        'string:org.freedesktop.secrets',
      ],
      { env },
    );
    return answer.code !== 0 ? undefined : /string "([^"]+)"/.exec(answer.stdout)?.[1];
  };
  const until = async (wanted: boolean): Promise<void> => {
    for (let i = 0; i < 200; i += 1) {
      if ((await lockedState()) === wanted) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the private keyring's login collection never became ${wanted ? 'locked' : 'unlocked'}`);
  };
  startDaemon(false);
  await until(false);
  return {
    address,
    locked: async () => (await lockedState()) === true,
    async lock() {
      const answer = await runProcess(
        'dbus-send',
        [
          '--session',
          '--print-reply',
          '--dest=org.freedesktop.secrets',
          '/org/freedesktop/secrets',
          'org.freedesktop.Secret.Service.Lock',
          'array:objpath:/org/freedesktop/secrets/collection/login',
        ],
        { env },
      );
      expect(answer.code, answer.stderr).toBe(0);
      await until(true);
    },
    async restart() {
      const before = await owner();
      startDaemon(true);
      // No owner for a moment is the old daemon gone; until() then waits for the new one to answer.
      await expect.poll(owner, { timeout: 10_000, interval: 50 }).not.toBe(before);
      await until(false);
    },
    close,
  };
}

describe('the OS keychain is locked', () => {
  if (keyringTools.length > 0) {
    it.skip(`needs ${keyringTools.join(', ')} (apt-get install -y dbus gnome-keyring) to lock a keychain of its own`, () =>
      undefined);
    process.stderr.write(`[storage-faults] locked-keychain case skipped: ${keyringTools.join(', ')} not installed\n`);
    return;
  }

  it(
    'connect and book_meeting say the keychain is locked and how to unlock it, then work once it is unlocked',
    { timeout: 60_000 },
    async () => {
      const keyring = await startPrivateKeyring();
      const home = tempHome('locked');
      const env = keychainEnv(home, { DBUS_SESSION_BUS_ADDRESS: keyring.address });
      const zoomConnect = await connectZoom(env);
      expect(zoomConnect.code, zoomConnect.stderr).toBe(0);

      await keyring.lock();
      const attempt = await connectResend(env);
      expectCleanFailure(
        attempt,
        /the OS keychain is locked/,
        /unlock the OS keychain, then retry/,
        /gnome-keyring-daemon --replace --unlock/,
      );
      expect(connectors(home)).toEqual(['zoom']);

      const server = await startStdioServer(env);
      cleanups.push(() => server.close());
      const meetingsBefore = zoom.state.meetings.length;
      const locked = await server.client.callTool({ name: 'book_meeting', arguments: booking('10:00') });
      expect(locked.isError).toBe(true);
      expect((locked.structuredContent as { providers: unknown[] }).providers[0]).toMatchObject({
        status: 'failed',
        error: { code: 'secret_store_unavailable', message: expect.stringContaining('the OS keychain is locked') },
        remedy: expect.stringContaining('unlock the OS keychain'),
      });
      expect(zoom.state.meetings.length).toBe(meetingsBefore);
      expect(await keyring.locked()).toBe(true);

      await keyring.restart();
      const again = await connectResend(env);
      expect(again.code, again.stderr).toBe(0);
      expect(connectors(home)).toEqual(['resend', 'zoom']);
      const booked = await server.client.callTool({ name: 'book_meeting', arguments: booking('10:00') });
      expect((booked.structuredContent as { status: string }).status, toolText(booked)).toBe('booked');
      expect(server.errors).toEqual([]);
    },
  );

  it(
    'a keyring daemon restarted while the server runs: the next booking reads the secrets as before',
    { timeout: 60_000 },
    async () => {
      const keyring = await startPrivateKeyring();
      const home = tempHome('restarted');
      const env = keychainEnv(home, { DBUS_SESSION_BUS_ADDRESS: keyring.address });
      expect((await connectZoom(env)).code).toBe(0);
      expect((await connectResend(env)).code).toBe(0);
      const server = await startStdioServer(env);
      cleanups.push(() => server.close());
      const first = await server.client.callTool({ name: 'book_meeting', arguments: booking('09:00') });
      expect((first.structuredContent as { status: string }).status, toolText(first)).toBe('booked');

      // The server's keychain sessions belonged to the daemon that is now gone. Connecting Zoom again makes the server
      // read Zoom's secret anew at the next booking.
      await keyring.restart();
      expect((await connectZoom(env)).code).toBe(0);
      const meetingsBefore = zoom.state.meetings.length;
      const second = await server.client.callTool({ name: 'book_meeting', arguments: booking('11:00') });
      expect((second.structuredContent as { status: string }).status, toolText(second)).toBe('booked');
      expect(zoom.state.meetings.length).toBe(meetingsBefore + 1);
      expect(server.errors).toEqual([]);
    },
  );
});

/** Another process holding the database's write lock (BEGIN EXCLUSIVE) until `release`. */
async function holdWriteLock(file: string): Promise<{ release(): Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
    process.stdin.once('end', () => process.exit(0));`;
  const holder = spawn(process.execPath, ['-e', script, file], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  cleanups.push(() => void (holder.exitCode === null && holder.kill()));
  let stderr = '';
  holder.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`the lock holder exited (${code}): ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  return {
    async release() {
      holder.stdin.write('release\n');
      await exited;
    },
  };
}

describe('the database is locked by another process', () => {
  it(
    'connect and book_meeting wait, then name the lock and the fix, write nothing, and succeed once it is released',
    { timeout: 90_000 },
    async () => {
      const home = tempHome('dblock');
      const env = childEnv(fakeEnv(home, [zoom, resend]));
      cleanups.push(async () => {
        await runCli(['disconnect', 'zoom'], env);
        await runCli(['disconnect', 'resend'], env);
      });
      const zoomConnect = await connectZoom(env);
      expect(zoomConnect.code, zoomConnect.stderr).toBe(0);
      const server = await startStdioServer(env);
      cleanups.push(() => server.close());
      const meetingsBefore = zoom.state.meetings.length;

      const lock = await holdWriteLock(path.join(home, 'alsatalk.db'));
      // Both wait out the busy timeout at once, each in its own process.
      const [booked, connected] = await Promise.all([
        server.client.callTool({ name: 'book_meeting', arguments: booking('16:00') }),
        connectResend(env),
      ]);
      expect(booked.isError).toBe(true);
      expect(toolText(booked)).toMatch(/database alsatalk\.db is locked by another process \(SQLITE_BUSY\)/);
      expect(toolText(booked)).toMatch(
        /close the other program writing to it \(another alsatalk-mcp.*wait a moment, then retry/,
      );
      expectCleanFailure(
        connected,
        /database alsatalk\.db is locked by another process \(SQLITE_BUSY\)/,
        /close the other program writing to it/,
      );

      await lock.release();
      // Nothing half-written: no booking row, no meeting, no connection row, and no secret left in the store for it.
      expect(rows(home, 'SELECT id FROM bookings')).toEqual([]);
      expect(zoom.state.meetings.length).toBe(meetingsBefore);
      expect(connectors(home)).toEqual(['zoom']);
      const secrets = await openSecretStore(loadConfig(env, configSpecs).secretStore);
      expect(await secrets.get(secretAccount('resend', 'api_key'))).toBeNull();

      const reconnected = await connectResend(env);
      expect(reconnected.code, reconnected.stderr).toBe(0);
      const rebooked = await server.client.callTool({ name: 'book_meeting', arguments: booking('16:00') });
      expect((rebooked.structuredContent as { status: string }).status, toolText(rebooked)).toBe('booked');
      expect(rows(home, 'SELECT status FROM bookings')).toEqual([{ status: 'booked' }]);
      expect(server.errors).toEqual([]);
    },
  );
});

describe('the database is locked while a provider is booking', () => {
  it(
    'returns what Zoom did, says the record is incomplete, and the repeat finds the meeting instead of making another',
    { timeout: 90_000 },
    async () => {
      // The sandbox, for its latency control: Zoom's create is held until the lock is in place, then makes the meeting.
      const home = tempHome('dblock-mid');
      const arrived: string[] = [];
      const sandbox = await startSandbox({
        outbox: path.join(home, 'outbox'),
        onArrived: (request) => arrived.push(request.route),
      });
      cleanups.push(() => sandbox.close());
      const env = {
        ...sandbox.env,
        ALSATALK_HOME: home,
        ALSATALK_DEFAULT_TIMEZONE: 'America/New_York',
        ALSATALK_LOG_LEVEL: 'warn',
        ALSATALK_PROVIDER_TIMEOUT_MS: '60000',
        PATH: process.env.PATH ?? '',
      };
      await connectAll(sandbox, env, ['zoom'], () => undefined);
      const server = await startStdioServer(env);
      cleanups.push(() => server.close());
      sandbox.controls.setLatency({ target: 'zoom:POST /zoom/v2/users/:userId/meetings', ms: 60_000 });

      const call = server.client.callTool({ name: 'book_meeting', arguments: booking('14:00') });
      // Zoom's create is on its way (past the conflict check, whose pass was recorded): now the database locks.
      const create = 'zoom:POST /zoom/v2/users/:userId/meetings';
      await expect.poll(() => arrived.includes(create), { timeout: 10_000 }).toBe(true);
      expect(rows(home, 'SELECT conflict_check FROM bookings')).toEqual([{ conflict_check: 'passed' }]);
      const lock = await holdWriteLock(path.join(home, 'alsatalk.db'));
      sandbox.controls.clear();
      // Held past Zoom's answer and the 5 s the server waits to record it (it says so on stderr); released before the
      // e-mail is recorded.
      await expect
        .poll(() => server.stderr(), { timeout: 30_000 })
        .toContain('a booking outcome could not be recorded');
      await lock.release();
      const first = await call;
      const output = first.structuredContent as {
        status: string;
        providers: Array<{ provider: string; status: string; meeting_id?: string }>;
        notes?: string[];
      };
      expect(output.providers[0]).toMatchObject({
        provider: 'zoom',
        status: 'booked',
        meeting_id: String(sandbox.fakes.zoom.state.meetings.at(-1)?.id),
      });
      expect(output.notes?.join(' ')).toMatch(
        /Part of this result could not be recorded \(The database alsatalk\.db is locked by another process/,
      );
      expect(output.notes?.join(' ')).toContain('repeating the same call is safe');
      expect(rows(home, 'SELECT status FROM booking_results')).toEqual([{ status: 'pending' }]);

      const again = await server.client.callTool({ name: 'book_meeting', arguments: booking('14:00') });
      const repeated = again.structuredContent as {
        status: string;
        providers: Array<{ status: string; meeting_id?: string; note?: string }>;
      };
      expect(repeated.providers[0]).toMatchObject({ status: 'booked', meeting_id: output.providers[0]?.meeting_id });
      expect(repeated.providers[0]?.note).toContain('nothing new was created');
      expect(sandbox.holdings().zoom).toBe(1);
      expect(rows(home, 'SELECT status FROM booking_results')).toEqual([{ status: 'booked' }]);
    },
  );
});

/**
 * Root writes anywhere, whatever the modes say (CI runs as root): there, the server runs as `nobody`, which can read the
 * project but not the folder under test; anyone else simply takes the write bit off their own folder.
 */
const asRoot = process.getuid?.() === 0;
const nobody = { uid: 65534, gid: 65534 };
const nobodyCannotRun = asRoot
  ? spawnSync(process.execPath, [binPath, '--version'], {
      ...nobody,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    })
  : undefined;
const skipReadOnly =
  nobodyCannotRun && nobodyCannotRun.status !== 0
    ? `running as root, and user nobody (65534) cannot run ${binPath} (${(nobodyCannotRun.stderr || String(nobodyCannotRun.error)).trim().split('\n')[0]})`
    : undefined;
if (skipReadOnly) process.stderr.write(`[storage-faults] read-only cases skipped: ${skipReadOnly}\n`);

describe.skipIf(skipReadOnly !== undefined)('the data folder or the database file is read-only', () => {
  /** Runs the CLI as the user under test (nobody when we are root), with a HOME of its own. */
  function runAsUser(args: string[], env: Record<string, string>, stdin: string): Promise<CliResult> {
    const userHome = tempHome('user');
    if (asRoot) chownSync(userHome, nobody.uid, nobody.gid);
    return runProcess(process.execPath, [binPath, ...args], {
      env: { ...env, HOME: userHome },
      stdin,
      ...(asRoot ? nobody : {}),
    });
  }

  const envFor = (home: string): Record<string, string> => childEnv({ ...fakeEnv(home, [zoom, resend]), ...fileStore });

  /** connect fails, the server answers book_meeting with the same error as a tool result, and stays up. */
  async function expectRefused(home: string, message: RegExp, hint: RegExp): Promise<void> {
    const env = envFor(home);
    const attempt = await runAsUser(['connect', 'resend', '--api-key-stdin', '--from', from], env, resend.state.apiKey);
    expectCleanFailure(attempt, message, hint);

    const userHome = tempHome('user');
    if (asRoot) chownSync(userHome, nobody.uid, nobody.gid);
    const server = startRawServer({ ...env, HOME: userHome }, asRoot ? nobody : {});
    cleanups.push(() => server.close());
    await server.initialize();
    const answer = await server.request('book', 'tools/call', { name: 'book_meeting', arguments: booking('12:00') });
    expect((answer.result as { isError?: boolean }).isError).toBe(true);
    expect(textOf(answer)).toMatch(message);
    expect(textOf(answer)).toMatch(hint);
    expect((await server.request('list', 'tools/list')).result).toMatchObject({
      tools: expect.arrayContaining([expect.objectContaining({ name: 'book_meeting' })]),
    });
    expect(textOf(answer)).not.toMatch(stackFrame);
    expectOnlyJsonRpc(server.lines);
    expect(server.child.exitCode).toBeNull();
    await server.close();
  }

  it('a data folder the server cannot write', { timeout: 60_000 }, async () => {
    const home = tempHome('readonly-folder');
    // Root's 0755 folder is read-only to nobody; our own 0500 folder is read-only to us.
    chmodSync(home, asRoot ? 0o755 : 0o500);
    const folder = home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await expectRefused(
      home,
      new RegExp(`The data folder ${folder} is not writable \\(EACCES\\)`),
      /chmod u\+rwx .*or point ALSATALK_HOME at a folder you own/,
    );
    expect(existsSync(path.join(home, 'alsatalk.db'))).toBe(false);
  });

  it('a writable folder whose database file is read-only', { timeout: 60_000 }, async () => {
    const home = tempHome('readonly-file');
    const file = path.join(home, 'alsatalk.db');
    openDatabase(file).close();
    if (asRoot) {
      chownSync(home, nobody.uid, nobody.gid);
      chownSync(file, nobody.uid, nobody.gid);
    }
    chmodSync(file, 0o400);
    const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await expectRefused(
      home,
      new RegExp(`The database file ${escaped} is read-only \\(EACCES\\)`),
      /chmod u\+rw .*or point ALSATALK_HOME at a folder you own/,
    );
    // Refused, not quietly made writable again.
    expect(statSync(file).mode & 0o777).toBe(0o400);
  });
});

describe('garbage on stdin', () => {
  it(
    'drops what is not JSON-RPC, answers what is, keeps stdout pure JSON-RPC, and stays up',
    { timeout: 60_000 },
    async () => {
      const server = startRawServer(
        childEnv({ ...fakeEnv(tempHome('garbage'), [zoom, resend]), ...fileStore, ALSATALK_LOG_LEVEL: 'warn' }),
      );
      cleanups.push(() => server.close());
      const huge = 'y'.repeat(1024 * 1024);
      for (const line of [
        'this is not json',
        '{"hello":1}',
        '[]',
        '"x"',
        '{"jsonrpc":"2.0","id":',
        '{"jsonrpc":"1.0","id":7,"method":"ping"}',
        huge,
      ])
        server.write(line);
      const unknownMethod = server.request('unknown', 'no/such/method', {});
      const noParams = server.request('no-params', 'tools/call');
      const initialized = await server.initialize();
      const listed = await server.request('list', 'tools/list');
      // A well-formed 1 MB request is read whole and refused by the tool's own validation.
      const big = await server.request('big', 'tools/call', {
        name: 'book_meeting',
        arguments: { ...booking('13:00'), customer_name: huge },
      });

      expect((await unknownMethod).error).toMatchObject({ code: -32601 });
      // The SDK answers a request it cannot parse with an error for its id (-32603 in SDK 1.x; -32602 is what the spec asks).
      expect((await noParams).error).toMatchObject({
        code: expect.any(Number),
        message: expect.stringContaining('params'),
      });
      expect(initialized.result).toMatchObject({ serverInfo: { name: 'alsatalk-mcp' } });
      expect((listed.result as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['book_meeting', 'connect_provider']),
      );
      expect(big.result).toMatchObject({ isError: true });
      expect(textOf(big)).toMatch(/customer_name/);

      expectOnlyJsonRpc(server.lines);
      // The garbage got no answer, or only the spec's own: a parse error (-32700) or an invalid request (-32600), for id null.
      const answered = server.lines.map((line) => JSON.parse(line) as { id?: unknown; error?: { code: number } });
      for (const message of answered.filter(
        (m) => !['"unknown"', '"no-params"', '"init"', '"list"', '"big"'].includes(JSON.stringify(m.id)),
      )) {
        expect(message.id, JSON.stringify(message)).toBeNull();
        expect([-32700, -32600]).toContain(message.error?.code);
      }
      expect(server.child.exitCode).toBeNull();
      expect(server.stderr()).toContain('ignored a line on stdin that is not JSON');
      expect(server.stderr()).toContain('ignored a line on stdin that is JSON but not a JSON-RPC 2.0 message');
      expect(server.stderr()).not.toMatch(stackFrame);
    },
  );
});
