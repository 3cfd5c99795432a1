// connect_provider through a real MCP Client: every provider's state, the browser sign-in it starts (by URL-mode
// elicitation or in its result) over a real loopback, and the command for the rest; never a secret.
import { createServer as createNetServer } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { BackgroundSignIns } from '../../../src/connections/background-sign-in.js';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { secretAccount } from '../../../src/connections/connections.js';
import { futureDate } from '../../support/dates.js';
import { followSignIn, useHarness, type Harness } from '../../support/harness.js';
import { freePort } from '../../support/ports.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

interface Output {
  providers: Array<{
    id: string;
    name: string;
    state: string;
    account?: string;
    next_step?: string;
    credentials?: string;
    sign_in?: { state: string; url?: string; message?: string };
  }>;
  sign_in?: { provider: string; outcome: string; url?: string; message: string; next_step?: string };
}

async function call(args: Record<string, unknown> = {}, client = h.client) {
  const result = await client.callTool({ name: 'connect_provider', arguments: args });
  return {
    result,
    output: result.structuredContent as Output,
    text: (result.content as Array<{ text: string }>)[0]?.text ?? '',
  };
}

describe('connect_provider', () => {
  it('is listed as a non-destructive tool that never asks for secrets', async () => {
    const { tools } = await h.client.listTools();
    const tool = tools.find((t) => t.name === 'connect_provider');
    expect(tool?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(tool?.description).toMatch(/Secrets .* never pass through the conversation/);
    expect(Object.keys(tool?.inputSchema.properties ?? {})).toEqual(['provider', 'client_id', 'port']);
    expect(tool?.outputSchema?.properties).toHaveProperty('providers');
  });

  it('shows who is connected and gives the command and credentials for the rest', async () => {
    await h.connectZoom();
    const { result, output, text } = await call();
    expect(result.isError).toBeFalsy();
    expect(output.providers.map((p) => p.id)).toEqual(h.registry.map((c) => c.id));
    expect(output.providers.find((p) => p.id === 'zoom')).toEqual({
      id: 'zoom',
      name: 'Zoom',
      state: 'connected',
      account: 'owner@acme.test',
      scopes: h.zoom.state.scope.split(' '),
      token_expires_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(output.providers.find((p) => p.id === 'resend')).toMatchObject({
      state: 'not_connected',
      next_step: 'npx alsatalk-mcp connect resend',
      credentials: expect.stringContaining('API key'),
    });
    expect(text).toContain('Zoom: connected as owner@acme.test');
    expect(text).toContain('Resend: not connected → the user runs `npx alsatalk-mcp connect resend`');
    expect(JSON.stringify(result)).not.toContain(h.zoom.state.clientSecret);
  });

  it('narrows to one provider, and answers a key-based one with the terminal command', async () => {
    const { output, text } = await call({ provider: 'resend' });
    expect(output.providers.map((p) => p.id)).toEqual(['resend']);
    expect(output.sign_in).toMatchObject({
      provider: 'resend',
      outcome: 'unavailable',
      next_step: 'npx alsatalk-mcp connect resend',
    });
    expect(text).toContain('only ever typed into a terminal');
  });

  it('refuses an unknown provider, naming the choices', async () => {
    const { result, text } = await call({ provider: 'teams' });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/provider/);
  });
});

const waitUntil = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 250; i += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
};
const booking = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  booking_date: futureDate(30),
  booking_time: '10:00',
  timezone: 'Europe/Paris',
};

describe('connect_provider starts a browser sign-in', () => {
  it('without elicitation: gives the page in its result, and the connection appears once the person signs in', async () => {
    const { output, text } = await call({ provider: 'zoom', client_id: h.zoom.state.publicClientId });
    expect(output.sign_in).toMatchObject({
      provider: 'zoom',
      outcome: 'started',
      url: expect.stringContaining('/oauth/authorize?'),
    });
    const url = output.sign_in?.url ?? '';
    expect(new URL(url).searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(text).toContain(`Open this page to sign in to Zoom: ${url}`);
    expect(output.providers[0]).toMatchObject({ state: 'not_connected', sign_in: { state: 'pending', url } });

    await followSignIn(url); // the person opens the page and approves
    await waitUntil(() => h.ctx.connections.get('zoom') !== undefined, 'Zoom is connected');
    expect(h.ctx.connections.get('zoom')?.settings).toMatchObject({
      auth: 'oauth',
      clientId: h.zoom.state.publicClientId,
    });
    expect(await h.ctx.secrets.get(secretAccount('zoom', 'refresh_token'))).toBe(h.zoom.state.refreshToken);
    const after = await call({ provider: 'zoom' });
    expect(after.output.providers[0]).toMatchObject({
      state: 'connected',
      account: 'host@acme.test',
      sign_in: { state: 'connected' },
    });
    expect(after.output.sign_in).toBeUndefined(); // connected: nothing to start

    const booked = await h.client.callTool({ name: 'book_meeting', arguments: booking });
    expect(
      (booked.structuredContent as { providers: Array<{ provider: string; status: string }> }).providers.find(
        (p) => p.provider === 'zoom',
      )?.status,
    ).toBe('booked');
  });

  it('with URL-mode elicitation: the host shows the page, and hears when the sign-in completed', async () => {
    const client = await h.connectClient({ elicitation: { url: {} } });
    const asked: Array<{ mode?: string; url?: string; elicitationId?: string; message: string }> = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      const params = request.params as { mode?: string; url?: string; elicitationId?: string; message: string };
      asked.push(params);
      await followSignIn(params.url ?? ''); // the person accepts and signs in
      return { action: 'accept' };
    });
    const completed = new Promise<string>((resolve) =>
      client.setNotificationHandler('notifications/elicitation/complete', (n) => resolve(n.params.elicitationId)),
    );

    const { output } = await call({ provider: 'zoom', client_id: h.zoom.state.publicClientId }, client);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      mode: 'url',
      url: output.sign_in?.url,
      message: expect.stringContaining('Sign in to Zoom'),
    });
    expect(output.sign_in).toMatchObject({
      outcome: 'started',
      message: expect.stringContaining('sign-in page was opened'),
    });
    expect(await completed).toBe(asked[0]?.elicitationId);
    await waitUntil(() => h.ctx.connections.get('zoom') !== undefined, 'Zoom is connected');
  });

  it('stops the sign-in and stores nothing when the person declines the page', async () => {
    const client = await h.connectClient({ elicitation: { url: {} } });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
    const { output } = await call({ provider: 'zoom', client_id: h.zoom.state.publicClientId }, client);
    expect(output.sign_in).toMatchObject({
      outcome: 'declined',
      message: 'The Zoom sign-in was declined; nothing was connected.',
    });
    expect(output.providers[0]).toMatchObject({ state: 'not_connected', sign_in: { state: 'failed' } });
    expect(h.ctx.connections.get('zoom')).toBeUndefined();
    expect(h.zoom.state.authorizeRequests).toHaveLength(0);
  });

  it('takes the client id from ALSATALK_ZOOM_CLIENT_ID in the server environment', async () => {
    const signIns = new BackgroundSignIns(h.ctx, { env: { ALSATALK_ZOOM_CLIENT_ID: h.zoom.state.publicClientId } });
    try {
      const { url } = await signIns.start(zoom, {});
      expect(new URL(url).searchParams.get('client_id')).toBe(h.zoom.state.publicClientId);
      await followSignIn(url);
      await waitUntil(() => signIns.state('zoom')?.state === 'connected', 'the sign-in finished');
    } finally {
      await signIns.close();
    }
  });

  it('asks for the client id (not a secret) when there is none to reuse, and starts nothing', async () => {
    const { output } = await call({ provider: 'zoom' });
    expect(output.sign_in).toMatchObject({
      outcome: 'unavailable',
      next_step: expect.stringContaining('give client_id'),
    });
    expect(h.signIns.state('zoom')).toBeUndefined();
  });

  it('signs in again with the stored client id when a connection needs reauthorizing', async () => {
    await h.connect('zoom', ['--client-id', h.zoom.state.publicClientId]);
    h.ctx.connections.markNeedsReauth('zoom');
    const { output } = await call({ provider: 'zoom' });
    expect(output.providers[0]?.state).toBe('needs_reauth');
    expect(output.sign_in?.outcome).toBe('started');
    await followSignIn(output.sign_in?.url ?? '');
    await waitUntil(() => h.ctx.connections.get('zoom')?.status === 'connected', 'Zoom is connected again');
  });

  it('gives the same page while a sign-in is pending instead of starting another', async () => {
    const first = await call({ provider: 'zoom', client_id: h.zoom.state.publicClientId });
    const second = await call({ provider: 'zoom', client_id: h.zoom.state.publicClientId });
    expect(second.output.sign_in).toMatchObject({ outcome: 'already_pending', url: first.output.sign_in?.url });
  });

  it('never takes a client secret through the conversation: Google points to the terminal', async () => {
    const { output } = await call({ provider: 'google', client_id: '123-abc.apps.googleusercontent.com' });
    expect(output.sign_in).toMatchObject({
      outcome: 'unavailable',
      next_step: 'run in a terminal: npx alsatalk-mcp connect google --client-id 123-abc.apps.googleusercontent.com',
    });
  });

  it('asks for the registered port where the provider matches it exactly (Calendly)', async () => {
    const { output } = await call({ provider: 'calendly', client_id: 'cal-client' });
    expect(output.sign_in).toMatchObject({ outcome: 'unavailable', next_step: expect.stringContaining('give port') });
  });

  it('reports a port already in use as an error the user can act on', async () => {
    const port = await freePort();
    const blocker = createNetServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const { result, text } = await call({ provider: 'zoom', client_id: h.zoom.state.publicClientId, port });
      expect(result.isError).toBe(true);
      expect(text).toContain(String(port));
      expect(h.signIns.state('zoom')).toBeUndefined();
    } finally {
      blocker.close();
    }
  });
});
