// Secrets stay in the secret store. With every provider connected, booked and made to refresh, no key, client secret,
// token, code or PKCE verifier is in the SQLite file (or its -wal and -shm), a debug log line, the connect output or the
// MCP wire; a provider that echoes a credential back does not get it into the tool result; the data folder and the
// database are the user's alone; and nothing the agent supplies adds a header line to the invitee's e-mail.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import Database from 'better-sqlite3';
import { http, HttpResponse, passthrough, type RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { openContext, openContextWith, openRuntime } from '../../../src/runtime.js';
import { renderInvite, type BookedEntry } from '../../../src/email/invite.js';
import { sendInvite } from '../../../src/email/resend.js';
import { createLogger } from '../../../src/log.js';
import { calendly } from '../../../src/providers/calendly/manifest.js';
import { google } from '../../../src/providers/google/manifest.js';
import type { MeetingProvider } from '../../../src/providers/provider.js';
import { zoho } from '../../../src/providers/zoho/manifest.js';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { respond, type FakeRoute } from '../../../src/sandbox/fake-http.js';
import { createCalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import { createGoogleFake } from '../../../src/sandbox/fakes/google.js';
import { createResendFake } from '../../../src/sandbox/fakes/resend.js';
import { createZohoFake } from '../../../src/sandbox/fakes/zoho.js';
import { createZoomFake } from '../../../src/sandbox/fakes/zoom.js';
import { serveHttp, type RunningHttpServer } from '../../../src/sandbox/http-server.js';
import { createServer } from '../../../src/server.js';
import { toolDeps } from '../../../src/tool-deps.js';
import { runConnect } from '../../../src/commands/connect.js';
import { mswHandler } from '../../msw/handlers.js';
import { assertBuilt, binPath, childEnv, runCli, type CliResult } from '../../support/cli.js';
import { futureDate } from '../../support/dates.js';
import { createHarness, fakeEnv, followSignIn, type Harness } from '../../support/harness.js';
import { sampleMeeting } from '../../support/meeting.js';

// ---------------------------------------------------------------------------------------------------------------------
// What counts as a secret: everything the fakes issued or were given, and every credential seen crossing the network.

const createFakes = (base?: string) => ({
  zoom: createZoomFake(base ? { apiBase: `${base}/zoom/v2`, oauthBase: `${base}/zoom` } : {}),
  resend: createResendFake(base ? { apiBase: `${base}/resend` } : {}),
  google: createGoogleFake(base ? { apiBase: `${base}/google/calendar/v3`, tokenBase: `${base}/google-oauth` } : {}),
  calendly: createCalendlyFake(base ? { apiBase: `${base}/calendly`, authBase: `${base}/calendly-auth` } : {}),
  zoho: createZohoFake(base ? { accountsBase: `${base}/zoho-accounts`, apiBase: `${base}/zoho-api` } : {}),
});
type Fakes = ReturnType<typeof createFakes>;

/** The fakes' own records: keys and client secrets, every access and refresh token issued (spent and rotated ones too), every code. */
function issuedSecrets(f: Fakes): string[] {
  return [
    f.zoom.state.clientSecret,
    ...f.zoom.state.tokens.keys(),
    f.zoom.state.refreshToken,
    ...f.zoom.state.spentRefreshTokens,
    ...f.zoom.state.codes.keys(),
    f.resend.state.apiKey,
    f.resend.state.sendingKey,
    f.google.state.clientSecret,
    f.google.state.refreshToken,
    ...f.google.state.tokens.keys(),
    ...f.google.state.codes.keys(),
    f.calendly.state.token,
    f.calendly.oauth.client.secret,
    ...f.calendly.oauth.issuedRefreshTokens,
    ...f.calendly.oauth.accessTokens.keys(),
    ...f.calendly.oauth.codes.keys(),
    f.zoho.state.clientSecret,
    ...f.zoho.state.refreshTokens,
    ...f.zoho.state.issuedRefreshTokens,
    ...f.zoho.state.tokens.keys(),
    ...f.zoho.state.grantCodes.keys(),
    ...f.zoho.state.signInCodes.keys(),
  ].filter((s): s is string => typeof s === 'string');
}

/** Every access token expires now (kept in the records, so the scan still looks for them): the next call must refresh. */
function expireAccessTokens(f: Fakes): void {
  for (const tokens of [
    f.zoom.state.tokens,
    f.google.state.tokens,
    f.calendly.oauth.accessTokens,
    f.zoho.state.tokens,
  ]) {
    for (const token of tokens.keys()) tokens.set(token, 0);
  }
}

const credentialFields = ['client_secret', 'refresh_token', 'access_token', 'code', 'code_verifier', 'token'];

/** Credentials read off the requests and answers themselves: Authorization headers, token forms and answers, sign-in redirects. */
class Wire {
  readonly byKind = new Map<string, Set<string>>();
  readonly #reading: Array<Promise<unknown>> = [];

  #add(kind: string, value: string | null | undefined): void {
    if (!value) return;
    const set = this.byKind.get(kind) ?? new Set<string>();
    set.add(value);
    this.byKind.set(kind, set);
  }

  #params(params: URLSearchParams): void {
    for (const field of credentialFields) this.#add(field, params.get(field));
  }

  #json(value: unknown): void {
    if (!value || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (credentialFields.includes(key) && typeof inner === 'string') this.#add(key, inner);
      else this.#json(inner);
    }
  }

  request(request: Request): void {
    const url = new URL(request.url);
    this.#params(url.searchParams);
    const auth = request.headers.get('authorization') ?? '';
    this.#add('bearer', /^(?:Bearer|Zoho-oauthtoken)\s+(\S+)$/i.exec(auth)?.[1]);
    const basic = /^Basic\s+(\S+)$/i.exec(auth)?.[1];
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      this.#add('client_secret', decoded.slice(decoded.indexOf(':') + 1));
    }
    if ((request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')) {
      this.#reading.push(
        request
          .clone()
          .text()
          .then((text) => this.#params(new URLSearchParams(text))),
      );
    }
  }

  response(response: Response): void {
    const location = response.headers.get('location');
    if (location) this.#params(new URL(location, 'http://127.0.0.1').searchParams);
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      this.#reading.push(
        response
          .clone()
          .json()
          .then(
            (body: unknown) => this.#json(body),
            () => undefined,
          ),
      );
    }
  }

  async all(): Promise<string[]> {
    await Promise.all(this.#reading);
    return [...this.byKind.values()].flatMap((set) => [...set]);
  }
}

/** The fakes' records and the wire, deduplicated; values under 8 characters are ids and flags, not credentials. */
async function allSecrets(fakes: Fakes, wire: Wire): Promise<string[]> {
  return [...new Set([...issuedSecrets(fakes), ...(await wire.all())])].filter((s) => s.length >= 8);
}

/** Each secret found in `text`, as it is and URL-encoded. */
const foundIn = (text: string, secrets: readonly string[]): string[] =>
  secrets.filter((s) => text.includes(s) || text.includes(encodeURIComponent(s)));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** `file: secret` for each secret whose UTF-8 bytes are in a file of the data folder (the database, -wal, -shm, anything else). */
function leaksOnDisk(dir: string, secrets: readonly string[]): string[] {
  return filesUnder(dir).flatMap((file) => {
    const bytes = readFileSync(file);
    return secrets
      .filter(
        (s) => bytes.includes(Buffer.from(s, 'utf8')) || bytes.includes(Buffer.from(encodeURIComponent(s), 'utf8')),
      )
      .map((s) => `${path.basename(file)}: ${s}`);
  });
}

const mode = (file: string): string => (statSync(file).mode & 0o777).toString(8);

// ---------------------------------------------------------------------------------------------------------------------
// An in-process world: the harness's storage, and a second server over it whose logger is at debug and captured.

const msw = setupServer();
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterAll(() => msw.close());

const allProviders: readonly MeetingProvider[] = [zoom, calendly, google, zoho];
const date = futureDate(40);
const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  customer_phone: '+14155550123',
  booking_date: date,
  booking_time: '14:00',
  timezone: 'America/New_York',
  topic: 'Intro call',
};

interface Entry {
  provider: string;
  status: string;
  note?: string;
  error?: { code: string; message: string };
  remedy?: string;
}
interface Output {
  status: string;
  providers: Entry[];
  email: { status: string; error?: { code: string; message: string }; remedy?: string };
}

interface World {
  h: Harness;
  fakes: Fakes;
  wire: Wire;
  /** Every line the debug logger wrote. */
  logged: string[];
  /** Every line `connect --verbose` printed. */
  said: string[];
  /** Every tool result, whole, as the client received it. */
  results: string[];
  connect(id: string, flags: string[], stdin?: string): Promise<void>;
  book(extra?: Record<string, unknown>): Promise<{ output: Output; text: string; raw: string }>;
  close(): Promise<void>;
}

async function openWorld(providers: readonly MeetingProvider[] = allProviders): Promise<World> {
  const fakes = createFakes();
  const wire = new Wire();
  msw.events.on('request:start', ({ request }) => wire.request(request));
  msw.events.on('response:mocked', ({ response }) => wire.response(response));
  const routes = Object.values(fakes).flatMap((f) => f.routes);
  msw.use(
    http.all(/^http:\/\/(127\.0\.0\.1|localhost):\d+\//, () => passthrough()),
    mswHandler(routes),
  );
  const h = await createHarness(fakes.zoom, fakes.resend, {
    providers,
    extra: [fakes.google, fakes.calendly, fakes.zoho],
  });
  const logged: string[] = [];
  const log = createLogger('debug', (line) => logged.push(line));
  // The harness's storage, opened again with a logger that keeps every line (debug) for the checks below.
  const runtime = openRuntime(await openContextWith(h.ctx.config, log), { providers, connectors: h.registry });
  const server = createServer(
    toolDeps(
      { get: async () => runtime, opened: () => runtime },
      { defaultTimezone: h.ctx.config.defaultTimezone, log, providers, connectors: h.registry },
    ),
  );
  const client = new Client({ name: 'secrets-test', version: '1.0.0' });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  const said: string[] = [];
  const results: string[] = [];
  return {
    h,
    fakes,
    wire,
    logged,
    said,
    results,
    connect: (id, flags, stdin) =>
      runConnect(
        runtime.ctx,
        [id, '--verbose', ...flags],
        {
          out: (line) => said.push(line),
          openBrowser: followSignIn,
          ...(stdin !== undefined ? { stdin: Readable.from([stdin]) } : {}),
        },
        h.registry,
      ),
    async book(extra = {}) {
      const result = await client.callTool({ name: 'book_meeting', arguments: { ...args, ...extra } });
      const raw = JSON.stringify(result);
      results.push(raw);
      return {
        output: result.structuredContent as Output,
        text: (result.content as Array<{ text: string }>)[0]?.text ?? '',
        raw,
      };
    },
    async close() {
      await client.close();
      await server.close();
      await runtime.close();
      await h.close();
      msw.resetHandlers();
      msw.events.removeAllListeners();
    },
  };
}

const connectors = {
  zoomS2S: (w: World) =>
    w.connect(
      'zoom',
      [
        '--account-id',
        w.fakes.zoom.state.accountId,
        '--client-id',
        w.fakes.zoom.state.clientId,
        '--client-secret-stdin',
      ],
      w.fakes.zoom.state.clientSecret,
    ),
  zoomSignIn: (w: World) => w.connect('zoom', ['--client-id', w.fakes.zoom.state.publicClientId]),
  resend: (w: World) =>
    w.connect('resend', ['--api-key-stdin', '--from', 'Acme Scheduling <meet@acme.test>'], w.fakes.resend.state.apiKey),
  googleSignIn: (w: World) =>
    w.connect(
      'google',
      ['--client-id', w.fakes.google.state.clientId, '--client-secret-stdin'],
      `${w.fakes.google.state.clientSecret}\n`,
    ),
  googleRefreshToken: (w: World) =>
    w.connect(
      'google',
      ['--client-id', w.fakes.google.state.clientId, '--client-secret-stdin', '--refresh-token-stdin'],
      `${w.fakes.google.state.clientSecret}\n${w.fakes.google.state.refreshToken}\n`,
    ),
  calendlySignIn: (w: World) => w.connect('calendly', ['--client-id', w.fakes.calendly.oauth.client.id]),
  calendlyToken: (w: World) => w.connect('calendly', ['--token-stdin'], `${w.fakes.calendly.state.token}\n`),
  zohoSignIn: (w: World) =>
    w.connect(
      'zoho',
      [
        '--client-id',
        w.fakes.zoho.state.clientId,
        '--client-secret-stdin',
        '--service',
        'Intro call',
        '--staff',
        'Ann Smith',
      ],
      `${w.fakes.zoho.state.clientSecret}\n`,
    ),
};

// ---------------------------------------------------------------------------------------------------------------------

describe('a full run: every provider connected, booked, and made to refresh every token', () => {
  let w: World;
  let secrets: string[];
  let written: string[];
  const outputs: Output[] = [];

  beforeAll(async () => {
    // Anything that bypasses the logger and writes to the process's own streams is caught too.
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      w = await openWorld();
      for (const connect of [
        connectors.zoomS2S,
        connectors.resend,
        connectors.googleSignIn,
        connectors.calendlySignIn,
        connectors.zohoSignIn,
      ])
        await connect(w);
      outputs.push((await w.book()).output);
      expireAccessTokens(w.fakes);
      outputs.push((await w.book({ booking_time: '15:00' })).output);
      // Zoom again, as a person signing in to a public client: PKCE, and a refresh token that rotates on every refresh.
      await connectors.zoomSignIn(w);
      outputs.push((await w.book({ booking_time: '16:00' })).output);
      expireAccessTokens(w.fakes);
      outputs.push((await w.book({ booking_time: '16:30' })).output);
    } finally {
      written = [...stdout.mock.calls, ...stderr.mock.calls].map((call) => String(call[0]));
      stdout.mockRestore();
      stderr.mockRestore();
    }
    secrets = await allSecrets(w.fakes, w.wire);
  }, 60_000);
  afterAll(async () => w?.close());

  it('booked everywhere and refreshed every kind of token, so there was something to leak', () => {
    expect(
      outputs.map((o) => [o.status, o.email.status, ...o.providers.map((p) => `${p.provider}:${p.status}`)]),
    ).toEqual(Array(4).fill(['booked', 'sent', 'zoom:booked', 'calendly:booked', 'google:booked', 'zoho:booked']));
    const { zoom: z, google: g, calendly: c, zoho: h } = w.fakes;
    expect(z.state.refreshRequests).toBeGreaterThanOrEqual(2); // Zoom's sign-in: rotated at each refresh
    expect(z.state.spentRefreshTokens.size).toBeGreaterThanOrEqual(2);
    expect(c.oauth.issuedRefreshTokens.length).toBeGreaterThanOrEqual(3); // Calendly's sign-in, then a rotation per refresh
    expect(g.state.tokenRequests).toBeGreaterThanOrEqual(3); // sign-in, first booking, after the expiry
    expect(h.state.tokenRequests).toBeGreaterThanOrEqual(3);
    expect(w.wire.byKind.get('code_verifier')?.size).toBe(4); // four PKCE sign-ins: Google, Calendly, Zoho, Zoom
    expect(w.wire.byKind.get('code')?.size).toBeGreaterThanOrEqual(4);
    for (const s of [
      z.state.clientSecret,
      w.fakes.resend.state.apiKey,
      g.state.clientSecret,
      h.state.clientSecret,
      ...z.state.spentRefreshTokens,
      ...c.oauth.issuedRefreshTokens,
    ]) {
      expect(secrets).toContain(s);
    }
    expect(secrets.length).toBeGreaterThan(40);
  });

  it('left no secret in the SQLite file, its -wal or its -shm, nor anywhere else in the data folder', () => {
    const files = filesUnder(w.h.home).map((f) => path.basename(f));
    expect(files).toEqual(expect.arrayContaining(['alsatalk.db', 'alsatalk.db-wal', 'alsatalk.db-shm']));
    expect(leaksOnDisk(w.h.home, secrets)).toEqual([]);
    // And once the WAL is folded into the main file (freed pages included: the raw bytes are read, not the rows).
    w.h.ctx.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    expect(leaksOnDisk(w.h.home, secrets)).toEqual([]);
  });

  it('logged at debug, printed with connect --verbose, and answered on the MCP wire without a secret', () => {
    expect(w.logged.some((l) => l.includes('booking started'))).toBe(true);
    expect(w.said.join('\n')).toContain('Connected Zoho Bookings as');
    expect(w.said.some((l) => l.includes('→ POST'))).toBe(true); // --verbose traced the HTTP calls
    expect(w.results).toHaveLength(4);
    expect(foundIn(w.logged.join('\n'), secrets)).toEqual([]);
    expect(foundIn(w.said.join('\n'), secrets)).toEqual([]);
    expect(foundIn(w.results.join('\n'), secrets)).toEqual([]);
    expect(foundIn(written.join(''), secrets)).toEqual([]);
  });

  it('keeps the data folder 0700 and the database, -wal and -shm 0600', () => {
    expect(mode(w.h.home)).toBe('700');
    for (const file of ['alsatalk.db', 'alsatalk.db-wal', 'alsatalk.db-shm'])
      expect([file, mode(path.join(w.h.home, file))]).toEqual([file, '600']);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

interface EchoCase {
  provider: string;
  connect: Array<(w: World) => Promise<void>>;
  /** The one-off answer that echoes what it was sent; it pushes what it echoed. */
  handler: (w: World, echoed: string[]) => RequestHandler;
  /** Where the failure shows: a provider entry or the e-mail. */
  where: 'provider' | 'email';
  remedy: RegExp;
}

const bearerOf = (request: Request): string =>
  /^(?:Bearer|Zoho-oauthtoken)\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
const formOf = async (request: Request): Promise<URLSearchParams> => new URLSearchParams(await request.text());

const echoCases: Array<[string, EchoCase]> = [
  [
    'Zoom echoes its access token in a 400',
    {
      provider: 'zoom',
      connect: [connectors.zoomS2S],
      where: 'provider',
      remedy: /retry/,
      handler: (w, echoed) =>
        http.post(
          `${w.fakes.zoom.apiBase}/users/:userId/meetings`,
          ({ request }) => {
            echoed.push(bearerOf(request));
            return HttpResponse.json(
              { code: 300, message: `Invalid access token ${bearerOf(request)} for this request.` },
              { status: 400 },
            );
          },
          { once: true },
        ),
    },
  ],
  [
    'Zoom echoes the client secret from the token request',
    {
      provider: 'zoom',
      connect: [connectors.zoomS2S],
      where: 'provider',
      remedy: /npx alsatalk-mcp connect zoom/,
      handler: (w, echoed) =>
        http.post(
          `${w.fakes.zoom.oauthBase}/oauth/token`,
          ({ request }) => {
            const [, secret = ''] = Buffer.from(
              /^Basic (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '',
              'base64',
            )
              .toString()
              .split(':');
            echoed.push(secret);
            return HttpResponse.json(
              { reason: `Invalid client_id or client_secret (${secret})`, error: 'invalid_client' },
              { status: 401 },
            );
          },
          // Every token request: the conflict check's and the booking's.
          { once: false },
        ),
    },
  ],
  [
    'Zoom echoes the rotating refresh token it refuses',
    {
      provider: 'zoom',
      connect: [connectors.zoomSignIn],
      where: 'provider',
      remedy: /npx alsatalk-mcp connect zoom/,
      handler: (w, echoed) =>
        http.post(
          `${w.fakes.zoom.oauthBase}/oauth/token`,
          async ({ request }) => {
            const refresh = (await formOf(request)).get('refresh_token') ?? '';
            echoed.push(refresh);
            return HttpResponse.json({ reason: `Invalid Token! ${refresh}`, error: 'invalid_grant' }, { status: 400 });
          },
          // Every token request: the conflict check's and the booking's.
          { once: false },
        ),
    },
  ],
  [
    'Google echoes its access token in a 403',
    {
      provider: 'google',
      connect: [connectors.googleRefreshToken],
      where: 'provider',
      remedy: /calendar/,
      handler: (w, echoed) =>
        http.post(
          `${w.fakes.google.apiBase}/calendars/:calendarId/events`,
          ({ request }) => {
            echoed.push(bearerOf(request));
            const message = `The caller (access token ${bearerOf(request)}) does not have permission`;
            return HttpResponse.json(
              { error: { code: 403, message, errors: [{ domain: 'global', reason: 'forbidden', message }] } },
              { status: 403 },
            );
          },
          { once: true },
        ),
    },
  ],
  [
    'Google echoes the refresh token and client secret it refuses',
    {
      provider: 'google',
      connect: [connectors.googleRefreshToken],
      where: 'provider',
      remedy: /npx alsatalk-mcp connect google/,
      handler: (w, echoed) =>
        http.post(
          `${w.fakes.google.tokenBase}/token`,
          async ({ request }) => {
            const form = await formOf(request);
            echoed.push(form.get('refresh_token') ?? '', form.get('client_secret') ?? '');
            return HttpResponse.json(
              {
                error: 'invalid_grant',
                error_description: `Token ${form.get('refresh_token')} of client ${form.get('client_secret')} has been expired or revoked.`,
              },
              { status: 400 },
            );
          },
          // Every token request: the conflict check's and the booking's.
          { once: false },
        ),
    },
  ],
  [
    'Calendly echoes its token in a 400',
    {
      provider: 'calendly',
      connect: [connectors.calendlyToken],
      where: 'provider',
      remedy: /./,
      handler: (w, echoed) =>
        http.post(
          `${w.fakes.calendly.apiBase}/invitees`,
          ({ request }) => {
            echoed.push(bearerOf(request));
            return HttpResponse.json(
              { title: 'Invalid Argument', message: `The request made with ${bearerOf(request)} is invalid.` },
              { status: 400 },
            );
          },
          { once: true },
        ),
    },
  ],
  [
    'Resend echoes the API key it refuses',
    {
      provider: 'zoom',
      connect: [connectors.zoomS2S, connectors.resend],
      where: 'email',
      remedy: /npx alsatalk-mcp connect resend/,
      handler: (w, echoed) =>
        http.post(
          `${w.fakes.resend.apiBase}/emails`,
          ({ request }) => {
            echoed.push(bearerOf(request));
            return HttpResponse.json(
              { statusCode: 403, name: 'invalid_api_key', message: `API key ${bearerOf(request)} is invalid` },
              { status: 403 },
            );
          },
          { once: true },
        ),
    },
  ],
];

/** A Zoho Bookings failure inside an HTTP 200 (`{ response: { status: 'failure', message } }`) that quotes the token. */
const zohoEcho: EchoCase = {
  provider: 'zoho',
  connect: [connectors.zohoSignIn],
  where: 'provider',
  remedy: /./,
  handler: (w, echoed) =>
    http.post(
      `${w.fakes.zoho.apiBase}/bookings/v1/json/appointment`,
      ({ request }) => {
        echoed.push(bearerOf(request));
        return HttpResponse.json({
          response: { status: 'failure', message: `Invalid oauthtoken ${bearerOf(request)}` },
        });
      },
      { once: true },
    ),
};

describe('a provider that echoes a credential back in its error', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it.each(echoCases)('%s: the result names the provider and the fix, and holds no secret', (_label, c) =>
    expectEchoMasked(c),
  );
  it('Zoho echoes its access token inside an HTTP 200: masked too', () => expectEchoMasked(zohoEcho));

  async function expectEchoMasked(c: EchoCase): Promise<void> {
    w = await openWorld(allProviders.filter((p) => p.id === c.provider));
    for (const connect of c.connect) await connect(w);
    const echoed: string[] = [];
    msw.use(c.handler(w, echoed));
    const { output, text, raw } = await w.book();
    expect(echoed.filter((s) => s.length >= 8)).toHaveLength(echoed.length); // the fake really echoed something
    expect(echoed.length).toBeGreaterThan(0);

    const display = w.h.registry.find((r) => r.id === (c.where === 'email' ? 'resend' : c.provider))?.displayName ?? '';
    const failure = c.where === 'email' ? output.email : output.providers.find((p) => p.provider === c.provider);
    // A refused Resend key keeps the e-mail in the outbox until `connect resend` (queued, not failed).
    const status = c.where === 'email' ? 'queued' : 'failed';
    expect(failure, text).toMatchObject({ status, remedy: expect.stringMatching(c.remedy) });
    expect(failure?.error?.message).toContain(display.split(' ')[0]);
    expect(text).toContain(display.split(' ')[0]);
    // Still useful: the provider's own words are passed on, with the credential masked.
    expect(failure?.error?.message).toContain('[redacted]');

    const secrets = await allSecrets(w.fakes, w.wire);
    expect(secrets).toEqual(expect.arrayContaining(echoed));
    expect(foundIn(raw, secrets)).toEqual([]);
    expect(foundIn(w.logged.join('\n'), secrets)).toEqual([]);
    expect(leaksOnDisk(w.h.home, secrets)).toEqual([]); // the error message is recorded with the booking
  }
});

// ---------------------------------------------------------------------------------------------------------------------

describe('the built server over stdio, at ALSATALK_LOG_LEVEL=debug', () => {
  let httpServer: RunningHttpServer;
  let fakes: Fakes;
  let home: string;
  let env: Record<string, string>;
  const wire = new Wire();
  let override: ((request: Request) => Promise<Response | undefined>) | undefined;

  beforeAll(async () => {
    assertBuilt();
    let routes: readonly FakeRoute[] = [];
    httpServer = await serveHttp(async (request) => {
      wire.request(request);
      const response = (await override?.(request.clone())) ?? (await respond(routes, request));
      if (response) wire.response(response);
      return response;
    });
    fakes = createFakes(httpServer.url);
    routes = Object.values(fakes).flatMap((f) => f.routes);
    home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-secrets-'));
    env = childEnv({ ...fakeEnv(home, Object.values(fakes)), ALSATALK_LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    if (env) for (const id of ['zoom', 'resend', 'google', 'calendly', 'zoho']) await runCli(['disconnect', id], env);
    await httpServer?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('writes no secret to stderr, to stdout (JSON-RPC only), to the CLI output or to the database, even when Google echoes its token', async () => {
    const { zoom: z, google: g, calendly: c, zoho: h, resend: r } = fakes;
    const cli: CliResult[] = [];
    const run = async (argv: string[], stdin?: string) => {
      const result = await runCli(argv, env, stdin);
      expect(result.code, `${argv.join(' ')}: ${result.stdout}${result.stderr}`).toBe(0);
      cli.push(result);
    };
    await run(
      [
        'connect',
        'zoom',
        '--verbose',
        '--account-id',
        z.state.accountId,
        '--client-id',
        z.state.clientId,
        '--client-secret-stdin',
      ],
      z.state.clientSecret,
    );
    await run(['connect', 'resend', '--verbose', '--api-key-stdin', '--from', 'Acme <meet@acme.test>'], r.state.apiKey);
    await run(
      [
        'connect',
        'google',
        '--verbose',
        '--client-id',
        g.state.clientId,
        '--client-secret-stdin',
        '--refresh-token-stdin',
      ],
      `${g.state.clientSecret}\n${g.state.refreshToken}\n`,
    );
    await run(['connect', 'calendly', '--verbose', '--token-stdin'], c.state.token);
    await run(
      [
        'connect',
        'zoho',
        '--verbose',
        '--client-id',
        h.state.clientId,
        '--client-secret-stdin',
        '--grant-code-stdin',
        '--service',
        'Intro call',
        '--staff',
        'Ann Smith',
      ],
      `${h.state.clientSecret}\n${h.grantCode()}\n`,
    );

    // The built server, with every JSON-RPC message it writes to stdout kept as it arrives.
    const transport = new StdioClientTransport({ command: process.execPath, args: [binPath], env, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: 'secrets-e2e', version: '1.0.0' });
    await client.connect(transport);
    const messages: string[] = [];
    const deliver = transport.onmessage;
    transport.onmessage = (message) => {
      messages.push(JSON.stringify(message));
      deliver?.(message);
    };
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    const echoed: string[] = [];
    try {
      const book = async (time: string) =>
        (await client.callTool({ name: 'book_meeting', arguments: { ...args, booking_time: time } }))
          .structuredContent as Output;
      expect((await book('14:00')).status).toBe('booked');
      expectAll(fakes);
      expireAccessTokens(fakes);
      expect((await book('15:00')).status).toBe('booked');
      // Google echoes the bearer token it refuses, to a process that never saw the token before.
      override = async (request) => {
        if (request.method !== 'POST' || !request.url.startsWith(`${g.apiBase}/calendars/`)) return undefined;
        override = undefined;
        const token = bearerOf(request);
        echoed.push(token);
        const message = `Request had insufficient authentication scopes for ${token}.`;
        return Response.json(
          { error: { code: 403, message, errors: [{ domain: 'global', reason: 'forbidden', message }] } },
          { status: 403 },
        );
      };
      const partial = await book('16:00');
      expect(partial.providers.find((p) => p.provider === 'google')).toMatchObject({
        status: 'failed',
        error: { message: expect.stringContaining('[redacted]') },
      });
    } finally {
      await client.close();
    }
    await run(['status'], undefined);

    const secrets = await allSecrets(fakes, wire);
    expect(secrets).toEqual(expect.arrayContaining(echoed));
    expect(echoed).toHaveLength(1);
    expect(errors).toEqual([]);
    expect(stderr).toContain('booking started'); // the logger did write: there was something to leak into
    expect(messages.length).toBe(3); // the three tool results (the initialize answer came before the tap)
    expect(foundIn(stderr, secrets)).toEqual([]);
    expect(foundIn(messages.join('\n'), secrets)).toEqual([]);
    expect(foundIn(cli.map((x) => x.stdout + x.stderr).join('\n'), secrets)).toEqual([]);
    expect(leaksOnDisk(home, secrets)).toEqual([]);
  }, 90_000);
});

/** Every provider of the stdio run booked once. */
function expectAll(f: Fakes): void {
  expect([
    f.zoom.state.meetings.length,
    f.calendly.state.invitees.length,
    f.google.state.events.length,
    f.zoho.state.appointments.length,
    f.resend.state.emails.length,
  ]).toEqual([1, 1, 1, 1, 1]);
}

// ---------------------------------------------------------------------------------------------------------------------

/** Never garbage: better-sqlite3 12 can abort the process when a Database is collected (see storage/database.ts). */
const keptOpen: Database.Database[] = [];

describe('permissions of the data folder and the database', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-perms-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the data folder 0700 and the database, -wal and -shm 0600, even under a umask that lets everyone read', async () => {
    const home = path.join(root, 'nested', 'alsatalk');
    const previous = process.umask(0);
    let ctx: Awaited<ReturnType<typeof openContext>> | undefined;
    try {
      ctx = await openContext(fakeEnv(home, []));
      ctx.db.exec(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'probe', 'now'); DELETE FROM schema_migrations WHERE version = 999;",
      );
      expect(mode(home)).toBe('700');
      for (const file of ['alsatalk.db', 'alsatalk.db-wal', 'alsatalk.db-shm'])
        expect([file, mode(path.join(home, file))]).toEqual([file, '600']);
    } finally {
      process.umask(previous);
      ctx?.close();
    }
  });

  it('tightens a database file left readable by others, and the WAL it then opens follows', async () => {
    const file = path.join(root, 'alsatalk.db');
    const previous = process.umask(0);
    let ctx: Awaited<ReturnType<typeof openContext>> | undefined;
    try {
      const loose = new Database(file);
      keptOpen.push(loose);
      loose.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);');
      expect(mode(file)).toBe('644');
      loose.close();
      ctx = await openContext(fakeEnv(root, []));
      ctx.db.exec('INSERT INTO t VALUES (2)');
      for (const name of ['alsatalk.db', 'alsatalk.db-wal', 'alsatalk.db-shm'])
        expect([name, mode(path.join(root, name))]).toEqual([name, '600']);
    } finally {
      process.umask(previous);
      ctx?.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe('the e-mail cannot be given header lines, and its HTML escapes what strangers supplied', () => {
  const hostile = '"><script>alert(1)</script>';
  const meeting = sampleMeeting('2031-03-04T14:00', 'America/New_York', {
    customerName: `Eve <script>alert(1)</script>\r\nBcc: victim@example.com`,
    topic: `Q&A <b>now</b>\r\nX-Evil: 1\nSubject: pwned`,
  });
  const entries: BookedEntry[] = [
    {
      provider: 'Zoom <i>',
      meeting: {
        externalId: '1',
        joinUrl: `https://zoom.test/j/1?pwd=a&b=${hostile}`,
        passcode: '<u>pw</u>\r\nBcc: x@example.com',
        reference: { label: 'Meeting ID', value: '<img src=x onerror=alert(1)>' },
        links: [
          { label: '<img src=x onerror=alert(1)>', url: `https://zoom.test/j/1?pwd=a&b=${hostile}` },
          { label: 'Click me', url: 'javascript:alert(1)' },
        ],
      },
    },
  ];

  it('renders a one-line subject and escaped HTML, with only http(s) links', () => {
    for (const update of [false, true]) {
      const invite = renderInvite(meeting, entries, { now: new Date('2031-01-01T00:00:00Z'), update });
      expect(invite.subject).not.toMatch(/[\r\n]/);
      expect(invite.html).not.toMatch(/<script|<img|<u>|<i>|<b>|javascript:|\r/i);
      expect(invite.html).toContain('Eve &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(invite.html).toContain('Q&amp;A &lt;b&gt;now&lt;/b&gt;');
      expect(invite.html).toContain('pwd=a&amp;b=&quot;&gt;&lt;script&gt;');
      for (const [, href] of invite.html.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^https:\/\//);
      for (const line of [...invite.text.split('\n'), ...invite.html.split('\n')])
        expect(line).not.toMatch(/^\s*(Bcc|X-Evil|Subject):/i);
    }
  });

  describe('sent through Resend', () => {
    let w: World;
    beforeEach(async () => {
      w = await openWorld([zoom]);
    });
    afterEach(async () => w.close());

    it('reaches Resend with single-line subject, from and to', async () => {
      const invite = renderInvite(meeting, entries);
      const id = await sendInvite({
        apiKey: w.fakes.resend.state.apiKey,
        baseUrl: w.fakes.resend.apiBase,
        settings: { from: 'Acme Scheduling <meet@acme.test>' },
        to: 'ada@example.com',
        invite,
        idempotencyKey: 'secrets-test-email',
        signal: AbortSignal.timeout(5000),
      });
      const [email] = w.fakes.resend.state.emails;
      expect(email?.id).toBe(id);
      for (const header of [email?.payload.subject, email?.payload.from, ...[email?.payload.to ?? []].flat()])
        expect(header).not.toMatch(/[\r\n]/);
      expect(email?.payload.to).toEqual(['ada@example.com']);
      expect(email?.payload.html).not.toMatch(/<script|<img/i);
    });

    it('refuses a sender with a line break at connect, and stores nothing', async () => {
      await expect(
        w.connect(
          'resend',
          ['--api-key-stdin', '--from', 'Acme\r\nBcc: victim@example.com <meet@acme.test>'],
          w.fakes.resend.state.apiKey,
        ),
      ).rejects.toMatchObject({ field: '--from' });
      expect(w.h.ctx.connections.get('resend')).toBeUndefined();
    });
  });
});
