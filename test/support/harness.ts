// A real server wired with real storage (a temp SQLite file, the real keychain or the file store) and a real MCP Client.
// Only the network edge is faked, by msw handlers that behave like the providers.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { BookingService } from '../../src/booking/book-meeting.js';
import { openContext, type AppContext } from '../../src/context.js';
import { meetingProviders, providerIds } from '../../src/providers/index.js';
import { createServer } from '../../src/server.js';
import { runConnect } from '../../src/setup/connect.js';
import { runDisconnect } from '../../src/setup/disconnect.js';
import { createResendFake, type ResendFake } from '../msw/resend.js';
import { createZoomFake, type ZoomFake } from '../msw/zoom.js';
import { secretStoreEnv } from './keychain.js';

export interface Harness {
  home: string;
  env: Record<string, string>;
  zoom: ZoomFake;
  resend: ResendFake;
  ctx: AppContext;
  client: Client;
  output: string[];
  connectZoom(extra?: string[]): Promise<void>;
  connectResend(key?: string): Promise<void>;
  close(): Promise<void>;
}

export function fakeEnv(home: string, zoom: ZoomFake, resend: ResendFake): Record<string, string> {
  return {
    ALSATALK_HOME: home,
    ALSATALK_ZOOM_API_URL: zoom.apiBase,
    ALSATALK_ZOOM_OAUTH_URL: zoom.oauthBase,
    ALSATALK_RESEND_API_URL: resend.apiBase,
    ALSATALK_DEFAULT_TIMEZONE: 'America/New_York',
    ALSATALK_PROVIDER_TIMEOUT_MS: '5000',
    ALSATALK_LOG_LEVEL: 'error',
    ...secretStoreEnv(),
  };
}

/** Builds the harness; the caller registers `zoom.handlers` and `resend.handlers` with its msw server. */
export async function createHarness(zoom = createZoomFake(), resend = createResendFake()): Promise<Harness> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-test-'));
  const env = fakeEnv(home, zoom, resend);
  const ctx = await openContext(env);
  const output: string[] = [];
  const io = (stdin?: string) => ({ out: (line: string) => output.push(line), ...(stdin !== undefined ? { stdin: Readable.from([stdin]) } : {}) });
  const booking = new BookingService({ ...ctx, providers: meetingProviders });
  const server = createServer({ booking, providers: meetingProviders, providerIds, defaultTimezone: ctx.config.defaultTimezone, log: ctx.log });
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    home,
    env,
    zoom,
    resend,
    ctx,
    client,
    output,
    connectZoom: (extra = []) =>
      runConnect(ctx, ['zoom', '--account-id', zoom.state.accountId, '--client-id', zoom.state.clientId, '--client-secret-stdin', ...extra], io(zoom.state.clientSecret)),
    connectResend: (key = resend.state.apiKey) => runConnect(ctx, ['resend', '--api-key-stdin', '--from', 'Acme Scheduling <meet@acme.test>'], io(key)),
    async close() {
      await client.close();
      await server.close();
      // Leave nothing behind in the real keychain.
      for (const id of ['zoom', 'resend']) await runDisconnect(ctx, [id], io());
      ctx.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Registers msw (unhandled requests are errors) and a fresh harness around every test of the calling file.
 * @returns the current test's harness
 */
export function useHarness(): () => Harness {
  const msw = setupServer();
  let current: Harness | undefined;
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  beforeEach(async () => {
    const zoom = createZoomFake();
    const resend = createResendFake();
    msw.use(...zoom.handlers, ...resend.handlers);
    current = await createHarness(zoom, resend);
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
