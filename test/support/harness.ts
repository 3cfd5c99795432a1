// A real server wired with real storage (a temp SQLite file, the real keychain or the file store) and a real MCP Client.
// Only the network edge is faked: msw serves the fakes' routes (src/sandbox/fakes), which behave like the providers.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import type { ClientCapabilities, McpServer } from '@modelcontextprotocol/server';
import { Client } from '@modelcontextprotocol/client';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { openContext, openRuntime, type AppContext } from '../../src/runtime.js';
import { toolDeps } from '../../src/tool-deps.js';
import { resend as resendConnector } from '../../src/email/resend-connector.js';
import { meetingProviders } from '../../src/providers/index.js';
import type { Connector, MeetingProvider } from '../../src/providers/provider.js';
import { createServer } from '../../src/server.js';
import type { BackgroundSignIns } from '../../src/connections/background-sign-in.js';
import { runConnect } from '../../src/commands/connect.js';
import { runDisconnect } from '../../src/commands/disconnect.js';
import type { FakeRoute } from '../../src/sandbox/fake-http.js';
import { followConsentPage } from '../../src/sandbox/consent.js';
import { mswHandler } from '../msw/handlers.js';
import { createResendFake, type ResendFake } from '../../src/sandbox/fakes/resend.js';
import { createZoomFake, type ZoomFake } from '../../src/sandbox/fakes/zoom.js';
import { secretStoreEnv } from './keychain.js';

/** What every provider fake offers: its routes, and the environment that points the server at them. */
export interface Fake {
  routes: FakeRoute[];
  env: Record<string, string>;
}

export interface HarnessOptions {
  /** The meeting providers the server offers (default: the registry). */
  providers?: readonly MeetingProvider[];
  /** Fakes for providers beyond Zoom and Resend. */
  extra?: readonly Fake[];
}

export interface Harness {
  home: string;
  env: Record<string, string>;
  zoom: ZoomFake;
  resend: ResendFake;
  extra: readonly Fake[];
  registry: readonly Connector[];
  ctx: AppContext;
  client: Client;
  output: string[];
  /** Runs `connect <id> ...args` with `stdin` as the piped input. */
  connect(id: string, args: string[], stdin?: string): Promise<void>;
  /** `connect` with another browser (one that forges a callback, or never comes back) and sign-in time limit. */
  connectWith(
    id: string,
    args: string[],
    options: {
      stdin?: string;
      openBrowser?: (url: string) => Promise<boolean>;
      signInTimeoutMs?: number;
      env?: Record<string, string>;
    },
  ): Promise<void>;
  connectZoom(extra?: string[]): Promise<void>;
  connectResend(key?: string): Promise<void>;
  /** Sign-ins started by connect_provider. */
  signIns: BackgroundSignIns;
  /** Another MCP client on another server instance over the same storage, declaring these capabilities (elicitation). */
  connectClient(capabilities: ClientCapabilities): Promise<Client>;
  /** Runs `disconnect <id>`. */
  disconnect(id: string): Promise<void>;
  close(): Promise<void>;
}

/** Plays the person at the browser during `connect`: the fakes' consent pages approve at once. */
export const followSignIn = followConsentPage;

/**
 * The keychain service of every harness in this test file's process. The harness reads and writes secrets in this
 * process, and each keychain entry holds a D-Bus connection until it is garbage-collected: one service per file keeps
 * those to one per secret (src/storage/keychain.ts). A file's tests run one after another, and close() deletes them.
 */
const harnessKeychainService = `alsatalk-mcp-test-${randomUUID()}`;

/**
 * @param service the keychain service (default: a new one, for a home whose secrets only child processes touch)
 */
export function fakeEnv(home: string, fakes: readonly Fake[], service?: string): Record<string, string> {
  return {
    ALSATALK_HOME: home,
    ALSATALK_DEFAULT_TIMEZONE: 'America/New_York',
    ALSATALK_PROVIDER_TIMEOUT_MS: '5000',
    ALSATALK_LOG_LEVEL: 'error',
    // The fakes here enforce no provider limits unless a test sets them, so the server paces none either; a test of
    // the pacing gives its own values in a fake's env (the sandbox keeps the documented ones).
    ALSATALK_ZOOM_CREATES_PER_SECOND: '100000',
    ALSATALK_CALENDLY_TOKENS_PER_MINUTE: '100000',
    ...Object.assign({}, ...fakes.map((f) => f.env)),
    ...secretStoreEnv(service),
  };
}

/** Builds the harness; the caller registers every fake's routes with its msw server. */
export async function createHarness(
  zoom = createZoomFake(),
  resend = createResendFake(),
  options: HarnessOptions = {},
): Promise<Harness> {
  const providers = options.providers ?? meetingProviders;
  const extra = options.extra ?? [];
  const registry: readonly Connector[] = [...providers, resendConnector];
  const home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-test-'));
  const env = fakeEnv(home, [zoom, resend, ...extra], harnessKeychainService);
  const ctx = await openContext(env);
  const output: string[] = [];
  const io = (stdin?: string) => ({
    out: (line: string) => output.push(line),
    openBrowser: followSignIn,
    ...(stdin !== undefined ? { stdin: Readable.from([stdin]) } : {}),
  });
  // The same composition root as `serve`, over this test's storage and providers.
  const runtime = openRuntime(ctx, { providers, connectors: registry });
  const { signIns } = runtime;
  const extraServers: McpServer[] = [];
  const deps = toolDeps(
    { get: async () => runtime, opened: () => runtime },
    { defaultTimezone: ctx.config.defaultTimezone, log: ctx.log, providers, connectors: registry },
  );
  const server = createServer(deps);
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  const connect = (id: string, args: string[], stdin?: string) => runConnect(ctx, [id, ...args], io(stdin), registry);
  const connectWith: Harness['connectWith'] = (id, args, options) =>
    runConnect(
      ctx,
      [id, ...args],
      {
        ...io(options.stdin),
        ...(options.openBrowser ? { openBrowser: options.openBrowser } : {}),
        ...(options.signInTimeoutMs !== undefined ? { signInTimeoutMs: options.signInTimeoutMs } : {}),
        ...(options.env ? { env: options.env } : {}),
      },
      registry,
    );
  return {
    home,
    env,
    zoom,
    resend,
    extra,
    registry,
    ctx,
    client,
    output,
    connect,
    connectWith,
    connectZoom: (more = []) =>
      connect(
        'zoom',
        ['--account-id', zoom.state.accountId, '--client-id', zoom.state.clientId, '--client-secret-stdin', ...more],
        zoom.state.clientSecret,
      ),
    connectResend: (key = resend.state.apiKey) =>
      connect('resend', ['--api-key-stdin', '--from', 'Acme Scheduling <meet@acme.test>'], key),
    disconnect: (id: string) => runDisconnect(ctx, [id], io(), registry),
    signIns,
    async connectClient(capabilities: ClientCapabilities) {
      const other = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities });
      const otherServer = createServer(deps);
      const [a, b] = InMemoryTransport.createLinkedPair();
      await Promise.all([otherServer.connect(b), other.connect(a)]);
      extraServers.push(otherServer);
      return other;
    },
    async close() {
      await signIns.close();
      await client.close();
      await server.close();
      for (const s of extraServers) await s.close();
      // Leave nothing behind in the real keychain.
      for (const c of registry) await runDisconnect(ctx, [c.id], io(), registry);
      ctx.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Registers msw (unhandled requests are errors) and a fresh harness around every test of the calling file.
 * @param options.extra builds this test's extra fakes (called before each test)
 * @returns the current test's harness
 */
export function useHarness(
  options: { providers?: readonly MeetingProvider[]; extra?: () => Fake[] } = {},
): () => Harness {
  const msw = setupServer();
  let current: Harness | undefined;
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  // The OAuth loopback listener is real: requests to it go through untouched.
  const loopback = http.all(/^http:\/\/(127\.0\.0\.1|localhost):\d+\//, () => passthrough());
  beforeEach(async () => {
    const zoom = createZoomFake();
    const resend = createResendFake();
    const extra = options.extra?.() ?? [];
    msw.use(loopback, mswHandler([...zoom.routes, ...resend.routes, ...extra.flatMap((f) => f.routes)]));
    current = await createHarness(zoom, resend, {
      extra,
      ...(options.providers ? { providers: options.providers } : {}),
    });
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
    msw.resetHandlers();
  });
  afterAll(() => msw.close());
  return () => {
    if (!current) throw new Error('useHarness: no harness outside a test');
    return current;
  };
}
