// The built binary over stdio, driven by a real client of each protocol era against the sandbox: the SDK's v1 Client
// (2025-11-25: `initialize`, server-to-client requests) and its v2 Client pinned to 2026-07-28 (no handshake, no
// session; input asked for with `input_required` and the call retried). Each lists the tools, signs in to
// Microsoft 365 through connect_provider's URL step, and books.
import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as LegacyStdio } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  ElicitationCompleteNotificationSchema,
  ElicitRequestSchema,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { followConsentPage } from '../../../src/sandbox/consent.js';
import type { Sandbox } from '../../../src/sandbox/sandbox.js';
import { binPath, runCli } from '../../support/cli.js';
import { futureDate } from '../../support/dates.js';
import { useSandboxCli } from '../../support/sandbox-cli.js';

const world = useSandboxCli('alsatalk-eras-');
let sandbox: Sandbox;
let env: Record<string, string>;
beforeEach(async () => {
  ({ sandbox, env } = world());
  const resend = await runCli(
    ['connect', 'resend', '--api-key-stdin', '--from', 'Acme <meet@acme.test>'],
    env,
    sandbox.fakes.resend.state.apiKey,
  );
  expect(resend.code, resend.stderr).toBe(0);
});

const tools = ['find_available_slots', 'book_meeting', 'list_bookings', 'reschedule_booking', 'cancel_booking'];

interface ConnectOutput {
  providers: Array<{ id: string; state: string; account?: string; sign_in?: { state: string } }>;
  sign_in?: { provider: string; outcome: string; url?: string; message: string };
}
interface BookOutput {
  status: string;
  booking_id: string;
  providers: Array<{ provider: string; status: string; join_url?: string }>;
}

const booking = () => ({
  customer_name: 'Grace Hopper',
  customer_email: 'grace@example.com',
  booking_date: futureDate(21),
  booking_time: '10:30',
  timezone: 'Europe/Paris',
  providers: ['microsoft'],
});

/** What a client of either SDK offers to call a tool. */
interface ToolCaller {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<object>;
}

/** Calls connect_provider until Microsoft 365 reads as connected (the sign-in finishes in the background). */
async function untilConnected(client: ToolCaller): Promise<ConnectOutput> {
  for (let i = 0; i < 100; i += 1) {
    const result = await client.callTool({ name: 'connect_provider', arguments: { provider: 'microsoft' } });
    const output = (result as { structuredContent?: unknown }).structuredContent as ConnectOutput;
    if (output.providers[0]?.state === 'connected') return output;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('Microsoft 365 never read as connected');
}

/** The six tools, each with its title (also in its annotations) and an output schema. */
function expectEveryTool(
  listed: Array<{
    name: string;
    title?: string;
    annotations?: { title?: string };
    outputSchema?: Record<string, unknown>;
  }>,
): void {
  expect(listed.map((t) => t.name)).toEqual([...tools, 'connect_provider']);
  for (const tool of listed) {
    expect(tool.title, tool.name).toBeTruthy();
    expect(tool.annotations?.title, tool.name).toBe(tool.title);
    expect(tool.outputSchema?.type, tool.name).toBe('object');
  }
}

const outlookEvents = () => sandbox.fakes.microsoft.state.events;

describe('a 2025-11-25 client (the SDK v1 Client)', () => {
  async function connect(capabilities: Record<string, unknown>) {
    const transport = new LegacyStdio({ command: process.execPath, args: [binPath], env, stderr: 'pipe' });
    // What the server answered to `initialize`, read off the wire.
    const received: JSONRPCMessage[] = [];
    const start = transport.start.bind(transport);
    transport.start = async () => {
      const deliver = transport.onmessage;
      transport.onmessage = (message) => {
        received.push(message);
        deliver?.(message);
      };
      return start();
    };
    const client = new LegacyClient({ name: 'host-2025', version: '1.0.0' }, { capabilities });
    await client.connect(transport);
    const initialized = received.find((m) => 'result' in m && 'protocolVersion' in (m.result as object));
    return {
      client,
      protocolVersion: (initialized as unknown as { result: { protocolVersion: string } }).result.protocolVersion,
    };
  }

  it('negotiates 2025-11-25, lists every tool with its schemas, signs in by URL elicitation, and books', async () => {
    const { client, protocolVersion } = await connect({ elicitation: { url: {} } });
    try {
      expect(protocolVersion).toBe('2025-11-25');
      expect(client.getServerVersion()).toMatchObject({ name: 'alsatalk-mcp', icons: [expect.any(Object)] });
      expectEveryTool((await client.listTools()).tools);

      // The sign-in: the server asks the host to open the page (a request to the client), then says when it is done.
      const asked: Array<{ mode?: string; url?: string; elicitationId?: string }> = [];
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        const params = request.params as { mode?: string; url?: string; elicitationId?: string };
        asked.push(params);
        await followConsentPage(params.url ?? '');
        return { action: 'accept' };
      });
      const completed = new Promise<string>((resolve) =>
        client.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => resolve(n.params.elicitationId)),
      );
      const signIn = await client.callTool({ name: 'connect_provider', arguments: { provider: 'microsoft' } });
      expect((signIn.structuredContent as ConnectOutput).sign_in).toMatchObject({
        provider: 'microsoft',
        outcome: 'started',
        message: expect.stringContaining('sign-in page was opened'),
      });
      expect(asked).toEqual([
        expect.objectContaining({ mode: 'url', url: expect.stringContaining(sandbox.origin) as string }),
      ]);
      expect(await completed).toBe(asked[0]?.elicitationId);
      const connected = await untilConnected(client);
      expect(connected.providers[0]).toMatchObject({ state: 'connected', account: expect.any(String) as string });

      const progress: string[] = [];
      const result = await client.callTool({ name: 'book_meeting', arguments: booking() }, undefined, {
        onprogress: (p) => progress.push(p.message ?? ''),
      });
      const output = result.structuredContent as BookOutput;
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(output.providers).toEqual([expect.objectContaining({ provider: 'microsoft', status: 'booked' })]);
      expect(progress).toContain('microsoft: booked');
      expect(outlookEvents()).toHaveLength(1);
      expect(sandbox.fakes.resend.state.emails.at(-1)?.payload.to).toEqual(['grace@example.com']);
    } finally {
      await client.close();
    }
  });
});

describe('a missing client id, asked for with a form', () => {
  /** What the person types into the form and does on the page; the kinds of request the host was sent, in order. */
  const person = () => {
    const asked: string[] = [];
    const answer = async (params: { mode?: string; url?: string; requestedSchema?: { required?: string[] } }) => {
      asked.push(params.mode === 'url' ? 'url' : `form: ${params.requestedSchema?.required?.join(', ')}`);
      if (params.mode !== 'url')
        return { action: 'accept' as const, content: { client_id: sandbox.fakes.microsoft.state.clientId } };
      await followConsentPage(params.url ?? '');
      return { action: 'accept' as const };
    };
    return { asked, answer };
  };
  const withoutAppEnv = () => {
    const rest = { ...env };
    delete rest.ALSATALK_MICROSOFT_CLIENT_ID;
    return rest;
  };

  it('2025-11-25: the form, then the page, and Microsoft 365 is connected with the id typed in', async () => {
    const client = new LegacyClient(
      { name: 'host-2025', version: '1.0.0' },
      { capabilities: { elicitation: { form: {}, url: {} } } },
    );
    await client.connect(
      new LegacyStdio({ command: process.execPath, args: [binPath], env: withoutAppEnv(), stderr: 'pipe' }),
    );
    try {
      const { asked, answer } = person();
      client.setRequestHandler(ElicitRequestSchema, (request) => answer(request.params as never));
      const result = await client.callTool({ name: 'connect_provider', arguments: { provider: 'microsoft' } });
      expect((result.structuredContent as ConnectOutput).sign_in).toMatchObject({ outcome: 'started' });
      expect(asked).toEqual(['form: client_id', 'url']);
      await untilConnected(client);
    } finally {
      await client.close();
    }
  });

  it('2026-07-28: the form and the page as two retried rounds of one call; a declined form connects nothing', async () => {
    const client = new ModernClient(
      { name: 'host-2026', version: '1.0.0' },
      { capabilities: { elicitation: { form: {}, url: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(
      new ModernStdio({ command: process.execPath, args: [binPath], env: withoutAppEnv(), stderr: 'pipe' }),
    );
    try {
      client.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
      const declined = await client.callTool({ name: 'connect_provider', arguments: { provider: 'microsoft' } });
      expect((declined.structuredContent as ConnectOutput).sign_in).toMatchObject({ outcome: 'declined' });
      expect((declined.structuredContent as ConnectOutput).providers[0]).toMatchObject({ state: 'not_connected' });

      const { asked, answer } = person();
      client.setRequestHandler('elicitation/create', (request) => answer(request.params as never));
      const result = await client.callTool({ name: 'connect_provider', arguments: { provider: 'microsoft' } });
      expect((result.structuredContent as ConnectOutput).sign_in).toMatchObject({ outcome: 'started' });
      expect(asked).toEqual(['form: client_id', 'url']);
      await untilConnected(client);
    } finally {
      await client.close();
    }
  });
});

describe('a 2026-07-28 client (the SDK v2 Client, pinned)', () => {
  async function connect(capabilities: Record<string, unknown>) {
    const client = new ModernClient(
      { name: 'host-2026', version: '1.0.0' },
      { capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new ModernStdio({ command: process.execPath, args: [binPath], env, stderr: 'pipe' }));
    expect(client.getProtocolEra()).toBe('modern');
    return client;
  }

  it('lists every tool with its schemas, signs in through the retried call, and books once however often the call is sent', async () => {
    const client = await connect({ elicitation: { url: {} } });
    try {
      expect(client.getServerVersion()).toMatchObject({ name: 'alsatalk-mcp', icons: [expect.any(Object)] });
      expectEveryTool((await client.listTools()).tools);

      // No request reaches the host from the server in this era: the tool's answer asks for the URL step, the client
      // SDK shows it (this handler) and retries the call with the answer, and the retry finishes.
      const asked: Array<{ mode?: string; url?: string }> = [];
      client.setRequestHandler('elicitation/create', async (request) => {
        const params = request.params as { mode?: string; url?: string };
        asked.push(params);
        await followConsentPage(params.url ?? '');
        return { action: 'accept' };
      });
      const signIn = await client.callTool({ name: 'connect_provider', arguments: { provider: 'microsoft' } });
      expect((signIn.structuredContent as ConnectOutput).sign_in).toMatchObject({ provider: 'microsoft' });
      expect(asked).toEqual([
        expect.objectContaining({ mode: 'url', url: expect.stringContaining(sandbox.origin) as string }),
      ]);
      const connected = await untilConnected(client);
      expect(connected.providers[0]).toMatchObject({ state: 'connected', account: expect.any(String) as string });

      const progress: string[] = [];
      const first = await client.callTool(
        { name: 'book_meeting', arguments: booking() },
        { onprogress: (p) => progress.push(p.message ?? '') },
      );
      const output = first.structuredContent as BookOutput;
      expect(first.isError, JSON.stringify(first.content)).toBeFalsy();
      expect(output.providers).toEqual([expect.objectContaining({ provider: 'microsoft', status: 'booked' })]);
      expect(progress).toContain('microsoft: booked');
      expect(outlookEvents()).toHaveLength(1);

      // A 2026-07-28 retry runs the tool again from the top: the ledger answers it with the same booking.
      const retried = await client.callTool({ name: 'book_meeting', arguments: booking() });
      expect((retried.structuredContent as BookOutput).booking_id).toBe(output.booking_id);
      expect(outlookEvents()).toHaveLength(1);
      expect(sandbox.fakes.resend.state.emails).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('stops the sign-in and connects nothing when the person declines the page', async () => {
    const client = await connect({ elicitation: { url: {} } });
    try {
      client.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
      const result = await client.callTool({ name: 'connect_provider', arguments: { provider: 'microsoft' } });
      const output = result.structuredContent as ConnectOutput;
      expect(output.sign_in).toMatchObject({ outcome: 'declined', message: expect.stringContaining('declined') });
      expect(output.providers[0]).toMatchObject({ state: 'not_connected', sign_in: { state: 'failed' } });
    } finally {
      await client.close();
    }
  });

  it('without URL elicitation, gives the page in the result, and the sign-in finishes in the background', async () => {
    const client = await connect({});
    try {
      const result = await client.callTool({ name: 'connect_provider', arguments: { provider: 'microsoft' } });
      const output = result.structuredContent as ConnectOutput;
      expect(output.sign_in).toMatchObject({ outcome: 'started', url: expect.stringContaining(sandbox.origin) });
      expect(result.content).toEqual([
        expect.objectContaining({ text: expect.stringContaining(`Open this page to sign in to Microsoft 365`) }),
      ]);
      await followConsentPage(output.sign_in?.url ?? '');
      await untilConnected(client);
    } finally {
      await client.close();
    }
  });
});
