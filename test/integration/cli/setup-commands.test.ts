// connect, status and disconnect against msw fakes, with the real secret store and a real SQLite file.
import { beforeEach, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { runConnect } from '../../../src/commands/connect.js';
import { runDisconnect } from '../../../src/commands/disconnect.js';
import { runStatus } from '../../../src/commands/status.js';
import { collectStatus } from '../../../src/connections/status.js';
import { secretAccount } from '../../../src/connections/connections.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

const io = (stdin?: string) => ({
  out: (line: string) => h.output.push(line),
  ...(stdin !== undefined ? { stdin: Readable.from([stdin]) } : {}),
});

describe('connect zoom', () => {
  it('verifies the app credentials, keeps the secret in the secret store and the account in SQLite', async () => {
    await h.connectZoom();
    expect(h.output.join('\n')).toContain('Connected Zoom as owner@acme.test.');
    expect(await h.ctx.secrets.get(secretAccount('zoom', 'client_secret'))).toBe(h.zoom.state.clientSecret);
    const connection = h.ctx.connections.get('zoom');
    expect(connection).toMatchObject({
      account: 'owner@acme.test',
      settings: { accountId: 'acc_123', clientId: 'client_abc', userId: 'me' },
    });
    expect(JSON.stringify(connection)).not.toContain(h.zoom.state.clientSecret);
  });

  it('refuses a wrong secret, says so, and stores nothing', async () => {
    const attempt = runConnect(
      h.ctx,
      ['zoom', '--account-id', 'acc_123', '--client-id', 'client_abc', '--client-secret-stdin'],
      io('wrong-secret'),
    );
    await expect(attempt).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('Invalid client_id or client_secret'),
      hint: expect.stringContaining('npx alsatalk-mcp connect zoom'),
    });
    expect(h.ctx.connections.get('zoom')).toBeUndefined();
    expect(await h.ctx.secrets.get(secretAccount('zoom', 'client_secret'))).toBeNull();
  });

  it('refuses a wrong account id', async () => {
    const attempt = runConnect(
      h.ctx,
      ['zoom', '--account-id', 'nope', '--client-id', 'client_abc', '--client-secret-stdin'],
      io(h.zoom.state.clientSecret),
    );
    await expect(attempt).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('Invalid account_id'),
    });
    expect(h.ctx.connections.get('zoom')).toBeUndefined();
  });

  it('never takes a secret from a bare flag', async () => {
    const attempt = runConnect(
      h.ctx,
      ['zoom', '--account-id', 'acc_123', '--client-id', 'client_abc', '--client-secret', 'zoom-secret-value-123'],
      io(),
    );
    await expect(attempt).rejects.toMatchObject({
      field: '--client-secret',
      hint: expect.stringContaining('--client-secret-stdin'),
    });
    expect(h.zoom.state.tokenRequests).toBe(0);
  });

  it('names a missing flag when nobody can answer a prompt', async () => {
    const attempt = runConnect(h.ctx, ['zoom', '--client-id', 'client_abc', '--client-secret-stdin'], io('x'));
    await expect(attempt).rejects.toMatchObject({ field: '--account-id' });
  });

  it('asks for the Server-to-Server secret once --account-id says that is the kind of app', async () => {
    const attempt = runConnect(h.ctx, ['zoom', '--account-id', 'acc_123', '--client-id', 'client_abc'], io());
    await expect(attempt).rejects.toMatchObject({
      field: '--client-secret-stdin',
      message: expect.stringContaining('Client secret is required'),
    });
    expect(h.zoom.state.tokenRequests).toBe(0);
  });

  it('refuses an app that may not create meetings', async () => {
    h.zoom.state.scope = 'user:read:user:admin';
    await expect(h.connectZoom()).rejects.toMatchObject({
      code: 'permission_denied',
      hint: expect.stringContaining('meeting:write:meeting:admin'),
    });
  });

  it('still connects when the app may not read the host profile, and says so', async () => {
    h.zoom.state.scope = 'meeting:write:meeting:admin';
    await h.connectZoom();
    expect(h.ctx.connections.get('zoom')?.account).toBe('account acc_123');
    expect(h.output.join('\n')).toMatch(/Note: Could not read the Zoom host's profile/);
  });

  it('connects an app that cannot list meetings, and says what a lost answer then costs and which scopes close the gap', async () => {
    h.zoom.state.scope = 'meeting:write:meeting:admin user:read:user:admin';
    await h.connectZoom();
    const said = h.output.join('\n');
    expect(said).toContain(
      'The Zoom app lacks the scopes meeting:read:list_meetings:admin and meeting:read:meeting:admin',
    );
    expect(said).toContain('asks you to check instead of booking again');
  });

  it('adds no scope note when the app can look meetings up', async () => {
    await h.connectZoom();
    expect(h.output.join('\n')).not.toContain('lacks the scopes');
  });

  it('refuses a host user Zoom does not know', async () => {
    await expect(h.connectZoom(['--user', 'ghost@acme.test'])).rejects.toMatchObject({ field: '--user' });
  });
});

describe('connect resend', () => {
  it('accepts a full-access key and a verified sender', async () => {
    await h.connectResend();
    expect(h.ctx.connections.get('resend')).toMatchObject({
      account: 'Acme Scheduling <meet@acme.test>',
      settings: { from: 'Acme Scheduling <meet@acme.test>' },
    });
    expect(await h.ctx.secrets.get(secretAccount('resend', 'api_key'))).toBe(h.resend.state.apiKey);
    expect(h.output.some((l) => l.startsWith('Note:'))).toBe(false);
  });

  it('accepts a sending-only key and says the domain could not be checked', async () => {
    await h.connectResend(h.resend.state.sendingKey);
    expect(h.output.join('\n')).toMatch(/sending-only key/);
    expect(h.ctx.connections.get('resend')).toBeDefined();
  });

  it('warns when the sender domain is not verified', async () => {
    h.resend.state.domains[0]!.status = 'pending';
    await h.connectResend();
    expect(h.output.join('\n')).toMatch(/acme.test is pending in Resend, not yet verified/);
  });

  it('refuses an invalid key and stores nothing', async () => {
    await expect(h.connectResend('re_not_a_real_key_000')).rejects.toMatchObject({ code: 'auth_failed' });
    expect(h.ctx.connections.get('resend')).toBeUndefined();
  });

  it('refuses a sender that is not an address', async () => {
    await expect(
      runConnect(h.ctx, ['resend', '--api-key-stdin', '--from', 'Acme <not an address>'], io(h.resend.state.apiKey)),
    ).rejects.toMatchObject({ field: '--from' });
  });
});

describe('status and disconnect', () => {
  it('shows who is connected without any secret, then forgets a disconnected provider', async () => {
    await h.connectZoom();
    await h.connectResend();
    h.output.length = 0;
    await runStatus(h.ctx, [], io());
    const text = h.output.join('\n');
    expect(text).toMatch(/Zoom\s+connected\s+as owner@acme.test/);
    expect(text).not.toContain(h.zoom.state.clientSecret);
    expect(text).not.toContain(h.resend.state.apiKey);

    await runDisconnect(h.ctx, ['zoom'], io());
    expect(h.output.at(-1)).toBe('Disconnected Zoom; its secrets were removed.');
    expect(await h.ctx.secrets.get(secretAccount('zoom', 'client_secret'))).toBeNull();
    const statuses = await collectStatus(h.ctx);
    expect(statuses.find((s) => s.id === 'zoom')).toMatchObject({
      state: 'not_connected',
      next_step: 'npx alsatalk-mcp connect zoom',
    });
    expect(statuses.find((s) => s.id === 'resend')).toMatchObject({ state: 'connected' });
  });

  it('shows the granted scopes, the access token expiry and the last successful use', async () => {
    await h.connectZoom();
    await h.connectResend();
    let zoom = (await collectStatus(h.ctx)).find((s) => s.id === 'zoom');
    expect(zoom?.scopes).toEqual(h.zoom.state.scope.split(' '));
    expect(Date.parse(zoom?.token_expires_at ?? '')).toBeGreaterThan(Date.now());
    expect(zoom?.last_used_at).toBeNull();
    const resend = (await collectStatus(h.ctx)).find((s) => s.id === 'resend');
    expect(resend).not.toHaveProperty('scopes');
    expect(resend).not.toHaveProperty('token_expires_at'); // an API key does not expire

    const before = zoom?.token_expires_at;
    h.zoom.state.tokens.clear(); // the access token expired: the booking renews it, and status follows
    const booking = {
      customer_name: 'Ada Lovelace',
      customer_email: 'ada@example.com',
      booking_date: futureDate(30),
      booking_time: '10:00',
      timezone: 'Europe/Paris',
    };
    await h.client.callTool({ name: 'book_meeting', arguments: booking });
    zoom = (await collectStatus(h.ctx)).find((s) => s.id === 'zoom');
    expect(zoom?.last_used_at).toEqual(expect.any(String));
    expect(Date.parse(zoom?.token_expires_at ?? '')).toBeGreaterThanOrEqual(Date.parse(before ?? ''));

    h.output.length = 0;
    await runStatus(h.ctx, [], io());
    const text = h.output.join('\n');
    expect(text).toContain(`scopes: ${h.zoom.state.scope}`);
    expect(text).toMatch(/access token valid until \S+ \(renewed automatically\)/);
    expect(text).toMatch(/Zoom\s+connected\s+as owner@acme.test \(since \S+, last used \S+\)/);
    expect(text).toMatch(/Resend\s+connected\s+as .*, last used \S+\)/); // the invitation went out through it
  });

  it('notices secrets that vanished from the store', async () => {
    await h.connectZoom();
    await h.ctx.secrets.delete(secretAccount('zoom', 'client_secret'));
    expect((await collectStatus(h.ctx)).find((s) => s.id === 'zoom')).toMatchObject({
      state: 'secrets_missing',
      next_step: `npx alsatalk-mcp connect zoom --account-id ${h.zoom.state.accountId} --client-id ${h.zoom.state.clientId}`,
    });
  });
});
