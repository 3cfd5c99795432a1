// Calendly's browser sign-in with the user's own OAuth app (PKCE on a localhost loopback, single-use refresh tokens),
// through the real connect and disconnect commands and a real MCP Client; msw plays Calendly at the network edge.
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { calendly } from '../../../src/providers/calendly/manifest.js';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { collectStatus } from '../../../src/connections/status.js';
import { secretAccount } from '../../../src/connections/connections.js';
import { createCalendlyFake, type CalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';
import { freePort } from '../../support/ports.js';

const harness = useHarness({ providers: [calendly, zoom], extra: () => [createCalendlyFake()] });
let h: Harness;
let c: CalendlyFake;
beforeEach(() => {
  h = harness();
  c = h.extra[0] as CalendlyFake;
});

/** `connect calendly --client-id …` as a native app (no secret), or as a web app with the secret piped in. */
const signIn = (more: string[] = []) => h.connect('calendly', ['--client-id', c.oauth.client.id, ...more]);
const signInWeb = () => {
  c.oauth.client.kind = 'web';
  return h.connect(
    'calendly',
    ['--client-id', c.oauth.client.id, '--client-secret-stdin'],
    `${c.oauth.client.secret}\n`,
  );
};
const stored = (key: string) => h.ctx.secrets.get(secretAccount('calendly', key));
const refreshes = () => c.oauth.tokenRequests.filter((g) => g === 'refresh_token').length;

const date = futureDate(40);
const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  booking_date: date,
  booking_time: '14:00',
  timezone: 'America/New_York',
};

interface Entry {
  provider: string;
  status: string;
  meeting_id?: string;
  error?: { code: string; message: string };
  remedy?: string;
}

async function book(time = args.booking_time) {
  const result = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, booking_time: time } });
  const output = result.structuredContent as { providers: Entry[] };
  return { entry: output.providers[0] as Entry, text: (result.content as Array<{ text: string }>)[0]?.text ?? '' };
}

describe('connect calendly with the browser sign-in', () => {
  it('signs in with PKCE on the registered localhost port, stores only the refresh token, and books as that user', async () => {
    const port = await freePort();
    c.oauth.registeredRedirectUris = [`http://localhost:${port}/callback`];
    await signIn(['--port', String(port)]);
    const [authorize] = c.oauth.authorizeRequests;
    expect(authorize?.get('redirect_uri')).toBe(`http://localhost:${port}/callback`);
    expect(authorize?.get('code_challenge_method')).toBe('S256');
    expect(authorize?.get('scope')).toBe(
      'users:read event_types:read availability:read scheduled_events:read scheduled_events:write scheduling_links:write',
    );
    const said = h.output.join('\n');
    expect(said).toContain(
      `Note: the Calendly app must list http://localhost:${port}/callback among its redirect URIs`,
    );
    expect(said).toContain('Connected Calendly as owner@acme.test.');
    expect(said).toContain('The OAuth app needs the scopes: users:read, event_types:read');
    expect(h.ctx.connections.get('calendly')?.settings).toMatchObject({
      auth: 'oauth',
      clientId: c.oauth.client.id,
      webClient: false,
      userUri: c.state.user.uri,
    });
    expect(await stored('refresh_token')).toBe(c.oauth.issuedRefreshTokens[0]);
    expect(await stored('token')).toBeNull();
    expect(await stored('client_secret')).toBeNull();
    // Nothing secret was printed or written to SQLite.
    h.ctx.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const file = readFileSync(h.ctx.config.databasePath).toString('latin1');
    for (const secret of [...c.oauth.codes.keys(), ...c.oauth.issuedRefreshTokens, ...c.oauth.accessTokens.keys()]) {
      expect(said).not.toContain(secret);
      expect(file).not.toContain(secret);
    }

    const { entry } = await book();
    expect(entry).toMatchObject({ provider: 'calendly', status: 'booked' });
    expect(c.state.invitees).toHaveLength(1);
  });

  it('warns before the browser opens that a random port will not match the registered redirect URI', async () => {
    await signIn();
    expect(h.output.join('\n')).toContain(
      'Note: Calendly accepts only a redirect URI registered for the app. Without --port',
    );
    expect(h.output.join('\n')).toContain('A Production app accepts only HTTPS redirect URIs');
  });

  it('authenticates a web app with HTTP Basic and keeps its secret for the refreshes', async () => {
    await signInWeb();
    expect(h.ctx.connections.get('calendly')?.settings).toMatchObject({ auth: 'oauth', webClient: true });
    expect(await stored('client_secret')).toBe(c.oauth.client.secret);
    expect((await book()).entry.status).toBe('booked');
    expect(refreshes()).toBe(1); // the fake refuses a web client's refresh without its Basic credentials
  });

  it('refuses a web app signed in without its secret, naming the fix, and stores nothing', async () => {
    c.oauth.client.kind = 'web';
    await expect(signIn()).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('Calendly does not know this OAuth client'),
      hint: expect.stringContaining('developer.calendly.com → My Apps'),
    });
    expect(h.ctx.connections.get('calendly')).toBeUndefined();
    expect(await stored('refresh_token')).toBeNull();
  });

  it('reports a refused code exchange with its cause, and stores nothing', async () => {
    c.state.faults.inject('token', {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The provided authorization grant is invalid.' },
    });
    await expect(signIn()).rejects.toMatchObject({
      code: 'auth_failed',
      message: 'Calendly refused the sign-in: The provided authorization grant is invalid. (invalid_grant)',
      hint: expect.stringContaining('http://localhost:<port>/callback'),
    });
    expect(h.ctx.connections.get('calendly')).toBeUndefined();
  });

  it('stores nothing and says to approve when consent is denied', async () => {
    c.oauth.consent = 'deny';
    await expect(signIn()).rejects.toMatchObject({
      code: 'auth_failed',
      hint: expect.stringContaining('npx alsatalk-mcp connect calendly'),
    });
    expect(h.ctx.connections.get('calendly')).toBeUndefined();
    expect(await stored('refresh_token')).toBeNull();
  });

  it('takes either a Personal Access Token or --client-id, and replaces one with the other in the keychain', async () => {
    await expect(
      h.connect('calendly', ['--client-id', c.oauth.client.id, '--token-stdin'], `${c.state.token}\n`),
    ).rejects.toMatchObject({ field: '--client-id' });
    await h.connect('calendly', ['--token-stdin'], `${c.state.token}\n`);
    expect(await stored('token')).toBe(c.state.token);
    await signIn();
    expect(await stored('token')).toBeNull(); // the old credential does not linger
    expect(await stored('refresh_token')).toBe(c.oauth.issuedRefreshTokens[0]);
  });
});

describe('keeping the Calendly sign-in alive', () => {
  it('saves each single-use refresh token as it is replaced; the spent one would be refused', async () => {
    await signIn();
    const first = await stored('refresh_token');
    expect((await book()).entry.status).toBe('booked');
    const second = await stored('refresh_token');
    expect(second).toBe(c.oauth.issuedRefreshTokens.at(-1));
    expect(c.oauth.liveRefreshTokens.has(first ?? '')).toBe(false);

    c.oauth.accessTokens.clear(); // the 2-hour access token expired: Calendly answers 401, one refresh, one retry
    expect((await book('15:00')).entry.status).toBe('booked');
    expect(refreshes()).toBe(2);
    expect(await stored('refresh_token')).not.toBe(second);
    expect(await stored('refresh_token')).toBe(c.oauth.issuedRefreshTokens.at(-1));
  });

  it('renews an access token about to expire before sending it, so Calendly never refuses one', async () => {
    c.oauth.tokenTtlSeconds = 30; // inside the renewal margin from the start
    await signIn();
    expect((await book()).entry.status).toBe('booked');
    expect(refreshes()).toBeGreaterThan(0);
    expect(c.state.unauthenticated).toBe(0);
  });

  it('refreshes once for ten concurrent bookings', async () => {
    await signIn();
    const times = ['08:00', '08:30', '09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30'];
    const results = await Promise.all(times.map((t) => book(t)));
    expect(results.map((r) => r.entry.status)).toEqual(Array(10).fill('booked'));
    expect(refreshes()).toBe(1);
    expect(await stored('refresh_token')).toBe(c.oauth.issuedRefreshTokens.at(-1));
  });

  it('fails with the sign-in command when the grant was revoked, then lists Calendly as needs_reauth and still books Zoom', async () => {
    const port = await freePort();
    c.oauth.registeredRedirectUris = [`http://localhost:${port}/callback`];
    await signIn(['--port', String(port)]);
    await h.connectZoom();
    const kept = await stored('refresh_token');
    c.oauth.liveRefreshTokens.clear(); // the user removed the app in Calendly
    const { entry, text } = await book();
    expect(entry).toMatchObject({
      provider: 'calendly',
      status: 'failed',
      error: { code: 'auth_failed', message: expect.stringContaining('Calendly refused the stored refresh token') },
    });
    expect(text).toContain(`npx alsatalk-mcp connect calendly --client-id ${c.oauth.client.id}`);
    expect(refreshes()).toBe(1); // a refused refresh token is never sent again (8 token requests a minute)
    expect(await stored('refresh_token')).toBe(kept);
    const command = `npx alsatalk-mcp connect calendly --client-id ${c.oauth.client.id} --port ${port}`;
    const next = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, booking_time: '15:00' } });
    const entries = (next.structuredContent as { providers: Entry[] }).providers;
    expect(entries).toEqual([
      {
        provider: 'calendly',
        status: 'needs_reauth',
        remedy: `reconnect Calendly: ${command} (it refused the stored credentials)`,
      },
      expect.objectContaining({ provider: 'zoom', status: 'booked' }),
    ]);
    expect(next.isError).toBeFalsy();
    expect((await collectStatus(h.ctx, [calendly])).find((s) => s.id === 'calendly')).toMatchObject({
      state: 'needs_reauth',
      next_step: command,
    });
  });

  it('explains a refresh whose answer was lost, since Calendly spent the stored token, and then what to run', async () => {
    await signIn();
    const kept = await stored('refresh_token');
    c.oauth.loseRefreshAnswers = 1;
    const first = await book();
    expect(first.entry).toMatchObject({
      status: 'failed',
      error: {
        code: 'network_error',
        message: expect.stringContaining('it has already replaced the stored refresh token'),
      },
    });
    expect(await stored('refresh_token')).toBe(kept);
    const second = await book('15:00');
    expect(second.entry.error?.message).toMatch(/answer to an earlier refresh was lost/);
    expect(second.text).toContain(`npx alsatalk-mcp connect calendly --client-id ${c.oauth.client.id}`);
  });
});

describe('disconnect calendly', () => {
  it('revokes a web app grant, then forgets the secrets and the connection', async () => {
    await signInWeb();
    const token = await stored('refresh_token');
    await h.disconnect('calendly');
    expect(c.oauth.revokeRequests).toEqual([token]);
    expect(h.output).toContain("Revoked alsatalk-mcp's access at Calendly.");
    expect([await stored('refresh_token'), await stored('client_secret')]).toEqual([null, null]);
    expect(h.ctx.connections.get('calendly')).toBeUndefined();
  });

  it('says where to remove a native app, which Calendly cannot revoke without a secret, and still forgets it', async () => {
    await signIn();
    await h.disconnect('calendly');
    expect(c.oauth.revokeRequests).toEqual([]);
    expect(h.output.join('\n')).toMatch(
      /Could not revoke the access at Calendly \(.*native app\); remove it in your Calendly account's connected apps\./,
    );
    expect(await stored('refresh_token')).toBeNull();
  });

  it('has nothing to revoke for a Personal Access Token, and says nothing about it', async () => {
    await h.connect('calendly', ['--token-stdin'], `${c.state.token}\n`);
    await h.disconnect('calendly');
    expect(h.output.join('\n')).not.toMatch(/revoke/i);
    expect(await stored('token')).toBeNull();
  });
});
