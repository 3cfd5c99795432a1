// Every provider's whole browser sign-in through the real connect command, a real loopback callback over HTTP and msw
// token endpoints: success, a forged callback (wrong state), denied consent, timeout, port in use, token exchange error.
import { createServer as createNetServer } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { secretAccount } from '../../../src/connections/connections.js';
import { createCalendlyFake, type CalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import { createGoogleFake, type GoogleFake } from '../../../src/sandbox/fakes/google.js';
import { createMicrosoftFake, type MicrosoftFake } from '../../../src/sandbox/fakes/microsoft.js';
import { createZohoFake, type ZohoFake } from '../../../src/sandbox/fakes/zoho.js';
import { followSignIn, useHarness, type Harness } from '../../support/harness.js';
import { freePort } from '../../support/ports.js';

const harness = useHarness({
  extra: () => [createGoogleFake(), createZohoFake(), createCalendlyFake(), createMicrosoftFake()],
});
let h: Harness;
let fakes: { google: GoogleFake; zoho: ZohoFake; calendly: CalendlyFake; microsoft: MicrosoftFake };
beforeEach(() => {
  h = harness();
  const [google, zoho, calendly, microsoft] = h.extra as [GoogleFake, ZohoFake, CalendlyFake, MicrosoftFake];
  fakes = { google, zoho, calendly, microsoft };
});

interface Flow {
  id: 'zoom' | 'google' | 'zoho' | 'calendly' | 'microsoft';
  /** The connect arguments and piped secrets that lead to the browser sign-in. */
  args: () => { args: string[]; stdin?: string };
  deny: () => void;
  /** Makes the token endpoint refuse the code exchange the way that provider does. */
  refuseExchange: () => void;
  /** Every secret of the flow that the fake saw or issued: client secret, codes, tokens (the state and the PKCE
   * challenge are not secrets: they travel in the sign-in URL that is printed for the person to open). */
  secrets: () => string[];
}

const flows: Flow[] = [
  {
    id: 'zoom',
    args: () => ({ args: ['--client-id', h.zoom.state.publicClientId] }),
    deny: () => void (h.zoom.state.consent = 'deny'),
    refuseExchange: () =>
      h.zoom.state.faults.inject('token', {
        status: 400,
        body: { reason: 'Invalid authorization code', error: 'invalid_grant' },
      }),
    secrets: () => [h.zoom.state.refreshToken ?? '', ...h.zoom.state.codes.keys(), ...h.zoom.state.tokens.keys()],
  },
  {
    id: 'google',
    args: () => ({
      args: ['--client-id', fakes.google.state.clientId, '--client-secret-stdin'],
      stdin: `${fakes.google.state.clientSecret}\n`,
    }),
    deny: () => void (fakes.google.state.consent = 'deny'),
    refuseExchange: () =>
      fakes.google.state.faults.inject('token', {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Bad Request' },
      }),
    secrets: () => {
      const g = fakes.google.state;
      return [g.clientSecret, g.refreshToken, ...g.codes.keys(), ...g.tokens.keys()];
    },
  },
  {
    id: 'zoho',
    args: () => ({
      args: [
        '--client-id',
        fakes.zoho.state.clientId,
        '--client-secret-stdin',
        '--service',
        'Intro call',
        '--staff',
        'Ann Smith',
      ],
      stdin: `${fakes.zoho.state.clientSecret}\n`,
    }),
    deny: () => void (fakes.zoho.state.consent = 'deny'),
    // Zoho refuses inside an HTTP 200.
    refuseExchange: () => fakes.zoho.state.faults.inject('token', { status: 200, body: { error: 'invalid_code' } }),
    secrets: () => {
      const z = fakes.zoho.state;
      return [z.clientSecret, ...z.issuedRefreshTokens, ...z.signInCodes.keys(), ...z.tokens.keys()];
    },
  },
  {
    id: 'calendly',
    args: () => ({ args: ['--client-id', fakes.calendly.oauth.client.id] }),
    deny: () => void (fakes.calendly.oauth.consent = 'deny'),
    refuseExchange: () =>
      fakes.calendly.state.faults.inject('token', {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'The provided authorization grant is invalid.' },
      }),
    secrets: () => {
      const o = fakes.calendly.oauth;
      return [...o.issuedRefreshTokens, ...o.codes.keys(), ...o.accessTokens.keys()];
    },
  },
  {
    id: 'microsoft',
    args: () => ({ args: ['--client-id', fakes.microsoft.state.clientId] }),
    deny: () => void (fakes.microsoft.state.consent = 'deny'),
    // An expired code, as the identity platform words it (AADSTS70008).
    refuseExchange: () =>
      fakes.microsoft.state.faults.inject('token', {
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description:
            'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
          error_codes: [70008],
        },
      }),
    secrets: () => {
      const m = fakes.microsoft.state;
      return [m.refreshToken ?? '', ...m.replacedRefreshTokens, ...m.codes.keys(), ...m.tokens.keys()];
    },
  },
];

/** Nothing was kept: no connection row, no refresh token in the secret store. */
async function nothingStored(id: string): Promise<void> {
  expect(h.ctx.connections.get(id)).toBeUndefined();
  expect(await h.ctx.secrets.get(secretAccount(id, 'refresh_token'))).toBeNull();
}

const signIn = (
  flow: Flow,
  extra: { more?: string[]; openBrowser?: (url: string) => Promise<boolean>; signInTimeoutMs?: number } = {},
) => {
  const { args, stdin } = flow.args();
  return h.connectWith(flow.id, [...args, ...(extra.more ?? [])], {
    ...(stdin !== undefined ? { stdin } : {}),
    ...(extra.openBrowser ? { openBrowser: extra.openBrowser } : {}),
    ...(extra.signInTimeoutMs !== undefined ? { signInTimeoutMs: extra.signInTimeoutMs } : {}),
  });
};

describe.each(flows)('$id browser sign-in', (flow) => {
  it('succeeds: stores the refresh token from the exchange and the connection', async () => {
    await signIn(flow);
    expect(h.ctx.connections.get(flow.id)).toBeDefined();
    expect(await h.ctx.secrets.get(secretAccount(flow.id, 'refresh_token'))).toEqual(expect.any(String));
    expect(h.output.join('\n')).toMatch(/Connected .* as /);
  });

  it('--verbose shows each step, every HTTP call, and what is stored, but never a secret', async () => {
    await signIn(flow, { more: ['--verbose'] });
    const steps = h.output.filter((l) => l.startsWith('  · '));
    const text = steps.join('\n');
    expect(text).toMatch(/listening for the callback at http:\/\/(127\.0\.0\.1|localhost):\d+\/callback/);
    expect(text).toMatch(/sign-in page: https?:\/\/\S+ \(client /);
    expect(text).toContain('the browser came back with an authorization code (not shown)');
    expect(text).toMatch(/→ POST https?:\/\/\S+\/token\b/);
    expect(text).toMatch(/← 200 POST https?:\/\/\S+\/token \(\d+ ms\)/);
    expect(text).toMatch(new RegExp(`storing .*${flow.id}:refresh_token.*\\(values not shown\\)`));
    const secrets = flow.secrets().filter((x) => x.length >= 6);
    expect(secrets.length).toBeGreaterThanOrEqual(3); // at least a code, a refresh token and an access token
    for (const secret of secrets) expect(h.output.join('\n')).not.toContain(secret);
  });

  it('refuses a forged callback with a wrong state and still takes the real one', async () => {
    const forged: number[] = [];
    await signIn(flow, {
      openBrowser: async (url) => {
        const redirectUri = new URL(url).searchParams.get('redirect_uri') ?? '';
        const attack = new URL(redirectUri);
        attack.searchParams.set('code', 'attacker-code');
        attack.searchParams.set('state', 'x'.repeat(43));
        forged.push((await fetch(attack)).status);
        return followSignIn(url);
      },
    });
    expect(forged).toEqual([400]);
    expect(h.ctx.connections.get(flow.id)).toBeDefined();
  });

  it('stores nothing when consent is denied, and says so', async () => {
    flow.deny();
    await expect(signIn(flow)).rejects.toMatchObject({
      code: 'auth_failed',
      hint: expect.stringContaining(`npx alsatalk-mcp connect ${flow.id}`),
    });
    await nothingStored(flow.id);
  });

  it('gives up when the browser never comes back, and stores nothing', async () => {
    await expect(signIn(flow, { openBrowser: async () => true, signInTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'timeout',
      hint: expect.stringContaining(`npx alsatalk-mcp connect ${flow.id}`),
    });
    await nothingStored(flow.id);
  });

  it('names a port that is already in use, before sending the person anywhere', async () => {
    const port = await freePort();
    const blocker = createNetServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    let opened = false;
    try {
      await expect(
        signIn(flow, { more: ['--port', String(port)], openBrowser: async () => (opened = true) }),
      ).rejects.toMatchObject({ message: expect.stringContaining(String(port)) });
    } finally {
      blocker.close();
    }
    expect(opened).toBe(false);
    await nothingStored(flow.id);
  });

  it('reports a refused code exchange as auth_failed, and stores nothing', async () => {
    flow.refuseExchange();
    await expect(signIn(flow)).rejects.toMatchObject({ code: 'auth_failed' });
    await nothingStored(flow.id);
  });
});
