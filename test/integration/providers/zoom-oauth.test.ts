// Zoom's user-level sign-in (a General app's public client: PKCE on a loopback, rotating refresh tokens) through the
// real connect command and a real MCP Client; msw plays Zoom (and Resend) at the network edge.
import { beforeEach, describe, expect, it } from 'vitest';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { collectStatus } from '../../../src/connections/status.js';
import { secretAccount } from '../../../src/connections/connections.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [zoom] });
let h: Harness;
beforeEach(() => {
  h = harness();
});

const signIn = (more: string[] = []) => h.connect('zoom', ['--client-id', h.zoom.state.publicClientId, ...more]);
const storedRefreshToken = () => h.ctx.secrets.get(secretAccount('zoom', 'refresh_token'));

const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  booking_date: futureDate(40),
  booking_time: '09:15',
  timezone: 'Asia/Kolkata',
};

interface Output {
  status: string;
  providers: Array<{
    provider: string;
    status: string;
    join_url?: string;
    error?: { code: string; message: string };
    remedy?: string;
  }>;
}

async function book(time = args.booking_time) {
  const result = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, booking_time: time } });
  const output = result.structuredContent as Output;
  return { output, entry: output.providers[0], text: (result.content as Array<{ text: string }>)[0]?.text ?? '' };
}

describe('connect zoom with the browser sign-in (public client, PKCE)', () => {
  it('signs in on a 127.0.0.1 loopback, checks who connected, stores only the refresh token, and books as that user', async () => {
    await signIn();
    const [authorize] = h.zoom.state.authorizeRequests;
    expect(authorize?.get('client_id')).toBe(h.zoom.state.publicClientId);
    expect(authorize?.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(authorize?.get('code_challenge_method')).toBe('S256');
    expect(authorize?.get('state')?.length).toBeGreaterThanOrEqual(32);
    const said = h.output.join('\n');
    expect(said).toContain('Connected Zoom as host@acme.test.');
    expect(h.ctx.connections.get('zoom')?.settings).toEqual({
      auth: 'oauth',
      clientId: h.zoom.state.publicClientId,
      userId: 'me',
    });
    expect(await storedRefreshToken()).toBe(h.zoom.state.refreshToken);
    expect(await h.ctx.secrets.get(secretAccount('zoom', 'client_secret'))).toBeNull();
    // Nothing secret was printed: not the code, not the refresh token.
    for (const code of h.zoom.state.codes.keys()) expect(said).not.toContain(code);
    expect(said).not.toContain(h.zoom.state.refreshToken);

    const { entry } = await book();
    expect(entry).toMatchObject({
      provider: 'zoom',
      status: 'booked',
      join_url: expect.stringContaining('zoom.us/j/'),
    });
    expect(h.zoom.state.meetings[0]?.userId).toBe('me');
    expect(h.zoom.state.tokenUsers.size).toBeGreaterThan(0);
  });

  it('saves the rotated refresh token before using the access token; the old one would now be refused', async () => {
    await signIn();
    const first = await storedRefreshToken();
    await book();
    expect(h.zoom.state.refreshRequests).toBe(1);
    const second = await storedRefreshToken();
    expect(second).toBe(h.zoom.state.refreshToken);
    expect(second).not.toBe(first);
    expect(h.zoom.state.spentRefreshTokens.has(first ?? '')).toBe(true);

    // The access token expires: the next booking refreshes with the newest token, and the keychain follows again.
    h.zoom.state.tokens.clear();
    expect((await book('10:15')).entry?.status).toBe('booked');
    expect(h.zoom.state.refreshRequests).toBe(2);
    expect(await storedRefreshToken()).toBe(h.zoom.state.refreshToken);
    expect(await storedRefreshToken()).not.toBe(second);
  });

  it('refreshes once for ten concurrent bookings whose access token has expired', async () => {
    await signIn();
    await book();
    expect(h.zoom.state.refreshRequests).toBe(1);
    h.zoom.state.tokens.clear(); // every access token has expired
    const results = await Promise.all(
      // Clear of the first meeting (09:15): the host is free at each.
      Array.from({ length: 10 }, (_, i) => book(`${String(10 + i).padStart(2, '0')}:00`)),
    );
    expect(results.map((r) => r.entry?.status)).toEqual(Array(10).fill('booked'));
    expect(h.zoom.state.refreshRequests).toBe(2);
    expect(await storedRefreshToken()).toBe(h.zoom.state.refreshToken);
  });

  it('fails with the reconnect command when the refresh token was revoked, then lists Zoom as needs_reauth', async () => {
    await signIn();
    const stored = await storedRefreshToken();
    h.zoom.revoke(); // the user removed the app in the Zoom App Marketplace
    const { entry, text } = await book();
    expect(entry).toMatchObject({ provider: 'zoom', status: 'failed', error: { code: 'auth_failed' } });
    expect(entry?.error?.message).toContain('Invalid Token!');
    expect(entry?.error?.message).toMatch(/access was removed|older refresh token/);
    expect(text).toContain(`npx alsatalk-mcp connect zoom --client-id ${h.zoom.state.publicClientId}`);
    // A refused refresh never overwrites the stored token.
    expect(await storedRefreshToken()).toBe(stored);

    const next = await book('11:00');
    const command = `npx alsatalk-mcp connect zoom --client-id ${h.zoom.state.publicClientId}`;
    expect(next.entry).toMatchObject({
      provider: 'zoom',
      status: 'needs_reauth',
      remedy: `reconnect Zoom: ${command} (it refused the stored credentials)`,
    });
    expect((await collectStatus(h.ctx, [zoom])).find((s) => s.id === 'zoom')).toMatchObject({
      state: 'needs_reauth',
      next_step: command,
    });
  });

  it('a create refused for a missing scope names the user-level scope and the sign-in command', async () => {
    await signIn();
    // The General app's scopes were changed: the next token (after this one expires) no longer may create meetings.
    h.zoom.state.userScope = 'meeting:write:invite_links meeting:read:meeting user:read:user';
    h.zoom.state.tokens.clear();
    const { entry } = await book();
    expect(entry).toMatchObject({ provider: 'zoom', status: 'failed', error: { code: 'permission_denied' } });
    expect(entry?.remedy).toBe(
      `add the scope meeting:write:meeting on the General app's Scopes page (marketplace.zoom.us, Manage), then connect again: npx alsatalk-mcp connect zoom --client-id ${h.zoom.state.publicClientId}`,
    );
  });

  it('explains a lost refresh answer and keeps the stored token untouched', async () => {
    await signIn();
    const stored = await storedRefreshToken();
    h.zoom.state.loseRefreshAnswers = 1; // Zoom rotates, but its answer never arrives
    const { entry, text } = await book();
    expect(entry).toMatchObject({ provider: 'zoom', status: 'failed', error: { code: 'auth_failed' } });
    expect(entry?.error?.message).toMatch(/answer to an earlier refresh was lost/);
    expect(text).toContain('npx alsatalk-mcp connect zoom');
    expect(await storedRefreshToken()).toBe(stored);
  });

  it('uses a token rotated by another process that shares the keychain', async () => {
    await signIn();
    await book();
    h.zoom.state.tokens.clear();
    // Another alsatalk-mcp process refreshed meanwhile and saved the newer token to the shared keychain.
    const other = await h.ctx.secrets.get(secretAccount('zoom', 'refresh_token'));
    const rotated = await fetch(`${h.zoom.oauthBase}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: other ?? '',
        client_id: h.zoom.state.publicClientId,
      }),
    }).then((r) => r.json() as Promise<{ refresh_token: string }>);
    await h.ctx.secrets.set(secretAccount('zoom', 'refresh_token'), rotated.refresh_token);
    expect((await book('12:00')).entry?.status).toBe('booked');
    expect(await storedRefreshToken()).toBe(h.zoom.state.refreshToken);
  });

  it('takes a piped refresh token instead of the sign-in, and stores the one Zoom returns for it', async () => {
    h.zoom.state.refreshToken = 'seed-refresh-token-0123456789';
    await h.connect(
      'zoom',
      ['--client-id', h.zoom.state.publicClientId, '--refresh-token-stdin'],
      'seed-refresh-token-0123456789\n',
    );
    expect(h.zoom.state.authorizeRequests).toHaveLength(0);
    expect(h.output.join('\n')).toContain('Connected Zoom as host@acme.test.');
    expect(await storedRefreshToken()).toBe(h.zoom.state.refreshToken);
    expect(await storedRefreshToken()).not.toBe('seed-refresh-token-0123456789');
  });

  it('stores nothing and says to approve when consent is denied', async () => {
    h.zoom.state.consent = 'deny';
    await expect(signIn()).rejects.toMatchObject({
      code: 'auth_failed',
      hint: expect.stringContaining('npx alsatalk-mcp connect zoom'),
    });
    expect(h.ctx.connections.get('zoom')).toBeUndefined();
    expect(await storedRefreshToken()).toBeNull();
  });

  it('refuses --user with the browser sign-in, and a secret without --account-id', async () => {
    await expect(signIn(['--user', 'someone@acme.test'])).rejects.toMatchObject({ field: '--user' });
    await expect(
      h.connect('zoom', ['--client-id', 'x', '--client-secret-stdin'], 'secret-value'),
    ).rejects.toMatchObject({ field: '--account-id' });
    expect(h.zoom.state.authorizeRequests).toHaveLength(0);
  });

  it('leaves a Server-to-Server connection (no `auth` in its settings) working as before', async () => {
    await h.connectZoom();
    expect(h.ctx.connections.get('zoom')?.settings).toEqual({
      accountId: h.zoom.state.accountId,
      clientId: h.zoom.state.clientId,
      userId: 'me',
    });
    expect((await book()).entry?.status).toBe('booked');
    expect(h.zoom.state.refreshRequests).toBe(0);
  });
});
